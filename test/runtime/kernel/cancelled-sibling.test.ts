/**
 * A parallel sibling cancelled because the other branch failed is journaled as ToolFinished
 * `cancelled`. That record is not an answer for a later resume (or fork): the effect is re-run if
 * idempotent, else it is in doubt. Replay (offline) still reproduces the recorded run exactly.
 *
 * Scenario: `parallel { mark(1) ; slow() }`, crash while both run (journal cut before mark's
 * ToolFinished) → resume 1: mark is in doubt, the human denies → the run stops in doubt and slow
 * (re-run, idempotent) is cancelled → resume 2: the human gives mark's result → the run completes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApprovalRequest } from '../../../runtime/approvals/approval';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import { forkAgent, replayAgent } from '../../helpers/run-agent';
import { cutBefore, journalFile, resume, run, trackUnhandled } from './kernel-helpers';

const AGENT = (slowIdempotent: boolean) => `
tool mark(n: int) -> String {
    command = ["node", "-e", "const fs = require('fs'); fs.appendFileSync('marks.txt', process.argv[1] + '\\\\n'); console.log('marked')", "{n}"]
}

tool slow(ms: int) -> String {
    command = ["node", "-e", "const fs = require('fs'); fs.appendFileSync('slow.txt', 'x\\\\n'); setTimeout(() => console.log('slept'), Number(process.argv[1]))", "{ms}"]
    ${slowIdempotent ? 'idempotent = true' : ''}
}

agent sib {
    policy p { allow: [mark, slow] }
    with {
        parallel {
            let a = mark(1);
            let b = slow(1500);
        }
        return a + "," + b;
    }
}`;

function lines(dir: string, f: string): number {
  const p = path.join(dir, f);
  return fs.existsSync(p) ? fs.readFileSync(p, 'utf8').split('\n').filter(Boolean).length : 0;
}

/** A finished run cut before mark's ToolFinished (as if killed while both tools ran), then resumed with a deny. */
async function stoppedInDoubtWithCancelledSibling(slowIdempotent: boolean) {
  const r = await run(AGENT(slowIdempotent));
  assert.equal(r.reason, 'Completed', r.error?.describe());
  assert.equal(r.result, 'marked,slept');
  const file = journalFile(r.dir, r.runId);
  const markKey = r.of('ToolStarted').find((s) => s.tool === 'mark')!.key;
  const slowKey = r.of('ToolStarted').find((s) => s.tool === 'slow')!.key;
  cutBefore(file, (x) => x.type === 'ToolFinished' && x.tool === 'mark');
  // Resume 1: the human denies the in-doubt mark; slow is running again and gets cancelled.
  const first = await resume(r.dir, r.runId, { approvals: new FixedApprovals((req) => req.tool === 'mark' ? { kind: 'deny', reason: 'not sure yet' } : { kind: 'allow_once' }) });
  assert.equal(first.error?.code, 'in-doubt', first.error?.describe());
  assert.equal(first.of('Terminated').length, 0, 'still resumable');
  const cancelled = first.of('ToolFinished').filter((f) => f.key === slowKey && !f.ok && f.error.code === 'cancelled');
  assert.equal(cancelled.length, 1, 'the sibling was cancelled and journaled as such');
  return { r, markKey, slowKey };
}

