/**
 * What `run.ts` wires around the kernel of a root run: its lifecycle, the budgets of its tree, and
 * thin wrappers around the approval provider (Waiting (approval) while a human decides), the pause
 * hook (budgets counted before each effect; a Suspended run stops at its next effect) and the
 * event sink (model answers counted against budgets).
 */
import type { ApprovalProvider } from '../approvals/approval';
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
  let kernel!: Kernel;
  const budgets = new BudgetBook();
  const budget = budgets.add(new RunBudget(o.runId, 'main', { toolCalls: o.maxToolCalls }, (b, e, kind, used, key) => budgetJournal(kernel, (err) => o.controller.abort(err))(b, e, kind, used, key)));
  const lifecycle = new Lifecycle(o.runId, (b) => { kernel.append(b); }, o.scheduler);
  const tree: RunTree = { root: o.runId, budgets, scheduler: o.scheduler };
  const outer = o.sink;
  const sink: EventSink = { emit: (ev) => { if (ev.kind === 'record') budgets.onRecord(ev.record); outer.emit(ev); } };
  const hook = o.pause;
  const pause: PauseHook = {
    beforeEffect(info: EffectInfo) {
      budgets.beforeEffect(info);
      const gate = lifecycle.checkpoint();
      const next = hook?.beforeEffect;
      if (!gate) return next?.call(hook, info);
      return gate.then(() => next?.call(hook, info));
    },
  };
  if (hook?.beforeStatement) pause.beforeStatement = (info) => hook.beforeStatement!.call(hook, info);
  if (hook?.beforeLoopPhase) pause.beforeLoopPhase = (info) => hook.beforeLoopPhase!.call(hook, info); // the debugger's loop frames (dbg)
  const approvals: ApprovalProvider = { request: (r, s) => lifecycle.waitFor('approval', () => o.approvals.request(r, s)) };
  o.scheduler?.register({ id: o.runId, agent: o.agent, priority: o.priority, budget: () => ({ ...budget.used, tokens: kernel ? kernel.usage.inputTokens + kernel.usage.outputTokens : 0 }) }, o.controller, lifecycle);
  return {
    lifecycle, tree, budget, sink, pause, approvals,
    bind(k) { kernel = k; },
    finish(reason, why, resumable) {
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
    },
  };
}

/** The last lifecycle state journaled for `run` (a resumed run starts again from there). */
export function lastState(records: readonly JournalRecord[], run: string): LifecycleState | null {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r.type === 'LifecycleChanged' && r.run === run) return r.to;
  }
  return null;
}
