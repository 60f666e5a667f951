/**
 * The planning engine (`planning = "multi_step" | "complex"`, RUNTIME.md) around the reasoning loop.
 *
 *   assess complexity ─ simple ─────────────────────────────► one reasoning loop
 *          │ (heuristic for multi_step, a model call for complex; journaled as PlanAssessed)
 *          ▼
 *   plan (schema-checked: steps with id, goal, tools, depends_on, checkpoint) → PlanCreated
 *          ▼
 *   waves of ready steps, run concurrently, each a bounded reasoning loop in its own branch
 *   `<branch>.<block>.<i>` (so keys stay deterministic) → PlanStepStarted / PlanStepFinished,
 *   a signed checkpoint after `checkpoint` steps; a failed step → one re-plan (Replanned)
 *          ▼
 *   final answer from the step results (one model call, in the declared type if any)
 *
 * With `reflection = true` (reflection.ts) each step is preceded by a pre-step reflection, a
 * failed step gets one corrected retry, and the run ends with a final reflection whose insights
 * are stored and offered to later runs. Every model call goes through the kernel; a malformed plan
 * (after one repair) is journaled as PlanRejected and fails the run with a clear error.
 */
import type { Json } from '../ir/schema';
import type { ResolvedTool } from '../kernel/tool-gate';
import type { PlanStep } from '../journal/records-planning';
import { BatonError, asBatonError } from '../errors';
import { Branch } from '../interp/host';
import { oneCompletion } from '../run/ask';
import { LoopOptions, LoopResult, reasoningLoop } from './reasoning-loop';
import { Complexity, PlanShape, StructuredCallError, checkPlan, normalizePlan, structuredCall } from './planning-schema';
import { journalOnce, lastKey, peekKey } from './planning-journal';
import { ReflectionContext, reflectAtEnd, reflectBeforeStep, reflectOnFailure } from './reflection';
import { insightsSection, loadInsights } from './insights';

/** How an agent plans and reflects (from its settings). */
export interface PlanSettings {
  planning: string;
  reflection: boolean;
  /** The agent's name (insights are kept per agent) and the workspace root. */
  agent: string;
  root: string;
  /** What the goal is about beyond its text (the description of an agent without a body). */
  context?: string;
}

export type GoalOptions = LoopOptions & { plan?: PlanSettings };

const MAX_STEPS: Record<string, number> = { multi_step: 6, complex: 12 };
const STEP_ITERATIONS = 10;
const RESULT_CHARS = 4000;

/** Runs a goal: a plain reasoning loop, or — with planning or reflection on — through the engines. */
export async function runGoal(o: GoalOptions): Promise<LoopResult> {
  const p = o.plan;
  const planning = p && (p.planning === 'multi_step' || p.planning === 'complex');
  if (!p || (!planning && !p.reflection)) return reasoningLoop(o);
  const engine = new PlanningEngine(o, p);
  return engine.run(!!planning);
}

interface StepOutcome { step: PlanStep; ok: boolean; result: string; error?: BatonError; skipped?: boolean }

/** Errors that end the run rather than fail a step (a re-plan or a retry cannot help). */
function fatal(e: BatonError): boolean {
  if (e.code === 'cancelled' || e.code === 'journal' || e.code === 'in-doubt' || e.code === 'provider-error') return true;
  const reason = (e.options.data as { reason?: string } | undefined)?.reason;
  return e.code === 'budget-exhausted' && (reason === 'MaxTokens' || reason === 'Timeout');
}

const clip = (s: string, n = RESULT_CHARS) => (s.length > n ? s.slice(0, n) + '…' : s);
const asText = (v: Json) => (typeof v === 'string' ? v : JSON.stringify(v));

class PlanningEngine {
  private readonly r: ReflectionContext;
  private readonly toolNames: string[];
  private system: string;

  constructor(private readonly o: GoalOptions, private readonly p: PlanSettings) {
    this.system = o.system;
    this.toolNames = o.tools.map((t) => t.name);
    this.r = { kernel: o.kernel, model: o.model, system: o.system, temperature: o.temperature, loc: o.loc, agent: p.agent, root: p.root };
  }

  async run(planning: boolean): Promise<LoopResult> {
    const { o, p } = this;
    if (p.reflection) {
      // Earlier insights are read as a recorded value: resume, replay and fork see the same prompt.
      const insights = await o.kernel.record(o.branch, 'insights', () => loadInsights(p.root, p.agent), o.loc) as string[];
      this.system = o.system + insightsSection(Array.isArray(insights) ? insights : []);
      this.r.system = this.system;
    }
    if (!planning || (await this.assess()) === 'simple') return this.single();
    return this.planned();
  }

