/**
 * TypeIR → JSON Schema, for the `parameters` of declared tools (shown to the model; the kernel
 * validates arguments against it) and for structured model output.
 *
 * String/str → string, int/integer → integer, float/number → number, bool/boolean → boolean,
 * List/Array/Vec<T> and `[T]` → array of T, Map<K, V> → object of V, records → object with
 * properties, Optional<T> and `T?` → T or null, unions → anyOf (string literals → enum), literal
 * types → const. Names the converter does not know (user types not given in `types`) → `{}`.
 */
import type { Json, ParamIR, TypeIR } from '../ir/schema';
import type { JsonSchema } from '../providers/provider';

const SIMPLE: Record<string, JsonSchema> = {
  String: { type: 'string' }, string: { type: 'string' }, str: { type: 'string' },
  int: { type: 'integer' }, integer: { type: 'integer' },
  float: { type: 'number' }, number: { type: 'number' },
  bool: { type: 'boolean' }, boolean: { type: 'boolean' },
  DateTime: { type: 'string', format: 'date-time' }, Date: { type: 'string', format: 'date' },
  Bytes: { type: 'string' },
  Object: { type: 'object' }, Record: { type: 'object' },
  null: { type: 'null' }, void: { type: 'null' },
};
const ARRAYS = new Set(['List', 'Array', 'Vec']);
const OPTIONALS = new Set(['Optional', 'Option', 'Maybe']);

export interface JsonSchemaOptions {
  /** Declared types by name (`type Finding = {...}`), expanded in place (recursion stops at `{}`). */
  types?: Record<string, TypeIR>;
}

function nullable(s: JsonSchema): JsonSchema {
  if (typeof s.type === 'string') return { ...s, type: [s.type, 'null'] };
  if (Object.keys(s).length === 0) return s;
  return { anyOf: [s, { type: 'null' }] };
}

function convert(t: TypeIR, opts: JsonSchemaOptions, seen: ReadonlySet<string>): JsonSchema {
  let s: JsonSchema;
  switch (t.t) {
    case 'named': s = named(t.name, t.args, opts, seen); break;
    case 'array': s = { type: 'array', items: convert(t.element, opts, seen) }; break;
    case 'record': {
      const properties: { [k: string]: Json } = {};
      const required: string[] = [];
      for (const f of t.fields) {
        properties[f.name] = convert(f.type, opts, seen);
        if (!f.optional && !('optional' in f.type && f.type.optional)) required.push(f.name);
      }
      s = { type: 'object', properties, ...(required.length ? { required } : {}) };
      break;
    }
    case 'union': {
      const opts2 = t.options.map((o) => convert(o, opts, seen));
      if (t.options.every((o) => o.t === 'lit')) {
        s = { enum: t.options.map((o) => (o as { value: string | number | boolean }).value) };
      } else if (opts2.some((o) => Object.keys(o).length === 0)) {
        s = {};
      } else {
        s = { anyOf: opts2 };
      }
      break;
    }
    case 'lit': s = { const: t.value }; break;
  }
  return 'optional' in t && t.optional ? nullable(s) : s;
}

function named(name: string, args: TypeIR[], opts: JsonSchemaOptions, seen: ReadonlySet<string>): JsonSchema {
  const simple = SIMPLE[name];
  if (simple) return { ...simple };
  if (ARRAYS.has(name)) return args[0] ? { type: 'array', items: convert(args[0], opts, seen) } : { type: 'array' };
  if (OPTIONALS.has(name)) return args[0] ? nullable(convert(args[0], opts, seen)) : {};
  if (name === 'Map') return args[1] ? { type: 'object', additionalProperties: convert(args[1], opts, seen) } : { type: 'object' };
  const declared = opts.types?.[name];
  if (declared && !seen.has(name)) return convert(declared, opts, new Set([...seen, name]));
  return {}; // Any, JSON, Duration, Result, unknown names: any value
}

/** JSON Schema of one type (`undefined`, an untyped value, → `{}`). */
export function typeToJsonSchema(t: TypeIR | undefined, opts: JsonSchemaOptions = {}): JsonSchema {
  return t ? convert(t, opts, new Set()) : {};
}

/**
 * The `parameters` object schema of a tool: one property per parameter; parameters with a default
 * or an optional type are not required; no other properties.
 */
export function paramsToJsonSchema(params: readonly ParamIR[], opts: JsonSchemaOptions = {}): JsonSchema {
  const properties: { [k: string]: Json } = {};
  const required: string[] = [];
  for (const p of params) {
    properties[p.name] = typeToJsonSchema(p.type, opts);
    const optionalType = p.type !== undefined && (('optional' in p.type && p.type.optional === true) || (p.type.t === 'named' && OPTIONALS.has(p.type.name)));
    if (p.default === undefined && !optionalType) required.push(p.name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
}
