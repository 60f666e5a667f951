/**
 * Child runs: calling another agent of the workspace starts a child run in the parent's journal.
 *
 * - Its id is `<root run>/<call key>`; its effects are keyed under the call's key (`main#3#0`, …),
 *   so resume, replay and fork of the tree ask for the same keys.
 * - Journal: `ChildStarted` + `ChildRunLinked` (parent ↔ child, the child's budget and priority),
 *   the child's `LifecycleChanged` records, `BudgetExceeded` if it goes over, `ChildFinished`.
 * - Budget: its own `timeout`, `max_tokens`, `max_tool_calls` (and `max_iterations` for its
 *   loops) while every budget above it still applies.
 * - Scheduling: the child takes a scheduler slot at its own priority; the parent is Waiting
 *   (child) meanwhile and gives its slot back.
 * - Failure (throws, budget, cancelled on its own) comes back to the caller as a catchable
 *   `agent-error` naming the child and its reason; cancelling the parent cancels the child.
 */
import type { AgentIR, Json, ProgramIR } from '../ir/schema';
import type { Kernel } from '../kernel/kernel';
import type { Scheduler } from './scheduler';
import type { Rec, Value } from '../interp/values';
import type { BudgetKind } from '../journal/records-orchestration';
import { BatonError, asBatonError } from '../errors';
import { Branch } from '../interp/host';
import { ErrorValue, toJson } from '../interp/values';
import { agentConfig } from '../run/agent-config';
import { BudgetBook, BudgetLimits, RunBudget } from './budget';
import { Lifecycle } from './lifecycle';

/** What a run tree shares: its root id, its budgets, the scheduler (if any). */
export interface RunTree {
  root: string;
  budgets: BudgetBook;
  scheduler?: Scheduler;
}

/** The orchestration part of a run environment (`RunEnv`). */
export interface OrchestrationEnv {
  kernel: Kernel;
  context: Rec;
  deadline: number;
  lifecycle?: Lifecycle;
  tree?: RunTree;
}