  // ---- without a plan ----

  /** One reasoning loop; with reflection, one corrected retry after a failure and a final reflection. */
  private async single(): Promise<LoopResult> {
    const { o, p } = this;
    const loop = (goal: string) => reasoningLoop({ ...o, system: this.system, goal });
    let result: LoopResult;
    try {
      result = await loop(o.goal);
    } catch (e) {
      const err = asBatonError(e);
      if (!p.reflection || fatal(err)) throw err;
      const c = await reflectOnFailure(this.r, o.branch, o.goal, { id: 'goal', goal: o.goal }, err.message);
      if (!c.retry) throw err;
      result = await loop(c.goal);
    }
    if (p.reflection) await reflectAtEnd(this.r, o.branch, o.goal, `One reasoning loop of ${result.iterations} iterations.`, result.text);
    return result;
  }

  // ---- complexity ----

  private async assess(): Promise<'simple' | 'multi_step' | 'complex'> {
    const { o, p } = this;
    if (p.planning === 'complex') {
      try {
        const { value, key } = await structuredCall(o.kernel, o.branch, {
          model: o.model, system: this.system, what: 'complexity assessment', schema: Complexity, temperature: o.temperature, loc: o.loc,
          prompt: `Goal:\n${o.goal}\n\nTools: ${this.toolNames.join(', ') || 'none'}\n\nHow complex is this goal? "simple": one short reasoning loop will do; "multi_step": a few steps; "complex": many steps with dependencies.`,
        });
        journalOnce(o.kernel, { type: 'PlanAssessed', key, complexity: value.complexity, reason: value.reason, by: 'model' });
        return value.complexity;
      } catch (e) {
        if (e instanceof StructuredCallError) journalOnce(o.kernel, { type: 'PlanRejected', key: e.key, error: e.message, revision: 0 });
        throw e;
      }
    }
    const { complexity, reason } = heuristicComplexity(p.context ? `${p.context}\n\n${o.goal}` : o.goal, o.tools);
    // A deterministic decision, journaled once (keyed like the next effect of the branch).
    journalOnce(o.kernel, { type: 'PlanAssessed', key: peekKey(o.branch), complexity, reason, by: 'heuristic' });
    return complexity;
  }

  // ---- planning ----

  private async makePlan(prompt: string, revision: number, done: string[]): Promise<PlanStep[]> {
    const { o, p } = this;
    const max = MAX_STEPS[p.planning] ?? 6;
    try {
      const { value, key } = await structuredCall(o.kernel, o.branch, {
        model: o.model, system: this.system, what: 'plan', schema: PlanShape, temperature: o.temperature, loc: o.loc, prompt,
        check: (v) => checkPlan(normalizePlan(v.steps), this.toolNames, max, done),
      });
      const steps = normalizePlan(value.steps);
      if (journalOnce(o.kernel, { type: 'PlanCreated', key, goal: o.goal, steps, revision })) {
        o.kernel.emit({ kind: 'note', message: `plan${revision > 1 ? ` (revision ${revision})` : ''}: ${steps.map((s) => `${s.id}${s.depends_on.length ? ` after ${s.depends_on.join(', ')}` : ''}`).join('; ')}` });
      }
      o.kernel.commit();
      return steps;
    } catch (e) {
      if (e instanceof StructuredCallError) {
        journalOnce(o.kernel, { type: 'PlanRejected', key: e.key, error: e.message, revision });
        throw new BatonError('model-output', `planning failed: ${e.message}`, { loc: o.loc });
      }
      throw e;
    }
  }

  private planPrompt(): string {
    const max = MAX_STEPS[this.p.planning] ?? 6;
    return `Goal:\n${this.o.goal}\n\nAvailable tools:\n${this.toolList()}\n\n` +
      `Break the goal into a plan of at most ${max} steps. For each step give: id (short and unique, e.g. "s1"), goal (what the step must achieve, understandable on its own), ` +
      'tools (names from the list above that the step needs; may be empty), depends_on (ids of the steps whose results it needs; steps that do not depend on each other run in parallel), ' +
      'checkpoint (true after a step whose effects should be durably recorded before going on).';
  }

