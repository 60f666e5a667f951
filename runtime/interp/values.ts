/**
 * The value model of the interpreter. Values are plain JavaScript data wherever possible, so they
 * cross into tools, the journal and the model as JSON without conversion:
 *   null (None) · string · number · boolean · Value[] · records (plain objects)
 * plus four classes that only live inside a run: `Closure` (a lambda), `Tagged` (Some / Ok / Err),
 * `ErrorValue` (what `error(...)` returns) and `Ref` (a named agent, tool, function or MCP server
 * used as a value, e.g. `tools: [read_logs]`).
 */
import type { BlockIR, ExprIR, Json } from '../ir/schema';

export type Value = null | string | number | boolean | Value[] | Rec | Closure | Tagged | ErrorValue | Ref;
export interface Rec { [k: string]: Value }

/** A lambda with the scope it closed over. `env` is an opaque Scope (interp/scope.ts). */
export class Closure {
  constructor(readonly params: string[], readonly body: ExprIR | BlockIR, readonly env: unknown, readonly file: string) {}
}

export class Tagged {
  constructor(readonly tag: 'Some' | 'Ok' | 'Err', readonly value: Value) {}
}

export class ErrorValue {
  constructor(readonly message: string, readonly data: Value = null) {}
}

export class Ref {
  constructor(readonly kind: 'agent' | 'tool' | 'function' | 'mcp' | 'memory' | 'channel' | 'schedule' | 'webhook' | 'type' | 'builtin', readonly name: string) {}
}

export function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

export function truthy(v: Value): boolean {
  if (v === null || v === false || v === 0 || v === '') return false;
  if (v instanceof Tagged) return v.tag !== 'Err';
  if (v instanceof ErrorValue) return false;
  return true;
}

export function typeName(v: Value): string {
  if (v === null) return 'None';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'List';
  if (v instanceof Closure) return 'Function';
  if (v instanceof Tagged) return v.tag === 'Some' ? 'Optional' : 'Result';
  if (v instanceof ErrorValue) return 'Error';
  if (v instanceof Ref) return v.kind;
  return 'Record';
}

export function equals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a instanceof Tagged && b instanceof Tagged) return a.tag === b.tag && equals(a.value, b.value);
  if (a instanceof Tagged && a.tag === 'Some') return equals(a.value, b);
  if (b instanceof Tagged && b.tag === 'Some') return equals(a, b.value);
  if (a instanceof Ref && b instanceof Ref) return a.kind === b.kind && a.name === b.name;
  if (a instanceof Ref && typeof b === 'string') return a.name === b;
  if (b instanceof Ref && typeof a === 'string') return b.name === a;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equals(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equals(a[k], b[k]));
  }
  return false;
}

/** JSON for the journal, tools and the model. Closures and refs become their names. */
export function toJson(v: Value): Json {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Tagged) return v.tag === 'Err' ? { error: toJson(v.value) } : toJson(v.value);
  if (v instanceof ErrorValue) return v.data === null ? { error: v.message } : { error: v.message, data: toJson(v.data) };
  if (v instanceof Closure) return '<lambda>';
  if (v instanceof Ref) return v.name;
  const out: { [k: string]: Json } = {};
  for (const k of Object.keys(v)) out[k] = toJson(v[k]);
  return out;
}

/** A value from JSON (journal, tool results, model output): JSON is already a value. */
export function fromJson(j: Json): Value {
  return j as Value;
}

/** How values print in strings, `format(...)` and logs. */
export function show(v: Value): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'None';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Tagged) return `${v.tag}(${show(v.value)})`;
  if (v instanceof ErrorValue) return `error: ${v.message}`;
  if (v instanceof Closure) return '<lambda>';
  if (v instanceof Ref) return v.name;
  return JSON.stringify(toJson(v));
}
