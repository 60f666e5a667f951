/**
 * How the outside (CLI progress, the extension's views, the debugger) watches and steers a run.
 *
 * - `EventSink.emit` receives every journal record as it is appended (also while a resumed run
 *   replays — then `replayed` is true) plus transient events that are not journaled (text deltas
 *   while a model streams, an approval that is waiting).
 * - `PauseHook` is awaited before each statement and before each effect. The debugger resolves the
 *   promise when the user steps; the default is no hook (no await, no cost).
 *
 * Both are optional and must not throw (an exception from a sink is swallowed and reported once).
 */
import type { Loc, Json } from '../ir/schema';
import type { JournalRecord } from '../journal/records';
import type { ChatMessage, ToolCall } from '../providers/provider';

export type RunEvent =
  | { kind: 'record'; record: JournalRecord; replayed: boolean }
  | { kind: 'delta'; key: string; text: string }
  | { kind: 'approval-pending'; key: string; tool: string; args: Json }
  | { kind: 'note'; message: string };

export interface EventSink {
  emit(event: RunEvent): void;
}

export interface StatementInfo {
  runId: string;
  branch: string;
  /** Statements reached so far in this branch (1-based). */
  step: number;
  file: string;
  loc: Loc;
  /** Innermost frame first: `agent devops`, `function f`, ... */
  frames: readonly string[];
  /** Read-only view of the variables in scope (innermost scope wins). */
  locals(): Record<string, unknown>;
  /** True while the statement is re-executed from the journal (resume, replay, fork prefix). */
  replaying: boolean;
}

export interface EffectInfo {
  runId: string;
  key: string;
  kind: 'tool' | 'model' | 'clock' | 'approval' | 'child' | 'message';
  name: string;
  args?: Json;
  loc?: Loc;
  replaying: boolean;
}

/** The reasoning loop's phases (RUNTIME.md); ToolDispatching is seen as `beforeEffect` of a tool inside a loop. */
export type LoopPhase = 'Reasoning' | 'PolicyCheck' | 'ToolDispatching' | 'Observing';

export interface LoopPhaseInfo {
  runId: string;
  branch: string;
  /** The effect key of this iteration's model call. */
  key: string;
  iteration: number;
  maxIterations: number;
  phase: LoopPhase;
  /** The conversation so far (read-only; the loop keeps appending to it). */
  messages: readonly ChatMessage[];
  /** The model's answer of this iteration (PolicyCheck, Observing). */
  output?: { text: string; toolCalls: readonly ToolCall[] };
  loc?: Loc;
  replaying: boolean;
}

export interface PauseHook {
  beforeStatement?(info: StatementInfo): Promise<void> | void;
  beforeEffect?(info: EffectInfo): Promise<void> | void;
  /** Before each phase of a reasoning loop iteration (the debugger's loop frame). */
  beforeLoopPhase?(info: LoopPhaseInfo): Promise<void> | void;
}

export const NULL_SINK: EventSink = { emit() {} };