  private toolList(): string {
    return this.o.tools.map((t) => `- ${t.name}: ${t.impl.description ?? ''}`).join('\n') || '(none)';
  }

  private async planned(): Promise<LoopResult> {
    const { o, p } = this;
    let steps = await this.makePlan(this.planPrompt(), 1, []);
    const done = new Map<string, StepOutcome>();
    let revision = 1;
    for (;;) {
      const failed = await this.execute(steps, done);
      if (!failed) break;
      if (revision >= 2) {
        const e = failed.error!;
        throw new BatonError(e.code, `plan step '${failed.step.id}' failed after one re-plan: ${e.message}`, { ...e.options, loc: o.loc, cause: e });
      }
      revision++;
      const finished = [...done.values()].filter((d) => d.ok);
      journalOnce(o.kernel, { type: 'Replanned', key: peekKey(o.branch), failedStep: failed.step.id, reason: failed.error?.message ?? 'failed', revision });
      steps = await this.makePlan(
        `${this.planPrompt()}\n\nA previous plan failed at step ${failed.step.id} (${failed.step.goal}): ${failed.error?.message}\n\n` +
        `Finished steps (their results are kept; do not repeat them, but you may depend on their ids):\n${this.results(finished) || '(none)'}\n\n` +
        'Give a new plan for the remaining work only, with new step ids.', revision, finished.map((d) => d.step.id));
    }
    const outcomes = [...done.values()];
    const prompt = `Goal:\n${o.goal}\n\nThe plan's steps were carried out. Their results:\n${this.results(outcomes)}\n\nCompose the final answer to the goal from these results.`;
    const value = await oneCompletion(o.kernel, o.branch, { model: o.model, system: this.system, prompt, output: o.output, temperature: o.temperature, loc: o.loc });
    const text = asText(value);
    if (p.reflection) {
      const summary = outcomes.map((d) => `${d.step.id}: ${d.skipped ? 'skipped' : d.ok ? 'ok' : 'failed'} — ${d.step.goal}`).join('\n');
      await reflectAtEnd(this.r, o.branch, o.goal, `Plan of ${outcomes.length} steps (revision ${revision}):\n${summary}`, text);
    }
    return { value, iterations: outcomes.length, text };
  }

  private results(outcomes: StepOutcome[]): string {
    return outcomes.map((d) => `## ${d.step.id}: ${d.step.goal}\n${clip(d.result)}`).join('\n\n');
  }

  /**
   * Runs the plan in waves: all steps whose dependencies are finished run concurrently, each in
   * branch `<branch>.<block>.<index>`. Returns the first failed step (in plan order), if any.
   */
  private async execute(steps: PlanStep[], done: Map<string, StepOutcome>): Promise<StepOutcome | undefined> {
    const { o } = this;
    const block = o.branch.effects++;
    const pending = new Set(steps.map((s) => s.id));
    while (pending.size) {
      const wave = steps.filter((s) => pending.has(s.id) && s.depends_on.every((d) => done.get(d)?.ok));
      if (!wave.length) return undefined; // unreachable: checkPlan refuses cycles and unknown ids
      const outcomes = await this.wave(wave.map((s) => (signal: AbortSignal) => this.step(s, new Branch(`${o.branch.id}.${block}.${steps.indexOf(s)}`, signal), done)));
      for (const out of outcomes) {
        pending.delete(out.step.id);
        if (out.ok) done.set(out.step.id, out);
      }
      o.kernel.commit();
      const failed = outcomes.find((x) => !x.ok);
      if (failed) return failed;
    }
    return undefined;
  }

  /**
   * Runs the steps of a wave concurrently. A step that throws (a fatal error: a failed step is an
   * outcome) cancels its siblings; the error raised is the first real one in plan order, never a
   * sibling's cancellation, so a replay raises the same one. Nothing is left running afterwards.
   */
  private async wave(runs: Array<(signal: AbortSignal) => Promise<StepOutcome>>): Promise<StepOutcome[]> {
    const parent = this.o.branch.signal;
    const ac = new AbortController();
    const onAbort = () => ac.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    try {
      const settled = await Promise.allSettled(runs.map((run) => run(ac.signal).catch((e) => { ac.abort(e); throw e; })));
      const errors = settled.flatMap((x) => (x.status === 'rejected' ? [asBatonError(x.reason)] : []));
      if (errors.length) {
        if (parent.aborted) throw new BatonError('cancelled', 'cancelled');
        throw errors.find((e) => e.code !== 'cancelled') ?? errors[0];
      }
      return settled.map((x) => (x as PromiseFulfilledResult<StepOutcome>).value);
    } finally {
      parent.removeEventListener('abort', onAbort);
    }
  }

