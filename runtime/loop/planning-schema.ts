/**
 * The shapes the planning and reflection engines ask the model for, as zod schemas (validation)
 * and JSON Schema (sent to the provider), and `structuredCall`: one model call through the kernel
 * whose answer must match a schema — a reply that does not is sent back once with the errors, then
 * the call fails with a clear `model-output` error (the caller journals what failed).
 */
import { z } from 'zod';
import type { Loc } from '../ir/schema';
import type { Kernel } from '../kernel/kernel';
import type { Branch } from '../interp/host';
import type { ChatMessage, JsonSchema } from '../providers/provider';
import type { PlanStep } from '../journal/records-planning';
import { BatonError } from '../errors';
import { parseStructured } from './reasoning-loop';

export const Complexity = z.object({
  complexity: z.enum(['simple', 'multi_step', 'complex']),
  reason: z.string(),
});

export const PlanStepShape = z.object({
  id: z.string().min(1).max(40),
  goal: z.string().min(1),
  tools: z.array(z.string()).default([]),
  depends_on: z.array(z.string()).default([]),
  checkpoint: z.boolean().default(false),
});

export const PlanShape = z.object({ steps: z.array(PlanStepShape).min(1) });

export const PreReflection = z.object({
  decision: z.enum(['proceed', 'skip', 'adjust']),
  reason: z.string(),
  adjusted_goal: z.string().optional(),
});

export const CorrectionReflection = z.object({
  decision: z.enum(['retry', 'give_up']),
  reason: z.string(),
  corrected_goal: z.string().optional(),
});

export const FinalReflection = z.object({
  insights: z.array(z.string()).max(5),
  reason: z.string().optional(),
});

export interface StructuredCallOptions<T> {
  model: string;
  system: string;
  prompt: string;
  /** A name for the answer in errors and in the provider's structured-output format. */
  what: string;
  schema: z.ZodType<T>;
  /** Checks beyond the schema (a plan's ids, tools and dependencies): a message, or undefined. */
  check?: (value: T) => string | undefined;
  temperature?: number;
  loc?: Loc;
}

/** What a failed structured call journals: the key of its last model call, and the error. */
export class StructuredCallError extends BatonError {
  constructor(readonly key: string, message: string, loc?: Loc) {
    super('model-output', message, { loc });
  }
}

export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return rest as JsonSchema;
}

function issues(e: z.ZodError): string {
  return e.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** One model call (through the kernel) whose answer must match `schema`; one repair. */
export async function structuredCall<T>(kernel: Kernel, branch: Branch, o: StructuredCallOptions<T>): Promise<{ value: T; key: string }> {
  const json = jsonSchemaOf(o.schema);
  const messages: ChatMessage[] = [
    { role: 'system', content: `${o.system}\n\nAnswer with JSON only, matching this JSON Schema:\n${JSON.stringify(json)}` },
    { role: 'user', content: o.prompt },
  ];
  for (let attempt = 0; ; attempt++) {
    const key = `${branch.id}#${branch.effects}`;
    const resp = await kernel.model(branch, {
      model: o.model, messages: [...messages], responseSchema: { name: o.what.replace(/[^A-Za-z0-9_-]/g, '_'), schema: json },
      ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    }, o.loc);
    const parsed = parseStructured(resp.text);
    let message: string;
    if (parsed.ok) {
      const r = o.schema.safeParse(parsed.value);
      if (r.success) {
        const extra = o.check?.(r.data);
        if (!extra) return { value: r.data, key };
        message = extra;
      } else message = issues(r.error);
    } else message = parsed.message;
    if (attempt >= 1) throw new StructuredCallError(key, `the model's ${o.what} is malformed, even after one retry: ${message}`, o.loc);
    messages.push({ role: 'assistant', content: resp.text }, { role: 'user', content: `Your answer is not a valid ${o.what}: ${message}. Answer again with JSON only, matching the schema exactly.` });
  }
}

/**
 * A plan's own rules: unique step ids, known tools, dependencies on known steps (or on `done`
 * steps of an earlier plan), no cycles, at most `maxSteps` steps.
 */
export function checkPlan(steps: PlanStep[], tools: readonly string[], maxSteps: number, done: readonly string[] = []): string | undefined {
  if (steps.length > maxSteps) return `the plan has ${steps.length} steps; at most ${maxSteps} are allowed`;
  const ids = new Set<string>();
  for (const s of steps) {
    if (ids.has(s.id)) return `step id '${s.id}' is used twice`;
    if (done.includes(s.id)) return `step id '${s.id}' is already used by a finished step`;
    ids.add(s.id);
  }
  for (const s of steps) {
    for (const t of s.tools) if (!tools.includes(t)) return `step '${s.id}' names tool '${t}', which is not available (available: ${tools.join(', ') || 'none'})`;
    for (const d of s.depends_on) {
      if (d === s.id) return `step '${s.id}' depends on itself`;
      if (!ids.has(d) && !done.includes(d)) return `step '${s.id}' depends on '${d}', which is not a step of the plan`;
    }
  }
  // Cycles: repeatedly remove steps whose dependencies are all satisfied.
  const left = new Map(steps.map((s) => [s.id, s.depends_on.filter((d) => ids.has(d))]));
  while (left.size) {
    const ready = [...left].filter(([, deps]) => deps.every((d) => !left.has(d))).map(([id]) => id);
    if (!ready.length) return `the steps ${[...left.keys()].join(', ')} depend on each other in a cycle`;
    for (const id of ready) left.delete(id);
  }
  return undefined;
}

/** The plan as the schema's output, with defaults filled (what PlanCreated journals). */
export function normalizePlan(steps: z.infer<typeof PlanShape>['steps']): PlanStep[] {
  return steps.map((s) => ({ id: s.id, goal: s.goal, tools: [...s.tools], depends_on: [...s.depends_on], checkpoint: s.checkpoint }));
}
