/**
 * A run blocked in `receive()` is Waiting (message) and gives its scheduler slot back: with a
 * scheduler of one slot, a second run starts, runs and sends the message meanwhile; the receiver
 * then takes a slot again and journals Waiting → Running.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventSink } from '../../../runtime/kernel/events';
import { collect, tempWorkspace } from '../../helpers/run-agent';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import { InProcessBus } from '../../../runtime/orchestration/bus';
import { DefaultScheduler } from '../../../runtime/orchestration/scheduler';
import { startRun } from '../../../runtime/run/run';
import { ScriptedProvider } from '../../../runtime/providers/scripted';

describe('lifecycle: a run waiting for a message', function () {
  this.timeout(30_000);

  it('releases its slot while blocked in receive() and journals Waiting → Running', async () => {
    const bus = new InProcessBus();
    const scheduler = new DefaultScheduler({ concurrency: 1 });
    const dirs = [tempWorkspace(), tempWorkspace()];
    // Both runs' records in the order they were appended, across the two journals.
    const order: string[] = [];
    const start = (dir: string, src: string, name: string) => {
      fs.writeFileSync(path.join(dir, 'agent.baton'), src);
      const sink: EventSink = { emit: (e) => { if (e.kind === 'record' && !e.replayed) order.push(`${name}:${e.record.type === 'LifecycleChanged' ? e.record.to : e.record.type}`); } };
      return startRun({
        root: dir, file: path.join(dir, 'agent.baton'), inputs: {}, provider: new ScriptedProvider([]), providerInfo: { id: 'scripted' },
        approvals: new FixedApprovals({ kind: 'deny' }), home: dir, bus, scheduler, sink,
      }).then((o) => collect(dir, o, []));
    };
    try {
      const inbox = start(dirs[0], 'agent inbox() { with { let m = receive(timeout: 10s); return m.body; } }', 'in');
      for (let i = 0; i < 500 && !bus.has('inbox'); i++) await new Promise((res) => setTimeout(res, 5));
      assert.ok(bus.has('inbox'), 'the receiver is registered on the bus');
      // With one slot, this run can only start if the receiver gave its slot back.
      const sender = await start(dirs[1], 'agent outbox() { with { return send("inbox", "hello"); } }', 'out');
      assert.equal(sender.reason, 'Completed', sender.error?.describe());
      const r = await inbox;
      assert.equal(r.reason, 'Completed', r.error?.describe());
      assert.equal(r.result, 'hello');
      const states = r.of('LifecycleChanged').filter((x) => x.run === r.runId).map((x) => `${x.from ?? '-'}>${x.to}${x.why ? `(${x.why})` : ''}`);
      assert.deepEqual(states.slice(0, 5), ['->Initializing', 'Initializing>Ready', 'Ready>Running', 'Running>Waiting(message)', 'Waiting>Running']);
      assert.deepEqual(states.slice(-2), ['Running>Completed', 'Completed>Terminated']);
      // The sender got the slot (Running) while the receiver waited, and the receiver ran again only after the sender ended.
      const at = (x: string) => { const i = order.indexOf(x); assert.ok(i >= 0, `${x} in ${order.join(' ')}`); return i; };
      assert.ok(at('in:Waiting') < at('out:Running'), order.join(' '));
      assert.ok(at('out:MessageSent') < at('in:MessageReceived'), order.join(' '));
      assert.ok(order.lastIndexOf('in:Running') > at('out:Completed'), order.join(' '));
      assert.equal(r.of('MessageReceived')[0].id, sender.result);
    } finally {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
