/**
 * Message bus bench (runtime/orchestration/bus.ts, the in-process transport under the messaging
 * effects):
 * - direct throughput: a producer sends batches of 256 messages to one mailbox, a consumer drains
 *   them (one message object allocated per send, as a real sender does), msgs/s;
 * - direct latency: the p99 from `send` to the message in the consumer's hands, both when the
 *   consumer is already waiting (`receive` → woken once; includes the promise resolution and the
 *   `await` hop) and when messages queue in batches (stamped at send, read at take);
 * - pub/sub fan-out: one topic, 10 subscribers, copies delivered and drained per second;
 * - end to end through the DSL (info only): `send`/`receive` effects in an agent, journaled.
 */
import { performance } from 'node:perf_hooks';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BusMessage } from '../../runtime/orchestration/bus';
import { BenchOptions, BenchSection, Metric, median, quantile } from './common';
import { InProcessBus } from '../../runtime/orchestration/bus';
import { MemoryDeadLetterStore } from '../../runtime/orchestration/dead-letters';
import { FixedApprovals } from '../../runtime/approvals/approval';
import { ScriptedProvider } from '../../runtime/providers/scripted';
import { startRun } from '../../runtime/run/run';

function msg(i: number, to: string, payload: number, topic?: string): BusMessage {
  return { id: `bench/${i}`, kind: topic === undefined ? 'direct' : 'publish', from: 'producer', to, topic, correlation: undefined, payload, expiresAt: 0, run: 'bench', root: undefined, redact: undefined };
}

function directThroughput(n: number): number {
  const bus = new InProcessBus({ deadLetters: new MemoryDeadLetterStore() });
  bus.register('consumer', 'bench');
  const BATCH = 256;
  let got = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    const end = Math.min(n, i + BATCH);
    for (let j = i; j < end; j++) bus.send(msg(j, 'consumer', j));
    for (let m = bus.tryReceive('consumer'); m; m = bus.tryReceive('consumer')) got++;
  }
  const s = (performance.now() - t0) / 1000;
  if (got !== n) throw new Error(`bus bench: ${got} of ${n} messages received`);
  return n / s;
}

/** Latency (ms) of messages queued in batches: stamped at send, read at take. */
function queuedLatency(n: number): number[] {
  const bus = new InProcessBus({ deadLetters: new MemoryDeadLetterStore() });
  bus.register('consumer', 'bench');
  const out: number[] = [];
  const BATCH = 64;
  for (let i = 0; i < n; i += BATCH) {
    for (let j = i; j < Math.min(n, i + BATCH); j++) bus.send(msg(j, 'consumer', performance.now()));
    for (let m = bus.tryReceive('consumer'); m; m = bus.tryReceive('consumer')) out.push(performance.now() - (m.payload as number));
  }
  return out;
}

/** Latency (ms) from send to a receiver already waiting, through its promise and await. */
async function wakeLatency(n: number): Promise<number[]> {
  const bus = new InProcessBus({ deadLetters: new MemoryDeadLetterStore() });
  bus.register('consumer', 'bench');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = bus.receive('consumer', undefined, Infinity);
    const t0 = performance.now();
    bus.send(msg(i, 'consumer', i));
    const m = await p;
    out.push(performance.now() - t0);
    if (!m) throw new Error('bus bench: a waiting receiver got nothing');
  }
  return out;
}

function fanOut(n: number, subscribers: number): number {
  const bus = new InProcessBus({ deadLetters: new MemoryDeadLetterStore(), defaultCapacity: 1 << 20 });
  const names = Array.from({ length: subscribers }, (_, i) => `sub${i}`);
  for (const s of names) { bus.register(s, 'bench'); bus.subscribe('news', s); }
  const BATCH = 64;
  let got = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    for (let j = i; j < Math.min(n, i + BATCH); j++) bus.publish(msg(j, 'news', j, 'news'));
    for (const s of names) for (let m = bus.tryReceive(s); m; m = bus.tryReceive(s)) got++;
  }
  const s = (performance.now() - t0) / 1000;
  if (got !== n * subscribers) throw new Error(`bus bench: ${got} of ${n * subscribers} copies received`);
  return got / s;
}

