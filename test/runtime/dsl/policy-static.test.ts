/**
 * The static policy gate (runtime/dsl/policy-static.ts, stored by the checker as `CallSite.verdict`)
 * against the runtime engine (runtime/policy/engine.ts `decide`). The verdict is a chain of steps
 * whose conditions are rule conditions; resolving it for concrete inputs (evaluating each step's rule
 * condition like the engine does) must give the engine's decision and deciding rule — before a human
 * answers and, when it asks, after a human approves. Covers the disagreements the old checker-only
 * `staticDecision` had: lifted vs unconditional denies, conditions that mention the approval and more,
 * plain `require:` rules, conditional `require: approval(...)`, `approval = "never"`, built-in
 * capabilities, MCP names, agent calls, strict mode after approval; and the `policy-asks-every-call`
 * / `policy-denied-call` diagnostics that read the verdict.
 */
import * as assert from 'node:assert/strict';
import type { InterpreterHost } from '../../../runtime/interp/host';
import type { RuleIR } from '../../../runtime/ir/schema';
import type { Rec } from '../../../runtime/interp/values';
import type { CallSite } from '../../../runtime/dsl/check-context';
import type { StaticVerdict } from '../../../runtime/dsl/policy-static';
import { analyzeText } from '../../../runtime/dsl/workspace';
import { compile } from '../../../runtime/dsl/compiler';
import { BUILTIN_TOOLS, ALL_ACTIONS } from '../../../runtime/dsl/builtins';
import { Action, PolicyEngine } from '../../../runtime/policy/engine';
import { Interpreter } from '../../../runtime/interp/interpreter';
import { Scope } from '../../../runtime/interp/scope';
import { truthy } from '../../../runtime/interp/values';

const TOOLS = 'mcp github { command "gh-mcp" }\n'
  + 'tool plain(x: String) { command = ["echo", "{x}"] }\n'
  + 'tool always(x: String) { command = ["echo", "{x}"]\n  approval = "always" }\n'
  + 'tool never(x: String) { command = ["echo", "{x}"]\n  approval = "never" }\n'
  + 'tool save(path: String) { builtin = "fs.write" }\n'
  + 'tool ops(x: String) { command = ["echo", "{x}"]\n  capability = "operate" }\n'
  + 'tool issues(x: String) { mcp = "github/list_issues" }\n'
  + 'agent helper(x: String) -> String {\n  with { return x; }\n}\n';
const CALLS = ['plain("v")', 'always("v")', 'never("v")', 'save("v")', 'ops("v")', 'issues("v")', 'github.list_issues(x: "v")', 'helper("v")'];

interface Setup { src: string; sites: CallSite[]; diagnostics: Array<{ code: string; message: string }>; decide(site: CallSite, inputs: Rec, approved: boolean): { verdict: string; line: number; verb: string }; resolve(site: CallSite, v: StaticVerdict, inputs: Rec, approved: boolean): { verdict: string; line: number } }

