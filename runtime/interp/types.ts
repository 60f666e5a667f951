/**
 * Declared types (TypeIR) as runtime checks and as JSON Schema.
 *
 * - `zodOf` builds a zod@4 schema that validates a value (a model's structured answer, a tool
 *   result, an agent input). Records are `z.object`: unknown keys are accepted and stripped from
 *   the parsed value (zod's default), so an extra key from the model is not an error. Optional
 *   fields and `T?` accept both a missing key and `null` (None).
 * - `jsonSchemaOf` is the JSON Schema (draft 2020-12, via `z.toJSONSchema`) for an OpenAI
 *   structured-output request or a tool's parameters: objects list every field in `required`
 *   with `additionalProperties: false`, and optional fields are `nullable` instead of absent (what
 *   OpenAI's strict mode asks for). `Any` and unknown names are `{}` and `Map<K, V>` is an object
 *   with `additionalProperties`: valid JSON Schema, which OpenAI's strict mode does not accept.
 * - `validate` checks a value and explains the first problems as `path: problem` in plain words,
 *   so the model can be told what was wrong with its answer.
 *
 * Names: String/string/str, int/integer, float/number, bool/boolean, Any/JSON/Json, List/Array/Vec<T>
 * and `[T]`, Map/Record<K, V>, Optional/Option/Maybe<T> and `T?`, Result<T, E> (checked as T),
 * literal types and unions. A name declared in `types` wins over a built-in one and resolves
 * recursively; a recursive type goes through `z.lazy` (a `$ref` in JSON Schema). A cycle of
 * aliases with nothing in between (`type A = B`, `type B = A`) means Any. Any other undeclared
 * name (Symbiont files use many) is Any: never an error.
 */
import { z } from 'zod';
import type { TypeIR } from '../ir/schema';
import type { JsonSchema } from '../providers/provider';

type Mode = 'validate' | 'schema';
type Types = Record<string, TypeIR>;

const STRING = new Set(['String', 'string', 'str', 'Text', 'DateTime', 'Date', 'Bytes']);
const INT = new Set(['int', 'integer', 'Int', 'Integer', 'i32', 'i64', 'u32', 'u64', 'usize']);
const FLOAT = new Set(['float', 'number', 'Float', 'Number', 'f32', 'f64', 'double']);
const BOOL = new Set(['bool', 'boolean', 'Bool', 'Boolean']);
const LIST = new Set(['List', 'Array', 'Vec', 'list', 'array']);
const MAP = new Set(['Map', 'Record', 'Object', 'HashMap', 'Dict', 'map', 'dict', 'object']);
const OPTION = new Set(['Optional', 'Option', 'Maybe']);
const NULL = new Set(['null', 'void', 'None', 'Unit']);

function optional(s: z.ZodType, mode: Mode): z.ZodType {
  if (s instanceof z.ZodOptional) return s;
  if (s instanceof z.ZodUnknown) return mode === 'schema' ? s : s.optional();
  if (mode === 'schema') return s instanceof z.ZodNullable ? s : s.nullable();
  return (s instanceof z.ZodNullable ? s : s.nullable()).optional();
}

class Builder {
  /** Finished named types. */
  private readonly done = new Map<string, z.ZodType>();
  /** Named types being built, with the structural depth at which each was entered. */
  private readonly open = new Map<string, number>();
  private depth = 0;

  constructor(private readonly types: Types, private readonly mode: Mode) {}

  build(t: TypeIR | undefined): z.ZodType {
    if (!t) return z.unknown();
    switch (t.t) {
      case 'named': return t.optional ? optional(this.named(t.name, t.args), this.mode) : this.named(t.name, t.args);
      case 'array': {
        const s = z.array(this.nested(t.element));
        return t.optional ? optional(s, this.mode) : s;
      }
      case 'record': {
        const shape: Record<string, z.ZodType> = {};
        this.depth++;
        try {
          for (const f of t.fields) shape[f.name] = f.optional ? optional(this.build(f.type), this.mode) : this.build(f.type);
        } finally { this.depth--; }
        const s = z.object(shape);
        return t.optional ? optional(s, this.mode) : s;
      }
      case 'union': return this.union(t.options);
      case 'lit': return z.literal(t.value);
    }
  }

