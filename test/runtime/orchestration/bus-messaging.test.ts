/**
 * The message bus through real runs (ScriptedProvider as the model, file journals): two agents
 * talking, pub/sub, request/response and its timeout, broadcast, a full mailbox, policies and
 * channel classification, dead letters — and replay answering everything from the journal.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanedRunAgent, collect, forkAgent, replayAgent, tempWorkspace } from '../../helpers/run-agent';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import { InProcessBus } from '../../../runtime/orchestration/bus';
import { startRun } from '../../../runtime/run/run';
import { ScriptedProvider, text } from '../../../runtime/providers/scripted';
import { FileDeadLetterStore } from '../../../runtime/orchestration/dead-letters';

const runRaw = cleanedRunAgent();
/** Every test file lets its agents start children. */
const run: typeof runRaw = (src, o) => runRaw(`policy children { allow: invoke_agent }\n${src}`, o);

const TALK = `
agent producer() {
  with {
    let note = ask("write a note");
    send("consumer", { text: note, n: 1 });
    let back = receive(timeout: 5s, from: "consumer");
    return back.body;
  }
}
agent consumer() {
  with {
    let m = receive(timeout: 5s);
    send("producer", upper(m.body.text));
    return m.from;
  }
}
agent main() {
  with {
    parallel {
      let a = producer();
      let b = consumer();
    }
    return { a: a, b: b };
  }
}`;

