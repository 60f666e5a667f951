/**
 * Approvals end to end (LANGUAGE.md §4): the six answers a human can give — allow once, allow for
 * this run, always allow (stored in the workspace, revocable), deny with a reason, edit the
 * arguments, respond with a result — through the real kernel gate, with the journal records they
 * leave and what a resumed run does with an approval decided before a crash.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApprovalRequest } from '../../../runtime/approvals/approval';
import type { ApprovalAnswer } from '../../../runtime/journal/records';
import { FixedApprovals, describeAnswer } from '../../../runtime/approvals/approval';
import { ApprovalStore } from '../../../runtime/approvals/store';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { resumeAgent, runAgent, RunAgentOptions, TestRun } from '../../helpers/run-agent';

const NOTE = 'tool note(x: String) -> String { command = ["node", "-e", "require(\'fs\').appendFileSync(\'log.txt\', process.argv[1] + \'\\\\n\'); process.stdout.write(\'noted \' + process.argv[1])", "{x}"] }';
const ECHO = 'tool echo(x: String) -> String { command = ["node", "-e", "process.stdout.write(process.argv[1])", "{x}"] }';

function agent(body: string, o: { policy?: string; tools?: string; name?: string } = {}): string {
  return `${o.tools ?? `${NOTE}\n${ECHO}`}\nagent ${o.name ?? 'a'}() {\n  policy p {\n    allow: echo\n${o.policy ?? ''}\n  }\n  with {\n${body}\n  }\n}\n`;
}

const dirs: string[] = [];
async function run(src: string, o: RunAgentOptions = {}): Promise<TestRun> {
  const r = await runAgent(src, o);
  if (!o.dir) dirs.push(r.dir);
  return r;
}

function logLines(r: { dir: string }): string[] {
  const f = path.join(r.dir, 'log.txt');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
}

/** Approvals that record every request and answer with `answer`. */
function recording(answer: ApprovalAnswer | ((req: ApprovalRequest, n: number) => ApprovalAnswer)) {
  const requests: ApprovalRequest[] = [];
  const approvals = new FixedApprovals((req) => {
    requests.push(req);
    return typeof answer === 'function' ? answer(req, requests.length) : answer;
  });
  return { requests, approvals };
}

const TWO_NOTES = `
    let a = note("one");
    let b = note("two");
    return [a, b];`;

