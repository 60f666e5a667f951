/**
 * The in-process bus on its own (the real InProcessBus and the real file dead-letter store): ring
 * buffer order past growth, filtered receive, waking a waiting receiver once, capacity, expiry by
 * the sweep timer, request/reply slots (early and late replies), release at the end of a run.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BusMessage } from '../../../runtime/orchestration/bus';
import { InProcessBus } from '../../../runtime/orchestration/bus';
import { FileDeadLetterStore, MemoryDeadLetterStore } from '../../../runtime/orchestration/dead-letters';

function m(id: string, to: string, payload: unknown = id, extra: Partial<BusMessage> = {}): BusMessage {
  return { id, kind: 'direct', from: 'a', to, payload: payload as never, expiresAt: 0, run: 'r1', ...extra };
}

describe('message bus: InProcessBus', () => {
  it('keeps FIFO order across ring growth and wrap-around; filters take the oldest match', () => {
    const bus = new InProcessBus({ deadLetters: new MemoryDeadLetterStore() });
    bus.register('b', 'r1');
    const got: unknown[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 40; i++) bus.send(m(`${round}-${i}`, 'b', round * 100 + i));
      for (let i = 0; i < 25; i++) got.push(bus.tryReceive('b')!.payload);
    }
    for (let x = bus.tryReceive('b'); x; x = bus.tryReceive('b')) got.push(x.payload);
    assert.deepEqual(got, [0, 1, 2].flatMap((r) => Array.from({ length: 40 }, (_, i) => r * 100 + i)));
    bus.send(m('x1', 'b', 1, { from: 'c' }));
    bus.send(m('x2', 'b', 2, { from: 'd', topic: 't' }));
    bus.send(m('x3', 'b', 3, { from: 'd' }));
    assert.equal(bus.tryReceive('b', { from: 'd' })!.id, 'x2');
    assert.equal(bus.tryReceive('b', { topic: 't' }), undefined);
    assert.deepEqual([bus.tryReceive('b')!.id, bus.tryReceive('b')!.id], ['x1', 'x3']);
  });

  it('hands a message to the waiting receiver whose filter matches, once; times out to undefined', async () => {
    const bus = new InProcessBus({ deadLetters: new MemoryDeadLetterStore() });
    bus.register('b', 'r1');
    const fromC = bus.receive('b', { from: 'c' }, 5_000);
    const any = bus.receive('b', undefined, 5_000);
    bus.send(m('1', 'b', 1, { from: 'x' }));
    bus.send(m('2', 'b', 2, { from: 'c' }));
    assert.equal((await any)!.id, '1');
    assert.equal((await fromC)!.id, '2');
    assert.equal(bus.tryReceive('b'), undefined, 'handed over, never queued as well');
    const t0 = Date.now();
    assert.equal(await bus.receive('b', undefined, 30), undefined);
    assert.ok(Date.now() - t0 >= 25);
  });

  it('a full mailbox refuses without waiting and dead-letters; capacity comes from configure()', () => {
    const dl = new MemoryDeadLetterStore();
    const bus = new InProcessBus({ deadLetters: dl });
    bus.configure('b', { capacity: 2 });
    bus.register('b', 'r1');
    assert.deepEqual(['1', '2', '3'].map((id) => bus.send(m(id, 'b'))), ['ok', 'ok', 'full']);
    assert.deepEqual(dl.letters.map((l) => [l.id, l.reason]), [['3>b', 'mailbox-full']]);
  });

  it('expired messages become dead letters through the sweep, and are never received', async () => {
    const dl = new MemoryDeadLetterStore();
    const bus = new InProcessBus({ deadLetters: dl });
    bus.register('b', 'r1');
    bus.send(m('old', 'b', 1, { expiresAt: Date.now() + 20 }));
    bus.send(m('new', 'b', 2));
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(dl.letters.map((l) => [l.id, l.reason]), [['old>b', 'expired']]);
    assert.equal(bus.tryReceive('b')!.id, 'new');
  });

  it('request/reply: a reply before the wait is kept; a reply nobody waits for is a late dead letter', async () => {
    const dl = new MemoryDeadLetterStore();
    const bus = new InProcessBus({ deadLetters: dl });
    bus.openRequest('q1');
    assert.equal(bus.reply(m('r1', 'a', 42, { kind: 'reply', correlation: 'q1' })), true);
    assert.equal((await bus.awaitReply('q1', 1000))!.payload, 42);
    assert.equal(await bus.awaitReply('q2', 20), undefined, 'timeout');
    assert.equal(bus.reply(m('r2', 'a', 1, { kind: 'reply', correlation: 'q2' })), false);
    assert.deepEqual(dl.letters.map((l) => l.reason), ['late-reply']);
  });

  it('release: a run\'s mailboxes go away, leftovers become dead letters in the workspace file', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bus-core-'));
    try {
      const bus = new InProcessBus();
      bus.register('mine', 'r1');
      bus.register('other', 'r2');
      bus.subscribe('t', 'mine');
      bus.send(m('1', 'mine', { secret: 'hunter2' }, { root, redact: (s) => s.replace(/hunter2/g, '[secret]') }));
      bus.send(m('2', 'other'));
      bus.register('shared', 'r1');
      bus.register('shared', 'r2');
      bus.release('r1');
      assert.deepEqual(bus.mailboxes(), ['other', 'shared'], 'a mailbox another run still holds stays');
      assert.equal(bus.tryReceive('other')!.id, '2');
      assert.deepEqual(bus.subscribers('t'), []);
      const letters = new FileDeadLetterStore(root).list();
      assert.deepEqual(letters.map((l) => [l.id, l.reason, l.message.payload]), [['1>mine', 'undelivered', { secret: '[secret]' }]]);
      assert.ok(!fs.readFileSync(path.join(root, '.baton', 'dead-letters.jsonl'), 'utf8').includes('hunter2'), 'dead letters are redacted');
    } finally { fs.rmSync(root, { recursive: true, force: true }); }
  });
});