describe('kernel: a cancelled parallel sibling and a later resume', function () {
  this.timeout(60_000);
  const unhandled = trackUnhandled();
  afterEach(() => assert.deepEqual(unhandled.list, []));

  it('an idempotent cancelled sibling is re-run on the next resume (not answered as cancelled)', async () => {
    const { r, markKey, slowKey } = await stoppedInDoubtWithCancelledSibling(true);
    const slowRuns = lines(r.dir, 'slow.txt');
    const asked: ApprovalRequest[] = [];
    const second = await resume(r.dir, r.runId, { approvals: new FixedApprovals((req) => { asked.push(req); return { kind: 'respond', result: 'marked' }; }) });
    assert.equal(second.reason, 'Completed', second.error?.describe());
    assert.equal(second.result, 'marked,slept');
    assert.deepEqual(asked.map((a) => a.tool), ['mark'], 'only mark needed a human');
    assert.equal(lines(r.dir, 'marks.txt'), 1, 'mark ran once');
    assert.equal(lines(r.dir, 'slow.txt'), slowRuns + 1, 'slow ran again');
    const resumed = second.of('Resumed').at(-1)!;
    assert.ok(resumed.inDoubt.includes(markKey) && resumed.inDoubt.includes(slowKey), JSON.stringify(resumed.inDoubt));

    // Replay reproduces the finished run offline, without running anything.
    const before = lines(r.dir, 'slow.txt');
    const rp = await replayAgent(r.dir, r.runId);
    assert.equal(rp.reason, 'Completed', rp.error?.describe());
    assert.equal(rp.result, 'marked,slept');
    assert.equal(lines(r.dir, 'slow.txt'), before);
  });

  it('a non-idempotent cancelled sibling is in doubt on the next resume: a human decides', async () => {
    const { r, slowKey } = await stoppedInDoubtWithCancelledSibling(false);
    const asked: ApprovalRequest[] = [];
    const second = await resume(r.dir, r.runId, {
      approvals: new FixedApprovals((req) => { asked.push(req); return req.tool === 'mark' ? { kind: 'respond', result: 'marked' } : { kind: 'respond', result: 'slept' }; }),
    });
    assert.equal(second.reason, 'Completed', second.error?.describe());
    assert.equal(second.result, 'marked,slept');
    assert.deepEqual(asked.map((a) => [a.tool, a.inDoubt]).sort(), [['mark', true], ['slow', true]]);
    assert.match(asked.find((a) => a.tool === 'slow')!.reason, /'slow' was cancelled while running .*not idempotent/);
    const fin = second.of('ToolFinished').filter((f) => f.key === slowKey);
    assert.ok(fin.at(-1)!.ok, 'the human answer finished the cancelled call');
  });

  it('a fork past the cancelled record re-runs the idempotent sibling', async () => {
    const { r } = await stoppedInDoubtWithCancelledSibling(true);
    const recs = fs.readFileSync(journalFile(r.dir, r.runId), 'utf8').split('\n').filter(Boolean).length;
    const before = lines(r.dir, 'slow.txt');
    const f = await forkAgent(r.dir, r.runId, recs, {}, { approvals: new FixedApprovals({ kind: 'respond', result: 'marked' }) });
    assert.equal(f.reason, 'Completed', f.error?.describe());
    assert.equal(f.result, 'marked,slept');
    assert.equal(lines(r.dir, 'slow.txt'), before + 1, 'slow ran again in the fork');
  });

  it('replay reproduces a run whose failing branch cancelled its sibling', async () => {
    const r = await run(`
tool boom() -> String {
    command = ["node", "-e", "setTimeout(() => process.exit(3), 200)"]
}
${AGENT(true).split('agent sib')[0]}
agent sib {
    policy p { allow: [boom, slow] }
    with {
        parallel {
            let a = boom();
            let b = slow(5000);
        }
        return a + "," + b;
    }
}`);
    assert.equal(r.reason, 'Error');
    assert.equal(r.of('ToolFinished').filter((f) => f.tool === 'slow' && !f.ok && f.error.code === 'cancelled').length, 1, 'slow was cancelled');
    const before = lines(r.dir, 'slow.txt');
    const rp = await replayAgent(r.dir, r.runId);
    assert.equal(rp.reason, r.reason);
    assert.equal(rp.error?.code, r.error?.code);
    assert.equal(rp.error?.message, r.error?.message);
    assert.equal(lines(r.dir, 'slow.txt'), before, 'replay ran nothing');
    assert.ok(rp.events.some((e) => e.kind === 'record' && e.replayed && e.record.type === 'ToolFinished' && !e.record.ok && e.record.error.code === 'cancelled'), 'the cancelled call was replayed as recorded');
  });
});
