/**
 * The policy engine (LANGUAGE.md §4): unit tests on PolicyEngine over rules compiled from real
 * source, then end to end through runAgent (the kernel's gate, the journal's PolicyEvaluated,
 * ToolDenied, AuditEntry records).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProgramIR } from '../../../runtime/ir/schema';
import type { ApprovalRequest } from '../../../runtime/approvals/approval';
import type { ApprovalAnswer } from '../../../runtime/journal/records';
import type { InterpreterHost } from '../../../runtime/interp/host';
import { analyzeText } from '../../../runtime/dsl/workspace';
import { compile } from '../../../runtime/dsl/compiler';
import { Action, Decision, PolicyEngine, describeRule } from '../../../runtime/policy/engine';
import { Interpreter } from '../../../runtime/interp/interpreter';
import { Scope } from '../../../runtime/interp/scope';
import type { Rec } from '../../../runtime/interp/values';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { cleanedRunAgent, RunAgentOptions, TestRun } from '../../helpers/run-agent';
import { repoRoot } from '../../helpers/paths';

/** runAgent, remembering the temporary workspace so it is removed after the tests. */
const runAgent = cleanedRunAgent();


// ---------------------------------------------------------------------------------------------
// Unit level

const TOOLS = `
tool echo(x: String) -> String { command = ["echo", "{x}"] }
tool restart(service: String) -> String { command = ["echo", "{service}"] capability = "operate" }
tool refund(customer: String, invoice: String, amount: float) -> String { command = ["echo", "{amount}"] }
tool deploy(service: String) -> String { command = ["echo", "{service}"] approval = "always" }
tool quiet(x: String) -> String { command = ["echo", "{x}"] approval = "never" }
tool save(path: String, content: String) -> String { builtin = "fs.write" }
tool peek(path: String) -> String { builtin = "fs.read" }
`;
const TOOL_LINES = TOOLS.split('\n');
const toolLine = (name: string) => TOOL_LINES.findIndex((l) => l.startsWith(`tool ${name}(`)) + 1;

interface Compiled { program: ProgramIR; engine: PolicyEngine; ruleLine(fragment: string): number }

function compiled(policy: string, o: { mode?: 'ask' | 'strict'; params?: string; filePolicy?: string } = {}): Compiled {
  const src = `${TOOLS}${o.filePolicy ? `policy shared {\n${o.filePolicy}\n}\n` : ''}agent a(${o.params ?? ''}) {\n  capabilities = ["operate"]\n  policy p {\n${policy}\n  }\n  with { return 1; }\n}\n`;
  const r = compile(analyzeText(src, 'test.baton'));
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  const program = r.program;
  const agent = program.agents[0];
  const interp = new Interpreter({ context: {} } as unknown as InterpreterHost, agent);
  const rules = [...agent.policies, ...program.policies].flatMap((p) => p.rules.map((rule) => ({ rule, file: 'test.baton' })));
  const engine = new PolicyEngine(rules, o.mode ?? 'ask', (rule, bindings) => {
    const scope = new Scope();
    for (const [k, v] of Object.entries(bindings)) scope.define(k, v);
    return interp.evalCondition(rule.condition!, scope, program);
  }, 'test.baton');
  const lines = src.split('\n');
  return {
    program, engine,
    ruleLine: (fragment) => {
      const i = lines.findIndex((l) => l.includes(fragment));
      assert.ok(i >= 0, `no line with ${fragment}`);
      return i + 1;
    },
  };
}

const CAPS: Record<string, string[]> = { restart: ['operate'], save: ['write', 'write_data', 'file_access'], peek: ['read', 'file_access'] };
const PARAMS: Record<string, string[]> = { echo: ['x'], restart: ['service'], refund: ['customer', 'invoice', 'amount'], deploy: ['service'], quiet: ['x'], save: ['path', 'content'], peek: ['path'] };
const APPROVAL: Record<string, Action['approval']> = { deploy: 'always', quiet: 'never' };

function action(tool: string, args: Rec = {}): Action {
  return { tool, capabilities: CAPS[tool] ?? [], args, params: PARAMS[tool] ?? Object.keys(args), approval: APPROVAL[tool] ?? 'policy', toolLoc: { file: 'test.baton', line: toolLine(tool) } };
}

function decide(c: Compiled, a: Action, o: { approved?: boolean; inputs?: Rec; context?: Rec } = {}): Decision {
  return c.engine.decide(a, { inputs: o.inputs ?? {}, context: o.context ?? { user: 'ann', has_human_approval: false }, humanApproved: o.approved ?? false });
}

