/** Journal records of orchestration: messages, dead letters, lifecycle, scheduling, child runs. */

/** RUNTIME.md's lifecycle of a run (root or child). */
export type LifecycleState =
  | 'Initializing' | 'Ready' | 'Running' | 'Waiting' | 'Suspended'
  | 'Completed' | 'Failed' | 'Cancelled' | 'Terminated';

/** What a run in Waiting waits for. */
export type WaitReason = 'approval' | 'message' | 'child' | 'slot';

/** The budgets a run (or child run) is held to. */
export type BudgetKind = 'tokens' | 'tool_calls' | 'time' | 'iterations';

/**
 * Lifecycle, child runs and budgets. A child run lives in its parent's journal: its id is
 * `<parent run>/<call key>` and its effects are keyed under the call's key.
 */
export type LifecycleBody =
  /** A transition of `run` (the root's id, or a child's `<root>/<key>`). `why`: wait reason, failure, `resumed`. */
  | { type: 'LifecycleChanged'; run: string; from: LifecycleState | null; to: LifecycleState; why?: string }
  /** A child run started by the call at `key` of `parent`, with its own budget. */
  | { type: 'ChildRunLinked'; key: string; parent: string; child: string; agent: string; budget: { [k in BudgetKind]?: number }; priority: number }
  /** A run (or child) went over one of its budgets: it fails with this reason. */
  | { type: 'BudgetExceeded'; run: string; budget: BudgetKind; limit: number; used: number; key?: string }
  /** `baton serve` started a scheduled run. */
  | { type: 'ScheduleFired'; schedule: string; cron: string; at: string };

export type OrchestrationBody = LifecycleBody;
