/**
 * What the interpreter's statement half (interpreter.ts) and expression half (evaluator.ts) share:
 * control flow (`Flow`, the return/loop signals), the per-call context `Ctx`, small helpers.
 */
import type { AgentIR, ExprIR, ProgramIR, TypeIR } from '../ir/schema';
import type { Branch } from './host';
import type { Value } from './values';
import { isPure } from './purity';

export type Flow = undefined | { k: 'return'; v: Value } | { k: 'break' } | { k: 'continue' } | { k: 'value'; v: Value };
export const BREAK: Flow = { k: 'break' };
export const CONTINUE: Flow = { k: 'continue' };

export class ReturnSignal { constructor(readonly v: Value) {} }
export class LoopSignal { constructor(readonly k: 'break' | 'continue') {} }

/** An agent's frame lists, shared by all its runs (they are read-only). */
const agentFrameLists = new WeakMap<AgentIR, { frames: readonly string[]; frameFiles: readonly string[] }>();
export function agentFrames(agent: AgentIR, program: ProgramIR): { frames: readonly string[]; frameFiles: readonly string[] } {
  let f = agentFrameLists.get(agent);
  if (!f || f.frameFiles[0] !== program.source) agentFrameLists.set(agent, f = { frames: [`agent ${agent.name}`], frameFiles: [program.source] });
  return f;
}
export const namedPure = ([, x]: [string, ExprIR]): boolean => isPure(x);
export const none = (): Flow => undefined;
export const valueFlow = (v: Value): Flow => ({ k: 'value', v });
export const returnFlow = (v: Value): Flow => ({ k: 'return', v });
export const bodyValue = (flow: Flow): Value => (flow && (flow.k === 'return' || flow.k === 'value') ? flow.v : null);
export const returned = (e: unknown): Value => { if (e instanceof ReturnSignal) return e.v; throw e; };

export interface Ctx {
  branch: Branch;
  frames: readonly string[];
  /** The file of each frame (parallel to `frames`). */
  frameFiles: readonly string[];
  /** The file and program the code being run belongs to (functions of other files run in theirs). */
  program: ProgramIR;
  file: string;
  /** The declared return type of the agent or function being run: `return reason(...)` answers in it. */
  returns?: TypeIR;
}


export function frameList(ctx: Ctx): Array<{ name: string; file: string }> {
  return ctx.frames.map((name, i) => ({ name, file: ctx.frameFiles[i] ?? ctx.file }));
}
