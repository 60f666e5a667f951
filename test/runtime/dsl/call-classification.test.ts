import * as assert from 'node:assert';
import { analyzeText } from '../../../runtime/dsl/workspace';

describe('call classification (LANGUAGE.md §3)', () => {
  const src = `
mcp github { command "gh-mcp" }
tool read_file(path: String) -> String { builtin = "fs.read" }
function helper(n: int) -> int { return n * 2; }
agent child(q: String) -> String {
  with { return ask(q); }
}
agent main(goal: String) -> String {
  capabilities = ["read"]
  policy p { allow: read_file(path) }
  with {
    let double = n => n * 2;
    let a = helper(1);
    let b = len([1, 2]);
    let c = read_file("README.md");
    let d = child(goal);
    let e = reason(goal, tools: [read_file], max_iterations: 3);
    let f = summarize(c);
    let g = github.list_issues(repo: "x");
    let h = double(3);
    let i = c.ends_with(".md");
    let j = now();
    return f;
  }
}
`;
  const a = analyzeText(src);
  const byName = new Map(a.check.calls.map((c) => [c.name, c]));

  it('has no errors', () => {
    assert.deepStrictEqual(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  });
  const expected: Array<[string, string]> = [
    ['helper', 'function'], ['len', 'builtin'], ['read_file', 'tool'], ['child', 'agent'], ['reason', 'llm'], ['ask', 'llm'],
    ['summarize', 'semantic'], ['github.list_issues', 'tool'], ['double', 'value'], ['ends_with', 'method'], ['now', 'builtin'],
  ];
  for (const [name, kind] of expected) {
    it(`${name} → ${kind}`, () => assert.strictEqual(byName.get(name)?.kind, kind));
  }
  it('marks clock built-ins as effects and pure built-ins as not', () => {
    assert.strictEqual(byName.get('now')?.effect, true);
    assert.strictEqual(byName.get('len')?.effect, false);
  });
  it('records the MCP server and tool of server.tool(...) calls', () => {
    assert.deepStrictEqual(byName.get('github.list_issues')?.mcp, { server: 'github', tool: 'list_issues' });
  });
  it('records the static policy verdict of each tool call', () => {
    const v = byName.get('read_file')?.verdict;
    assert.strictEqual(v?.decision, 'allow');
    assert.strictEqual(v?.rule?.policy.name.name, 'p');
    assert.strictEqual(byName.get('github.list_issues')?.verdict?.decision, 'ask');
  });
  it('reports semantic functions as information, never silently', () => {
    const d = a.diagnostics.find((x) => x.code === 'semantic-function' && x.message.includes('summarize'));
    assert.strictEqual(d?.severity, 'info');
  });
  it('records the enclosing agent of each call', () => {
    assert.strictEqual(byName.get('ask')?.agent, 'child');
    assert.strictEqual(byName.get('helper')?.agent, 'main');
  });
});

describe('scopes', () => {
  const errorsOf = (stmts: string) => analyzeText(`agent A(p: int) {\n  with {\n${stmts}\n  }\n}\n`).diagnostics
    .filter((d) => d.severity === 'error').map((d) => d.message);

  it('block-scoped let is not visible after its block', () => {
    assert.strictEqual(errorsOf('if p > 1 { let inner = 1; }\nreturn inner;').length, 1);
  });
  it('loop variables are visible only in the loop', () => {
    assert.deepStrictEqual(errorsOf('for item in [1] { log(item); }'), []);
    assert.strictEqual(errorsOf('for item in [1] { }\nlog(item);').length, 1);
  });
  it('implicit assignments (Symbiont style) are visible in the whole body, including catch blocks', () => {
    assert.deepStrictEqual(errorsOf('try { ctx = 1; } catch (e) { log(ctx, e.message); }'), []);
  });
  it('names bound inside parallel are visible after it', () => {
    assert.deepStrictEqual(errorsOf('parallel {\n let a = 1;\n let b = 2;\n}\nreturn a + b;'), []);
  });
  it('if let and match patterns bind names in their branch only', () => {
    assert.deepStrictEqual(errorsOf('if let Some(v) = Some(p) { log(v); }\nmatch p { 1 => log("one"), n => log(n) }'), []);
    assert.strictEqual(errorsOf('if let Some(v) = Some(p) { }\nlog(v);').length, 1);
  });
  it('lambda parameters are scoped to the lambda', () => {
    assert.deepStrictEqual(errorsOf('let f = (a, b) => a + b;\nreturn map([1], v => v + p);'), []);
    assert.strictEqual(errorsOf('let f = v => v;\nreturn v;').length, 1);
  });
});

describe('values that name declarations', () => {
  it('a declared type can be passed as a schema, and agent-level tools count as known policy targets', () => {
    const a = analyzeText(`type R = { ok: bool }
agent A(q: String) {
  tool rf(path: String) { builtin = "fs.read" }
  policy p { allow: rf(path) if path.starts_with("docs/") }
  with { return reason(q, tools: [rf], schema: R); }
}`);
    assert.deepStrictEqual(a.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.message), []);
  });
});
