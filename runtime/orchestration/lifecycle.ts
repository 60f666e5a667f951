/**
 * The lifecycle of a run (RUNTIME.md): Initializing → Ready → Running ⇄ Waiting (approval,
 * message, child) ⇄ Suspended (policy) → Completed | Failed | Cancelled → Terminated. Every
 * transition is journaled (`LifecycleChanged`) and reported to the scheduler.
 *
 * Waiting gives the run's scheduler slot back; going on takes one again (it may queue). A run with
 * parallel strands is Waiting while at least one strand waits and Running again when none does.
 *
 * API for effects that wait (approvals, children, messages):
 *
 *     const v = await lifecycle.waitFor('message', () => receiveSomething());
 *
 * or, split: `lifecycle.waiting('message')` … `await lifecycle.running()`.
 * `lifecycleOf(env)` gives the lifecycle of the run an effect belongs to (undefined when a run is
 * executed without one).
 */
import type { LifecycleBody, LifecycleState, WaitReason } from '../journal/records-orchestration';
import type { Scheduler, Slot } from './scheduler';
import { BatonError } from '../errors';

const NEXT: Record<LifecycleState, readonly LifecycleState[]> = {
  Initializing: ['Ready', 'Failed', 'Cancelled'],
  Ready: ['Running', 'Failed', 'Cancelled'],
  Running: ['Waiting', 'Suspended', 'Completed', 'Failed', 'Cancelled'],
  Waiting: ['Running', 'Suspended', 'Failed', 'Cancelled'],
  Suspended: ['Running', 'Waiting', 'Failed', 'Cancelled'],
  Completed: ['Terminated'],
  Failed: ['Terminated'],
  Cancelled: ['Terminated'],
  Terminated: [],
};

export function canTransition(from: LifecycleState, to: LifecycleState): boolean {
  return NEXT[from].includes(to);
}

export type LifecycleJournal = (body: LifecycleBody) => void;

export class Lifecycle {
  private st: LifecycleState = 'Initializing';
  private waits = 0;
  private slot?: Slot;
  private pending?: Promise<void>;
  private suspendedFrom?: LifecycleState;
  private gate?: { promise: Promise<void>; open: () => void };

  constructor(readonly run: string, private readonly journal: LifecycleJournal, private readonly scheduler?: Scheduler, initial?: LifecycleState) {
    if (initial) this.st = initial;
  }

  get state(): LifecycleState { return this.st; }
  get holdsSlot(): boolean { return !!this.slot?.held; }

  /** A journaled transition; an impossible one is a bug in the runtime. */
  to(to: LifecycleState, why?: string): void {
    const from = this.st;
    if (from === to) return;
    if (!canTransition(from, to)) throw new BatonError('runtime', `run ${this.run}: a run cannot go from ${from} to ${to}`);
    this.st = to;
    this.journal({ type: 'LifecycleChanged', run: this.run, from, to, ...(why ? { why } : {}) });
    this.scheduler?.update(this.run, to, why);
    if ((to === 'Completed' || to === 'Failed' || to === 'Cancelled') && this.slot?.held) this.slot.release();
  }

  /** Journals the run's first state (Initializing). */
  created(): void {
    this.journal({ type: 'LifecycleChanged', run: this.run, from: null, to: 'Initializing' });
    this.scheduler?.update(this.run, 'Initializing');
  }

  /** A resumed run starts again from whatever state its journal left it in. */
  restart(from: LifecycleState | null): void {
    this.st = 'Ready';
    this.journal({ type: 'LifecycleChanged', run: this.run, from, to: 'Ready', why: 'resumed' });
    this.scheduler?.update(this.run, 'Ready', 'resumed');
  }

  /** Ready → Running: waits for a scheduler slot (if there is a scheduler). */
  async start(priority: number, signal?: AbortSignal): Promise<void> {
    if (this.st === 'Initializing') this.to('Ready');
    if (this.scheduler) this.slot = await this.scheduler.acquire(this.run, priority, signal);
    this.to('Running');
  }

  /** One strand starts waiting; the first one makes the run Waiting and gives its slot back. */
  waiting(why: WaitReason): void {
    if (++this.waits > 1 || this.st !== 'Running') return;
    this.to('Waiting', why);
    this.slot?.release();
  }

  /** One strand stops waiting; the last one takes a slot again (may queue) and makes the run Running. */
  async running(signal?: AbortSignal): Promise<void> {
    if (this.waits > 0 && --this.waits > 0) return;
    if (this.slot && !this.slot.held) {
      this.pending ??= this.slot.reacquire(signal).finally(() => { this.pending = undefined; });
      await this.pending;
      if (this.waits > 0) { this.slot.release(); return; }
    }
    if (this.st === 'Waiting') this.to('Running');
  }

  /** Waiting for `what` while it runs; `ended` (if given) is called as soon as it settles. */
  waitFor<T>(why: WaitReason, what: () => Promise<T>, signal?: AbortSignal, ended?: () => void): Promise<T> {
    this.waiting(why);
    let p: Promise<T>;
    try { p = what(); } catch (e) { p = Promise.reject(e); }
    // Promise callbacks rather than an async frame: cheaper for the many runs that wait at once.
    const back = () => { ended?.(); return this.running(signal).catch(() => undefined); };
    return p.then((v) => back().then(() => v), (e: unknown) => back().then(() => { throw e; }));
  }

  /** Suspended (policy): the run stops at its next effect until `resume()`. */
  suspend(why: string): void {
    if (this.st !== 'Running' && this.st !== 'Waiting') return;
    this.suspendedFrom = this.st;
    this.to('Suspended', why);
    let open!: () => void;
    const promise = new Promise<void>((r) => { open = r; });
    this.gate = { promise, open };
  }

  resume(): void {
    if (this.st !== 'Suspended') return;
    this.to(this.suspendedFrom ?? 'Running', 'resumed');
    const g = this.gate;
    this.gate = undefined;
    g?.open();
  }

  /** Awaited before each effect: resolves at once unless the run is suspended. */
  checkpoint(): Promise<void> | undefined { return this.gate?.promise; }

  /** Completed | Failed | Cancelled → Terminated. */
  end(state: 'Completed' | 'Failed' | 'Cancelled', why?: string): void {
    if (this.st === 'Suspended') this.resume();
    if (state === 'Completed') {
      if (this.st === 'Initializing') this.to('Ready');
      if (this.st === 'Ready' || this.st === 'Waiting') this.to('Running');
    }
    this.to(state, why);
    this.to('Terminated');
  }
}

/** The lifecycle of the run an effect belongs to (see `RunEnv.lifecycle`). */
export function lifecycleOf(env: { lifecycle?: Lifecycle }): Lifecycle | undefined {
  return env.lifecycle;
}
