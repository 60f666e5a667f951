/**
 * The implementations of the pure built-in functions of BUILTIN_FUNCTIONS (runtime/dsl/builtins.ts),
 * keyed by name, with the parameter names that named arguments may use. Arity and named-argument
 * mapping happen in `callBuiltin` (builtin-functions.ts); each implementation checks its own types.
 * Strings are measured and indexed in UTF-16 code units, like indexing in the interpreter (ops.ts).
 */
import {
  arityError, callable, compareKeys, each, fail, got, hasOwn, int, list, mapValues, num, rec, sameKind, sliceIndex, sortKey, str, then,
  type Apply, type Impl, type MaybePromise, type SortKey,
} from './builtin-support';
import { BUILTIN_FUNCTIONS } from '../dsl/builtins';
import { formatTemplate, parseJsonText, roundTo, toJsonText } from './builtin-text';
import { equals, ErrorValue, isRecord, show, Tagged, truthy, typeName, type Rec, type Value } from './values';

/** Parameter names, for named arguments (`round(x, digits: 2)`, `get(r, "k", default: 0)`). */
export const PARAMS: Readonly<Record<string, readonly string[]>> = {
  len: ['value'], length: ['value'], keys: ['record'], values: ['record'], contains: ['collection', 'item'],
  to_json: ['value', 'indent'], from_json: ['text'], upper: ['s'], lower: ['s'], trim: ['s'],
  split: ['s', 'separator'], join: ['items', 'separator'], replace: ['s', 'from', 'to'],
  starts_with: ['s', 'prefix'], ends_with: ['s', 'suffix'], range: ['start', 'end', 'step'],
  sum: ['list'], abs: ['x'], round: ['x', 'digits'], floor: ['x'], ceil: ['x'], sort: ['list', 'key'],
  reverse: ['list'], unique: ['list'], map: ['list', 'fn'], filter: ['list', 'fn'], any: ['list', 'fn'], all: ['list', 'fn'],
  slice: ['value', 'start', 'end'], get: ['value', 'key', 'default'], str: ['value'], to_string: ['value'],
  int: ['value'], float: ['value'], bool: ['value'], type_of: ['value'], is_empty: ['value'],
  error: ['message', 'data'], Some: ['value'], Ok: ['value'], Err: ['error'],
};

/** Largest list `range()` builds. */
export const MAX_RANGE = 10_000_000;

function size(v: Value | undefined, what: string): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (isRecord(v)) return Object.keys(v).length;
  return fail(`${what} expects a string, list or record, got ${got(v)}`);
}

export function containsValue(coll: Value | undefined, item: Value, what = 'contains()'): boolean {
  if (typeof coll === 'string') return coll.includes(str(item, what, 'a string to look for in a string'));
  if (Array.isArray(coll)) return coll.some((x) => equals(x, item));
  if (isRecord(coll)) return typeof item === 'string' && hasOwn(coll, item);
  if (coll === null) return false;
  return fail(`${what} expects a string, list or record, got ${got(coll)}`);
}

