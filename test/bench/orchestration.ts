/**
 * Orchestration bench:
 * - concurrent waiting runs in one process: N runs (100,000; 10,000 with --quick) of a tiny agent
 *   each blocked in `receive()` (until the bench sends the messages, after measuring), memory
 *   journals, one shared compiled program; memory per waiting run = (heap + external after GC −
 *   before) / N. Target ≤ 10 KB.
 *   The runs are ended by sending each a message (no per-run AbortController: that was this bench's
 *   own ≈ 0.9 KB a run, not the runtime's). What such a run still holds (heap snapshot, 9.3 KB in
 *   all at 100,000): its journal lines (≈ 1.2 KB: a memory journal keeps only lines); the wait itself
 *   as promise reactions over small closures (promises, reactions, closures and contexts ≈ 2.8 KB
 *   in all, some of them not the wait's — no suspended async frame is left on the path:
 *   `executeRun`, `runBody`, the block stepper, `eval`/`call`, the effect host and `receive`'s
 *   loop return promises or continue from a reaction); the run's AbortSignal (its own hidden class
 *   and Maps); kernel, journal writer, lifecycle, budgets, bus waiter, run timer; the agent's
 *   execution (policy engine, interpreter, scopes, gate; the config, source text and frame lists
 *   are shared by all runs of a program); ≈ 1.4 KB of plain objects (options, records, the run's
 *   request copy).
 *   Per change, 10,000 runs: 13,285 B → bench ends runs by message 12,397 → statements continue
 *   from reactions (no `exec`/`execInner`/`execBlock`/`runBody` frames) 11,218 → config shared per
 *   agent 10,677 → `executeRun` not async 10,371 → `receive` loop not async 10,185 → `eval`,
 *   `call`, `effect`, `messagingEffect` without an async level of their own, one reaction per
 *   statement 9,627 → shared source text and frame lists 9,434. At 100,000: 9,330 B.
 * - scheduler overhead per run: the same short runs started through the scheduler (priority queue,
 *   lifecycle with slots) vs started directly with no scheduler, per run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { performance } from 'node:perf_hooks';
import type { EventSink } from '../../runtime/kernel/events';
import type { LoadedProgram } from '../../runtime/run/load';
import { BenchOptions, BenchSection, median, Metric } from './common';
import { FixedApprovals } from '../../runtime/approvals/approval';
import { ScriptedProvider } from '../../runtime/providers/scripted';
import { RunOutcome, RunRequest, startRun } from '../../runtime/run/run';
import { DefaultScheduler } from '../../runtime/orchestration/scheduler';
import { InProcessBus } from '../../runtime/orchestration/bus';

const WAITER = `agent waiter() {
    with { let m = receive(); return 1; }
}
`;

const SHORT = `agent short() {
    with { return 1; }
}
`;

function gcFunction(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function memory(gc: () => void): number {
  gc(); gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

function workspace(files: Record<string, string>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-orch-')));
  for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), c);
  return dir;
}

export async function orchestrationBench(opts: BenchOptions): Promise<BenchSection> {
  const gc = gcFunction();
  const metrics: Metric[] = [];
  const info: Record<string, unknown> = {};
  const dir = workspace({ 'waiter.baton': WAITER, 'short.baton': SHORT });
  try {
    const programCache = new Map<string, LoadedProgram>();
    const base: Omit<RunRequest, 'file' | 'inputs'> = {
      root: dir, home: dir, provider: new ScriptedProvider([]), providerInfo: { id: 'scripted' },
      approvals: new FixedApprovals({ kind: 'deny' }), journal: 'memory', programCache,
    };

    // ---- waiting runs ----
    const N = opts.quick ? 10_000 : 100_000;
    const bus = new InProcessBus();
    // No per-run AbortController (that would be the bench's cost, ≈ 750 B a run, not the runtime's):
    // the runs are ended by sending each a message.
    let reached = 0;
    const sink: EventSink = { emit: (e) => { if (e.kind === 'record' && e.record.type === 'StatementReached') reached++; } };
    // Warm up (compiles the program once, loads the key) before the baseline.
    await startRun({ ...base, file: path.join(dir, 'short.baton'), inputs: {} });
    const before = memory(gc);
    const t0 = performance.now();
    const outcomes: Array<Promise<RunOutcome>> = new Array(N);
    for (let i = 0; i < N; i++) {
      outcomes[i] = startRun({ ...base, file: path.join(dir, 'waiter.baton'), inputs: {}, sink, bus });
      if (i % 1000 === 999) await tick();
    }
    while (reached < N) await tick();
    for (let i = 0; i < 5; i++) await tick();
    const startMs = performance.now() - t0;
    const after = memory(gc);
    const perRun = (after - before) / N;
    metrics.push({ id: 'waiting_run_bytes', label: `memory per waiting run (${N.toLocaleString('en')} in one process)`, value: Math.round(perRun), unit: 'B', target: { op: '<=', value: 10 * 1024 }, note: `heap+external ${((after - before) / 2 ** 20).toFixed(0)} MB` });
    metrics.push({ id: 'waiting_runs_start_us', label: 'start a run until it waits', value: Math.round((startMs * 1000) / N), unit: 'µs/run' });
    info.waiting = { n: N, before, after, startMs: Math.round(startMs) };
    // Every run waits in the one mailbox 'waiter': each message is handed to one waiting run.
    for (let i = 0; i < N; i++) bus.send({ id: `bench/${i}`, kind: 'direct', from: 'bench', to: 'waiter', payload: i, expiresAt: 0 });
    const ended = await Promise.all(outcomes);
    info.waitingEnded = ended.filter((o) => o.reason === 'Completed').length;
    if (info.waitingEnded !== N) throw new Error(`only ${info.waitingEnded as number} of ${N} waiting runs completed`);
    outcomes.length = 0;

    // ---- scheduler overhead ----
    const M = opts.quick ? 1_000 : 5_000;
    const direct: number[] = [];
    const scheduled: number[] = [];
    const batch = async (scheduler?: DefaultScheduler) => {
      const t = performance.now();
      const runs: Array<Promise<RunOutcome>> = [];
      for (let i = 0; i < M; i++) runs.push(startRun({ ...base, file: path.join(dir, 'short.baton'), inputs: {}, ...(scheduler ? { scheduler } : {}) }));
      const outs = await Promise.all(runs);
      if (outs.some((o) => o.reason !== 'Completed')) throw new Error('a short run failed');
      return ((performance.now() - t) * 1000) / M;
    };
    for (let rep = 0; rep < (opts.quick ? 3 : 5); rep++) {
      direct.push(await batch());
      scheduled.push(await batch(new DefaultScheduler({ concurrency: 64 })));
    }
    const d = median(direct), s = median(scheduled);
    metrics.push({ id: 'run_direct_us', label: 'short run, started directly', value: Math.round(d), unit: 'µs/run', samples: direct });
    metrics.push({ id: 'run_scheduled_us', label: 'short run, through the scheduler (limit 64)', value: Math.round(s), unit: 'µs/run', samples: scheduled });
    metrics.push({ id: 'scheduler_overhead_us', label: 'scheduler overhead per run', value: Math.round(s - d), unit: 'µs/run', note: `${(((s - d) / d) * 100).toFixed(1)} % of a run` });
    info.schedulerRuns = M;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { name: 'orchestration', metrics, info };
}