describe('approvals: the six answers', () => {
  after(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

  it('the request names the run, agent, tool, arguments, schema, rule and reason', async () => {
    const { requests, approvals } = recording({ kind: 'allow_once' });
    const r = await run(agent('return note("hi");'), { approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(requests.length, 1);
    const q = requests[0];
    assert.equal(q.runId, r.runId);
    assert.equal(q.agent, 'a');
    assert.equal(q.tool, 'note');
    assert.deepEqual(q.args, { x: 'hi' });
    assert.ok(q.schema && typeof q.schema === 'object' && JSON.stringify(q.schema).includes('"x"'), JSON.stringify(q.schema));
    assert.equal(q.rule.verb, 'default');
    assert.match(q.reason, /no rule/);
    assert.equal(q.key, 'main#0');
    assert.equal(q.canAlwaysAllow, true);
  });

  it('allow once: the tool runs, and the next call asks again; each question and answer is journaled', async () => {
    const { requests, approvals } = recording({ kind: 'allow_once' });
    const r = await run(agent(TWO_NOTES), { approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['noted one', 'noted two']);
    assert.equal(requests.length, 2);
    assert.deepEqual(logLines(r), ['one', 'two']);
    const asked = r.of('ApprovalRequested');
    const decided = r.of('ApprovalDecided');
    assert.deepEqual(asked.map((x) => [x.key, x.tool, x.args]), [['main#0', 'note', { x: 'one' }], ['main#1', 'note', { x: 'two' }]]);
    assert.deepEqual(decided.map((x) => [x.key, x.answer.kind, x.by]), [['main#0', 'allow_once', 'human'], ['main#1', 'allow_once', 'human']]);
    // Order in the journal: PolicyEvaluated (ask) → ApprovalRequested → ApprovalDecided → PolicyEvaluated (allow) → ToolStarted.
    const seq = r.records.filter((x) => 'key' in x && x.key === 'main#0').map((x) => x.type);
    assert.deepEqual(seq.slice(0, 5), ['PolicyEvaluated', 'ApprovalRequested', 'ApprovalDecided', 'PolicyEvaluated', 'ToolStarted']);
    const pe = r.of('PolicyEvaluated').filter((x) => x.key === 'main#0');
    assert.deepEqual(pe.map((x) => x.verdict), ['ask', 'allow']);
    assert.match(pe[1].reason, new RegExp(describeAnswer({ kind: 'allow_once' })));
  });

  it('allow for this run: asked once, later calls of the tool in the run are granted', async () => {
    const { requests, approvals } = recording({ kind: 'allow_run' });
    const r = await run(agent(`
    let out = [];
    for x in ["a", "b", "c"] { out.append(note(x)); }
    return out;`), { approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(requests.length, 1);
    assert.deepEqual(logLines(r), ['a', 'b', 'c']);
    const decided = r.of('ApprovalDecided');
    assert.deepEqual(decided.map((x) => x.by), ['human', 'granted for this run', 'granted for this run']);
    assert.equal(r.of('ApprovalRequested').length, 1);
  });

  it('allow for this run covers concurrent calls in parallel branches: one prompt', async () => {
    const { requests, approvals } = recording({ kind: 'allow_run' });
    const r = await run(agent(`
    parallel {
      let a = note("p1");
      let b = note("p2");
      let c = note("p3");
    }
    return [a, b, c];`), { approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(requests.length, 1);
    assert.deepEqual(logLines(r).sort(), ['p1', 'p2', 'p3']);
  });

  it('allow for this run does not carry over to a new run', async () => {
    const first = recording({ kind: 'allow_run' });
    const r1 = await run(agent('return note("1");'), { approvals: first.approvals });
    assert.equal(r1.reason, 'Completed', r1.error?.describe());
    const second = recording({ kind: 'allow_once' });
    const r2 = await run(agent('return note("2");'), { approvals: second.approvals, dir: r1.dir });
    assert.equal(r2.reason, 'Completed', r2.error?.describe());
    assert.equal(second.requests.length, 1);
    assert.ok(!fs.existsSync(path.join(r1.dir, '.baton', 'approvals.json')));
  });

  it('always allow: stored in .baton/approvals.json, applies in a new run without asking; revoke removes it', async () => {
    const first = recording({ kind: 'always_allow' });
    const r1 = await run(agent(TWO_NOTES), { approvals: first.approvals });
    assert.equal(r1.reason, 'Completed', r1.error?.describe());
    assert.equal(first.requests.length, 1, 'the second call in the same run is granted');
    const file = path.join(r1.dir, '.baton', 'approvals.json');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(stored.version, 1);
    assert.equal(stored.allowed.length, 1);
    assert.equal(stored.allowed[0].agent, 'a');
    assert.equal(stored.allowed[0].tool, 'note');
    assert.equal(stored.allowed[0].run, r1.runId);
    assert.ok(!Number.isNaN(Date.parse(stored.allowed[0].grantedAt)));
    if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    // A new run: nobody is asked; the journal says why it was allowed.
    const second = recording({ kind: 'deny', reason: 'should not be asked' });
    const r2 = await run(agent('return note("again");'), { approvals: second.approvals, dir: r1.dir });
    assert.equal(r2.reason, 'Completed', r2.error?.describe());
    assert.equal(second.requests.length, 0);
    const d = r2.of('ApprovalDecided');
    assert.equal(d.length, 1);
    assert.match(d[0].by, /always allowed/);
    assert.equal(r2.of('ApprovalRequested').length, 0);

    // Another agent of the workspace is not covered by it.
    const other = recording({ kind: 'allow_once' });
    const r3 = await run(agent('return note("other");', { name: 'b' }), { approvals: other.approvals, dir: r1.dir });
    assert.equal(r3.reason, 'Completed', r3.error?.describe());
    assert.equal(other.requests.length, 1);

    // Revoked: asked again.
    const store = new ApprovalStore(r1.dir);
    assert.equal(store.list().length, 1);
    assert.equal(store.revoke('note', 'a'), 1);
    assert.equal(store.list().length, 0);
    const third = recording({ kind: 'allow_once' });
    const r4 = await run(agent('return note("after revoke");'), { approvals: third.approvals, dir: r1.dir });
    assert.equal(r4.reason, 'Completed', r4.error?.describe());
    assert.equal(third.requests.length, 1);
  });

  it('always allow is not offered or stored where a rule asked, and a stored one never lifts a rule', async () => {
    // A rule asks (require: approval): "always allow" is not offered, and not stored if given anyway.
    const first = recording({ kind: 'always_allow' });
    const r1 = await run(agent('return note("x");', { policy: '    require: approval(note)\n    allow: note' }), { approvals: first.approvals });
    assert.equal(r1.reason, 'Completed', r1.error?.describe());
    assert.equal(first.requests[0].canAlwaysAllow, false);
    assert.ok(!fs.existsSync(path.join(r1.dir, '.baton', 'approvals.json')));

    // A stored answer (from a run where no rule decided) does not lift a require: approval(...) ...
    new ApprovalStore(r1.dir).add({ agent: 'a', tool: 'note', grantedAt: new Date().toISOString() });
    const second = recording({ kind: 'allow_once' });
    const r2 = await run(agent('return note("y");', { policy: '    require: approval(note)\n    allow: note' }), { approvals: second.approvals, dir: r1.dir });
    assert.equal(r2.reason, 'Completed', r2.error?.describe());
    assert.equal(second.requests.length, 1);
    // ... nor a deny.
    const r3 = await run(agent('return note("z");', { policy: '    deny: note' }), { approvals: second.approvals, dir: r1.dir });
    assert.equal(r3.reason, 'PolicyDenial');
    assert.ok(!logLines(r3).includes('z'));
  });

  it('deny with a reason: in code the call raises PolicyDenied with the reason; the tool never runs', async () => {
    const r = await run(agent(`
    try { note("x"); } catch (PolicyDenied e) { return e.message; }
    return "ran";`), { approvals: new FixedApprovals({ kind: 'deny', reason: 'not on a Friday' }) });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.match(r.result as string, /not on a Friday/);
    assert.deepEqual(logLines(r), []);
    assert.equal(r.of('ToolStarted').length, 0);
    const denied = r.of('ToolDenied');
    assert.equal(denied.length, 1);
    assert.match(denied[0].reason, /not on a Friday/);
    assert.deepEqual(r.of('ApprovalDecided')[0].answer, { kind: 'deny', reason: 'not on a Friday' });
  });

  it('deny with a reason inside reason(): the reason reaches the model as the observation', async () => {
    const provider = new ScriptedProvider([toolCall('note', { x: 'secret plan' }, 'c1'), text('I could not write the note.')]);
    const r = await run(agent('return reason("write a note", tools: [note]);'), {
      provider, approvals: new FixedApprovals({ kind: 'deny', reason: 'use the wiki instead' }),
    });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'I could not write the note.');
    const obs = r.of('ObservationsCollected')[0].observations[0];
    assert.equal(obs.ok, false);
    assert.match(obs.content, /DENIED: .*use the wiki instead/);
    // The model saw it as the tool message of its call.
    const toolMsg = provider.lastRequest!.messages.find((m) => m.role === 'tool');
    assert.ok(toolMsg, 'the model got a tool message');
    assert.match(toolMsg.content, /use the wiki instead/);
    assert.deepEqual(logLines(r), []);
  });

  it('edit: the tool runs with the edited arguments, which are journaled and re-checked by the policy', async () => {
    const { requests, approvals } = recording({ kind: 'edit', args: { x: 'edited' } });
    const r = await run(agent('return note("original");'), { approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(requests.length, 1);
    assert.equal(r.result, 'noted edited');
    assert.deepEqual(logLines(r), ['edited']);
    assert.deepEqual(r.of('ToolStarted')[0].args, { x: 'edited' });
    const pe = r.of('PolicyEvaluated');
    assert.deepEqual(pe.map((x) => x.args), [{ x: 'original' }, { x: 'edited' }]);
    assert.deepEqual(r.of('ApprovalDecided')[0].answer, { kind: 'edit', args: { x: 'edited' } });
  });

  it('edit: invalid edited arguments are refused and the tool does not run', async () => {
    for (const args of [{ x: 5 }, { y: 'unknown parameter' }, {}]) {
      const r = await run(agent(`
      try { note("original"); } catch (PolicyDenied e) { return e.message; }
      return "ran";`), { approvals: new FixedApprovals({ kind: 'edit', args: args as never }) });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      assert.match(r.result as string, /edited arguments .* are invalid/, JSON.stringify(args));
      assert.deepEqual(logLines(r), [], JSON.stringify(args));
      assert.equal(r.of('ToolStarted').length, 0);
    }
  });

  it('edit: edited arguments that a deny rule catches are denied', async () => {
    const r = await run(agent(`
    try { note("harmless"); } catch (PolicyDenied e) { return e.message; }
    return "ran";`, { policy: '    deny: note(x) if x == "rm -rf"' }), { approvals: new FixedApprovals({ kind: 'edit', args: { x: 'rm -rf' } }) });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.match(r.result as string, /denied/);
    assert.deepEqual(logLines(r), []);
  });

  it('respond: the tool does not run and the given result is used', async () => {
    const { requests, approvals } = recording({ kind: 'respond', result: { status: 'skipped by a human' } });
    const r = await run(agent('let v = note("x"); return v.status;'), { approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(requests.length, 1);
    assert.equal(r.result, 'skipped by a human');
    assert.deepEqual(logLines(r), []);
    const fin = r.of('ToolFinished');
    assert.equal(fin.length, 1);
    assert.deepEqual(fin[0].ok && fin[0].value, { status: 'skipped by a human' });
  });

  it('respond inside reason(): the model sees the given result as the observation', async () => {
    const provider = new ScriptedProvider([toolCall('note', { x: 'q' }), text('done')]);
    const r = await run(agent('return reason("go", tools: [note]);'), { provider, approvals: new FixedApprovals({ kind: 'respond', result: 'a canned answer' }) });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.of('ObservationsCollected')[0].observations[0].content, 'a canned answer');
    assert.deepEqual(logLines(r), []);
  });

  it('the answer may depend on the request (FixedApprovals with a function)', async () => {
    const approvals = new FixedApprovals((req) => (req.args.x === 'good' ? { kind: 'allow_once' } : { kind: 'deny', reason: 'bad input' }));
    const r = await run(agent(`
    let out = [];
    for x in ["good", "bad"] {
      try { out.append(note(x)); } catch (PolicyDenied e) { out.append("denied"); }
    }
    return out;`), { approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['noted good', 'denied']);
  });
});

describe('approvals: resume', () => {
  after(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

  /** Simulates a crash: keeps the journal's first `keep` records (whole lines), drops the rest. */
  function cutJournal(r: TestRun, keep: number): void {
    const file = r.journalPath!;
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    fs.writeFileSync(file, lines.slice(0, keep).join('\n') + '\n');
  }

  it('an approval decided before the crash is not asked again; the tool runs with the recorded answer', async () => {
    const first = recording({ kind: 'edit', args: { x: 'two (edited)' } });
    const r = await run(agent(TWO_NOTES, { policy: '    allow: note(x) if x == "one"' }), { approvals: first.approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(first.requests.length, 1);
    // Crash right after the human's answer for the second call, before the tool started.
    const decided = r.records.find((x) => x.type === 'ApprovalDecided' && x.key === 'main#1')!;
    cutJournal(r, decided.seq + 1);
    fs.writeFileSync(path.join(r.dir, 'log.txt'), 'one\n');

    const again = recording({ kind: 'deny', reason: 'must not be asked again' });
    const res = await resumeAgent(r.dir, r.runId, { approvals: again.approvals });
    assert.equal(res.reason, 'Completed', res.error?.describe());
    assert.equal(again.requests.length, 0);
    assert.deepEqual(res.result, ['noted one', 'noted two (edited)']);
    assert.deepEqual(logLines(res), ['one', 'two (edited)']);
    assert.equal(res.of('ApprovalDecided').length, 1, 'the decision is not journaled twice');
    assert.equal(res.of('ApprovalRequested').length, 1);
  });

  it('a tool that finished before the crash is not asked or run again', async () => {
    const first = recording({ kind: 'allow_once' });
    const r = await run(agent(TWO_NOTES), { approvals: first.approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const finished = r.records.find((x) => x.type === 'ToolFinished' && x.key === 'main#0')!;
    cutJournal(r, finished.seq + 1);
    fs.writeFileSync(path.join(r.dir, 'log.txt'), 'one\n');

    const again = recording({ kind: 'allow_once' });
    const res = await resumeAgent(r.dir, r.runId, { approvals: again.approvals });
    assert.equal(res.reason, 'Completed', res.error?.describe());
    assert.deepEqual(again.requests.map((q) => q.args), [{ x: 'two' }]);
    assert.deepEqual(logLines(res), ['one', 'two']);
  });

  it('"allow for this run" given before the crash still holds after resume', async () => {
    const first = recording({ kind: 'allow_run' });
    const r = await run(agent(TWO_NOTES), { approvals: first.approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const finished = r.records.find((x) => x.type === 'ToolFinished' && x.key === 'main#0')!;
    cutJournal(r, finished.seq + 1);
    fs.writeFileSync(path.join(r.dir, 'log.txt'), 'one\n');

    const again = recording({ kind: 'deny', reason: 'must not be asked' });
    const res = await resumeAgent(r.dir, r.runId, { approvals: again.approvals });
    assert.equal(res.reason, 'Completed', res.error?.describe());
    assert.equal(again.requests.length, 0);
    assert.deepEqual(logLines(res), ['one', 'two']);
  });

  it('a denial decided before the crash stays a denial on resume, without asking', async () => {
    const first = recording((req) => (req.args.x === 'two' ? { kind: 'deny', reason: 'no second note' } : { kind: 'allow_once' }));
    const src = agent(`
    let a = note("one");
    let b = "";
    try { b = note("two"); } catch (PolicyDenied e) { b = "denied"; }
    return [a, b];`);
    const r = await run(src, { approvals: first.approvals });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['noted one', 'denied']);
    const decided = r.records.find((x) => x.type === 'ApprovalDecided' && x.key === 'main#1')!;
    cutJournal(r, decided.seq + 1);

    const again = recording({ kind: 'allow_once' });
    const res = await resumeAgent(r.dir, r.runId, { approvals: again.approvals });
    assert.equal(res.reason, 'Completed', res.error?.describe());
    assert.equal(again.requests.length, 0);
    assert.deepEqual(res.result, ['noted one', 'denied']);
    assert.deepEqual(logLines(res), ['one']);
  });
});

describe('approvals: the store', () => {
  it('lists, adds (one entry per agent and tool), revokes by tool or by agent and tool', () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'baton-store-'));
    try {
      const s = new ApprovalStore(dir);
      assert.deepEqual(s.list(), []);
      s.add({ agent: 'a', tool: 't', grantedAt: '2024-01-01T00:00:00Z' });
      s.add({ agent: 'a', tool: 't', grantedAt: '2024-02-01T00:00:00Z' });
      s.add({ agent: 'b', tool: 't', grantedAt: '2024-01-01T00:00:00Z' });
      s.add({ agent: 'a', tool: 'm', hash: 'h1', grantedAt: '2024-01-01T00:00:00Z' });
      assert.equal(s.list().length, 3);
      assert.equal(s.has('a', 't')?.grantedAt, '2024-02-01T00:00:00Z');
      assert.ok(s.has('a', 'm', 'h1'));
      assert.equal(s.has('a', 'm', 'h2'), undefined, 'a changed MCP tool is a different tool');
      assert.equal(s.has('a', 'm'), undefined);
      assert.equal(s.revoke('t', 'b'), 1);
      assert.ok(s.has('a', 't'));
      assert.equal(s.revoke('t'), 1);
      assert.equal(s.revoke('nothing'), 0);
      assert.equal(s.list().length, 1);
      fs.writeFileSync(s.file, '{ not json');
      assert.throws(() => s.list(), /not valid JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