/** An agent `a(big: bool)` with the given rules calling every tool and the agent `helper`. */
function setup(rules: string[], mode: 'ask' | 'strict' = 'ask', calls = CALLS): Setup {
  const src = `${TOOLS}agent a(big: bool) {\n  capabilities = ["operate", "write", "write_data", "file_access"]\n  policy p {\n${rules.map((r) => `    ${r}\n`).join('')}  }\n`
    + `  with approval_mode = "${mode}" {\n${calls.map((c) => `    ${c};\n`).join('')}    return 1;\n  }\n}\n`;
  const analysis = analyzeText(src, 'g.baton');
  const r = compile(analysis);
  assert.ok(r.ok, `${src}\n${r.ok ? '' : r.errors.map((e) => e.message).join('\n')}`);
  const program = r.program;
  const agent = program.agents.find((x) => x.name === 'a')!;
  const interp = new Interpreter({ context: {} } as unknown as InterpreterHost, agent);
  const evaluate = (rule: RuleIR, bindings: Rec) => {
    const scope = new Scope();
    for (const [k, v] of Object.entries(bindings)) scope.define(k, v);
    return interp.evalCondition(rule.condition!, scope, program);
  };
  const engine = new PolicyEngine([...agent.policies, ...program.policies].flatMap((p) => p.rules.map((rule) => ({ rule, file: 'g.baton' }))), mode, evaluate, 'g.baton');
  const lineOf = (offset: number) => src.slice(0, offset).split('\n').length;
  const action = (site: CallSite): Action => {
    const args = { x: 'v', path: 'v' };
    if (site.kind === 'agent') return { tool: site.name, capabilities: ['invoke_agent'], args, params: ['x'], approval: 'policy' };
    if (site.mcp) return { tool: site.name, capabilities: [], args, params: ['x'], approval: 'policy' };
    const tool = program.tools.find((t) => t.name === site.name)!;
    const caps = new Set<string>(tool.capability ? [tool.capability] : []);
    if (tool.binding.type === 'builtin') for (const c of BUILTIN_TOOLS.get(tool.binding.id)?.capabilities ?? []) caps.add(c);
    return { tool: site.name, capabilities: [...caps], args, params: tool.params.map((p) => p.name), approval: tool.approval };
  };
  /** The engine's reading of a rule's condition (the same bindings as `PolicyEngine.holds`). */
  const holds = (site: CallSite, line: number, inputs: Rec, approved: boolean): boolean => {
    const rule = agent.policies.flatMap((p) => p.rules).find((x) => x.loc[0] === line)!;
    if (!rule.condition) return true;
    const a = action(site);
    const b: Rec = { ...inputs, args: a.args, context: { has_human_approval: approved } };
    rule.pattern.bind.forEach((name, i) => { if (name !== '_' && !ALL_ACTIONS.has(name)) b[name] = a.args[a.params[i]] ?? null; });
    return truthy(evaluate(rule, b));
  };
  return {
    src,
    sites: analysis.check.calls.filter((c) => c.kind === 'tool' || c.kind === 'agent').filter((c) => c.agent === 'a'),
    diagnostics: analysis.diagnostics,
    decide: (site, inputs, approved) => {
      const d = engine.decide(action(site), { inputs, context: {}, humanApproved: approved });
      return { verdict: d.verdict, line: d.rule.line, verb: d.rule.verb };
    },
    resolve: (site, v, inputs, approved) => {
      for (const s of v.conditional) if (holds(site, lineOf(s.rule!.rule.start), inputs, approved)) return { verdict: s.decision, line: lineOf(s.rule!.rule.start) };
      return { verdict: v.decision, line: v.rule ? lineOf(v.rule.rule.start) : 0 };
    },
  };
}

/** Every call site's verdict, resolved for big = true / false, before and after approval, equals the engine. */
function agree(s: Setup, what: string): number {
  let compared = 0;
  for (const site of s.sites) {
    const v = site.verdict;
    assert.ok(v, `${what}: ${site.name} has a verdict`);
    for (const big of [true, false]) {
      const w = `${site.name} (big = ${big}) under ${what}`;
      const before = s.decide(site, { big }, false);
      const got = s.resolve(site, v, { big }, false);
      assert.equal(got.verdict, before.verdict, `${w}: static ${JSON.stringify(v, (k, x) => (k === 'rule' || k === 'when' ? undefined : x))}`);
      if (before.verb !== 'tool' && before.verb !== 'default') assert.equal(got.line, before.line, `${w}: deciding rule`);
      if (before.verdict === 'ask') {
        assert.ok(v.afterApproval, `${w}: asks, so there is an after-approval verdict`);
        const after = s.decide(site, { big }, true);
        const gotAfter = s.resolve(site, v.afterApproval, { big }, true);
        assert.equal(gotAfter.verdict, after.verdict, `${w} after approval`);
        if (after.verb !== 'default') assert.equal(gotAfter.line, after.line, `${w} after approval: deciding rule`);
      }
      compared++;
    }
  }
  return compared;
}

