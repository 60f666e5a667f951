/**
 * The scheduler: priorities, the concurrency limit over running runs, aging (no starvation),
 * cancellation while queued — on its own, and with real runs and child runs through run.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DefaultScheduler } from '../../../runtime/orchestration/scheduler';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import { ScriptedProvider } from '../../../runtime/providers/scripted';
import { startRun } from '../../../runtime/run/run';
import { readJournal } from '../../../runtime/journal/reader';
import { tempWorkspace } from '../../helpers/run-agent';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

describe('scheduler', function () {
  this.timeout(60_000);

  it('grants slots by priority, FIFO among equals, never more than the limit', async () => {
    let t = 0;
    const s = new DefaultScheduler({ concurrency: 2, agingMs: 1_000_000, now: () => t });
    const order: string[] = [];
    const first = await Promise.all([s.acquire('a', 0), s.acquire('b', 0)]);
    assert.equal(s.stats.running, 2);
    const waiting = [['low1', 0], ['high', 5], ['low2', 0], ['mid', 2]].map(([id, p]) => { t++; return s.acquire(id as string, p as number).then((slot) => { order.push(id as string); return slot; }); });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [], 'nothing granted while both slots are held');
    assert.equal(s.stats.queued, 4);
    first[0].release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['high']);
    first[1].release();
    (await waiting[1]).release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['high', 'mid', 'low1']);
    (await waiting[3]).release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['high', 'mid', 'low1', 'low2']);
    assert.ok(s.stats.running <= 2);
  });

  it('aging: a low-priority run that waited long enough goes before a newer high-priority one', async () => {
    let t = 0;
    const s = new DefaultScheduler({ concurrency: 1, agingMs: 100, now: () => t });
    const held = await s.acquire('holder', 0);
    const order: string[] = [];
    void s.acquire('old-low', 0).then((x) => { order.push('old-low'); x.release(); });
    t = 1_000; // 10 priority levels of waiting
    void s.acquire('new-high', 5).then((x) => { order.push('new-high'); x.release(); });
    t = 1_001;
    held.release();
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(order, ['old-low', 'new-high']);
  });

  it('a queued run can be cancelled: it never gets a slot', async () => {
    const s = new DefaultScheduler({ concurrency: 1 });
    const held = await s.acquire('holder', 0);
    const ac = new AbortController();
    const p = s.acquire('victim', 9, ac.signal);
    ac.abort();
    await assert.rejects(p, /cancelled while queued/);
    assert.equal(s.stats.queued, 0);
    held.release();
    assert.equal(s.stats.running, 0);
  });

  it('real runs: at most N run at once, and a parent waiting on its children frees its slot (no deadlock at concurrency 1)', async () => {
    const src = `tool probe(tag: String) -> String {
    command = ["node", "-e", "const fs=require('fs');fs.appendFileSync('trace.txt','+'+process.argv[1]+'\\\\n');setTimeout(()=>{fs.appendFileSync('trace.txt','-'+process.argv[1]+'\\\\n');process.stdout.write(process.argv[1])},150)", "{tag}"]
}
agent leaf(tag: String) {
    policy p { allow: probe }
    with { return probe(tag); }
}
agent parent(tag: String) {
    capabilities = ["invoke_agent"]
    policy p { allow: leaf }
    with {
        parallel {
            let a = leaf(tag + "1");
            let b = leaf(tag + "2");
        }
        return a + b;
    }
}
`;
    const dir = tempWorkspace({ 'tree.baton': src });
    dirs.push(dir);
    const scheduler = new DefaultScheduler({ concurrency: 1 });
    const run = (tag: string) => startRun({
      root: dir, file: path.join(dir, 'tree.baton'), agent: 'parent', inputs: { tag }, provider: new ScriptedProvider([]), providerInfo: { id: 'scripted' },
      approvals: new FixedApprovals({ kind: 'deny' }), home: dir, scheduler,
    });
    const outs = await Promise.all([run('x'), run('y')]);
    assert.deepEqual(outs.map((o) => [o.reason, o.result]), [['Completed', 'x1x2'], ['Completed', 'y1y2']]);
    // Never two probes at once: each '+' is followed by its own '-'.
    const trace = fs.readFileSync(path.join(dir, 'trace.txt'), 'utf8').split('\n').filter(Boolean);
    assert.equal(trace.length, 8);
    for (let i = 0; i < trace.length; i += 2) assert.equal(trace[i + 1], '-' + trace[i].slice(1), trace.join(' '));
    assert.deepEqual(scheduler.stats, { running: 0, queued: 0, granted: scheduler.stats.granted });
    assert.deepEqual(scheduler.list(), []);
    const recs = readJournal(outs[0].journalPath!).records;
    assert.ok(recs.some((r) => r.type === 'LifecycleChanged' && r.run === outs[0].runId && r.to === 'Waiting' && r.why === 'child'));
  });

  it('cancelling a run through the scheduler cancels it and its children', async () => {
    const src = `agent nap() { with { sleep(30000); return 1; } }
agent top() {
    capabilities = ["invoke_agent"]
    policy p { allow: nap }
    with { return nap(); }
}
`;
    const dir = tempWorkspace({ 'nap.baton': src });
    dirs.push(dir);
    const scheduler = new DefaultScheduler({ concurrency: 2 });
    let id = '';
    const p = startRun({
      root: dir, file: path.join(dir, 'nap.baton'), agent: 'top', inputs: {}, provider: new ScriptedProvider([]), providerInfo: { id: 'scripted' },
      approvals: new FixedApprovals({ kind: 'deny' }), home: dir, scheduler, onStart: (x) => { id = x; },
    });
    const t0 = Date.now();
    while (!scheduler.list().some((r) => r.parent === id && r.state === 'Running')) {
      if (Date.now() - t0 > 10_000) throw new Error('child never ran');
      await new Promise((r) => setTimeout(r, 20));
    }
    const listed = scheduler.list();
    assert.deepEqual(listed.map((r) => [r.id, r.state]).sort(), [[id, 'Waiting'], [`${id}/main#0`, 'Running']].sort());
    assert.ok(scheduler.cancel(id));
    const out = await p;
    assert.equal(out.reason, 'Cancelled');
    const recs = readJournal(out.journalPath!).records;
    const child = recs.filter((r) => r.type === 'LifecycleChanged' && r.run === `${id}/main#0`).map((r) => (r as { to: string }).to);
    assert.deepEqual(child.slice(-2), ['Cancelled', 'Terminated']);
    assert.equal(scheduler.stats.running, 0);
  });
});