/** Messages per second through `send`/`receive` effects of a real run (memory journal). */
async function dslMessages(rounds: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-bus-'));
  try {
    const src = `policy kids { allow: invoke_agent }
agent ping(n: int) { with { for i in range(n) { send("pong", i); receive(from: "pong"); } return n; } }
agent pong(n: int) { with { for i in range(n) { let m = receive(from: "ping"); send("ping", m.body); } return n; } }
agent main(n: int) { with { parallel { let a = ping(n); let b = pong(n); } return a + b; } }`;
    fs.writeFileSync(path.join(dir, 'bench.baton'), src);
    const t0 = performance.now();
    const r = await startRun({
      root: dir, file: path.join(dir, 'bench.baton'), agent: 'main', inputs: { n: rounds }, provider: new ScriptedProvider([]), providerInfo: { id: 'scripted' },
      approvals: new FixedApprovals({ kind: 'deny' }), journal: 'memory', home: dir,
    });
    const s = (performance.now() - t0) / 1000;
    if (r.result !== rounds * 2) throw new Error(`bus bench: the DSL run ended with ${r.reason}: ${r.error?.message}`);
    return (rounds * 2) / s;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function busBench(opts: BenchOptions): Promise<BenchSection> {
  const n = opts.quick ? 500_000 : 2_000_000;
  const reps = opts.quick ? 3 : 5;
  directThroughput(200_000); // warm-up
  const rates: number[] = [];
  for (let i = 0; i < reps; i++) rates.push(directThroughput(n));
  queuedLatency(50_000);
  const queued = queuedLatency(opts.quick ? 100_000 : 500_000);
  await wakeLatency(5_000);
  const woken = await wakeLatency(opts.quick ? 20_000 : 100_000);
  fanOut(20_000, 10);
  const fan: number[] = [];
  for (let i = 0; i < reps; i++) fan.push(fanOut(opts.quick ? 50_000 : 200_000, 10));
  const dsl = await dslMessages(opts.quick ? 200 : 1000);

  const metrics: Metric[] = [
    { id: 'bus_direct_msgs_s', label: 'bus direct throughput', value: median(rates), unit: 'msgs/s', target: { op: '>=', value: 2_000_000 }, note: `median of ${reps} × ${n.toLocaleString('en')} (batches of 256)` },
    { id: 'bus_direct_p99_ms', label: 'bus direct p99 latency (waiting receiver)', value: quantile(woken, 0.99), unit: 'ms', target: { op: '<=', value: 1 }, note: `p99 ${(quantile(woken, 0.99) * 1000).toFixed(1)} µs, p50 ${(quantile(woken, 0.5) * 1000).toFixed(1)} µs, ${woken.length.toLocaleString('en')} messages` },
    { id: 'bus_queued_p99_ms', label: 'bus direct p99 latency (queued, batches of 64)', value: quantile(queued, 0.99), unit: 'ms', target: { op: '<=', value: 1 }, note: `p99 ${(quantile(queued, 0.99) * 1000).toFixed(1)} µs, p50 ${(quantile(queued, 0.5) * 1000).toFixed(1)} µs` },
    { id: 'bus_fanout_deliveries_s', label: 'bus pub/sub fan-out (10 subscribers)', value: median(fan), unit: 'deliveries/s', note: `median of ${reps}` },
    { id: 'bus_dsl_msgs_s', label: 'send+receive effects in a run (journaled)', value: dsl, unit: 'msgs/s', note: 'two agents ping-pong, memory journal' },
  ];
  return { name: 'bus', metrics, info: { n, reps, rates, fan } };
}
