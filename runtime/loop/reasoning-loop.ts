/**
 * The reasoning loop (RUNTIME.md): Reasoning (a model call) → PolicyCheck (each proposed tool call)
 * → ToolDispatching (allowed calls, up to `maxConcurrentTools` at once) → Observing (results and
 * denials fed back) → again, until the model answers without tool calls. A denial is an
 * observation for the model, not a crash; so are malformed arguments and unknown tools.
 *
 * A structured answer (`let r: Review = reason(...)`) is validated against the declared type; a
 * reply that does not fit is sent back once with the validation error, then fails clearly.
 * Termination: Completed, MaxIterations, MaxTokens (kernel), Timeout, PolicyDenial (three
 * iterations in a row where every proposed call was denied), Cancelled, Error.
 */
import type { Json, Loc, TypeIR } from '../ir/schema';
import type { ChatMessage, CompletionRequest, ToolSchema } from '../providers/provider';
import type { AgentGate, Kernel } from '../kernel/kernel';
import type { ResolvedTool } from '../kernel/tool-gate';
import type { Branch } from '../interp/host';
import { BatonError } from '../errors';
import { validate } from '../interp/types';
import { outputSchemas, structuredOutput } from './structured';
import { fitContext } from './context-manager';

export interface LoopOptions {
  kernel: Kernel;
  gate: AgentGate;
  branch: Branch;
  model: string;
  system: string;
  goal: string;
  tools: ResolvedTool[];
  maxIterations: number;
  contextBudget: number;
  maxConcurrentTools: number;
  temperature?: number;
  /** The declared type of the answer, if structured. */
  output?: { type: TypeIR; types: Record<string, TypeIR> };
  /** Wall-clock deadline of the run (ms since epoch). */
  deadline: number;
  loc?: Loc;
}

export interface LoopResult { value: Json; iterations: number; text: string }

const DENIAL_STREAK_LIMIT = 3;

export function toolSchemaName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '__').slice(0, 64);
}

export function toolSchemas(tools: readonly ResolvedTool[]): ToolSchema[] {
  return tools.map((t) => ({ name: toolSchemaName(t.name), description: t.impl.description ?? `Tool ${t.name}`, parameters: t.impl.parameters }));
}

export function parseStructured(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  let t = text.trim();
  const fence = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(t);
  if (fence) t = fence[1];
  try { return { ok: true, value: JSON.parse(t) }; } catch (e) { return { ok: false, message: `the answer is not JSON (${(e as Error).message})` }; }
}

