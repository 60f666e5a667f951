/**
 * Lifecycle states and transitions (RUNTIME.md), each journaled: the transition table, Waiting
 * (approval) while a human decides, Suspended stopping a run at its next effect, and a resumed
 * run starting again from the state its journal left.
 */
import * as assert from 'node:assert/strict';
import type { ApprovalProvider } from '../../../runtime/approvals/approval';
import type { LifecycleBody } from '../../../runtime/journal/records-orchestration';
import { canTransition, Lifecycle } from '../../../runtime/orchestration/lifecycle';
import { DefaultScheduler } from '../../../runtime/orchestration/scheduler';
import { cleanedRunAgent, collect, resumeAgent, tempWorkspace } from '../../helpers/run-agent';
import { journalPathOf, startRun } from '../../../runtime/run/run';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import { ScriptedProvider } from '../../../runtime/providers/scripted';
import * as fs from 'node:fs';
import * as path from 'node:path';

const runAgent = cleanedRunAgent();

describe('lifecycle', function () {
  this.timeout(60_000);

  it('allows exactly the transitions of RUNTIME.md and journals each', () => {
    assert.ok(canTransition('Running', 'Waiting') && canTransition('Waiting', 'Running'));
    assert.ok(canTransition('Waiting', 'Suspended') && canTransition('Suspended', 'Running'));
    assert.ok(!canTransition('Initializing', 'Running'));
    assert.ok(!canTransition('Completed', 'Running'));
    assert.ok(!canTransition('Terminated', 'Running'));
    const journal: LifecycleBody[] = [];
    const lc = new Lifecycle('r1', (b) => journal.push(b));
    lc.created();
    assert.throws(() => lc.to('Completed'), /run r1: a run cannot go from Initializing to Completed/);
    lc.to('Ready');
    lc.to('Running');
    lc.waiting('message');
    lc.waiting('child');
    assert.equal(lc.state, 'Waiting');
    void lc.running();
    assert.equal(lc.state, 'Waiting', 'still one strand waiting');
    void lc.running();
    assert.equal(lc.state, 'Running');
    lc.end('Completed');
    assert.deepEqual(journal.map((j) => j.type === 'LifecycleChanged' ? `${j.from ?? '-'}>${j.to}${j.why ? `(${j.why})` : ''}` : j.type),
      ['->Initializing', 'Initializing>Ready', 'Ready>Running', 'Running>Waiting(message)', 'Waiting>Running', 'Running>Completed', 'Completed>Terminated']);
  });

  it('waiting gives the slot back; going on takes one again', async () => {
    const s = new DefaultScheduler({ concurrency: 1 });
    const a = new Lifecycle('a', () => undefined, s);
    const b = new Lifecycle('b', () => undefined, s);
    await a.start(0);
    let bRunning = false;
    const bStarted = b.start(0).then(() => { bRunning = true; });
    await new Promise((r) => setImmediate(r));
    assert.equal(bRunning, false);
    a.waiting('message');
    await bStarted;
    assert.equal(bRunning, true);
    let aBack = false;
    const back = a.running().then(() => { aBack = true; });
    await new Promise((r) => setImmediate(r));
    assert.equal(aBack, false, 'a queues until b gives its slot back');
    b.end('Completed');
    await back;
    assert.equal(a.state, 'Running');
  });

  it('a run is Waiting (approval) while a human decides', async () => {
    const src = `tool poke() -> String { command = ["node", "-e", "process.stdout.write('poked')"] }
agent a() {
    policy p { require: { approval: true } }
    with { return poke(); }
}
`;
    let stateDuring = '';
    const approvals: ApprovalProvider = { request: async () => ({ kind: 'allow_once' }) };
    const r = await runAgent(src, {
      approvals: { request: (req, sig) => { stateDuring = 'asked'; return approvals.request(req, sig); } },
    });
    assert.equal(r.reason, 'Completed', r.error?.message);
    assert.equal(stateDuring, 'asked');
    const states = r.of('LifecycleChanged').map((l) => `${l.to}${l.why ? `(${l.why})` : ''}`);
    assert.deepEqual(states, ['Initializing', 'Ready', 'Running', 'Waiting(approval)', 'Running', 'Completed', 'Terminated']);
    const waitAt = r.records.findIndex((x) => x.type === 'LifecycleChanged' && x.to === 'Waiting');
    const decidedAt = r.records.findIndex((x) => x.type === 'ApprovalDecided');
    assert.ok(waitAt >= 0 && waitAt < decidedAt);
  });

  it('Suspended: a run stops at its next effect until resumed', async () => {
    const src = `agent a() { with { let t = now(); let u = now(); return "ok"; } }`;
    const scheduler = new DefaultScheduler({ concurrency: 1 });
    let suspendedAt = 0;
    let resumedAt = 0;
    const dir = tempWorkspace({ 'a.baton': src });
    const dirRun = startRun({
      root: dir, file: path.join(dir, 'a.baton'), inputs: {}, provider: new ScriptedProvider([]), providerInfo: { id: 'scripted' },
      approvals: new FixedApprovals({ kind: 'deny' }), home: dir,
      pause: {
        beforeStatement: (info) => {
          if (info.step === 2 && !suspendedAt) {
            assert.ok(scheduler.suspend(info.runId, 'policy: quota'));
            suspendedAt = Date.now();
            setTimeout(() => { resumedAt = Date.now(); scheduler.resume(info.runId); }, 200);
          }
        },
      },
      scheduler,
    });
    const r = collect(dir, await dirRun, []);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.result, 'ok');
    const states = r.of('LifecycleChanged').map((l) => `${l.to}${l.why ? `(${l.why})` : ''}`);
    assert.deepEqual(states, ['Initializing', 'Ready', 'Running', 'Suspended(policy: quota)', 'Running(resumed)', 'Completed', 'Terminated']);
    // The second now() was recorded only after the resume.
    const second = r.of('EffectRecorded')[1];
    assert.ok(new Date(second.ts).getTime() >= resumedAt - 5, `${second.ts} vs ${new Date(resumedAt).toISOString()}`);
  });

  it('a resumed run restarts from the state its journal left', async () => {
    const src = `agent a() { with { let x = now(); sleep(1); return "done"; } }`;
    const r = await runAgent(src);
    const file = journalPathOf(r.dir, r.runId);
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const cut = lines.findIndex((l) => JSON.parse(l).type === 'EffectRecorded' && JSON.parse(l).effect === 'sleep');
    fs.writeFileSync(file, lines.slice(0, cut).map((l) => l + '\n').join(''));
    const res = await resumeAgent(r.dir, r.runId);
    assert.equal(res.result, 'done');
    const mine = res.of('LifecycleChanged').slice(-5).map((l) => `${l.from ?? '-'}>${l.to}${l.why ? `(${l.why})` : ''}`);
    assert.deepEqual(mine.slice(-4), ['Running>Ready(resumed)', 'Ready>Running', 'Running>Completed', 'Completed>Terminated']);
  });
});
