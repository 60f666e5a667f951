/**
 * The scheduler: a priority queue of runs with a concurrency limit counted over *running* runs.
 * A run in Waiting (an approval, a message, its children) gives its slot back and queues again
 * when it can go on, so a parent waiting on children never deadlocks the pool.
 *
 * Fairness by aging: a queued entry's effective priority grows by 1 every `agingMs` it waits, so
 * a low-priority run is never starved. Since every entry ages at the same rate, comparing
 * `priority + (now - queuedAt) / agingMs` between two entries does not depend on `now`: the heap
 * is keyed by `priority * agingMs - queuedAt`, fixed when the entry is queued.
 *
 * The scheduler also keeps the table of runs it knows (for `baton ps`) and cancels them.
 */
import type { LifecycleState } from '../journal/records-orchestration';
import type { BudgetUse } from './budget';
import { BatonError } from '../errors';

export interface RunInfo {
  id: string;
  agent: string;
  priority: number;
  state: LifecycleState;
  why?: string;
  /** ISO time the run was created. */
  created: string;
  /** ISO time it first ran. */
  started?: string;
  parent?: string;
  /** Budget used so far (read when listing). */
  budget?: () => BudgetUse & { limits?: Record<string, number | undefined> };
}

export interface RunStatus extends Omit<RunInfo, 'budget'> {
  budget?: { tokens: number; toolCalls: number; elapsedMs: number };
}

/** A run's place in the pool: given back while it waits, taken again to go on. */
export interface Slot {
  readonly held: boolean;
  release(): void;
  reacquire(signal?: AbortSignal): Promise<void>;
}

export interface Scheduler {
  readonly concurrency: number;
  /** Registers a run (Initializing). Returns a controller whose abort cancels it and its children. */
  register(info: Omit<RunInfo, 'state' | 'created'>, controller?: AbortController, control?: RunControl): void;
  /** Waits for a slot for run `id` (Ready → Running when granted). Rejects with `cancelled` if `signal` aborts first. */
  acquire(id: string, priority: number, signal?: AbortSignal): Promise<Slot>;
  /** Called by the run's lifecycle on each transition. */
  update(id: string, state: LifecycleState, why?: string): void;
  /** Forgets a run that ended. */
  unregister(id: string): void;
  /** Cancels a run (and, through its signal, its children). False if unknown. */
  cancel(id: string, reason?: string): boolean;
  /** Suspended (policy): the run stops at its next effect until `resume`. False if unknown or not suspendable. */
  suspend(id: string, why: string): boolean;
  resume(id: string): boolean;
  list(): RunStatus[];
  readonly stats: { running: number; queued: number; granted: number };
}

export interface SchedulerOptions {
  /** How many runs may be Running at once (default 4). */
  concurrency?: number;
  /** Milliseconds of queueing worth one priority level (default 1000). */
  agingMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

interface Waiter {
  id: string;
  key: number;
  seq: number;
  resolve: () => void;
  reject: (e: BatonError) => void;
  done: boolean;
}

/** What the scheduler can do to a run besides cancelling it (its lifecycle). */
export interface RunControl { suspend(why: string): void; resume(): void }

interface Entry { info: RunInfo; controller?: AbortController; control?: RunControl }

export class DefaultScheduler implements Scheduler {
  readonly concurrency: number;
  private readonly agingMs: number;
  private readonly now: () => number;
  private readonly heap: Waiter[] = [];
  private readonly runs = new Map<string, Entry>();
  private running = 0;
  private seq = 0;
  private granted = 0;

  constructor(o: SchedulerOptions = {}) {
    this.concurrency = Math.max(1, o.concurrency ?? 4);
    this.agingMs = Math.max(1, o.agingMs ?? 1000);
    this.now = o.now ?? Date.now;
  }

  get stats() { return { running: this.running, queued: this.heap.length, granted: this.granted }; }

