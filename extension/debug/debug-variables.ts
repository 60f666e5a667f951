/**
 * Scopes and variables of a stop, as DAP shows them: Locals, Inputs, Context, Conversation, Last
 * model output, Pending tool calls, Budget left. Values are JSON snapshots; objects and arrays
 * expand through variable references (handles are reset at every stop).
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Handles } from '@vscode/debugadapter';
import type { Json } from '../../runtime/ir/schema';
import type { Stop } from './debug-state';
import { display } from './evaluate';

export type ScopeName = 'Locals' | 'Inputs' | 'Context' | 'Conversation' | 'Last model output' | 'Pending tool calls' | 'Budget left';

interface Container { value: Json; scope?: ScopeName; stop?: Stop }

export interface Limits { maxIterations?: number; maxTokens?: number; timeoutMs?: number }

export class VariableStore {
  private readonly handles = new Handles<Container>();

  reset(): void { this.handles.reset(); }

  get(ref: number): Container | undefined { return this.handles.get(ref); }

  /** The scopes of a frame: Locals only on the frames that have them (the innermost statement and the synthetic frame above it). */
  scopes(stop: Stop, withLocals: boolean, inputs: Record<string, Json>, context: Record<string, Json>, limits: Limits): DebugProtocol.Scope[] {
    const out: DebugProtocol.Scope[] = [];
    const add = (name: ScopeName, value: Json, expensive = false, hint?: DebugProtocol.Scope['presentationHint']) => {
      const ref = this.handles.create({ value, scope: name, stop });
      out.push({ name, variablesReference: ref, expensive, ...(hint ? { presentationHint: hint } : {}), ...namedCount(value) });
    };
    if (withLocals) {
      const locals: Record<string, Json> = {};
      for (const [k, v] of Object.entries(stop.locals)) if (!(k in inputs) || JSON.stringify(inputs[k]) !== JSON.stringify(v)) locals[k] = v;
      add('Locals', locals, false, 'locals');
    }
    add('Inputs', inputs, false, 'arguments');
    add('Context', context);
    if (stop.conversation) add('Conversation', stop.conversation.map((m) => ({ role: m.role, content: m.content, ...(m.toolCalls ? { toolCalls: m.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })) } : {}), ...(m.name ? { name: m.name } : {}) })) as Json);
    if (stop.output) add('Last model output', { text: stop.output.text, toolCalls: stop.output.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })) });
    add('Pending tool calls', Object.fromEntries(stop.pending.map((p) => [p.key, stripUndefined({ tool: p.tool, args: p.args, status: p.status, verdict: p.verdict, rule: p.rule, reason: p.reason, result: p.result })])) as Json);
    const tokens = stop.usage.inputTokens + stop.usage.outputTokens;
    add('Budget left', stripUndefined({
      iterations: stop.loop ? stop.loop.maxIterations - stop.loop.iteration : limits.maxIterations,
      tokens: limits.maxTokens !== undefined ? limits.maxTokens - tokens : undefined,
      tokensUsed: tokens,
      timeMs: limits.timeoutMs !== undefined ? Math.max(0, limits.timeoutMs - stop.elapsedMs) : undefined,
      elapsedMs: stop.elapsedMs,
    }) as Json);
    return out;
  }

  /** The children of a container. */
  variables(ref: number): DebugProtocol.Variable[] {
    const c = this.handles.get(ref);
    if (!c) return [];
    const v = c.value;
    if (Array.isArray(v)) {
      return v.map((x, i) => {
        if (c.scope !== 'Conversation' || !isMessage(x)) return this.variable(`[${i}]`, x);
        const variable = this.variable(`[${i}] ${x.role}${typeof (x as Record<string, Json>).name === 'string' ? ` ${(x as Record<string, Json>).name}` : ''}`, x);
        const calls = (x as Record<string, Json>).toolCalls;
        const text = x.content.length > 200 ? x.content.slice(0, 200) + '…' : x.content;
        variable.value = Array.isArray(calls) && calls.length ? `${text ? text + ' ' : ''}→ ${calls.map((k) => (k as Record<string, Json>).name).join(', ')}` : JSON.stringify(text);
        return variable;
      });
    }
    if (v && typeof v === 'object') {
      return Object.keys(v).map((k) => {
        const x = (v as Record<string, Json>)[k];
        const variable = this.variable(k, x);
        if (c.scope === 'Pending tool calls' && x && typeof x === 'object' && !Array.isArray(x)) {
          const p = x as Record<string, Json>;
          variable.value = `${p.tool}(${JSON.stringify(p.args ?? {}).slice(0, 80)}) · ${p.status}${p.verdict ? ` · policy: ${p.verdict}` : ''}${p.rule ? ` · ${p.rule}` : ''}`;
        }
        return variable;
      });
    }
    return [];
  }

  variable(name: string, value: Json): DebugProtocol.Variable {
    const expandable = value !== null && typeof value === 'object' && Object.keys(value).length > 0;
    return {
      name, value: summary(value), type: typeOf(value),
      variablesReference: expandable ? this.handles.create({ value }) : 0,
      ...(expandable ? namedCount(value) : {}),
      ...(typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null ? { evaluateName: /^[A-Za-z_]\w*$/.test(name) ? name : undefined } : {}),
    };
  }

  /** A reference for an evaluated value (0 for a scalar). */
  refFor(value: Json): number {
    return value !== null && typeof value === 'object' && Object.keys(value).length > 0 ? this.handles.create({ value }) : 0;
  }
}

function isMessage(x: Json): x is { role: string; content: string } {
  return !!x && typeof x === 'object' && !Array.isArray(x) && typeof (x as Record<string, Json>).role === 'string';
}

function stripUndefined(o: Record<string, unknown>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v as Json;
  return out;
}

function namedCount(v: Json): { namedVariables?: number; indexedVariables?: number } {
  if (Array.isArray(v)) return { indexedVariables: v.length };
  if (v && typeof v === 'object') return { namedVariables: Object.keys(v).length };
  return {};
}

export function typeOf(v: Json): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'record';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  return 'String';
}

/** A one-line summary: scalars as the DSL writes them, containers shortened. */
export function summary(v: Json): string {
  if (Array.isArray(v)) return v.length <= 5 && JSON.stringify(v).length <= 80 ? display(v) : `list (${v.length})`;
  if (v && typeof v === 'object') { const t = display(v); return t.length <= 100 ? t : `{${Object.keys(v).slice(0, 5).join(', ')}${Object.keys(v).length > 5 ? ', …' : ''}}`; }
  const t = display(v);
  return t.length > 500 ? t.slice(0, 500) + '…' : t;
}