const siteOf = (s: Setup, name: string) => s.sites.find((x) => x.name === name)!;
const chain = (v: StaticVerdict) => [...v.conditional.map((c) => `${c.decision} if`), v.decision].join(' · ');
const diagFor = (s: Setup, code: string, name: string) => s.diagnostics.filter((d) => d.code === code && d.message.includes(`'${name}'`));

describe('static policy verdict (policy-static.ts) agrees with the engine', () => {
  it('(1) a deny a human cannot lift beats the deny that asks', () => {
    const s = setup(['deny: plain(x) if not context.has_human_approval', 'deny: plain', 'allow: plain']);
    agree(s, 'case 1');
    const v = siteOf(s, 'plain').verdict!;
    assert.equal(chain(v), 'deny');
    assert.equal(v.rule?.rule.pattern.kind, 'Name');
    assert.equal(diagFor(s, 'policy-denied-call', 'plain').length, 1);
  });
  it('(2) a deny that mentions the approval asks only when the rest of its condition holds', () => {
    const s = setup(['deny: plain(x) if big && not context.has_human_approval', 'allow: plain']);
    agree(s, 'case 2');
    const v = siteOf(s, 'plain').verdict!;
    assert.equal(chain(v), 'ask if · allow');
    assert.equal(v.conditional[0].liftable, true);
  });
  it('(3) `require: tool` (plain actions form) asks, like `require: approval(tool)`', () => {
    const s = setup(['require: plain', 'allow: plain']);
    agree(s, 'case 3');
    const v = siteOf(s, 'plain').verdict!;
    assert.equal(chain(v), 'ask');
    assert.equal(v.rule?.verb, 'require');
    assert.equal(v.afterApproval?.decision, 'allow');
  });
  it('(4) `require: approval(x) if cond` asks only when its condition holds', () => {
    const s = setup(['require: approval(plain) if big', 'require: approval(ops) if false', 'allow: [plain, ops]']);
    agree(s, 'case 4');
    assert.equal(chain(siteOf(s, 'plain').verdict!), 'ask if · allow');
    assert.equal(chain(siteOf(s, 'ops').verdict!), 'allow');
  });
  it('(5) approval = "never" with no rule is allowed, and not reported as asking on every call', () => {
    const s = setup([]);
    agree(s, 'case 5');
    const v = siteOf(s, 'never').verdict!;
    assert.deepEqual([v.decision, v.by, v.defaultCase], ['allow', 'default', 'approval-never']);
    assert.deepEqual(diagFor(s, 'policy-asks-every-call', 'never'), []);
    assert.equal(diagFor(s, 'policy-asks-every-call', 'plain').length, 1);
  });
  it('(6) capabilities implied by a built-in binding match: deny: ["write"] denies an fs.write tool', () => {
    const s = setup(['deny: ["write"]', 'allow: all_operations']);
    agree(s, 'case 6');
    assert.equal(chain(siteOf(s, 'save').verdict!), 'deny');
    assert.equal(diagFor(s, 'policy-denied-call', 'save').length, 1);
    assert.equal(chain(siteOf(s, 'plain').verdict!), 'allow');
  });
  it('(7) MCP names match exactly as the engine matches them', () => {
    const a = setup(['allow: list_issues']);
    agree(a, 'case 7a');
    assert.equal(siteOf(a, 'github.list_issues').verdict!.decision, 'ask');
    const b = setup(['allow: "github/list_issues"']);
    agree(b, 'case 7b');
    assert.equal(siteOf(b, 'issues').verdict!.decision, 'ask', 'a tool bound with mcp = "github/list_issues" is known by its own name');
    assert.equal(siteOf(b, 'github.list_issues').verdict!.decision, 'allow');
    const c = setup(['allow: github.list_issues', 'allow: issues']);
    agree(c, 'case 7c');
    assert.equal(siteOf(c, 'github.list_issues').verdict!.decision, 'allow');
    assert.equal(siteOf(c, 'issues').verdict!.decision, 'allow');
  });
  it('(8) agent calls get a verdict: capability invoke_agent or the agent\'s name', () => {
    const a = setup(['allow: invoke_agent if big']);
    agree(a, 'case 8a');
    assert.equal(chain(siteOf(a, 'helper').verdict!), 'allow if · ask');
    const b = setup(['deny: helper']);
    agree(b, 'case 8b');
    assert.equal(siteOf(b, 'helper').verdict!.decision, 'deny');
    assert.deepEqual(diagFor(b, 'policy-denied-call', 'helper'), [], 'diagnostics stay about tool calls');
  });
  it('(9) strict mode: an ask with no allow rule is denied once approved', () => {
    const s = setup(['require: approval(plain)'], 'strict');
    agree(s, 'case 9');
    const v = siteOf(s, 'plain').verdict!;
    assert.equal(v.decision, 'ask');
    assert.deepEqual([v.afterApproval?.decision, v.afterApproval?.defaultCase], ['deny', 'strict']);
    assert.equal(siteOf(s, 'always').verdict!.afterApproval?.decision, 'deny');
  });
  it('policy-asks-every-call only when every call asks: not when a conditional allow may apply', () => {
    const s = setup(['allow: plain if big', 'require: approval(ops)']);
    agree(s, 'conditional allow');
    assert.deepEqual(diagFor(s, 'policy-asks-every-call', 'plain'), []);
    assert.deepEqual(diagFor(s, 'policy-asks-every-call', 'ops'), [], 'a require rule decides: no rule is missing');
    assert.equal(diagFor(s, 'policy-asks-every-call', 'save').length, 1);
    assert.match(diagFor(s, 'policy-asks-every-call', 'save')[0].message, /^No rule allows 'save': every call asks for approval\.$/);
  });

  describe('on generated policies (conditions on an input, the approval, bound arguments)', () => {
    const T = ['plain', 'always', 'never', 'save', 'ops', 'issues', 'helper'];
    const NAMES = [...T, 'list_issues', 'github.list_issues', '"github/list_issues"', '"write"', 'invoke_agent', 'operate'];
    const RULES = [
      (t: string) => `allow: ${t}`, (t: string) => `deny: ${t}`, (t: string) => `require: approval(${t})`, (t: string) => `require: ${t}`,
      (t: string) => `allow: ${t} if big`, (t: string) => `deny: ${t} if big`, (t: string) => `deny: ${t} if not big`,
      (t: string) => `require: approval(${t}) if big`, (t: string) => `require: ${t} if not big`,
      (t: string) => `deny: ${t} if big && not context.has_human_approval`, (t: string) => `deny: ${t} if not context.has_human_approval`,
      (t: string) => `allow: ${t} if context.has_human_approval`, (t: string) => `deny: ${t} if context.has_human_approval || big`,
      (t: string) => `allow: ${t} if big || context.has_human_approval`, (t: string) => `deny: ${t} if false`, (t: string) => `allow: ${t} if true`,
      () => 'deny: ["write"]', () => 'allow: all_operations', () => 'allow: all_operations if big', () => 'require: approval(operate)',
      () => 'deny: plain(x) if x == "v" && big', () => 'allow: helper(x) if x == "v"', () => 'allow: invoke_agent',
    ];
    function rng(seed: number): () => number {
      return () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }
    it('every call site, resolved for each input, before and after approval', function () {
      this.timeout(60000);
      const rand = rng(11);
      const pick = <X>(xs: X[]) => xs[Math.floor(rand() * xs.length)];
      let compared = 0;
      for (let n = 0; n < 150; n++) {
        const rules = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => pick(RULES)(pick(rand() < 0.7 ? T : NAMES)));
        const mode = rand() < 0.3 ? 'strict' : 'ask';
        compared += agree(setup(rules, mode), `[${rules.join(' | ')}] (${mode})`);
      }
      assert.ok(compared >= 2000, `${compared} decisions compared`);
    });
  });
});
