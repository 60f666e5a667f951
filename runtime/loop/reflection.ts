/**
 * The reflection engine (`reflection = true`, RUNTIME.md): before a step the model may proceed,
 * skip it or adjust its goal; after a failed step it may propose one corrected retry; after the run
 * it records insights, stored per agent and offered to later runs (insights.ts). Each is one model
 * call through the kernel with its own schema (planning-schema.ts), journaled as ReflectionMade.
 * A malformed reflection is a clear error for pre-step and correction (journaled as ReflectionMade
 * with decision `invalid`); a malformed final reflection only loses the insights.
 */
import type { z } from 'zod';
import type { Kernel } from '../kernel/kernel';
import type { Branch } from '../interp/host';
import type { Loc } from '../ir/schema';
import type { ReflectionPhase } from '../journal/records-planning';
import { CorrectionReflection, FinalReflection, PreReflection, StructuredCallError, structuredCall } from './planning-schema';
import { journalOnce } from './planning-journal';
import { storeInsights } from './insights';

export interface ReflectionContext {
  kernel: Kernel;
  model: string;
  system: string;
  temperature?: number;
  loc?: Loc;
  /** The agent (insights are stored under its name) and the workspace root. */
  agent: string;
  root: string;
}

const SYSTEM = 'You review the work of an agent, step by step, and answer with a short decision and its reason.';

async function reflect<T>(r: ReflectionContext, branch: Branch, phase: ReflectionPhase, step: string | undefined, schema: z.ZodType<T>, prompt: string): Promise<{ value: T; key: string }> {
  try {
    return await structuredCall(r.kernel, branch, {
      model: r.model, system: `${r.system}\n\n${SYSTEM}`, prompt, what: `${phase} reflection`, schema, temperature: r.temperature, loc: r.loc,
    });
  } catch (e) {
    if (e instanceof StructuredCallError) {
      journalOnce(r.kernel, { type: 'ReflectionMade', key: e.key, phase, ...(step ? { step } : {}), decision: 'invalid', reason: e.message });
    }
    throw e;
  }
}

export type PreDecision = { decision: 'proceed' } | { decision: 'skip'; reason: string } | { decision: 'adjust'; goal: string; reason: string };

/** Before a step: proceed, skip (with a reason) or adjust its goal. */
export async function reflectBeforeStep(r: ReflectionContext, branch: Branch, goal: string, step: { id: string; goal: string }, done: string): Promise<PreDecision> {
  const { value, key } = await reflect(r, branch, 'pre', step.id, PreReflection,
    `Overall goal:\n${goal}\n\nNext step (${step.id}):\n${step.goal}\n\nResults so far:\n${done || '(none yet)'}\n\n` +
    'Decide before the step runs: "proceed" as planned, "skip" it (it is no longer needed — say why), or "adjust" it (give adjusted_goal, the better goal for this step).');
  const adjusted = value.decision === 'adjust' && value.adjusted_goal?.trim() ? value.adjusted_goal.trim() : undefined;
  const decision = value.decision === 'adjust' && !adjusted ? 'proceed' : value.decision;
  journalOnce(r.kernel, { type: 'ReflectionMade', key, phase: 'pre', step: step.id, decision, reason: value.reason, ...(adjusted ? { adjustedGoal: adjusted } : {}) });
  if (decision === 'skip') return { decision, reason: value.reason };
  if (decision === 'adjust' && adjusted) return { decision, goal: adjusted, reason: value.reason };
  return { decision: 'proceed' };
}

/** After a failed step: one corrected retry (with a corrected goal), or give up. */
export async function reflectOnFailure(r: ReflectionContext, branch: Branch, goal: string, step: { id: string; goal: string }, error: string): Promise<{ retry: boolean; goal: string; reason: string }> {
  const { value, key } = await reflect(r, branch, 'correction', step.id, CorrectionReflection,
    `Overall goal:\n${goal}\n\nThe step ${step.id} failed.\nIts goal:\n${step.goal}\nThe error:\n${error}\n\n` +
    'Decide: "retry" once with a corrected goal (give corrected_goal: what to do differently so it succeeds), or "give_up" if a retry cannot succeed.');
  const corrected = value.corrected_goal?.trim() || `${step.goal}\n\n(An earlier attempt failed: ${error}. Avoid that.)`;
  journalOnce(r.kernel, { type: 'ReflectionMade', key, phase: 'correction', step: step.id, decision: value.decision, reason: value.reason, ...(value.decision === 'retry' ? { adjustedGoal: corrected } : {}) });
  return { retry: value.decision === 'retry', goal: corrected, reason: value.reason };
}

/** After the run: insights worth remembering, stored for later runs of the agent. */
export async function reflectAtEnd(r: ReflectionContext, branch: Branch, goal: string, summary: string, answer: string): Promise<string[]> {
  let got: { value: z.infer<typeof FinalReflection>; key: string };
  try {
    got = await reflect(r, branch, 'final', undefined, FinalReflection,
      `Goal:\n${goal}\n\nWhat happened:\n${summary}\n\nFinal answer:\n${answer.length > 4000 ? answer.slice(0, 4000) + '…' : answer}\n\n` +
      'List up to 5 short, general insights (lessons) that would help a later run of this agent on a similar goal: what worked, what to avoid. An empty list is fine.');
  } catch (e) {
    if (e instanceof StructuredCallError) {
      r.kernel.emit({ kind: 'note', message: `final reflection ignored: ${e.message}` });
      return [];
    }
    throw e;
  }
  const insights = got.value.insights.map((i) => i.trim()).filter(Boolean);
  const wrote = journalOnce(r.kernel, { type: 'ReflectionMade', key: got.key, phase: 'final', decision: 'done', reason: got.value.reason ?? '', insights });
  // Stored when journaled: a resume that re-derives the reflection from the journal does not store it again.
  if (wrote) storeInsights(r.root, r.agent, insights, { run: r.kernel.runId, key: got.key });
  return insights;
}