  /** One step: pre-step reflection, a bounded reasoning loop, one corrected retry on failure. */
  private async step(step: PlanStep, branch: Branch, done: Map<string, StepOutcome>): Promise<StepOutcome> {
    const { o, p } = this;
    const deps = step.depends_on.map((d) => done.get(d)!).filter(Boolean);
    let goal = step.goal;
    if (p.reflection) {
      const pre = await reflectBeforeStep(this.r, branch, o.goal, step, this.results([...done.values()]));
      if (pre.decision === 'skip') {
        journalOnce(o.kernel, { type: 'PlanStepFinished', key: lastKey(branch), step: step.id, ok: true, skipped: true, result: `skipped: ${pre.reason}` });
        return { step, ok: true, skipped: true, result: `(skipped: ${pre.reason})` };
      }
      if (pre.decision === 'adjust') goal = pre.goal;
    }
    const tools = this.o.tools.filter((t: ResolvedTool) => step.tools.includes(t.name));
    const attempt = async (g: string, n: number): Promise<LoopResult> => {
      journalOnce(o.kernel, { type: 'PlanStepStarted', key: peekKey(branch), step: step.id, goal: g, branch: branch.id, attempt: n });
      return reasoningLoop({
        ...o, branch, system: this.system, tools, maxIterations: Math.max(1, Math.min(o.maxIterations, STEP_ITERATIONS)), output: undefined,
        goal: `Overall goal:\n${o.goal}\n\nYour step (${step.id}):\n${g}\n\n${deps.length ? `Results of the steps it builds on:\n${this.results(deps)}\n\n` : ''}Do this step only, and answer with its result.`,
      });
    };
    let outcome: StepOutcome;
    let iterations: number | undefined;
    try {
      const r = await attempt(goal, 1);
      iterations = r.iterations;
      outcome = { step, ok: true, result: r.text };
    } catch (e) {
      const err = asBatonError(e);
      if (fatal(err)) throw err;
      outcome = { step, ok: false, result: '', error: err };
      if (p.reflection) {
        const c = await reflectOnFailure(this.r, branch, o.goal, { id: step.id, goal }, err.message);
        if (c.retry) {
          try {
            const r = await attempt(c.goal, 2);
            iterations = r.iterations;
            outcome = { step, ok: true, result: r.text };
          } catch (e2) {
            const err2 = asBatonError(e2);
            if (fatal(err2)) throw err2;
            outcome = { step, ok: false, result: '', error: err2 };
          }
        }
      }
    }
    const fresh = journalOnce(o.kernel, {
      type: 'PlanStepFinished', key: lastKey(branch), step: step.id, ok: outcome.ok,
      ...(outcome.ok ? { result: clip(outcome.result, 2000) } : { error: outcome.error?.message ?? 'failed' }),
      ...(iterations !== undefined ? { iterations } : {}),
    });
    // A checkpoint step: the journal so far is signed and made durable before dependants run.
    if (outcome.ok && step.checkpoint && fresh) o.kernel.o.journal.checkpoint(false);
    return outcome;
  }
}

/**
 * The cheap complexity decision of `planning = "multi_step"`: a goal is "simple" when it is short,
 * a single sentence without sequencing words or a list.
 */
export function heuristicComplexity(goal: string, tools: readonly ResolvedTool[]): { complexity: 'simple' | 'multi_step'; reason: string } {
  const text = goal.trim();
  const sentences = text.split(/[.!?](?:\s|$)/).filter((s) => s.trim()).length;
  const listed = /^\s*(?:[-*]|\d+[.)])\s+/m.test(text);
  const sequencing = /\b(then|after(?:wards)?|before|finally|next|first|second|and also|step)\b/i.test(text);
  if (text.length <= 120 && sentences <= 1 && !listed && !sequencing) {
    return { complexity: 'simple', reason: `short single-sentence goal (${text.length} characters; ${tools.length} tool(s) available)` };
  }
  const why = [text.length > 120 ? `${text.length} characters` : '', sentences > 1 ? `${sentences} sentences` : '', listed ? 'a list' : '', sequencing ? 'sequencing words' : ''].filter(Boolean);
  return { complexity: 'multi_step', reason: `planned: ${why.join(', ')}` };
}
