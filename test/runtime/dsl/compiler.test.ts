import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeText } from '../../../runtime/dsl/workspace';
import { compile } from '../../../runtime/dsl/compiler';
import { ProgramIR, ExprIR, StmtIR } from '../../../runtime/ir/schema';
import { corpusDir, corpusFiles, repoRoot } from '../../helpers/paths';

function compileText(text: string, uri = 'test.baton') {
  const r = compile(analyzeText(text, uri));
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.program;
}

function sources(): Array<[string, string]> {
  const out: Array<[string, string]> = corpusFiles().filter((f) => !f.includes('invalid_')).map((f) => [f, fs.readFileSync(path.join(corpusDir(), f), 'utf8')]);
  const ex = path.join(repoRoot(), 'examples');
  if (fs.existsSync(ex)) for (const f of fs.readdirSync(ex).filter((x) => x.endsWith('.baton'))) out.push([f, fs.readFileSync(path.join(ex, f), 'utf8')]);
  return out;
}

describe('compiler (AST → IR)', () => {
  for (const [name, text] of sources()) {
    it(`${name}: valid IR, deterministic, survives a JSON round-trip`, () => {
      const ir = compileText(text, name);
      ProgramIR.parse(ir);
      const json = JSON.stringify(ir);
      assert.deepStrictEqual(JSON.parse(json), ir);
      assert.strictEqual(JSON.stringify(compileText(text, name)), json);
      const lines = text.split('\n').length;
      for (const m of json.matchAll(/"loc":\[(\d+),(\d+),(\d+),(\d+)\]/g)) {
        const [l1, , l2] = [Number(m[1]), Number(m[2]), Number(m[3])];
        assert.ok(l1 >= 1 && l1 <= l2 && l2 <= lines, `bad loc ${m[0]}`);
      }
    });
  }

  it('refuses a file with errors and returns them', () => {
    const r = compile(analyzeText('agent A {\n', 'broken.baton'));
    assert.strictEqual(r.ok, false);
    if (!r.ok) assert.strictEqual(r.errors[0].code, 'unclosed-block');
  });

  const src = `metadata { model = "gpt-4o-mini" }
mcp gh { command "gh-mcp" args ["--stdio"] env { TOKEN "vault://gh/token" } }
tool git_log(count: int = 5) -> String {
  description = "Recent commits"
  command = ["git", "log", "-n", "{count}"]
  idempotent = true
  timeout = 10s
}
agent main(goal: String) -> String {
  capabilities = ["read"]
  policy p {
    allow: git_log(count) if count < 50
    deny: restart(s) if not context.has_human_approval
    require: approval(gh.create_issue)
    audit: { log_level: "info" }
  }
  with max_iterations = 3, api_key = vault://openai/key {
    report = { n: 1 };
    let log = git_log(count: 3);
    parallel { let a = ask(goal); let b = gh.list_issues(); }
    return summarize(log, a, b);
  }
}`;

  it('compiles tools, MCP servers and policies into runtime-ready data', () => {
    const ir = compileText(src);
    const tool = ir.tools[0];
    assert.deepStrictEqual(tool.binding, { type: 'command', argv: ['git', 'log', '-n', '{count}'] });
    assert.strictEqual(tool.idempotent, true);
    assert.strictEqual(tool.timeoutMs, 10_000);
    assert.deepStrictEqual(ir.mcp[0].env, { TOKEN: { $vault: 'gh/token' } });
    const rules = ir.agents[0].policies[0].rules;
    assert.deepStrictEqual(rules.map((r) => r.form), ['actions', 'actions', 'approval', 'settings']);
    assert.deepStrictEqual(rules[0].pattern, { names: ['git_log'], all: false, bind: ['count'] });
    assert.ok(rules[0].condition, 'conditional allow keeps its condition');
    assert.strictEqual(rules[1].asksHuman, true);
    assert.deepStrictEqual(rules[2].pattern.names, ['gh.create_issue']);
    assert.deepStrictEqual(rules[3].settings, { log_level: 'info' });
  });

  it('keeps vault references unresolved and never inlines secrets', () => {
    const ir = compileText(src);
    assert.deepStrictEqual(ir.agents[0].attrs.api_key, { $vault: 'openai/key' });
    assert.strictEqual(ir.agents[0].attrs.max_iterations, 3);
  });

  it('records call kinds, implicit declarations and parallel blocks in the body', () => {
    const body = compileText(src).agents[0].body!.stmts;
    assert.strictEqual(body[0].s, 'assign');
    assert.strictEqual((body[0] as Extract<StmtIR, { s: 'assign' }>).declares, true);
    const call = (body[1] as Extract<StmtIR, { s: 'let' }>).value as Extract<ExprIR, { k: 'call' }>;
    assert.strictEqual(call.kind, 'tool');
    assert.deepStrictEqual(call.named.map((n) => n[0]), ['count']);
    const par = body[2] as Extract<StmtIR, { s: 'parallel' }>;
    assert.strictEqual(par.body.length, 2);
    const mcpCall = (par.body[1] as Extract<StmtIR, { s: 'let' }>).value as Extract<ExprIR, { k: 'call' }>;
    assert.deepStrictEqual(mcpCall.mcp, { server: 'gh', tool: 'list_issues' });
    const ret = (body[3] as Extract<StmtIR, { s: 'return' }>).value as Extract<ExprIR, { k: 'call' }>;
    assert.strictEqual(ret.kind, 'semantic');
    assert.deepStrictEqual(ret.loc, [21, 12, 21, 32]);
  });
});