function expectDecision(d: Decision, verdict: Decision['verdict'], rule: { verb: string; policy?: string; line?: number }): void {
  assert.equal(d.verdict, verdict, `${d.verdict}: ${d.reason}`);
  assert.equal(d.rule.verb, rule.verb, `rule ${JSON.stringify(d.rule)}`);
  if (rule.policy !== undefined) assert.equal(d.rule.policy, rule.policy);
  if (rule.line !== undefined) assert.equal(d.rule.line, rule.line, `rule line of ${JSON.stringify(d.rule)}`);
  assert.equal(d.rule.file, 'test.baton');
  assert.ok(d.reason.length > 0);
}

describe('policy engine: decision order (unit)', () => {
  it('deny beats allow, whatever their order', () => {
    const c = compiled('    allow: echo\n    deny: echo');
    expectDecision(decide(c, action('echo', { x: 'a' })), 'deny', { verb: 'deny', policy: 'p', line: c.ruleLine('deny: echo') });
    const c2 = compiled('    deny: echo\n    allow: echo');
    expectDecision(decide(c2, action('echo', { x: 'a' })), 'deny', { verb: 'deny', line: c2.ruleLine('deny: echo') });
    // A human's approval does not lift an unconditional deny.
    expectDecision(decide(c2, action('echo', { x: 'a' }), { approved: true }), 'deny', { verb: 'deny' });
  });

  it('an unconditional allow allows; an allow for another tool does not', () => {
    const c = compiled('    allow: echo');
    expectDecision(decide(c, action('echo', { x: 'a' })), 'allow', { verb: 'allow', policy: 'p', line: c.ruleLine('allow: echo') });
    expectDecision(decide(c, action('restart', { service: 's' })), 'ask', { verb: 'default' });
  });

  it('deny ... if not context.has_human_approval asks, and re-evaluation with the approval allows', () => {
    const c = compiled('    deny: restart(s) if not context.has_human_approval\n    allow: restart(s) if context.has_human_approval');
    const first = decide(c, action('restart', { service: 'web' }));
    expectDecision(first, 'ask', { verb: 'deny', line: c.ruleLine('deny: restart') });
    assert.match(first.reason, /unless a human approves/);
    expectDecision(decide(c, action('restart', { service: 'web' }), { approved: true }), 'allow', { verb: 'allow', line: c.ruleLine('allow: restart') });
  });

  it('after a human approves a has_human_approval deny: strict mode still needs an allow rule, ask mode does not', () => {
    const strict = compiled('    deny: restart(s) if not context.has_human_approval', { mode: 'strict' });
    expectDecision(decide(strict, action('restart', { service: 'web' })), 'ask', { verb: 'deny' });
    expectDecision(decide(strict, action('restart', { service: 'web' }), { approved: true }), 'deny', { verb: 'default' });
    const ask = compiled('    deny: restart(s) if not context.has_human_approval');
    expectDecision(decide(ask, action('restart', { service: 'web' }), { approved: true }), 'allow', { verb: 'default' });
  });

  it('a has_human_approval deny that holds even with approval is a plain deny (no one is asked)', () => {
    const c = compiled('    deny: restart(s) if s == "prod" || not context.has_human_approval\n    allow: restart');
    expectDecision(decide(c, action('restart', { service: 'prod' })), 'deny', { verb: 'deny' });
    expectDecision(decide(c, action('restart', { service: 'dev' })), 'ask', { verb: 'deny' });
  });

  it('a later unconditional deny is not hidden behind an earlier has_human_approval deny (nobody is asked in vain)', () => {
    const c = compiled('    deny: restart(s) if not context.has_human_approval\n    deny: restart(s) if s == "prod"\n    allow: restart');
    expectDecision(decide(c, action('restart', { service: 'prod' })), 'deny', { verb: 'deny', line: c.ruleLine('if s == "prod"') });
    expectDecision(decide(c, action('restart', { service: 'dev' })), 'ask', { verb: 'deny', line: c.ruleLine('not context.has_human_approval') });
    expectDecision(decide(c, action('restart', { service: 'dev' }), { approved: true }), 'allow', { verb: 'allow' });
  });

  it('a tool with approval = "always" asks even when an allow matches; after approval the allow decides', () => {
    const c = compiled('    allow: deploy');
    const d = decide(c, action('deploy', { service: 'web' }));
    expectDecision(d, 'ask', { verb: 'tool', policy: 'tool deploy', line: toolLine('deploy') });
    assert.match(d.reason, /approval = "always"/);
    expectDecision(decide(c, action('deploy', { service: 'web' }), { approved: true }), 'allow', { verb: 'allow' });
    // ...but a deny still wins over the tool's own setting.
    const denied = compiled('    deny: deploy\n    allow: deploy');
    expectDecision(decide(denied, action('deploy', { service: 'web' })), 'deny', { verb: 'deny' });
  });

  it('require: approval(x) asks (also when an allow matches); by tool or by capability', () => {
    const c = compiled('    require: approval(echo)\n    allow: [echo, restart]\n    require: approval("operate")');
    expectDecision(decide(c, action('echo', { x: 'a' })), 'ask', { verb: 'require', line: c.ruleLine('approval(echo)') });
    expectDecision(decide(c, action('restart', { service: 'a' })), 'ask', { verb: 'require', line: c.ruleLine('approval("operate")') });
    expectDecision(decide(c, action('echo', { x: 'a' }), { approved: true }), 'allow', { verb: 'allow' });
  });

  it('a conditional require: approval asks only when its condition holds', () => {
    const c = compiled('    require: approval(refund) if amount > 100\n    allow: refund(c, i, amount)', { params: 'amount: float' });
    expectDecision(decide(c, action('refund', { customer: 'c', invoice: 'i', amount: 500 }), { inputs: { amount: 500 } }), 'ask', { verb: 'require' });
    expectDecision(decide(c, action('refund', { customer: 'c', invoice: 'i', amount: 5 }), { inputs: { amount: 5 } }), 'allow', { verb: 'allow' });
  });

  it('no rule: ask in the default mode, deny in strict mode; approval = "never" allows in ask mode only', () => {
    const ask = compiled('    allow: peek');
    expectDecision(decide(ask, action('echo', { x: 'a' })), 'ask', { verb: 'default' });
    expectDecision(decide(ask, action('echo', { x: 'a' }), { approved: true }), 'allow', { verb: 'default' });
    expectDecision(decide(ask, action('quiet', { x: 'a' })), 'allow', { verb: 'default' });
    const strict = compiled('    allow: peek', { mode: 'strict' });
    const d = decide(strict, action('echo', { x: 'a' }));
    expectDecision(d, 'deny', { verb: 'default' });
    assert.match(d.reason, /strict/);
    expectDecision(decide(strict, action('quiet', { x: 'a' })), 'deny', { verb: 'default' });
  });

  it('strict mode with an approval but no allow rule: asks, then denies even after a yes', () => {
    const c = compiled('    require: approval(echo)', { mode: 'strict' });
    expectDecision(decide(c, action('echo', { x: 'a' })), 'ask', { verb: 'require' });
    expectDecision(decide(c, action('echo', { x: 'a' }), { approved: true }), 'deny', { verb: 'default' });
    const always = compiled('    allow: peek', { mode: 'strict' });
    expectDecision(decide(always, action('deploy', { service: 'a' })), 'ask', { verb: 'tool' });
    expectDecision(decide(always, action('deploy', { service: 'a' }), { approved: true }), 'deny', { verb: 'default' });
  });

  it('capability patterns: deny: ["write"] blocks an fs.write tool through its implied capability', () => {
    const c = compiled('    deny: ["write"]\n    allow: all_operations');
    expectDecision(decide(c, action('save', { path: 'a', content: 'b' })), 'deny', { verb: 'deny', line: c.ruleLine('deny: ["write"]') });
    expectDecision(decide(c, action('peek', { path: 'a' })), 'allow', { verb: 'allow', line: c.ruleLine('all_operations') });
    // A declared capability matches too.
    const op = compiled('    allow: operate');
    expectDecision(decide(op, action('restart', { service: 'a' })), 'allow', { verb: 'allow' });
    expectDecision(decide(op, action('echo', { x: 'a' })), 'ask', { verb: 'default' });
  });

  it('all_operations and any match every action', () => {
    const c = compiled('    deny: all_operations if args.x == "bad"\n    allow: any');
    expectDecision(decide(c, action('echo', { x: 'bad' })), 'deny', { verb: 'deny' });
    expectDecision(decide(c, action('echo', { x: 'ok' })), 'allow', { verb: 'allow' });
    expectDecision(decide(c, action('restart', { service: 'x' })), 'allow', { verb: 'allow' });
  });

  it('conditions over args, bound call-shape names, agent inputs and the run context', () => {
    const c = compiled([
      '    allow: refund(c, inv, amount) if amount <= 50',
      '    allow: echo if args.x == "hi" && context.user == "ann"',
      '    allow: restart(s) if s in allowed',
    ].join('\n'), { params: 'allowed: [String]' });
    expectDecision(decide(c, action('refund', { customer: 'c1', invoice: 'i1', amount: 20 })), 'allow', { verb: 'allow', line: c.ruleLine('amount <= 50') });
    expectDecision(decide(c, action('refund', { customer: 'c1', invoice: 'i1', amount: 80 })), 'ask', { verb: 'default' });
    expectDecision(decide(c, action('echo', { x: 'hi' })), 'allow', { verb: 'allow' });
    expectDecision(decide(c, action('echo', { x: 'hi' }), { context: { user: 'bob', has_human_approval: false } }), 'ask', { verb: 'default' });
    expectDecision(decide(c, action('restart', { service: 'web' }), { inputs: { allowed: ['web', 'db'] } }), 'allow', { verb: 'allow' });
    expectDecision(decide(c, action('restart', { service: 'ops' }), { inputs: { allowed: ['web', 'db'] } }), 'ask', { verb: 'default' });
  });

  it('a call shape binds by position, skipping `_` placeholders', () => {
    const c = compiled('    deny: refund(_, _, amount) if amount > 500\n    allow: refund(_, _, amount) if amount <= 50');
    expectDecision(decide(c, action('refund', { customer: 'c1', invoice: 'i1', amount: 900 })), 'deny', { verb: 'deny' });
    expectDecision(decide(c, action('refund', { customer: 'c1', invoice: 'i1', amount: 10 })), 'allow', { verb: 'allow' });
  });

  it('a deny condition that cannot be evaluated fails closed; an allow condition that fails does not allow', () => {
    const c = compiled('    deny: echo if args.x.length > 3\n    allow: echo');
    const d = decide(c, action('echo', { x: null }));
    expectDecision(d, 'deny', { verb: 'deny' });
    assert.match(d.reason, /could not be evaluated/);
    const a = compiled('    allow: refund(c, i, amount) if amount <= 50');
    expectDecision(decide(a, action('refund', { customer: 'c', invoice: 'i', amount: 'lots' })), 'ask', { verb: 'default' });
  });

  it('file-level policies apply to the agent, and name their own policy', () => {
    const c = compiled('    allow: echo', { filePolicy: '    deny: restart' });
    expectDecision(decide(c, action('restart', { service: 'a' })), 'deny', { verb: 'deny', policy: 'shared', line: c.ruleLine('    deny: restart') });
    expectDecision(decide(c, action('echo', { x: 'a' })), 'allow', { verb: 'allow', policy: 'p' });
  });

  it('audits(): record audit rules match every action; action audit rules only theirs', () => {
    const c = compiled('    allow: all_operations\n    audit: { include_input: true, include_output: false }\n    audit: restart');
    const echo = c.engine.audits(action('echo', { x: 'a' }));
    assert.equal(echo.length, 1);
    assert.deepEqual(echo[0].settings, { include_input: true, include_output: false });
    assert.equal(echo[0].rule.verb, 'audit');
    assert.equal(c.engine.audits(action('restart', { service: 'a' })).length, 2);
  });

  it('audits(): a conditional audit rule applies only when its condition holds', () => {
    const c = compiled('    allow: all_operations\n    audit: refund(c, i, amount) if amount > 100');
    assert.equal(c.engine.audits(action('refund', { customer: 'c', invoice: 'i', amount: 500 })).length, 1);
    assert.equal(c.engine.audits(action('refund', { customer: 'c', invoice: 'i', amount: 5 })).length, 0);
  });

  it('requirements() lists the settings of record-valued require rules', () => {
    const c = compiled('    allow: echo\n    require: { rate_limiting: "2/minute", max_document_size: "5MB" }');
    const req = c.engine.requirements();
    assert.equal(req.length, 1);
    assert.deepEqual(req[0].settings, { rate_limiting: '2/minute', max_document_size: '5MB' });
    assert.equal(req[0].rule.line, c.ruleLine('rate_limiting'));
  });

  it('describeRule names the rule', () => {
    assert.equal(describeRule({ policy: 'p', verb: 'deny', file: 'a.baton', line: 7 }), 'policy p, deny (a.baton:7)');
    assert.equal(describeRule({ policy: '(no rule)', verb: 'default', file: 'a.baton', line: 0 }), 'no rule');
  });
});

