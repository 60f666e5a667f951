/**
 * A run that stops unfinished but resumable (here: in doubt) does not dead-letter what its
 * mailboxes still hold: its resume re-delivers those messages from the journal. Only a run that
 * really ends dead-letters its leftovers — once.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApprovalProvider } from '../../../runtime/approvals/approval';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import { InProcessBus } from '../../../runtime/orchestration/bus';
import { FileDeadLetterStore, MemoryDeadLetterStore, deadLettersFile } from '../../../runtime/orchestration/dead-letters';
import { cutBefore, journalFile, resume, run, trackUnhandled } from '../kernel/kernel-helpers';

const AGENT = `
tool mark(n: int) -> String {
    command = ["node", "-e", "require('fs').appendFileSync('marks.txt', process.argv[1] + '\\\\n'); console.log('marked')", "{n}"]
}

agent main() {
    policy p { allow: mark }
    with {
        parallel {
            let x = mark(1);
            if true { sleep(150ms); send("main", { n: 1 }); }
        }
        send("main", { n: 2 });
        let m = receive(timeout: 10s);
        return { got: m.body, mark: x };
    }
}`;

function letters(dir: string) {
  return new FileDeadLetterStore(dir).list();
}

describe('bus: a resumable end dead-letters nothing', function () {
  this.timeout(60_000);
  const unhandled = trackUnhandled();
  afterEach(() => assert.deepEqual(unhandled.list, []));

  it('in doubt → no dead letters; the resume delivers; the real end dead-letters the leftover once', async () => {
    const r = await run(AGENT);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, { got: { n: 1 }, mark: 'marked' });
    assert.deepEqual(letters(r.dir).map((l) => l.message.payload), [{ n: 2 }], 'a finished run dead-letters its leftover');
    // As if killed while mark ran, before the sibling's send: the journal ends after mark's ToolStarted.
    let seen = false;
    cutBefore(journalFile(r.dir, r.runId), (x) => {
      if (x.type === 'ToolStarted' && x.tool === 'mark') seen = true;
      return seen && (x.type === 'MessageSent' || x.type === 'ToolFinished');
    });
    fs.rmSync(deadLettersFile(r.dir));

    // Resume 1: the sibling sends live (a message left in the run's mailbox); the human then denies the in-doubt mark.
    const slowDeny: ApprovalProvider = { request: () => new Promise((res) => setTimeout(() => res({ kind: 'deny', reason: 'not sure' }), 300)) };
    const first = await resume(r.dir, r.runId, { approvals: slowDeny });
    const resumedAt = first.of('Resumed')[0].seq;
    assert.equal(first.of('MessageSent').filter((m) => m.seq > resumedAt).length, 1, 'the sibling sent live before the run stopped');
    assert.equal(first.error?.code, 'in-doubt', first.error?.describe());
    assert.equal(first.of('Terminated').length, 0);
    assert.deepEqual(letters(r.dir), [], 'a resumable end dead-letters nothing');

    const second = await resume(r.dir, r.runId, { approvals: new FixedApprovals({ kind: 'respond', result: 'marked' }) });
    assert.equal(second.reason, 'Completed', second.error?.describe());
    assert.deepEqual(second.result, { got: { n: 1 }, mark: 'marked' });
    assert.deepEqual(letters(r.dir).map((l) => [l.reason, l.message.payload]), [['undelivered', { n: 2 }]], 'the leftover, once');
    assert.equal(fs.readFileSync(path.join(r.dir, 'marks.txt'), 'utf8'), '1\n', 'mark ran once');
  });

  it('unregister keeps what other runs sent and drops what the run will re-deliver itself', () => {
    const store = new MemoryDeadLetterStore();
    const bus = new InProcessBus({ deadLetters: store });
    bus.register('worker', 'run-a');
    bus.send({ id: 'run-a/main#1', kind: 'direct', from: 'worker', to: 'worker', payload: 1, expiresAt: 0, run: 'run-a' });
    bus.send({ id: 'run-b/main#1', kind: 'direct', from: 'boss', to: 'worker', payload: 2, expiresAt: 0, run: 'run-b' });
    bus.unregister('run-a');
    assert.deepEqual(store.list(), []);
    assert.ok(bus.has('worker'), 'the mailbox waits for the resume');
    bus.register('worker', 'run-a');
    assert.equal(bus.tryReceive('worker')?.id, 'run-b/main#1');
    assert.equal(bus.tryReceive('worker'), undefined, "the run's own message is gone (its journal re-delivers it)");
    bus.send({ id: 'run-b/main#2', kind: 'direct', from: 'boss', to: 'worker', payload: 3, expiresAt: 0, run: 'run-b' });
    bus.release('run-a');
    assert.deepEqual(store.list().map((l) => l.id), ['run-b/main#2>worker'], 'a real end dead-letters');
    bus.register('idle', 'run-c');
    bus.unregister('run-c');
    assert.ok(!bus.has('idle'), 'an empty mailbox nobody subscribes with is dropped');
  });
});