function range(args: Value[]): Value {
  const what = 'range()';
  const [start, end, step] = args.length === 1 || args[1] === undefined
    ? [0, int(args[0], what, 'int bounds'), 1]
    : [int(args[0] ?? 0, what, 'int bounds'), int(args[1], what, 'int bounds'), args[2] == null ? 1 : int(args[2], what, 'an int step')];
  if (step === 0) fail('range() step must not be 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (n > MAX_RANGE) fail(`range() would make ${n} elements (at most ${MAX_RANGE})`);
  const out: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return out;
}

function extreme(name: 'min' | 'max', args: Value[]): Value {
  const what = `${name}()`;
  const items = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  if (items.length === 0) fail(`${what} of an empty list`);
  const keys = items.map((x) => sortKey(x, what));
  sameKind(keys, what);
  let best = 0;
  for (let i = 1; i < keys.length; i++) {
    const c = compareKeys(keys[i], keys[best]);
    if (name === 'min' ? c < 0 : c > 0) best = i;
  }
  return items[best];
}

function sortList(items: Value[], key: Value | undefined, apply: Apply): MaybePromise<Value> {
  const what = 'sort()';
  const keyed = key === undefined || key === null ? items : mapValues(items, callable(key, what, 'a key function'), apply);
  return then(keyed, (kv) => {
    const keys: SortKey[] = kv.map((k) => sortKey(k, what));
    sameKind(keys, what);
    const order = keys.map((_, i) => i).sort((a, b) => compareKeys(keys[a], keys[b]) || a - b);
    return order.map((i) => items[i]);
  });
}

function uniqueList(items: Value[]): Value[] {
  const prims = new Set<unknown>();
  const others: Value[] = [];
  const out: Value[] = [];
  for (const x of items) {
    const prim = x === null || typeof x !== 'object';
    if (prim ? prims.has(x) || others.some((o) => equals(o, x)) : out.some((o) => equals(o, x))) continue;
    if (prim) prims.add(x); else others.push(x);
    out.push(x);
  }
  return out;
}

/** `filter`, `any`, `all` and `count`: the truthiness of the lambda (or the element) for each element. */
export function testEach(
  items: Value[], fn: Value | undefined, apply: Apply, what: string,
  visit: (ok: boolean, i: number) => boolean | void,
): MaybePromise<void> {
  if (fn === undefined || fn === null) return each(items.length, (i) => visit(truthy(items[i]), i));
  const f = callable(fn, what, 'a function');
  return each(items.length, (i) => then(apply(f, [items[i]]), (v) => visit(truthy(v), i)));
}

function toInt(v: Value | undefined): Value {
  const what = 'int()';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(`int() cannot convert ${v} to an int`);
    return Math.trunc(v) || 0;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim().replace(/_/g, '');
    if (/^[+-]?\d+$/.test(t)) return Number(t);
    if (t !== '' && Number.isFinite(Number(t))) fail(`int(): ${JSON.stringify(v)} is not an integer (use int(float(x)) to truncate)`);
    fail(`int(): ${JSON.stringify(v)} is not a number`);
  }
  return fail(`${what} expects a string, number or bool, got ${got(v)}`);
}

function toFloat(v: Value | undefined): Value {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim().replace(/_/g, '');
    const n = t === '' ? NaN : Number(t);
    if (Number.isNaN(n)) fail(`float(): ${JSON.stringify(v)} is not a number`);
    return n;
  }
  return fail(`float() expects a string, number or bool, got ${got(v)}`);
}

function get(args: Value[]): Value {
  const [t, key, dflt = null] = args;
  const target = t instanceof Tagged && t.tag !== 'Err' ? t.value : t;
  if (target === null) return dflt;
  if (isRecord(target)) {
    const k = str(key, 'get()', 'a String key for a record');
    return hasOwn(target, k) ? target[k] : dflt;
  }
  if (Array.isArray(target) || typeof target === 'string') {
    const i = int(key, 'get()', `an int index for ${Array.isArray(target) ? 'a list' : 'a string'}`);
    const k = i < 0 ? target.length + i : i;
    return k >= 0 && k < target.length ? target[k] : dflt;
  }
  return fail(`get() expects a record or list, got ${got(target)}`);
}

function slice(args: Value[]): Value {
  const [v, start, end] = args;
  if (typeof v !== 'string' && !Array.isArray(v)) return fail(`slice() expects a list or string, got ${got(v)}`);
  const n = v.length;
  return v.slice(sliceIndex(start, n, 0, 'slice()'), sliceIndex(end, n, n, 'slice()'));
}

function merge(args: Value[]): Value {
  const out: Rec = {};
  args.forEach((r, i) => {
    if (r === null) return;
    Object.assign(out, rec(r, 'merge()', `records (argument ${i + 1} is not)`));
  });
  return out;
}

function sum(items: Value[]): number {
  let total = 0;
  items.forEach((x, i) => {
    if (typeof x !== 'number') fail(`sum() expects a list of numbers, element ${i} is ${typeName(x)}`);
    total += x;
  });
  return total;
}

function isEmpty(v: Value | undefined): boolean {
  if (v === null) return true;
  if (v instanceof Tagged) return false;
  return size(v, 'is_empty()') === 0;
}