// ---------------------------------------------------------------------------------------------
// End to end

const ECHO = 'tool echo(x: String) -> String { command = ["node", "-e", "process.stdout.write(process.argv[1])", "{x}"] }';
const NOTE = 'tool note(x: String) -> String { command = ["node", "-e", "require(\'fs\').appendFileSync(\'log.txt\', process.argv[1] + \'\\\\n\'); process.stdout.write(process.argv[1])", "{x}"] }';

function agent(policy: string, body: string, o: { tools?: string; params?: string; attrs?: string } = {}): string {
  return `${o.tools ?? `${ECHO}\n${NOTE}`}\nagent a(${o.params ?? ''}) {\n  policy p {\n${policy}\n  }\n  with ${o.attrs ?? ''} {\n${body}\n  }\n}\n`;
}

function lineOf(src: string, fragment: string): number {
  const i = src.split('\n').findIndex((l) => l.includes(fragment));
  assert.ok(i >= 0, fragment);
  return i + 1;
}

function logLines(r: TestRun): string[] {
  const f = path.join(r.dir, 'log.txt');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
}

/** Approvals that record each request and answer with `answer`. */
function recording(answer: (req: ApprovalRequest) => ApprovalAnswer) {
  const requests: ApprovalRequest[] = [];
  return { requests, approvals: new FixedApprovals((req) => { requests.push(req); return answer(req); }) };
}

