/**
 * The built-in methods of BUILTIN_METHODS (runtime/dsl/builtins.ts): `list.append(x)`,
 * `s.ends_with(y)`, `opt.unwrap_or(d)`, ... Methods that are a built-in function with the target as
 * first argument delegate to it (so `xs.sort()` and `sort(xs)` cannot drift apart); the rest are
 * here. `append`/`push`/`insert`/`remove`/`pop` mutate their target in place.
 */
import { arityError, callable, fail, got, hasOwn, int, outOfRange, str, then, type Apply, type MaybePromise } from './builtin-support';
import { containsValue, FUNCTIONS, invoke, testEach } from './builtin-core';
import { Closure, equals, ErrorValue, isRecord, Ref, show, Tagged, typeName, type Value } from './values';

export type MethodImpl = (target: Value, args: Value[], named: Record<string, Value>, apply: Apply) => MaybePromise<Value>;

/** Methods that are exactly the function of the same name with the target first. */
const DELEGATED = new Set([
  'starts_with', 'ends_with', 'upper', 'lower', 'trim', 'replace', 'keys', 'values', 'get', 'len', 'length',
  'map', 'filter', 'sort', 'reverse', 'slice', 'is_empty', 'to_json', 'any', 'all', 'merge',
]);

/** Positional argument counts of every method, the target not counted (checked when no named arguments are given). */
export const METHOD_ARITY: Readonly<Record<string, readonly [number, number]>> = {
  append: [1, Infinity], push: [1, Infinity], pop: [0, 2], contains: [1, 1], split: [0, 1], join: [0, 1],
  index_of: [1, 1], insert: [2, 2], remove: [1, 1], format: [0, Infinity], unwrap: [0, 0], unwrap_or: [1, 1],
  is_some: [0, 0], is_none: [0, 0], is_ok: [0, 0], is_err: [0, 0], first: [0, 0], last: [0, 0], count: [0, 1],
  starts_with: [1, 1], ends_with: [1, 1], upper: [0, 0], lower: [0, 0], trim: [0, 0], replace: [2, 2],
  keys: [0, 0], values: [0, 0], get: [1, 2], len: [0, 0], length: [0, 0], map: [1, 1], filter: [1, 1],
  sort: [0, 1], reverse: [0, 0], slice: [1, 2], is_empty: [0, 0], to_json: [0, 1], any: [0, 1], all: [0, 1],
  merge: [1, Infinity],
};

function listTarget(t: Value, name: string): Value[] {
  if (Array.isArray(t)) return t;
  return fail(`${name}() is a list method; called on ${got(t)}`);
}

function isFailure(t: Value): boolean {
  return t instanceof ErrorValue || (t instanceof Tagged && t.tag === 'Err');
}

function inner(t: Value): Value {
  return t instanceof Tagged ? t.value : t;
}

function pop(t: Value, args: Value[]): Value {
  if (isRecord(t)) {
    const k = str(args[0], 'pop()', 'a String key for a record');
    if (!hasOwn(t, k)) {
      if (args.length > 1) return args[1];
      return fail(`pop(): the record has no field '${k}'`);
    }
    const v = t[k];
    delete t[k];
    return v;
  }
  const l = listTarget(t, 'pop');
  if (l.length === 0) fail('pop() on an empty list');
  if (args.length === 0 || args[0] === null) return l.pop() as Value;
  const i = int(args[0], 'pop()', 'an int index');
  const k = i < 0 ? l.length + i : i;
  if (k < 0 || k >= l.length) outOfRange(i, l.length);
  return l.splice(k, 1)[0];
}

function insert(t: Value, [a, b]: Value[]): Value {
  if (isRecord(t)) {
    t[str(a, 'insert()', 'a String key for a record')] = b;
    return null;
  }
  const l = listTarget(t, 'insert');
  const i = int(a, 'insert()', 'an int index for a list');
  const k = i < 0 ? Math.max(0, l.length + i) : Math.min(i, l.length);
  l.splice(k, 0, b);
  return null;
}

