/**
 * Journal records of the planning and reflection engines (runtime/loop/planning*.ts,
 * reflection*.ts). The model calls behind them are ordinary model effects (ModelRequested /
 * ReasoningComplete); these records say what the runtime made of them, for people and views.
 * `key` is the effect key of the model call a record derives from (a resume re-derives the same
 * record from the replayed answer and does not write it again).
 */

/** One step of a plan, as validated by the plan schema. */
export interface PlanStep {
  id: string;
  goal: string;
  /** Tools the step intends to use (names of the agent's tools). */
  tools: string[];
  /** Ids of the steps that must finish first. */
  depends_on: string[];
  /** Journal a checkpoint (a signed chain head) after this step. */
  checkpoint: boolean;
}

export type ReflectionPhase = 'pre' | 'correction' | 'final';

export type PlanningBody =
  | { type: 'PlanAssessed'; key: string; complexity: 'simple' | 'multi_step' | 'complex'; reason: string; by: 'heuristic' | 'model' }
  | { type: 'PlanCreated'; key: string; goal: string; steps: PlanStep[]; revision: number }
  | { type: 'PlanStepStarted'; key: string; step: string; goal: string; branch: string; attempt: number }
  | { type: 'PlanStepFinished'; key: string; step: string; ok: boolean; result?: string; error?: string; skipped?: boolean; iterations?: number }
  | { type: 'Replanned'; key: string; failedStep: string; reason: string; revision: number }
  | {
    type: 'ReflectionMade'; key: string; phase: ReflectionPhase; step?: string;
    /** pre: proceed | skip | adjust; correction: retry | give_up; final: done. */
    decision: string; reason: string; adjustedGoal?: string; insights?: string[];
  }
  /** A malformed plan (revision 1, or 2 for a re-plan) or complexity assessment (revision 0), after its one repair. */
  | { type: 'PlanRejected'; key: string; error: string; revision: number };