describe('policy engine: end to end', () => {
  it('every decision is journaled as PolicyEvaluated naming the policy, file and line', async () => {
    const src = agent('    allow: echo\n    deny: note', `
      let a = echo("hi");
      try { note("no"); } catch (PolicyDenied e) { }
      return a;`);
    const r = await runAgent(src);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const pe = r.of('PolicyEvaluated');
    assert.equal(pe.length, 2);
    assert.deepEqual({ tool: pe[0].tool, verdict: pe[0].verdict, rule: pe[0].rule }, { tool: 'echo', verdict: 'allow', rule: { policy: 'p', verb: 'allow', file: 'agent.baton', line: lineOf(src, 'allow: echo') } });
    assert.deepEqual({ tool: pe[1].tool, verdict: pe[1].verdict, rule: pe[1].rule }, { tool: 'note', verdict: 'deny', rule: { policy: 'p', verb: 'deny', file: 'agent.baton', line: lineOf(src, 'deny: note') } });
    const denied = r.of('ToolDenied');
    assert.equal(denied.length, 1);
    assert.equal(denied[0].rule.line, lineOf(src, 'deny: note'));
    assert.deepEqual(logLines(r), []);
  });

  it('deny ... if not context.has_human_approval: approved → runs (allowed by the allow rule)', async () => {
    const src = agent('    deny: note(s) if not context.has_human_approval\n    allow: note(s) if context.has_human_approval', 'return note("restart web");', { attrs: 'approval_mode = "strict"' });
    const { requests, approvals } = recording(() => ({ kind: 'allow_once' }));
    const r = await runAgent(src, { approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(requests.length, 1);
    assert.equal(requests[0].rule.verb, 'deny');
    assert.equal(requests[0].rule.line, lineOf(src, 'deny: note'));
    assert.equal(requests[0].canAlwaysAllow, false);
    const pe = r.of('PolicyEvaluated');
    assert.deepEqual(pe.map((p) => [p.verdict, p.rule.verb]), [['ask', 'deny'], ['allow', 'allow']]);
    assert.equal(pe[1].rule.line, lineOf(src, 'allow: note'));
    assert.deepEqual(logLines(r), ['restart web']);
  });

  it('deny ... if not context.has_human_approval: denied → the run ends with PolicyDenial, the tool never runs', async () => {
    const src = agent('    deny: note(s) if not context.has_human_approval\n    allow: note(s) if context.has_human_approval', 'return note("restart web");');
    const r = await runAgent(src, { approvals: new FixedApprovals({ kind: 'deny', reason: 'not during business hours' }) });
    assert.equal(r.reason, 'PolicyDenial');
    assert.match(r.error!.message, /not during business hours/);
    assert.equal(r.of('ToolStarted').length, 0);
    assert.deepEqual(logLines(r), []);
    assert.equal(r.of('ToolDenied')[0].rule.line, lineOf(src, 'deny: note'));
  });

  it('a tool with approval = "always" asks even though a rule allows it', async () => {
    const tools = `${ECHO}\ntool ship(x: String) -> String { command = ["node", "-e", "process.stdout.write('shipped ' + process.argv[1])", "{x}"] approval = "always" }`;
    const src = agent('    allow: all_operations', 'return ship("v2");', { tools });
    const { requests, approvals } = recording(() => ({ kind: 'allow_once' }));
    const r = await runAgent(src, { approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'shipped v2');
    assert.equal(requests.length, 1);
    assert.equal(requests[0].rule.verb, 'tool');
    assert.equal(requests[0].rule.line, lineOf(src, 'tool ship('));
  });

  it('require: approval(x) asks; strict mode without an allow rule denies even after a yes', async () => {
    const src = agent('    require: approval(note)', 'return note("x");', { attrs: 'approval_mode = "strict"' });
    const { requests, approvals } = recording(() => ({ kind: 'allow_once' }));
    const r = await runAgent(src, { approvals });
    assert.equal(requests.length, 1);
    assert.equal(r.reason, 'PolicyDenial');
    assert.match(r.error!.message, /strict/);
    assert.deepEqual(logLines(r), []);
    const withAllow = await runAgent(agent('    require: approval(note)\n    allow: note', 'return note("x");', { attrs: 'approval_mode = "strict"' }), { approvals: new FixedApprovals({ kind: 'allow_once' }) });
    assert.equal(withAllow.reason, 'Completed', withAllow.error?.describe());
    assert.deepEqual(logLines(withAllow), ['x']);
  });

  it('no rule: asks in the default mode; denied without asking in strict mode', async () => {
    const { requests, approvals } = recording(() => ({ kind: 'allow_once' }));
    const r = await runAgent(agent('    allow: echo', 'return note("x");'), { approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(requests.length, 1);
    assert.equal(requests[0].rule.verb, 'default');
    assert.equal(requests[0].canAlwaysAllow, true);
    const strict = recording(() => ({ kind: 'allow_once' }));
    const s = await runAgent(agent('    allow: echo', 'return note("x");', { attrs: 'approval_mode = "strict"' }), { approvals: strict.approvals });
    assert.equal(s.reason, 'PolicyDenial');
    assert.equal(strict.requests.length, 0);
    assert.deepEqual(logLines(s), []);
  });

  it('deny: ["write"] blocks an fs.write tool through its implied capability', async () => {
    const tools = 'tool save(path: String, content: String) -> String { builtin = "fs.write" }\ntool peek(path: String) -> String { builtin = "fs.read" }';
    const src = agent('    deny: ["write"]\n    allow: all_operations', `
      let before = peek("a.txt");
      try { save("a.txt", "changed"); } catch (PolicyDenied e) { return [before, e.message]; }
      return "written";`, { tools });
    const r = await runAgent(src, { files: { 'a.txt': 'original' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const [before, msg] = r.result as [string, string];
    assert.equal(before, 'original');
    assert.match(msg, /denied/);
    assert.equal(fs.readFileSync(path.join(r.dir, 'a.txt'), 'utf8'), 'original');
    const pe = r.of('PolicyEvaluated').find((p) => p.tool === 'save')!;
    assert.equal(pe.verdict, 'deny');
    assert.equal(pe.capability, 'write');
    assert.equal(pe.rule.line, lineOf(src, 'deny: ["write"]'));
  });

  it('allow: refund(amount) if amount <= 50 decides by the bound argument', async () => {
    const tools = 'tool refund(customer: String, amount: float) -> String { command = ["node", "-e", "process.stdout.write(\'refunded \' + process.argv[1])", "{amount}"] }';
    const src = agent('    deny: refund(c, amount) if amount > 500\n    allow: refund(c, amount) if amount <= 50', `
      let out = [];
      for a in [20, 80, 900] {
        try { out.append(refund("cus_1", a)); } catch (PolicyDenied e) { out.append("denied"); }
      }
      return out;`, { tools });
    const { requests, approvals } = recording((req) => (req.args.amount === 80 ? { kind: 'deny', reason: 'too much' } : { kind: 'allow_once' }));
    const r = await runAgent(src, { approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['refunded 20', 'denied', 'denied']);
    // 20: allowed by the rule; 80: no rule → a human (who says no); 900: denied by the rule, no one asked.
    assert.deepEqual(requests.map((q) => q.args.amount), [80]);
    const verdicts = r.of('PolicyEvaluated').map((p) => [p.args && (p.args as { amount: number }).amount, p.verdict, p.rule.verb]);
    assert.deepEqual(verdicts, [[20, 'allow', 'allow'], [80, 'ask', 'default'], [900, 'deny', 'deny']]);
  });

  it('a condition over a parameter the call left to its default sees the default', async () => {
    const tools = 'tool logs(service: String, lines: int = 200) -> String { command = ["node", "-e", "process.stdout.write(process.argv[1])", "{lines}"] }';
    const src = agent('    allow: logs(s, lines) if lines <= 500', 'return logs("web");', { tools });
    const r = await runAgent(src);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, '200');
    assert.equal(r.of('PolicyEvaluated')[0].verdict, 'allow');
  });

  it('a conditional audit rule audits only the calls its condition holds for', async () => {
    const src = agent('    allow: all_operations\n    audit: note(x) if x == "two"', `
      note("one");
      note("two");
      return 1;`);
    const r = await runAgent(src);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const argOf = (key: string) => (r.of('ToolStarted').find((t) => t.key === key)!.args as { x: string }).x;
    assert.deepEqual(r.of('AuditEntry').map((a) => `${a.tool}:${argOf(a.key)}`), ['note:two']);
  });

  it('calling another agent is an action the caller\'s policy decides (deny: child)', async () => {
    const src = `agent child() { with { return "child ran"; } }
agent main() {
  capabilities = ["invoke_agent"]
  policy p { deny: child }
  with {
    try { return child(); } catch (PolicyDenied e) { return "denied"; }
  }
}
`;
    const r = await runAgent(src, { agent: 'main' });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'denied');
    assert.equal(r.of('ChildStarted').length, 0);
  });

  it('agent code cannot change the run context that policy conditions read', async () => {
    const src = agent('    allow: note if context.user == "root"', `
      let forged = "no";
      try { context.user = "root"; forged = "yes"; } catch (e) { forged = e.message; }
      try { note("x"); } catch (PolicyDenied e) { return [forged, "denied"]; }
      return [forged, "ran"];`, { attrs: 'approval_mode = "strict"' });
    const r = await runAgent(src);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const [forged, outcome] = r.result as [string, string];
    assert.equal(outcome, 'denied');
    assert.match(forged, /read-only/);
    assert.deepEqual(logLines(r), []);
  });

  it('agent code cannot change the inputs that policy conditions read', async () => {
    const src = agent('    allow: note if "admin" in roles', `
      roles.append("admin");
      try { note("x"); } catch (PolicyDenied e) { return [roles, "denied"]; }
      return [roles, "ran"];`, { attrs: 'approval_mode = "strict"', params: 'roles: [String]' });
    const r = await runAgent(src, { inputs: { roles: ['user'] } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, [['user', 'admin'], 'denied']);
    assert.deepEqual(logLines(r), []);
    assert.deepEqual(r.of('Started')[0].inputs, { roles: ['user'] });
  });

  it('a condition that errors fails closed for deny (end to end)', async () => {
    const src = agent('    deny: echo(x) if x.nope.deeper == 1\n    allow: echo', 'return echo("hi");');
    const r = await runAgent(src);
    assert.equal(r.reason, 'PolicyDenial');
    assert.match(r.error!.message, /could not be evaluated/);
    assert.equal(r.of('ToolStarted').length, 0);
  });

  it('require: { rate_limiting: "2/minute" } denies the third call', async () => {
    const src = agent('    allow: note\n    require: { rate_limiting: "2/minute" }', `
      let out = [];
      for i in range(3) {
        try { out.append(note(str(i))); } catch (PolicyDenied e) { out.append("limited"); }
      }
      return out;`);
    const r = await runAgent(src);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['0', '1', 'limited']);
    assert.deepEqual(logLines(r), ['0', '1']);
    const d = r.of('ToolDenied');
    assert.equal(d.length, 1);
    assert.match(d[0].reason, /rate limit 2\/minute/);
  });

  it('audit rules write AuditEntry records, with input and output only when asked', async () => {
    const src = agent('    allow: all_operations\n    audit: { include_input: true, include_output: true }\n    audit: note', `
      echo("one");
      note("two");
      return 1;`);
    const r = await runAgent(src);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const audits = r.of('AuditEntry');
    const forEcho = audits.filter((a) => a.tool === 'echo');
    assert.equal(forEcho.length, 1);
    assert.deepEqual(forEcho[0].input, { x: 'one' });
    assert.equal(forEcho[0].output, 'one');
    assert.equal(forEcho[0].rule.line, lineOf(src, 'include_input'));
    const forNote = audits.filter((a) => a.tool === 'note');
    assert.equal(forNote.length, 2);
    const plain = forNote.find((a) => a.rule.line === lineOf(src, 'audit: note'))!;
    assert.ok(plain, 'the action audit rule applies to note');
    assert.equal(plain.input, undefined);
    assert.equal(plain.output, undefined);
  });

  it('a denial inside reason() is an observation for the model, not a crash', async () => {
    const provider = new ScriptedProvider([toolCall('note', { x: 'nope' }), text('could not write')]);
    const src = agent('    deny: note\n    allow: echo', 'return reason("write a note", tools: [note, echo]);');
    const r = await runAgent(src, { provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'could not write');
    const obs = r.of('ObservationsCollected')[0].observations[0];
    assert.equal(obs.ok, false);
    assert.match(obs.content, /^DENIED: denied by 'deny' rule of policy p/);
  });
});

describe('policy engine: example agents', () => {
  /** A fake kubectl: prints its arguments; `rollout status` prints a status line. */
  const KUBECTL = '#!/usr/bin/env node\nconst a = process.argv.slice(2);\nrequire("fs").appendFileSync(__dirname + "/kubectl.log", a.join(" ") + "\\n");\nprocess.stdout.write(a[0] === "rollout" && a[1] === "status" ? "deployment ok" : a[0] === "logs" ? "log line" : "done: " + a.join(" "));\n';

  function devops(): { src: string; files: Record<string, string> } {
    const src = fs.readFileSync(path.join(repoRoot(), 'examples', 'devops-approvals.baton'), 'utf8');
    return { src: src.replace(/\["kubectl", /g, '["node", "kubectl.js", '), files: { 'kubectl.js': KUBECTL } };
  }

  function kubectlLog(r: TestRun): string[] {
    const f = path.join(r.dir, 'kubectl.log');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
  }

  it('devops: restart asks a human (deny unless approved), then runs with the allow', async () => {
    const { src, files } = devops();
    const { requests, approvals } = recording(() => ({ kind: 'allow_once' }));
    const r = await runAgent(src, { files, approvals, agent: 'devops', inputs: { action: 'restart', service: 'checkout' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(requests.map((q) => [q.tool, q.rule.verb]), [['restart', 'deny']]);
    assert.ok(kubectlLog(r).includes('rollout restart deployment/checkout'));
    assert.equal((r.result as { action: string }).action, 'restart');
    assert.ok(r.of('AuditEntry').length >= 4, 'the record audit rule audits every call');
  });

  it('devops: restart denied by the human → PolicyDenial and no restart', async () => {
    const { src, files } = devops();
    const r = await runAgent(src, { files, approvals: new FixedApprovals({ kind: 'deny', reason: 'change freeze' }), agent: 'devops', inputs: { action: 'restart', service: 'checkout' } });
    assert.equal(r.reason, 'PolicyDenial');
    assert.match(r.error!.message, /change freeze/);
    assert.ok(!kubectlLog(r).some((l) => l.startsWith('rollout restart')));
  });

  it('devops: scale asks (require: approval), deploy asks (approval = "always"); both then allowed in strict mode', async () => {
    const { src, files } = devops();
    const { requests, approvals } = recording(() => ({ kind: 'allow_once' }));
    const s = await runAgent(src, { files, approvals, agent: 'devops', inputs: { action: 'scale', service: 'checkout', replicas: 4 } });
    assert.equal(s.reason, 'Completed', s.error?.describe());
    assert.ok(kubectlLog(s).includes('scale deployment/checkout --replicas=4'));
    const d = await runAgent(src, { files, approvals, agent: 'devops', inputs: { action: 'deploy', service: 'checkout', image: 'reg/app:2' } });
    assert.equal(d.reason, 'Completed', d.error?.describe());
    assert.deepEqual(requests.map((q) => [q.tool, q.rule.verb]), [['scale', 'require'], ['deploy', 'tool']]);
  });

  it('handoff-support: triage hands a billing ticket to billing_agent and reads its typed result', async () => {
    const src = fs.readFileSync(path.join(repoRoot(), 'examples', 'handoff-support.baton'), 'utf8')
      .replace(/http = "GET https:\/\/billing[^"]*"/, 'command = ["node", "-e", "process.stdout.write(JSON.stringify([{id: \'inv_1\', amount: 40}]))"]');
    const resolution = { handled_by: 'billing', reply: 'Refund on its way.', actions: ['checked invoices'], escalate: false };
    const provider = new ScriptedProvider([
      text('billing'),
      toolCall('invoices', { customer: 'cus_123' }),
      text(JSON.stringify(resolution)),
    ]);
    const r = await runAgent(src, { provider, agent: 'triage', inputs: { customer: 'cus_123', message: 'I was charged twice in May' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, resolution);
    const child = r.of('ChildFinished');
    assert.equal(child.length, 1);
    assert.equal(child[0].agent, 'billing_agent');
    assert.ok(r.of('EffectRecorded').some((e) => e.effect === 'log' && String(e.value).includes('handled by billing')));
  });

  it('handoff-support: billing agent refunds ≤ 50 alone, asks between, never above 500', async () => {
    const src = fs.readFileSync(path.join(repoRoot(), 'examples', 'handoff-support.baton'), 'utf8');
    // Keep the real policies; bind the HTTP tools to local commands.
    const local = src
      .replace(/http = "GET https:\/\/billing[^"]*"/, 'command = ["node", "-e", "process.stdout.write(JSON.stringify([{id: \'inv_1\', amount: 900}]))"]')
      .replace(/http = "POST https:\/\/billing[^"]*"/, 'command = ["node", "-e", "require(\'fs\').appendFileSync(\'log.txt\', process.argv[1] + \'\\\\n\'); process.stdout.write(\'ok\')", "{amount}"]');
    assert.notEqual(local, src);
    const answer = JSON.stringify({ handled_by: 'billing', reply: 'done', actions: ['refund'], escalate: false });
    const provider = new ScriptedProvider([
      toolCall('invoices', { customer: 'cus_1' }),
      toolCall('refund', { customer: 'cus_1', invoice: 'inv_1', amount: 30 }),
      toolCall('refund', { customer: 'cus_1', invoice: 'inv_1', amount: 200 }),
      toolCall('refund', { customer: 'cus_1', invoice: 'inv_1', amount: 900 }),
      text(answer),
    ]);
    const { requests, approvals } = recording(() => ({ kind: 'allow_once' }));
    const r = await runAgent(local, { provider, approvals, agent: 'billing_agent', inputs: { ticket: { customer: 'cus_1', message: 'charged twice', urgency: 'low' } } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, JSON.parse(answer));
    assert.deepEqual(requests.map((q) => q.args.amount), [200]);
    assert.deepEqual(logLines(r), ['30', '200']);
    const refunds = r.of('PolicyEvaluated').filter((p) => p.tool === 'refund');
    assert.deepEqual(refunds.map((p) => p.verdict), ['allow', 'ask', 'allow', 'deny']);
  });
});