describe('message bus: agents talking', function () {
  this.timeout(30_000);

  it('two children of a parallel block send and receive; replay gives the same result', async () => {
    const r = await run(TALK, { agent: 'main', provider: new ScriptedProvider([text('hello world')]) });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, { a: 'HELLO WORLD', b: 'producer' });
    const sent = r.of('MessageSent');
    assert.equal(sent.length, 2);
    assert.deepEqual(sent.map((s) => [s.from, s.to[0]]).sort(), [['consumer', 'producer'], ['producer', 'consumer']]);
    for (const s of sent) assert.equal(s.id, `${r.runId}/${s.key}`, 'ids are derived from the run id and the effect key');
    const got = r.of('MessageReceived');
    assert.equal(got.length, 2);
    assert.deepEqual(new Set(got.map((g) => g.id)), new Set(sent.map((s) => s.id)), 'each message received once, by id');
    assert.deepEqual(got.find((g) => g.by === 'consumer')!.payload, { text: 'hello world', n: 1 });
    const again = await replayAgent(r.dir, r.runId);
    assert.equal(again.reason, 'Completed', again.error?.describe());
    assert.deepEqual(again.result, r.result);
  });

  it('a fork between a send and its receipt copies the send and delivers it again in the fork', async () => {
    const r = await run(TALK, { agent: 'main', provider: new ScriptedProvider([text('hello world')]) });
    const firstSent = r.of('MessageSent')[0];
    const at = r.of('MessageReceived').find((x) => x.id === firstSent.id)!.seq;
    const f = await forkAgent(r.dir, r.runId, at, {});
    assert.equal(f.reason, 'Completed', f.error?.describe());
    assert.deepEqual(f.result, r.result);
    // Parallel branches: the order of their records depends on interleaving (their keys do not); the copied send first.
    const sent = f.of('MessageSent').sort((x, y) => Number(y.id === firstSent.id) - Number(x.id === firstSent.id));
    assert.equal(sent.length, 2);
    assert.equal(sent[0].id, firstSent.id, 'the send before the fork point is copied, not sent again');
    assert.ok(sent[1].id.startsWith(f.runId + '/'), 'the live part sends under the fork\'s run id');
    assert.deepEqual(f.of('MessageReceived').map((x) => x.id).sort(), sent.map((x) => x.id).sort());
  });

  it('two runs of one process talk over a bus given in the RunRequest: an effect on both sides', async () => {
    const bus = new InProcessBus();
    const start = (dir: string, src: string) => {
      fs.writeFileSync(path.join(dir, 'agent.baton'), src);
      return startRun({
        root: dir, file: path.join(dir, 'agent.baton'), inputs: {}, provider: new ScriptedProvider([]), providerInfo: { id: 'scripted' },
        approvals: new FixedApprovals({ kind: 'deny' }), home: dir, bus,
      }).then((o) => collect(dir, o, []));
    };
    const dirB = tempWorkspace();
    const dirA = tempWorkspace();
    try {
      const b = start(dirB, 'agent inbox() { with { let m = receive(timeout: 5s); return { from: m.from, body: m.body }; } }');
      for (let i = 0; i < 500 && !bus.has('inbox'); i++) await new Promise((res) => setTimeout(res, 5));
      const a = await start(dirA, 'agent outbox() { with { return send("inbox", "across runs"); } }');
      const rb = await b;
      assert.equal(a.reason, 'Completed', a.error?.describe());
      assert.deepEqual(rb.result, { from: 'outbox', body: 'across runs' });
      assert.equal(a.of('MessageSent')[0].id, a.result);
      assert.equal(rb.of('MessageReceived')[0].id, a.result, 'the receiver journals the sender\'s message id');
      assert.deepEqual(bus.mailboxes(), [], 'both runs released their mailboxes');
    } finally {
      for (const d of [dirA, dirB]) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('pub/sub: a publish reaches both subscribers, once each', async () => {
    const src = `
agent sub1() { with { subscribe("news"); send("hub", "ready"); let m = receive("news", timeout: 5s); return m.body + "!"; } }
agent sub2() { with { subscribe("news"); send("hub", "ready"); let m = receive("news", timeout: 5s); return upper(m.body); } }
agent hub() { with { receive(timeout: 5s); receive(timeout: 5s); return publish("news", "extra"); } }
agent main() { with { parallel { let h = hub(); let x = sub1(); let y = sub2(); } return { h: h, x: x, y: y }; } }`;
    const r = await run(src, { agent: 'main' });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, { h: 2, x: 'extra!', y: 'EXTRA' });
    const pub = r.of('MessageSent').filter((s) => s.kind === 'publish');
    assert.equal(pub.length, 1);
    assert.deepEqual([...pub[0].to].sort(), ['sub1', 'sub2']);
    const copies = r.of('MessageReceived').filter((g) => g.id === pub[0].id);
    assert.deepEqual(copies.map((c) => c.by).sort(), ['sub1', 'sub2']);
    assert.equal(r.of('MessageSubscribed').length, 2);
    assert.deepEqual((await replayAgent(r.dir, r.runId)).result, r.result);
  });

  it('request/response: the reply comes back to the requester only', async () => {
    const src = `
agent server() { with { let m = receive(timeout: 5s); reply(m, m.body * 2); return m.kind; } }
agent client() { with { return request("server", 21, timeout: 5s); } }
agent main() { with { parallel { let s = server(); let c = client(); } return { s: s, c: c }; } }`;
    const r = await run(src, { agent: 'main' });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, { s: 'request', c: 42 });
    const req = r.of('MessageSent').find((s) => s.kind === 'request')!;
    const rep = r.of('MessageSent').find((s) => s.kind === 'reply')!;
    assert.equal(rep.correlation, req.id);
    assert.deepEqual((await replayAgent(r.dir, r.runId)).result, r.result);
  });

  it('a request nobody answers times out with a catchable error and a dead letter; receive times out to None', async () => {
    const src = `
agent idle() { with { return 0; } }
agent main() {
  with {
    let nothing = receive(timeout: 50ms);
    try {
      request("idle", { q: 1 }, timeout: 200ms);
      return "no error";
    } catch (Error e) {
      return { none: is_empty(nothing), error: e.message, code: e.code };
    }
  }
}`;
    const t0 = Date.now();
    const r = await run(src, { agent: 'main' });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.ok(Date.now() - t0 < 10_000, 'ends cleanly, no hang');
    assert.deepEqual(r.result, { none: true, error: "request to 'idle' timed out after 0.2 s", code: 'message-timeout' });
    assert.equal(r.of('MessageReceived')[0].timedOut, true);
    assert.equal(r.of('MessageDeadLettered')[0].reason, 'timeout');
    const letters = new FileDeadLetterStore(r.dir).list();
    assert.deepEqual(letters.map((l) => [l.reason, l.message.to, l.message.payload]), [['timeout', 'idle', { q: 1 }]]);
    const again = await replayAgent(r.dir, r.runId);
    assert.deepEqual(again.result, r.result, 'replay raises the same timeout without waiting');
  });

  it('broadcast reaches every registered mailbox but the sender', async () => {
    const src = `
agent l1() { with { send("caster", "ready"); let m = receive(timeout: 5s); return m.body; } }
agent l2() { with { send("caster", "ready"); let m = receive(timeout: 5s); return m.body; } }
agent caster() { with { receive(timeout: 5s); receive(timeout: 5s); return broadcast("hi all"); } }
agent main() { with { parallel { let a = l1(); let b = l2(); let c = caster(); } return [a, b, c]; } }`;
    const r = await run(src, { agent: 'main' });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const b0 = r.of('MessageSent').find((s) => s.kind === 'broadcast')!;
    assert.deepEqual(r.result, ['hi all', 'hi all', 2], JSON.stringify(b0.to));
    const b = r.of('MessageSent').find((s) => s.kind === 'broadcast')!;
    assert.deepEqual([...b.to].sort(), ['l1', 'l2']);
  });

  it('a full mailbox is a catchable error and a dead letter, never a hang; leftovers are dead letters at the end', async () => {
    const src = `
channel sink_ch { capacity: 2
  agents: ["sink"] }
agent sink() { with { return 0; } }
agent main() {
  with {
    send("sink", 1);
    send("sink", 2);
    try { send("sink", 3); return "no error"; } catch (Error e) { return e.code; }
  }
}`;
    const r = await run(src, { agent: 'main' });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'message-undeliverable');
    assert.deepEqual(r.of('MessageDeadLettered').map((d) => d.reason), ['mailbox-full']);
    const letters = new FileDeadLetterStore(r.dir).list();
    assert.deepEqual(letters.map((l) => [l.reason, l.message.payload]), [['mailbox-full', 3], ['undelivered', 1], ['undelivered', 2]]);
    assert.equal((await replayAgent(r.dir, r.runId)).result, 'message-undeliverable');
  });

  it('a send to an agent nobody declared or registered is undeliverable; a publish nobody hears is a dead letter', async () => {
    const src = `agent main() { with { let n = publish("nobody_listens", 1); try { send("ghost", 1); return n; } catch (Error e) { return [n, e.message]; } } }`;
    const r = await run(src, { agent: 'main' });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, [0, "message to 'ghost' not delivered: no agent 'ghost' to deliver to (it is in the dead-letter queue)"]);
    assert.deepEqual(new FileDeadLetterStore(r.dir).list().map((l) => [l.reason, l.message.to]), [['no-subscribers', 'nobody_listens'], ['no-recipient', 'ghost']]);
    assert.deepEqual((await replayAgent(r.dir, r.runId)).result, r.result);
  });

  it('policies: a denied send is an error naming the rule; a channel classifies and default-denies', async () => {
    const src = `
channel vault { default_deny: true
  policy g { allow: publish }
  data_classification { ssn: redact, card: block }
}
channel locked_ch { default_deny: true
  agents: ["locked"] }
agent locked() { with { return 0; } }
agent reader() { with { subscribe("vault"); send("writer", "ready"); let m = receive("vault", timeout: 5s); return m.body; } }
agent writer() {
  policy p { deny: send(to) if to == "secret" }
  with {
    receive(timeout: 5s);
    let out = [];
    try { send("secret", 1); } catch (Error e) { out.append(e.code); }
    try { send("locked", 1); } catch (Error e) { out.append(e.code); }
    try { publish("vault", { card: "4111" }); } catch (Error e) { out.append(e.code); }
    out.append(publish("vault", { name: "ann", ssn: "123-45" }));
    return out;
  }
}
agent secret() { with { return 0; } }
agent main() { with { parallel { let r = reader(); let w = writer(); } return { r: r, w: w }; } }`;
    const r = await run(src, { agent: 'main' });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, { r: { name: 'ann', ssn: '[redacted]' }, w: ['policy-denied', 'policy-denied', 'policy-denied', 1] });
    const denied = r.of('ToolDenied');
    assert.deepEqual(denied.map((d) => d.tool), ['send', 'send']);
    assert.match(denied[1].reason, /no rule allows 'send'/);
    assert.equal(r.of('MessageDenied').length, 1);
    // Hashes, signatures and times are hex/base64/digits: leave them out, or '4111' may appear by chance.
    const noise = new Set(['prev', 'ts', 'head', 'signature', 'request', 'sourceHash']);
    const effects = JSON.stringify(r.records.filter((x) => x.type !== 'Started'), (k, v) => (noise.has(k) ? undefined : v));
    assert.ok(!effects.includes('4111') && !effects.includes('123-45'), 'classified values are never journaled');
    assert.deepEqual((await replayAgent(r.dir, r.runId)).result, r.result);
  });
});
