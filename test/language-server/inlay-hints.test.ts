/**
 * Inlay hints over the real LSP (dist/server.js): the policy decision at every tool and agent call
 * (and for tools listed in `reason(..., tools: [...])`), with the deciding rule, placed after the
 * call; the tooltip with the whole decision order. On examples/devops-approvals.baton (each gate
 * kind: deny-unless-approved, approval = "always", require approval, allow, unconditional deny in
 * strict mode) and examples/handoff-support.baton (agent calls, conditional rules), plus inline
 * documents for strict mode, approval = "never", a deny that cannot be lifted, and range filtering.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LspClient, offsetAt, position } from './lsp-client';
import { withFixture } from './nav-fixture';
import { repoRoot } from '../helpers/paths';
import { ctxFor } from './unit-context';
import { explainCall } from '../../language-server/gate-explain';
import { compile } from '../../runtime/dsl/compiler';
import { PolicyEngine } from '../../runtime/policy/engine';
import { Interpreter } from '../../runtime/interp/interpreter';
import { Scope } from '../../runtime/interp/scope';
import type { InterpreterHost } from '../../runtime/interp/host';

interface Hint { position: { line: number; character: number }; label: string | Array<{ value: string }>; tooltip?: string | { value: string }; paddingLeft?: boolean }

const example = (name: string) => fs.readFileSync(path.join(repoRoot(), 'examples', name), 'utf8');
const labelOf = (h: Hint) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));
const tipOf = (h: Hint) => (typeof h.tooltip === 'string' ? h.tooltip : h.tooltip?.value ?? '');

describe('language server: inlay hints', function () {
  this.timeout(20000);
  let client: LspClient;
  before(async () => { client = await LspClient.start(); });
  after(async () => { await client?.stop(); });

  /** Hints of the whole document (or a range), each with the text just before it (what it follows). */
  async function hints(text: string, range?: { start: number; end: number }): Promise<Array<{ before: string; label: string; tip: string; hint: Hint }>> {
    return withFixture(client, { 'a.baton': text }, async (f) => {
      const r = range ?? { start: 0, end: text.length };
      const res = await client.request<Hint[]>('textDocument/inlayHint', { textDocument: { uri: f.uri('a.baton') }, range: { start: position(text, r.start), end: position(text, r.end) } });
      return res.map((h) => {
        const at = offsetAt(text, h.position);
        const lineStart = text.lastIndexOf('\n', at - 1) + 1;
        return { before: text.slice(lineStart, at).trim(), label: labelOf(h), tip: tipOf(h), hint: h };
      });
    });
  }
  const one = (hs: Awaited<ReturnType<typeof hints>>, endsWith: string) => {
    const found = hs.filter((h) => h.before.endsWith(endsWith));
    assert.strictEqual(found.length, 1, `one hint after ${endsWith}; got ${hs.map((h) => `${h.before} ${h.label}`).join(' | ')}`);
    return found[0];
  };

  describe('examples/devops-approvals.baton', () => {
    // The example never calls delete_service: add a call to see its hint.
    const text = example('devops-approvals.baton').replace('restart(service);  // the run waits', 'restart(service);\n                delete_service(service);  // the run waits');

    it('restart → ask via the deny without approval, then allow', async () => {
      const h = one(await hints(text), 'restart(service)');
      assert.strictEqual(h.label, '⟵ ask: deny restart(s) without approval · least_privilege:55');
      assert.match(h.tip, /If a human approves: \*\*allow\*\* — allowed by `allow: restart\(s\) if context.has_human_approval` \(policy least_privilege, line 56\)/);
      assert.strictEqual(h.hint.paddingLeft, true);
    });
    it('deploy → ask via the tool\'s approval = "always"', async () => {
      const h = one(await hints(text), 'deploy(service, image)');
      assert.strictEqual(h.label, '⟵ ask: approval = "always" · tool deploy:42');
      assert.match(h.tip, /If a human approves: \*\*allow\*\* — allowed by `allow: \[scale, deploy\]`/);
    });
    it('scale → ask via require approval', async () => {
      const h = one(await hints(text), 'scale(service, replicas)');
      assert.strictEqual(h.label, '⟵ ask: require approval(scale) · least_privilege:57');
    });
    it('read_logs → allow', async () => {
      const h = one(await hints(text), 'read_logs(service, lines = 50)');
      assert.strictEqual(h.label, '⟵ allow: allow [read_logs, read_status] · least_privilege:54');
      assert.match(h.tip, /approval mode `strict`/);
    });
    it('delete_service → deny, even with approval', async () => {
      const h = one(await hints(text), 'delete_service(service)');
      assert.strictEqual(h.label, '⟵ deny: deny delete_service(any) · least_privilege:59');
      assert.match(h.tip, /Policy: \*\*deny\*\* — denied by `deny: delete_service\(any\)`/);
      assert.doesNotMatch(h.tip, /If a human approves/);
    });
    it('one hint per call site and per tool listed in reason(tools: [...]), in document order', async () => {
      const hs = await hints(text);
      assert.strictEqual(hs.filter((h) => h.before.endsWith('read_status(service)') || h.before.endsWith('read_status(service),')).length, 3);
      const tools = hs.filter((h) => /tools: \[read_logs(, read_status)?$/.test(h.before));
      assert.deepStrictEqual(tools.map((h) => h.label), ['⟵ allow: allow [read_logs, read_status] · least_privilege:54', '⟵ allow: allow [read_logs, read_status] · least_privilege:54']);
      const lines = hs.map((h) => h.hint.position.line * 1000 + h.hint.position.character);
      assert.deepStrictEqual(lines, [...lines].sort((a, b) => a - b));
      assert.strictEqual(hs.length, 10);
    });
    it('only the hints of the requested range', async () => {
      const start = text.indexOf('"scale" =>');
      const hs = await hints(text, { start, end: text.indexOf('"deploy" =>') });
      assert.deepStrictEqual(hs.map((h) => h.before), ['return { action: "scale", result: scale(service, replicas)']);
    });
  });

  describe('examples/handoff-support.baton', () => {
    const text = example('handoff-support.baton');
    it('agent calls: allowed by the caller\'s routing policy (capability invoke_agent)', async () => {
      const hs = await hints(text);
      const billing = one(hs, 'billing_agent(ticket)');
      assert.strictEqual(billing.label, '⟵ allow: allow [billing_agent, tech_agent] · routing:88');
      assert.match(billing.tip, /action `billing_agent` · capabilities `invoke_agent`/);
      assert.strictEqual(one(hs, 'tech_agent(ticket)').label, '⟵ allow: allow [billing_agent, tech_agent] · routing:88');
    });
    it('refund in the billing agent\'s tools: deny over 500, allow up to 50, otherwise ask', async () => {
      const hs = await hints(text);
      const refund = one(hs, 'tools: [invoices, refund');
      assert.strictEqual(refund.label, '⟵ deny if amount > 500 · allow if amount <= 50 · else ask');
      assert.match(refund.tip, /- if `amount > 500`: \*\*deny\*\* — denied by `deny: refund\(c, inv, amount\) if amount > 500` \(policy billing, line 47\)/);
      assert.match(refund.tip, /- otherwise: \*\*ask\*\* — asks a human: no rule decides `refund` \(ask mode\)/);
      assert.match(refund.tip, /If a human approves: \*\*allow\*\*/);
      assert.strictEqual(one(hs, 'tools: [invoices').label, '⟵ allow: allow invoices(c) · billing:46');
    });
    it('read_kb is allowed: the deny of "write" and "execute_code" does not match its fs.read capabilities', async () => {
      const h = one(await hints(text), 'tools: [service_status, search_kb, read_kb');
      assert.strictEqual(h.label, '⟵ allow: allow [search_kb, read_kb, service_status] · support_read_only:68');
      assert.match(h.tip, /capabilities `read`, `file_access`/);
    });
  });

  describe('decision order', () => {
    const tools = 'tool rm(p: String) { builtin = "fs.write" }\ntool quiet() { command = ["true"]\n  approval = "never" }\ntool ls() { builtin = "fs.list" }\n';
    it('strict mode: no rule → deny; an approval that no allow follows is denied anyway', async () => {
      const hs = await hints(`${tools}agent a() {\n  policy p {\n    require: approval(rm)\n  }\n  with approval_mode = "strict" {\n    ls();\n    rm("x");\n  }\n}\n`);
      assert.strictEqual(one(hs, 'ls()').label, '⟵ deny: no allow rule (strict mode)');
      const rm = one(hs, 'rm("x")');
      assert.strictEqual(rm.label, '⟵ ask: require approval(rm) · p:7 → denied even if approved (strict mode)');
    });
    it('approval = "never": no rule → allow; a capability rule matches the built-in\'s implied capability', async () => {
      const hs = await hints(`${tools}agent a() {\n  capabilities = ["write"]\n  policy p {\n    deny: ["write"]\n  }\n  with {\n    quiet();\n    rm("x");\n  }\n}\n`);
      assert.strictEqual(one(hs, 'quiet()').label, '⟵ allow: no rule; approval = "never"');
      assert.strictEqual(one(hs, 'rm("x")').label, '⟵ deny: deny ["write"] · p:8');
    });
    it('a deny a human cannot lift beats the one that asks', async () => {
      const hs = await hints(`${tools}agent a() {\n  policy p {\n    deny: rm(p) if not context.has_human_approval\n    deny: rm\n    allow: rm\n  }\n  with {\n    rm("x");\n  }\n}\n`);
      assert.strictEqual(one(hs, 'rm("x")').label, '⟵ deny: deny rm · p:8');
    });
    it('a conditional deny that reads the approval, and more: ask if the condition holds', async () => {
      const hs = await hints(`${tools}agent a(big: bool) {\n  policy p {\n    deny: rm(p) if big && not context.has_human_approval\n    allow: rm\n  }\n  with {\n    rm("x");\n  }\n}\n`);
      assert.strictEqual(one(hs, 'rm("x")').label, '⟵ ask if big && not context.has_huma… · else allow');
    });
    it('a tool declared in another document of the workspace: its approval = "always" line there', async () => {
      const hs = await withFixture(client, {
        'tools.baton': '// shared tools\n\ntool deploy(s: String) {\n  command = ["echo", "{s}"]\n  approval = "always"\n}\n',
        'a.baton': 'agent a() {\n  with {\n    deploy("x");\n  }\n}\n',
      }, async (f) => client.request<Hint[]>('textDocument/inlayHint', { textDocument: { uri: f.uri('a.baton') }, range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } } }));
      assert.deepStrictEqual(hs.map(labelOf), ['⟵ ask: approval = "always" · tool deploy:5']);
    });
    it('no hints outside agents, or on other calls', async () => {
      const hs = await hints(`${tools}function f() { rm("x"); }\nagent a() {\n  with {\n    log("x");\n    let n = len("abc");\n  }\n}\n`);
      assert.deepStrictEqual(hs, []);
    });
  });

  describe('agrees with the runtime policy engine', () => {
    const TOOLS = 'tool plain(x: String) { command = ["echo", "{x}"] }\n'
      + 'tool always(x: String) { command = ["echo", "{x}"]\n  approval = "always" }\n'
      + 'tool never(x: String) { command = ["echo", "{x}"]\n  approval = "never" }\n'
      + 'tool save(path: String) { builtin = "fs.write" }\n'
      + 'tool ops(x: String) { command = ["echo", "{x}"]\n  capability = "operate" }\n';
    const NAMES = ['plain', 'always', 'never', 'save', 'ops'];
    const RULES = [
      (t: string) => `allow: ${t}`, (t: string) => `deny: ${t}`, (t: string) => `require: approval(${t})`, (t: string) => `require: ${t}`,
      (t: string) => `deny: ${t}(x) if not context.has_human_approval`, (t: string) => `allow: ${t} if context.has_human_approval`,
      (t: string) => `deny: ${t} if false`, (t: string) => `allow: ${t} if true`, () => 'deny: ["write"]', () => 'allow: all_operations',
      () => 'require: approval(operate)', (t: string) => `deny: ${t} if context.has_human_approval`,
    ];
    /** A small deterministic PRNG (mulberry32). */
    function rng(seed: number): () => number {
      return () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }

    it('on generated policies: the decision before and after a human approves, and the deciding rule\'s line', () => {
      const rand = rng(7);
      let compared = 0;
      for (let n = 0; n < 250; n++) {
        const rules = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => RULES[Math.floor(rand() * RULES.length)](NAMES[Math.floor(rand() * NAMES.length)]));
        const mode = rand() < 0.3 ? 'strict' : 'ask';
        const src = `${TOOLS}agent a() {\n  capabilities = ["operate", "write", "write_data", "file_access"]\n  policy p {\n${rules.map((r) => `    ${r}\n`).join('')}  }\n`
          + `  with approval_mode = "${mode}" {\n${NAMES.map((t) => `    ${t}("v");\n`).join('')}  }\n}\n`;
        const ctx = ctxFor({ 'file:///g.baton': src }, 'file:///g.baton');
        const r = compile(ctx.analysis);
        assert.ok(r.ok, `${src}\n${r.ok ? '' : r.errors.map((e) => e.message).join('\n')}`);
        const agent = r.program.agents[0];
        const interp = new Interpreter({ context: {} } as unknown as InterpreterHost, agent);
        const engine = new PolicyEngine(agent.policies.flatMap((p) => p.rules.map((rule) => ({ rule, file: 'g.baton' }))), mode, (rule, bindings) => {
          const scope = new Scope();
          for (const [k, v] of Object.entries(bindings)) scope.define(k, v);
          return interp.evalCondition(rule.condition!, scope, r.program);
        }, 'g.baton');
        for (const site of ctx.analysis.check.calls.filter((c) => c.kind === 'tool')) {
          const e = explainCall(ctx, site)!;
          const tool = r.program.tools.find((t) => t.name === site.name)!;
          const caps = [...new Set([...(tool.capability ? [tool.capability] : []), ...(site.name === 'save' ? ['write', 'write_data', 'file_access'] : [])])];
          const action = { tool: site.name, capabilities: caps, args: { x: 'v', path: 'v' }, params: tool.params.map((p) => p.name), approval: tool.approval };
          const what = `${site.name} under [${rules.join(' | ')}] (${mode})`;
          assert.strictEqual(e.steps.length, 1, `${what}: conditions here are all known`);
          const before = engine.decide(action, { inputs: {}, context: {}, humanApproved: false });
          assert.strictEqual(e.steps[0].outcome, before.verdict, `${what}: ${before.reason}`);
          if (e.steps[0].rule) assert.strictEqual(e.steps[0].rule.rule.start, src.split('\n').slice(0, before.rule.line - 1).join('\n').length + 1 + 4, `${what}: rule`);
          if (before.verdict === 'ask') {
            const after = engine.decide(action, { inputs: {}, context: {}, humanApproved: true });
            assert.strictEqual(e.afterApproval?.[0].outcome, after.verdict, `${what} after approval: ${after.reason}`);
          } else assert.strictEqual(e.afterApproval, null);
          compared++;
        }
      }
      assert.ok(compared >= 1000, `${compared} decisions compared`);
    });
  });
});
