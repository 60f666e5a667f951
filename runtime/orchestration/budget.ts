/**
 * Budgets of a run tree: each run (the root, `main`, and each child run, keyed by its call's key)
 * has limits on tokens, tool calls and wall time. An effect counts against every budget whose
 * branch prefix covers its key (a child's effects also count for its parent and the root), so a
 * child is held to its own budget while its parent's still applies.
 *
 * Counting is deterministic: tool calls are counted before each tool effect (recorded or live) and
 * tokens from each model answer (recorded or live), so a resumed or replayed run goes over a
 * budget at the same effect as the original did. Wall time is not deterministic: a child that
 * timed out is answered from its journaled ChildFinished on resume.
 */
import type { JournalRecord } from '../journal/records';
import type { BudgetKind } from '../journal/records-orchestration';
import type { EffectInfo } from '../kernel/events';
import type { TerminationReason } from '../journal/records';
import { BatonError } from '../errors';

export interface BudgetLimits {
  tokens?: number;
  toolCalls?: number;
  timeMs?: number;
}

export interface BudgetUse { tokens: number; toolCalls: number; startedAt: number }

/** The budget of one run of the tree. `prefix` is its branch id (`main`, or the call key `main#3`). */
export class RunBudget {
  readonly used: BudgetUse;
  /** Set once the budget is exceeded: the error the run fails with. */
  exceeded?: BatonError;

  constructor(readonly run: string, readonly prefix: string, readonly limits: BudgetLimits, readonly onExceeded?: (b: RunBudget, e: BatonError, kind: BudgetKind, used: number, key?: string) => void) {
    this.used = { tokens: 0, toolCalls: 0, startedAt: Date.now() };
  }

  covers(key: string): boolean {
    const p = this.prefix;
    if (!key.startsWith(p)) return false;
    const c = key.charCodeAt(p.length);
    return c === 35 /* # */ || c === 46 /* . */;
  }

  exceed(kind: BudgetKind, limit: number, used: number, key?: string): BatonError {
    const what = kind === 'tokens' ? `token budget exhausted: ${used} of ${limit} tokens used`
      : kind === 'tool_calls' ? `tool-call budget exhausted: call ${used} of at most ${limit} (max_tool_calls)`
        : `timeout: the run exceeded ${limit / 1000} s`;
    const reason: TerminationReason = kind === 'tokens' ? 'MaxTokens' : kind === 'time' ? 'Timeout' : 'MaxIterations';
    // Named by its branch, not its run id: the message reaches agent code, and a fork has another id.
    const who = this.prefix === 'main' ? 'the run' : `child run ${this.prefix}`;
    const e = new BatonError('budget-exhausted', `${who}: ${what}`, { data: { reason, budget: kind } });
    if (!this.exceeded) {
      this.exceeded = e;
      this.onExceeded?.(this, e, kind, used, key);
    }
    return e;
  }
}

/** The budgets in force in one run tree. */
export class BudgetBook {
  private active: RunBudget[] = [];

  /** (The first budget makes a one-element array: `push` onto an empty one would reserve 17 slots.) */
  add(b: RunBudget): RunBudget {
    if (this.active.length === 0) this.active = [b]; else this.active.push(b);
    return b;
  }

  remove(b: RunBudget): void {
    const i = this.active.indexOf(b);
    if (i >= 0) this.active.splice(i, 1);
  }

  /** The budget whose prefix is exactly `prefix` (a run of the tree). */
  get(prefix: string): RunBudget | undefined { return this.active.find((b) => b.prefix === prefix); }

  /** Before an effect: counts a tool call and refuses the effect of a run over its budget. */
  beforeEffect(info: EffectInfo): void {
    for (const b of this.active) {
      if (!b.covers(info.key)) continue;
      if (b.exceeded) throw b.exceeded;
      if (info.kind === 'tool') {
        b.used.toolCalls++;
        if (b.limits.toolCalls !== undefined && b.used.toolCalls > b.limits.toolCalls) throw b.exceed('tool_calls', b.limits.toolCalls, b.used.toolCalls, info.key);
      } else if (info.kind === 'model' && b.limits.tokens !== undefined && b.used.tokens >= b.limits.tokens) {
        throw b.exceed('tokens', b.limits.tokens, b.used.tokens, info.key);
      }
    }
  }

  /** Every record (recorded or live): model answers count their tokens. */
  onRecord(rec: JournalRecord): void {
    if (rec.type !== 'ReasoningComplete') return;
    const n = rec.usage.inputTokens + rec.usage.outputTokens;
    for (const b of this.active) if (b.covers(rec.key)) b.used.tokens += n;
  }
}