export const FUNCTIONS: Readonly<Record<string, Impl>> = {
  len: ([v]) => size(v, 'len()'),
  length: ([v]) => size(v, 'length()'),
  keys: ([r]) => Object.keys(rec(r, 'keys()')),
  values: ([r]) => Object.values(rec(r, 'values()')),
  contains: ([c, x]) => containsValue(c, x),
  format: ([t, ...rest], named) => formatTemplate(str(t, 'format()', 'a template string first'), rest, named),
  to_json: ([v, indent]) => toJsonText(v, indent),
  from_json: ([t]) => parseJsonText(str(t, 'from_json()')),
  upper: ([s]) => str(s, 'upper()').toUpperCase(),
  lower: ([s]) => str(s, 'lower()').toLowerCase(),
  trim: ([s]) => str(s, 'trim()').trim(),
  split: ([s, sep]) => {
    const text = str(s, 'split()');
    const by = sep === undefined || sep === null ? null : str(sep, 'split()', 'a string separator');
    if (by === null) return text.split(/\s+/).filter((x) => x !== '');
    return text.split(by);
  },
  join: ([items, sep]) => list(items, 'join()').map(show).join(sep === undefined || sep === null ? '' : str(sep, 'join()', 'a string separator')),
  replace: ([s, from, to]) => str(s, 'replace()').replaceAll(str(from, 'replace()', 'a string to replace'), str(to, 'replace()', 'a replacement string')),
  starts_with: ([s, p]) => str(s, 'starts_with()').startsWith(str(p, 'starts_with()', 'a string prefix')),
  ends_with: ([s, p]) => str(s, 'ends_with()').endsWith(str(p, 'ends_with()', 'a string suffix')),
  range: (args) => range(args),
  min: (args) => extreme('min', args),
  max: (args) => extreme('max', args),
  sum: ([l]) => sum(list(l, 'sum()')),
  abs: ([x]) => Math.abs(num(x, 'abs()')),
  round: ([x, d]) => roundTo(num(x, 'round()'), d === undefined || d === null ? 0 : int(d, 'round()', 'an int number of digits')),
  floor: ([x]) => Math.floor(num(x, 'floor()')) || 0,
  ceil: ([x]) => Math.ceil(num(x, 'ceil()')) || 0,
  sort: ([l, key], _named, apply) => sortList(list(l, 'sort()'), key, apply),
  reverse: ([l]) => (typeof l === 'string' ? [...l].reverse().join('') : [...list(l, 'reverse()', 'a list or string')].reverse()),
  unique: ([l]) => uniqueList(list(l, 'unique()')),
  map: ([l, fn], _named, apply) => mapValues(list(l, 'map()'), callable(fn, 'map()', 'a function as its second argument'), apply),
  filter: ([l, fn], _named, apply) => {
    const items = list(l, 'filter()');
    const out: Value[] = [];
    return then(testEach(items, callable(fn, 'filter()', 'a function as its second argument'), apply, 'filter()', (ok, i) => { if (ok) out.push(items[i]); }), () => out);
  },
  any: ([l, fn], _named, apply) => {
    let found = false;
    return then(testEach(list(l, 'any()'), fn, apply, 'any()', (ok) => (found = ok)), () => found);
  },
  all: ([l, fn], _named, apply) => {
    let every = true;
    return then(testEach(list(l, 'all()'), fn, apply, 'all()', (ok) => { every = ok; return !ok; }), () => every);
  },
  slice: (args) => slice(args),
  get: (args) => get(args),
  merge: (args) => merge(args),
  str: ([v]) => show(v ?? null),
  to_string: ([v]) => show(v ?? null),
  int: ([v]) => toInt(v),
  float: ([v]) => toFloat(v),
  bool: ([v]) => truthy(v ?? null),
  type_of: ([v]) => typeName(v ?? null),
  is_empty: ([v]) => isEmpty(v),
  error: ([m, data]) => new ErrorValue(typeof m === 'string' ? m : show(m ?? null), data ?? null),
  Some: ([v]) => new Tagged('Some', v ?? null),
  Ok: ([v]) => new Tagged('Ok', v ?? null),
  Err: ([v]) => new Tagged('Err', v ?? null),
};

/**
 * Calls a pure built-in by name: checks the arity against the catalog, maps named arguments to
 * their positions (`format` keeps them as placeholders), then runs the implementation.
 */
export function invoke(name: string, args: Value[], named: Record<string, Value>, apply: Apply): MaybePromise<Value> {
  const impl = Object.prototype.hasOwnProperty.call(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
  const spec = BUILTIN_FUNCTIONS.get(name);
  if (!impl || !spec) return fail(`unknown built-in function ${name}()`);
  let all = args;
  let rest = named;
  const names = Object.keys(named);
  if (names.length > 0 && name !== 'format') {
    const params = PARAMS[name] ?? [];
    all = [...args];
    rest = {};
    for (const n of names) {
      const k = params.indexOf(n);
      if (k < 0) fail(params.length ? `${name}() has no parameter '${n}' (parameters: ${params.join(', ')})` : `${name}() takes no named arguments`);
      if (k < args.length) fail(`${name}() got '${n}' both by position and by name`);
      all[k] = named[n];
    }
  }
  const n = all.length;
  if (n < spec.min || n > spec.max) arityError(name, spec.min, spec.max, n);
  return impl(all, rest, apply);
}
