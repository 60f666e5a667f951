/**
 * What the interpreter needs from the run it belongs to: every effect goes through these calls
 * (and from there through the kernel). The interpreter itself is deterministic.
 */
import type { AgentIR, Loc, ProgramIR, TypeIR } from '../ir/schema';
import type { Scope } from './scope';
import type { Rec, Value } from './values';

/**
 * A strand of execution: `main`, or branch i of the n-th parallel block of `main`, `main.<n>.<i>`. Effects are keyed per branch
 * (`<id>#<n>`), so keys do not depend on how branches interleave.
 */
export class Branch {
  effects = 0;
  steps = 0;
  constructor(readonly id: string, readonly signal: AbortSignal) {}
  nextKey(): string { return `${this.id}#${this.effects++}`; }
}

export interface CallInfo {
  branch: Branch;
  loc: Loc;
  /** Innermost first: `agent devops`, `function f`. */
  frames: readonly string[];
  file: string;
  agent: AgentIR;
  program: ProgramIR;
  /** The declared type the result must have (`let r: Review = reason(...)`), if any. */
  expected?: TypeIR;
}

export interface InterpreterHost {
  /** Run context, visible as `context` (user, run_id, has_human_approval, ...). */
  readonly context: Rec;
  tool(name: string, args: Rec, call: CallInfo): Promise<Value>;
  /** An `mcp` tool called directly as `server.tool(...)`. */
  mcpTool(server: string, tool: string, args: Rec, call: CallInfo): Promise<Value>;
  agent(name: string, args: Value[], named: Rec, uri: string | undefined, call: CallInfo): Promise<Value>;
  /** `ask`, `reason` and the workflow templates. */
  llm(name: string, args: Value[], named: Rec, call: CallInfo): Promise<Value>;
  /** An undeclared call: the model implements it. */
  semantic(name: string, args: Value[], named: Rec, call: CallInfo): Promise<Value>;
  /** Clock, randomness, sleep, log, messaging, memory. */
  effect(name: string, args: Value[], named: Rec, call: CallInfo): Promise<Value>;
  /** A function, agent or tool declared in another file of the workspace. */
  program(uri: string): ProgramIR | undefined;
  /** Before each statement: events and the pause hook. May return a promise to wait on. */
  statement(branch: Branch, loc: Loc, frames: readonly string[], file: string, scope: Scope): void | Promise<void>;
}