  register(info: Omit<RunInfo, 'state' | 'created'>, controller?: AbortController, control?: RunControl): void {
    this.runs.set(info.id, { info: { ...info, state: 'Initializing', created: new Date(this.now()).toISOString() }, controller, control });
  }

  suspend(id: string, why: string): boolean {
    const c = this.runs.get(id)?.control;
    if (!c) return false;
    c.suspend(why);
    return true;
  }

  resume(id: string): boolean {
    const c = this.runs.get(id)?.control;
    if (!c) return false;
    c.resume();
    return true;
  }

  update(id: string, state: LifecycleState, why?: string): void {
    const e = this.runs.get(id);
    if (!e) return;
    e.info.state = state;
    if (why === undefined) delete e.info.why; else e.info.why = why;
    if (state === 'Running' && !e.info.started) e.info.started = new Date(this.now()).toISOString();
  }

  unregister(id: string): void { this.runs.delete(id); }

  cancel(id: string, reason = 'cancelled'): boolean {
    const e = this.runs.get(id);
    if (!e?.controller) return false;
    e.controller.abort(new BatonError('cancelled', `run ${id} ${reason}`));
    return true;
  }

  list(): RunStatus[] {
    const out: RunStatus[] = [];
    const t = this.now();
    for (const { info } of this.runs.values()) {
      const { budget, ...rest } = info;
      const b = budget?.();
      out.push({ ...rest, ...(b ? { budget: { tokens: b.tokens, toolCalls: b.toolCalls, elapsedMs: t - b.startedAt } } : {}) });
    }
    return out;
  }

  acquire(id: string, priority: number, signal?: AbortSignal): Promise<Slot> {
    const queuedAt = this.now();
    let held = false;
    const slot: Slot = {
      get held() { return held; },
      release: () => { if (held) { held = false; this.running--; this.pump(); } },
      reacquire: async (sig?: AbortSignal) => { if (!held) { await this.wait(id, priority, queuedAt, sig); held = true; } },
    };
    return this.wait(id, priority, queuedAt, signal).then(() => { held = true; return slot; });
  }

  /** Queues `id`; resolves once it holds one of the slots (counted in `running`). */
  private wait(id: string, priority: number, queuedAt: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new BatonError('cancelled', `run ${id} was cancelled while queued`));
    if (this.running < this.concurrency && this.heap.length === 0) {
      this.running++;
      this.granted++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { id, key: priority * this.agingMs - queuedAt, seq: this.seq++, resolve, reject, done: false };
      const onAbort = () => {
        if (w.done) return;
        w.done = true;
        this.removeWaiter(w);
        reject(new BatonError('cancelled', `run ${id} was cancelled while queued`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      w.resolve = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
      this.push(w);
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.concurrency && this.heap.length) {
      const w = this.pop()!;
      if (w.done) continue;
      w.done = true;
      this.running++;
      this.granted++;
      w.resolve();
    }
  }

  // ---- binary max-heap on (key, -seq) ----

  private before(a: Waiter, b: Waiter): boolean { return a.key > b.key || (a.key === b.key && a.seq < b.seq); }

  private push(w: Waiter): void {
    const h = this.heap;
    h.push(w);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Waiter | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      this.sift(0);
    }
    return top;
  }

  private sift(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && this.before(h[l], h[m])) m = l;
      if (r < h.length && this.before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }

  private removeWaiter(w: Waiter): void {
    const i = this.heap.indexOf(w);
    if (i < 0) return;
    const last = this.heap.pop()!;
    if (i < this.heap.length) {
      this.heap[i] = last;
      this.sift(i);
      // and up
      let j = i;
      while (j > 0) {
        const p = (j - 1) >> 1;
        if (!this.before(this.heap[j], this.heap[p])) break;
        [this.heap[j], this.heap[p]] = [this.heap[p], this.heap[j]];
        j = p;
      }
    }
  }
}