/** Records: removes the field and returns its value (None if absent). Lists: removes the first equal element and returns it. */
function remove(t: Value, [x]: Value[]): Value {
  if (isRecord(t)) {
    const k = str(x, 'remove()', 'a String key for a record');
    if (!hasOwn(t, k)) return null;
    const v = t[k];
    delete t[k];
    return v;
  }
  const l = listTarget(t, 'remove');
  const k = l.findIndex((e) => equals(e, x));
  if (k < 0) fail(`remove(): ${show(x)} is not in the list`);
  return l.splice(k, 1)[0];
}

function indexOf(t: Value, [x]: Value[]): Value {
  if (typeof t === 'string') return t.indexOf(str(x, 'index_of()', 'a string to look for in a string'));
  return listTarget(t, 'index_of').findIndex((e) => equals(e, x));
}

function count(t: Value, args: Value[], apply: Apply): MaybePromise<Value> {
  if (typeof t === 'string') {
    if (args.length === 0) return t.length;
    const sub = str(args[0], 'count()', 'a substring to count');
    return sub === '' ? t.length + 1 : t.split(sub).length - 1;
  }
  const l = listTarget(t, 'count');
  if (args.length === 0) return l.length;
  const [x] = args;
  if (x instanceof Closure || x instanceof Ref) {
    let n = 0;
    return then(testEach(l, callable(x, 'count()'), apply, 'count()', (ok) => { if (ok) n++; }), () => n);
  }
  return l.reduce<number>((n, e) => n + (equals(e, x) ? 1 : 0), 0);
}

const METHODS: Readonly<Record<string, MethodImpl>> = {
  append: (t, args) => { listTarget(t, 'append').push(...args); return null; },
  push: (t, args) => { listTarget(t, 'push').push(...args); return null; },
  pop: (t, args) => pop(t, args),
  contains: (t, [x]) => containsValue(t, x, 'contains()'),
  split: (t, [sep]) => FUNCTIONS.split([str(t, 'split()', 'a string target'), sep], {}, noApply),
  // `items.join(", ")`, or Python's `", ".join(items)`.
  join: (t, [x], named, apply) => (typeof t === 'string' && Array.isArray(x) ? FUNCTIONS.join([x, t], named, apply) : FUNCTIONS.join([t, x], named, apply)),
  index_of: (t, args) => indexOf(t, args),
  insert: (t, args) => insert(t, args),
  remove: (t, args) => remove(t, args),
  format: (t, args, named) => FUNCTIONS.format([str(t, 'format()', 'a template string target'), ...args], named, noApply),
  unwrap: (t) => {
    if (t === null) return fail('unwrap() on None');
    if (t instanceof Tagged && t.tag === 'Err') return fail(`unwrap() on Err(${show(t.value)})`);
    if (t instanceof ErrorValue) return fail(`unwrap() on an error: ${t.message}`);
    return inner(t);
  },
  unwrap_or: (t, [d]) => (t === null || isFailure(t) ? d : inner(t)),
  is_some: (t) => t !== null && !isFailure(t),
  is_none: (t) => t === null,
  is_ok: (t) => !isFailure(t),
  is_err: (t) => isFailure(t),
  first: (t) => (typeof t === 'string' ? (t === '' ? null : t[0]) : (listTarget(t, 'first')[0] ?? null)),
  last: (t) => (typeof t === 'string' ? (t === '' ? null : t[t.length - 1]) : (listTarget(t, 'last').at(-1) ?? null)),
  count: (t, args, _named, apply) => count(t, args, apply),
};

const noApply: Apply = () => fail('internal: a built-in called a function without an apply');

/** Calls a built-in method; fails with a clear message on an unknown method or a wrong target. */
export function methodCall(target: Value, name: string, args: Value[], named: Record<string, Value>, apply: Apply): MaybePromise<Value> {
  const own = Object.prototype.hasOwnProperty.call(METHODS, name) ? METHODS[name] : undefined;
  const delegated = DELEGATED.has(name);
  if (!own && !delegated) return fail(`${typeName(target)} has no method ${name}()`);
  const arity = METHOD_ARITY[name];
  if (arity && Object.keys(named).length === 0 && (args.length < arity[0] || args.length > arity[1])) arityError(name, arity[0], arity[1], args.length);
  if (own) {
    if (Object.keys(named).length > 0 && name !== 'format') fail(`${name}() takes no named arguments`);
    return own(target, args, named, apply);
  }
  return invoke(name, [target, ...args], named, apply);
}