export async function reasoningLoop(o: LoopOptions): Promise<LoopResult> {
  const byName = new Map(o.tools.map((t) => [toolSchemaName(t.name), t]));
  const schemas = toolSchemas(o.tools);
  o = { ...o, output: structuredOutput(o.output) };
  const shapes = o.output ? outputSchemas(o.output) : undefined;
  const responseSchema = shapes?.responseSchema;
  const messages: ChatMessage[] = [{ role: 'system', content: o.system }, { role: 'user', content: o.goal }];
  if (shapes) messages[0] = { role: 'system', content: `${o.system}\n\nWhen you give your final answer, answer with JSON only, matching this JSON Schema:\n${JSON.stringify(shapes.schema)}` };
  let repaired = false;
  let denialStreak = 0;
  for (let iteration = 1; iteration <= o.maxIterations; iteration++) {
    if (o.branch.signal.aborted) throw new BatonError('cancelled', 'cancelled');
    if (Date.now() > o.deadline) throw new BatonError('budget-exhausted', 'run timeout reached during the reasoning loop', { data: { reason: 'Timeout' } });
    const fitted = fitContext(messages, o.contextBudget);
    const req: CompletionRequest = { model: o.model, messages: fitted.messages, ...(schemas.length ? { tools: schemas } : {}), ...(o.temperature !== undefined ? { temperature: o.temperature } : {}), ...(responseSchema ? { responseSchema } : {}) };
    const key = `${o.branch.id}#${o.branch.effects}`;
    const journaled = o.kernel.inJournal(key);
    if (fitted.cut && !o.kernel.replayOnly && !journaled?.requested && !journaled?.model) o.kernel.append({ type: 'ContextTrimmed', key, cut: fitted.cut });
    const phase = o.kernel.o.pause?.beforeLoopPhase, at = { runId: o.kernel.runId, branch: o.branch.id, key, iteration, maxIterations: o.maxIterations, messages, loc: o.loc, replaying: o.kernel.replayOnly || !!journaled?.model };
    if (phase) await phase.call(o.kernel.o.pause, { ...at, phase: 'Reasoning' });
    const resp = await o.kernel.model(o.branch, req, o.loc);
    messages.push({ role: 'assistant', content: resp.text, ...(resp.toolCalls.length ? { toolCalls: resp.toolCalls } : {}) });

    if (resp.toolCalls.length === 0) {
      if (!o.output) return { value: resp.text, iterations: iteration, text: resp.text };
      const parsed = parseStructured(resp.text);
      const checked = parsed.ok ? validate(parsed.value, o.output.type, o.output.types) : parsed;
      if (checked.ok) return { value: checked.value as Json, iterations: iteration, text: resp.text };
      if (repaired) {
        throw new BatonError('model-output', `the model's answer does not match the declared type, even after one retry: ${checked.message}`, { loc: o.loc });
      }
      repaired = true;
      messages.push({ role: 'user', content: `Your answer does not match the required JSON Schema: ${checked.message}. Answer again with JSON only, matching the schema exactly.` });
      continue;
    }

    // PolicyCheck + ToolDispatching: keys are taken in proposal order, so replay is deterministic.
    if (phase) await phase.call(o.kernel.o.pause, { ...at, phase: 'PolicyCheck', output: { text: resp.text, toolCalls: resp.toolCalls } });
    const observations: Array<{ callId: string; tool: string; ok: boolean; content: string; denied: boolean }> = new Array(resp.toolCalls.length);
    let next = 0;
    const worker = async () => {
      while (next < resp.toolCalls.length) {
        const i = next++;
        const call = resp.toolCalls[i];
        observations[i] = { callId: call.id, tool: call.name, ...(await dispatch(o, byName, call.name, call.arguments)) };
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.maxConcurrentTools, resp.toolCalls.length) }, worker));

    // Observing.
    for (const ob of observations) messages.push({ role: 'tool', toolCallId: ob.callId, name: ob.tool, content: ob.content });
    if (phase) await phase.call(o.kernel.o.pause, { ...at, phase: 'Observing', output: { text: resp.text, toolCalls: resp.toolCalls } });
    // A resume re-runs the recorded iterations: their observations are in the journal already.
    if (!o.kernel.replayOnly && !o.kernel.inJournal(key)?.observations) {
      o.kernel.append({ type: 'ObservationsCollected', key, iteration, observations: observations.map(({ callId, tool, ok, content }) => ({ callId, tool, ok, content: content.length > 2000 ? content.slice(0, 2000) + '…' : content })) });
    }
    o.kernel.commit();
    denialStreak = observations.every((x) => x.denied) ? denialStreak + 1 : 0;
    if (denialStreak >= DENIAL_STREAK_LIMIT) {
      throw new BatonError('policy-denied', `the model kept proposing denied actions (${DENIAL_STREAK_LIMIT} iterations in a row); last: ${observations[0].content}`, { loc: o.loc, data: { reason: 'PolicyDenial' } });
    }
  }
  throw new BatonError('budget-exhausted', `the reasoning loop reached max_iterations (${o.maxIterations}) without an answer`, { loc: o.loc, data: { reason: 'MaxIterations' } });
}

async function dispatch(o: LoopOptions, byName: Map<string, ResolvedTool>, name: string, rawArgs: string): Promise<{ ok: boolean; content: string; denied: boolean }> {
  const tool = byName.get(name);
  if (!tool) {
    const key = o.branch.nextKey();
    const message = `unknown tool '${name}'. Available tools: ${[...byName.keys()].join(', ') || '(none)'}`;
    if (!o.kernel.replayOnly && !o.kernel.inJournal(key)) o.kernel.append({ type: 'ToolFinished', key, tool: name, ok: false, error: { code: 'model-output', message }, ms: 0 });
    return { ok: false, content: `ERROR: ${message}`, denied: false };
  }
  let args: Json;
  try {
    args = rawArgs.trim() === '' ? {} : JSON.parse(rawArgs);
  } catch (e) {
    const key = o.branch.nextKey();
    const message = `the arguments for '${name}' are not valid JSON (${(e as Error).message}): ${rawArgs.slice(0, 200)}`;
    if (!o.kernel.replayOnly && !o.kernel.inJournal(key)) o.kernel.append({ type: 'ToolFinished', key, tool: tool.name, ok: false, error: { code: 'model-output', message }, ms: 0 });
    return { ok: false, content: `ERROR: ${message}. Call the tool again with a JSON object of arguments.`, denied: false };
  }
  if (!args || typeof args !== 'object' || Array.isArray(args)) args = { value: args };
  const out = await o.kernel.tool({ branch: o.branch, gate: o.gate, tool, args: args as { [k: string]: Json }, loc: o.loc, fromModel: true });
  if (out.ok) return { ok: true, content: typeof out.value === 'string' ? out.value : JSON.stringify(out.value), denied: false };
  if (out.denied) return { ok: false, content: `DENIED: ${out.reason}. Do not retry this call; use another approach or explain what you could not do.`, denied: true };
  if (out.error.code === 'cancelled') throw out.error;
  return { ok: false, content: `ERROR: ${out.error.message}`, denied: false };
}