  /** A type inside a structure (array element, map value): a cycle through it is productive. */
  private nested(t: TypeIR | undefined): z.ZodType {
    this.depth++;
    try { return this.build(t); } finally { this.depth--; }
  }

  private union(options: TypeIR[]): z.ZodType {
    if (options.length === 0) return z.never();
    if (options.length === 1) return this.build(options[0]);
    if (options.every((o) => o.t === 'lit')) {
      const values = options.map((o) => (o as { value: string | number | boolean }).value);
      return z.literal([...new Set(values)]);
    }
    const built = options.map((o) => this.build(o));
    if (built.some((s) => s instanceof z.ZodUnknown)) return z.unknown();
    return z.union(built as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  }

  private named(name: string, args: TypeIR[]): z.ZodType {
    if (Object.prototype.hasOwnProperty.call(this.types, name)) return this.declared(name);
    if (STRING.has(name)) return z.string();
    if (INT.has(name)) return z.number().int();
    if (FLOAT.has(name)) return z.number();
    if (BOOL.has(name)) return z.boolean();
    if (NULL.has(name)) return z.null();
    if (name === 'Duration') return z.union([z.string(), z.number()]);
    if (LIST.has(name)) return z.array(this.nested(args[0]));
    if (MAP.has(name)) return z.record(z.string(), this.nested(args.length > 1 ? args[1] : args[0]));
    if (OPTION.has(name)) return optional(this.build(args[0]), this.mode);
    if (name === 'Result') return this.build(args[0]);
    return z.unknown();
  }

  private declared(name: string): z.ZodType {
    const done = this.done.get(name);
    if (done) return done;
    const entered = this.open.get(name);
    if (entered !== undefined) {
      // A reference back to a type being built: fine through a structure, Any if it is a bare alias cycle.
      return this.depth > entered ? z.lazy(() => this.done.get(name) ?? z.unknown()) : z.unknown();
    }
    this.open.set(name, this.depth);
    try {
      const s = this.build(this.types[name]);
      this.done.set(name, s);
      return s;
    } finally {
      this.open.delete(name);
    }
  }
}

const cache = new WeakMap<Types, WeakMap<TypeIR, Partial<Record<Mode, z.ZodType>>>>();

function cached(t: TypeIR | undefined, types: Types, mode: Mode): z.ZodType {
  if (!t) return z.unknown();
  let byType = cache.get(types);
  if (!byType) cache.set(types, (byType = new WeakMap()));
  let entry = byType.get(t);
  if (!entry) byType.set(t, (entry = {}));
  return (entry[mode] ??= new Builder(types, mode).build(t));
}

/** A zod schema that validates values of type `t`; `types` are the file's `type` declarations. */
export function zodOf(t: TypeIR | undefined, types: Types): z.ZodType {
  return cached(t, types, 'validate');
}

const SAFE = Number.MAX_SAFE_INTEGER;

/** Drops `$schema` and the safe-integer bounds zod puts on every int. */
function tidy(j: unknown): unknown {
  if (Array.isArray(j)) return j.map(tidy);
  if (typeof j !== 'object' || j === null) return j;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(j)) {
    if (k === '$schema') continue;
    if ((k === 'minimum' && v === -SAFE) || (k === 'maximum' && v === SAFE)) continue;
    out[k] = tidy(v);
  }
  return out;
}

/** The JSON Schema of `t`, for structured output and tool parameters (see the header). */
export function jsonSchemaOf(t: TypeIR | undefined, types: Types): JsonSchema {
  const s = cached(t, types, 'schema');
  return tidy(z.toJSONSchema(s, { unrepresentable: 'any', cycles: 'ref', reused: 'inline' })) as JsonSchema;
}

