/**
 * What `run.ts` wires around the kernel of a root run: its lifecycle, the budgets of its tree, and
 * thin wrappers around the approval provider (Waiting (approval) while a human decides), the pause
 * hook (budgets counted before each effect; a Suspended run stops at its next effect) and the
 * event sink (model answers counted against budgets).
 */
import type { ApprovalProvider, ApprovalRequest } from '../approvals/approval';
import type { ApprovalAnswer } from '../journal/records';
import type { EffectInfo, EventSink, PauseHook } from '../kernel/events';
import type { Kernel } from '../kernel/kernel';
import type { LifecycleState } from '../journal/records-orchestration';
import type { JournalRecord, TerminationReason } from '../journal/records';
import type { Scheduler } from './scheduler';
import { BatonError } from '../errors';
import { BudgetBook, RunBudget } from './budget';
import { budgetJournal, RunTree } from './child-run';
import { Lifecycle } from './lifecycle';

export interface RootOrchestration {
  lifecycle: Lifecycle;
  tree: RunTree;
  budget: RunBudget;
  sink: EventSink;
  pause: PauseHook;
  approvals: ApprovalProvider;
  /** Called once the kernel exists (the wrappers journal through it). */
  bind(kernel: Kernel): void;
  /** Ends the lifecycle as the run ended (Terminated follows), or leaves it resumable. */
  finish(reason: TerminationReason | undefined, why?: string, resumable?: boolean): void;
}

export interface RootOptions {
  runId: string;
  agent: string;
  priority: number;
  scheduler?: Scheduler;
  controller: AbortController;
  sink: EventSink;
  pause?: PauseHook;
  approvals: ApprovalProvider;
  maxToolCalls?: number;
}

/** An abort reason that leaves the run resumable (`baton serve` shutting down). */
export function shutdownReason(message = 'baton serve is shutting down'): BatonError {
  return new BatonError('cancelled', message, { data: { shutdown: true } });
}

export function isShutdown(reason: unknown): boolean {
  return reason instanceof BatonError && (reason.options.data as { shutdown?: boolean } | undefined)?.shutdown === true;
}

export function rootOrchestration(o: RootOptions): RootOrchestration {
  return new RootRun(o);
}

/**
 * One object with prototype methods rather than a handful of closures: `baton serve` keeps up to
 * 100,000 waiting runs in one process, each holding one of these.
 */
class RootRun implements RootOrchestration, EventSink {
  readonly lifecycle: Lifecycle;
  readonly tree: RunTree;
  readonly budget: RunBudget;
  readonly pause: PauseHook;
  readonly approvals: ApprovalProvider;
  private kernel: Kernel | undefined;

  constructor(private readonly o: RootOptions) {
    const budgets = new BudgetBook();
    this.budget = budgets.add(new RunBudget(o.runId, 'main', { toolCalls: o.maxToolCalls }, (b, e, kind, used, key) => budgetJournal(this.kernel!, (err) => o.controller.abort(err))(b, e, kind, used, key)));
    const lifecycle = new Lifecycle(o.runId, (b) => { this.kernel!.append(b); }, o.scheduler);
    this.lifecycle = lifecycle;
    this.tree = { root: o.runId, budgets, scheduler: o.scheduler };
    const hook = o.pause;
    const pause = new GatedPause(budgets, lifecycle, hook);
    if (hook?.beforeStatement) pause.beforeStatement = (info) => hook.beforeStatement!.call(hook, info);
    if (hook?.beforeLoopPhase) pause.beforeLoopPhase = (info) => hook.beforeLoopPhase!.call(hook, info); // the debugger's loop frames (dbg)
    this.pause = pause;
    this.approvals = new WaitingApprovals(lifecycle, o.approvals);
    o.scheduler?.register({ id: o.runId, agent: o.agent, priority: o.priority, budget: () => ({ ...this.budget.used, tokens: this.kernel ? this.kernel.usage.inputTokens + this.kernel.usage.outputTokens : 0 }) }, o.controller, lifecycle);
  }

  /** The event sink: model answers counted against budgets, then the run's own sink. */
  get sink(): EventSink { return this; }

  emit(ev: Parameters<EventSink['emit']>[0]): void {
    if (ev.kind === 'record') this.tree.budgets.onRecord(ev.record);
    this.o.sink.emit(ev);
  }

  bind(k: Kernel): void { this.kernel = k; }

  finish(reason: TerminationReason | undefined, why?: string, resumable?: boolean): void {
    const { lifecycle, o } = this;
    try {
      if (resumable) {
        if (lifecycle.state !== 'Cancelled' && lifecycle.state !== 'Terminated') lifecycle.to('Cancelled', `${why ?? 'interrupted'}; resumable with 'baton resume ${o.runId}'`);
        return;
      }
      if (reason === undefined) return;
      lifecycle.end(reason === 'Completed' ? 'Completed' : reason === 'Cancelled' ? 'Cancelled' : 'Failed', reason === 'Completed' ? undefined : why ?? reason);
    } catch (e) {
      // A lifecycle bug must never keep the run's Terminated record out of the journal.
      process.emitWarning(`baton: run ${o.runId}: ${(e as Error).message}`);
    } finally {
      o.scheduler?.unregister(o.runId);
    }
  }
}

/** The pause hook: budgets counted before each effect; a Suspended run stops at its next effect. */
class GatedPause implements PauseHook {
  // Set only when the outer hook has them (the kernel skips statement hooks when absent).
  declare beforeStatement?: PauseHook['beforeStatement'];
  declare beforeLoopPhase?: PauseHook['beforeLoopPhase'];

  constructor(private readonly budgets: BudgetBook, private readonly lifecycle: Lifecycle, private readonly hook: PauseHook | undefined) {}

  beforeEffect(info: EffectInfo): void | Promise<void> {
    this.budgets.beforeEffect(info);
    const gate = this.lifecycle.checkpoint();
    const hook = this.hook;
    const next = hook?.beforeEffect;
    if (!gate) return next?.call(hook, info);
    return gate.then(() => next?.call(hook, info));
  }
}

/** The approval provider: the run is Waiting (approval) while a human decides. */
class WaitingApprovals implements ApprovalProvider {
  constructor(private readonly lifecycle: Lifecycle, private readonly inner: ApprovalProvider) {}
  request(r: ApprovalRequest, s: AbortSignal): Promise<ApprovalAnswer> {
    return this.lifecycle.waitFor('approval', () => this.inner.request(r, s));
  }
}

/** The last lifecycle state journaled for `run` (a resumed run starts again from there). */
export function lastState(records: readonly JournalRecord[], run: string): LifecycleState | null {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r.type === 'LifecycleChanged' && r.run === run) return r.to;
  }
  return null;
}