/** `with max_tool_calls = n` (agent) or `max_tool_calls` in metadata. */
export function maxToolCalls(program: ProgramIR, agent: AgentIR): number | undefined {
  const v = (agent.attrs as Record<string, unknown>).max_tool_calls ?? (program.metadata as Record<string, unknown>).max_tool_calls;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Journals a budget going over (once per budget) and cancels what runs under it. */
export function budgetJournal(kernel: Kernel, abort: (e: BatonError) => void) {
  return (b: RunBudget, e: BatonError, kind: BudgetKind, used: number, key?: string) => {
    const limit = kind === 'tokens' ? b.limits.tokens : kind === 'tool_calls' ? b.limits.toolCalls : b.limits.timeMs;
    if (!kernel.replayOnly) kernel.append({ type: 'BudgetExceeded', run: b.run, budget: kind, limit: limit ?? 0, used, ...(key ? { key } : {}) });
    abort(e);
  };
}

export interface ChildCall {
  key: string;
  name: string;
  program: ProgramIR;
  target: AgentIR;
  inputs: Rec;
  parentBranch: Branch;
  /** Builds the child's AgentExecution in its own environment. */
  execute(env: OrchestrationEnv, branch: Branch): Promise<Value>;
}

/** Runs a child agent as a child run; `env` is the caller's environment. */
export async function runChild<E extends OrchestrationEnv>(env: E, c: ChildCall, makeEnv: (o: OrchestrationEnv) => E): Promise<Value> {
  const { kernel } = env;
  const tree = env.tree;
  const root = tree?.root ?? kernel.runId;
  const childId = `${root}/${c.key}`;
  const parentId = env.lifecycle?.run ?? root;
  const config = agentConfig(c.program, c.target);
  const limits: BudgetLimits = { tokens: config.maxTokens, timeMs: config.timeoutMs, toolCalls: maxToolCalls(c.program, c.target) };
  const resumed = !!kernel.inJournal(c.key)?.childStarted;
  if (!resumed) {
    kernel.append({ type: 'ChildStarted', key: c.key, agent: c.name, inputs: toJson(c.inputs) });
    kernel.append({
      type: 'ChildRunLinked', key: c.key, parent: parentId, child: childId, agent: c.name, priority: config.priority,
      budget: { tokens: limits.tokens, time: limits.timeMs, iterations: config.maxIterations, ...(limits.toolCalls !== undefined ? { tool_calls: limits.toolCalls } : {}) },
    });
  }

  // The child's own cancellation: its parent's, its timeout, its budget, or a cancel of the child alone.
  const ac = new AbortController();
  const parentSignal = c.parentBranch.signal;
  const onParentAbort = () => ac.abort(parentSignal.reason);
  parentSignal.addEventListener('abort', onParentAbort, { once: true });
  if (parentSignal.aborted) ac.abort(parentSignal.reason);
  const budget = new RunBudget(childId, c.key, limits, budgetJournal(kernel, (e) => ac.abort(e)));
  tree?.budgets.add(budget);
  const timer = setTimeout(() => budget.exceed('time', limits.timeMs!, Date.now() - budget.used.startedAt), limits.timeMs);
  timer.unref?.();

  const append = (b: Parameters<Kernel['append']>[0]) => { kernel.append(b); };
  const lc = new Lifecycle(childId, append, tree?.scheduler);
  tree?.scheduler?.register({ id: childId, agent: c.name, priority: config.priority, parent: parentId, budget: () => ({ ...budget.used }) }, ac);
  if (resumed) lc.restart(null); else lc.created();
  const parent = env.lifecycle;
  parent?.waiting('child');
  let v: Value | undefined;
  let failure: BatonError | undefined;
  try {
    await lc.start(config.priority, ac.signal);
    const childEnv = makeEnv({
      kernel, tree, lifecycle: lc, deadline: Math.min(env.deadline, Date.now() + (limits.timeMs ?? Infinity)),
      context: { ...env.context, run_id: childId, agent: c.name, parent_run: parentId },
    });
    v = await c.execute(childEnv, new Branch(c.key, ac.signal));
    if (v instanceof ErrorValue) failure = new BatonError('agent-error', v.message);
  } catch (e) {
    failure = budget.exceeded ?? asBatonError(e);
  } finally {
    clearTimeout(timer);
    parentSignal.removeEventListener('abort', onParentAbort);
    tree?.budgets.remove(budget);
    tree?.scheduler?.unregister(childId);
  }

  if (!failure) {
    kernel.append({ type: 'ChildFinished', key: c.key, agent: c.name, ok: true, value: toJson(v!) });
    lc.end('Completed');
    await parent?.running(parentSignal);
    return v!;
  }
  // The parent was cancelled, or the run cannot go on (a journal problem, an in-doubt effect): not the child's failure.
  const ownCancel = failure.code === 'cancelled' && !parentSignal.aborted;
  if ((failure.code === 'cancelled' && !ownCancel) || failure.code === 'journal' || failure.code === 'in-doubt' || failure.code === 'mcp-pin-mismatch') {
    if (failure.code === 'cancelled') lc.end('Cancelled', 'the parent run was cancelled');
    await parent?.running().catch(() => undefined);
    throw failure;
  }
  const reason = ownCancel ? `cancelled${(ac.signal.reason as Error | undefined)?.message ? ` (${(ac.signal.reason as Error).message})` : ''}` : failure.message;
  kernel.append({ type: 'ChildFinished', key: c.key, agent: c.name, ok: false, error: reason });
  lc.end(ownCancel ? 'Cancelled' : 'Failed', reason);
  await parent?.running(parentSignal);
  throw new BatonError('agent-error', `agent '${c.name}' failed: ${reason}`, { cause: failure, data: { child: childId, code: failure.code } as { [k: string]: Json } });
}