/** The type as written in the source: `[Finding]`, `Map<String, int>`, `"a" | "b"`, `{ x: int, y?: String }`. */
export function describeType(t: TypeIR | undefined): string {
  if (!t) return 'Any';
  switch (t.t) {
    case 'named': return `${t.name}${t.args.length ? `<${t.args.map(describeType).join(', ')}>` : ''}${t.optional ? '?' : ''}`;
    case 'array': return `[${describeType(t.element)}]${t.optional ? '?' : ''}`;
    case 'record': {
      const fields = t.fields.map((f) => `${f.name}${f.optional ? '?' : ''}: ${describeType(f.type)}`);
      return `{ ${fields.join(', ')} }${t.optional ? '?' : ''}`;
    }
    case 'union': return t.options.map(describeType).join(' | ');
    case 'lit': return JSON.stringify(t.value);
  }
}

// ---------------------------------------------------------------------------------------------
// validate

const MAX_ISSUES = 5;

export type Validation = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Checks `value` against `t`. On success `value` is the parsed value (unknown record keys
 * stripped). On failure `message` lists the first problems, one per line, as `path: problem`.
 */
export function validate(value: unknown, t: TypeIR | undefined, types: Types): Validation {
  const r = zodOf(t, types).safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  const issues = r.error.issues;
  const lines = issues.slice(0, MAX_ISSUES).map((i) => `${pathText(i.path)}: ${problem(i, value, t, types)}`);
  if (issues.length > MAX_ISSUES) lines.push(`(and ${issues.length - MAX_ISSUES} more problem${issues.length - MAX_ISSUES === 1 ? '' : 's'})`);
  return { ok: false, message: lines.join('\n') };
}

type Key = PropertyKey;

function pathText(path: readonly Key[]): string {
  if (path.length === 0) return 'value';
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (typeof k === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) out += out === '' ? k : `.${k}`;
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out;
}

function at(value: unknown, path: readonly Key[]): unknown {
  let v = value;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    v = (v as Record<Key, unknown>)[k];
  }
  return v;
}

/** The declared type at a path of a value, when it can be told without looking at the value. */
function typeAt(t: TypeIR | undefined, path: readonly Key[], types: Types): TypeIR | undefined {
  let cur = t;
  for (let i = 0, hops = 0; cur && hops < 100; hops++) {
    if (i === path.length) return cur;
    if (cur.t === 'named') {
      if (Object.prototype.hasOwnProperty.call(types, cur.name)) { cur = types[cur.name]; continue; }
      if (OPTION.has(cur.name) || cur.name === 'Result') { cur = cur.args[0]; continue; }
    }
    const k = path[i++];
    if (cur.t === 'array') cur = cur.element;
    else if (cur.t === 'record') cur = cur.fields.find((f) => f.name === k)?.type;
    else if (cur.t === 'named' && LIST.has(cur.name)) cur = cur.args[0];
    else if (cur.t === 'named' && MAP.has(cur.name)) cur = cur.args.length > 1 ? cur.args[1] : cur.args[0];
    else return undefined;
  }
  return undefined;
}

function gotText(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `a string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `the int ${v}` : `the number ${v}`;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

const WORDS: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'an int', boolean: 'a bool (true or false)', object: 'an object',
  array: 'a list', null: 'null', record: 'an object', nonoptional: 'a value',
};

function problem(issue: z.core.$ZodIssue, root: unknown, t: TypeIR | undefined, types: Types): string {
  const v = at(root, issue.path);
  const declared = typeAt(t, issue.path, types);
  const expected = declared ? describeType(declared) : undefined;
  switch (issue.code) {
    case 'invalid_type': {
      const want = expected ?? WORDS[issue.expected] ?? issue.expected;
      if (v === undefined) return `missing (expected ${want})`;
      return `expected ${want}, got ${gotText(v)}`;
    }
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((x) => JSON.stringify(x)).join(', ')}, got ${gotText(v)}`;
    case 'invalid_union':
      return `expected ${expected ?? 'one of the allowed types'}, got ${gotText(v)}`;
    default:
      return issue.message;
  }
}
