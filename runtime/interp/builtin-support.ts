/**
 * Shared helpers of the built-in functions and methods (builtin-functions.ts, builtin-core.ts,
 * builtin-methods.ts): errors, argument checks, value comparison, and the "synchronous until a
 * Promise shows up" loop that lets higher-order built-ins (map, filter, sort with a key, ...) stay
 * synchronous and fast when every lambda call is synchronous.
 */
import { BatonError } from '../errors';
import { Closure, isRecord, Ref, typeName, type Rec, type Value } from './values';

/** Calls a function value (a Closure, or a Ref to a function); supplied by the interpreter. */
export type Apply = (fn: Value, args: Value[]) => Value | Promise<Value>;

export type MaybePromise<T> = T | Promise<T>;

/** One built-in after named arguments were mapped to positions (absent optional ones are `undefined`). */
export type Impl = (args: Value[], named: Record<string, Value>, apply: Apply) => MaybePromise<Value>;

export function fail(message: string): never {
  throw new BatonError('runtime', message);
}

export function isPromise<T>(x: MaybePromise<T>): x is Promise<T> {
  return x instanceof Promise || (typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function');
}

/** `f(v)` now if `v` is a value, after it resolves if it is a Promise. */
export function then<T, R>(v: MaybePromise<T>, f: (t: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise(v) ? v.then(f) : f(v);
}

/**
 * Runs `step(0) .. step(n-1)` in order, one at a time (lambdas may have journaled effects, so the
 * order is deterministic); `step` returning `true` stops early. Synchronous until a step returns
 * a Promise, then the rest runs asynchronously and a Promise is returned.
 */
export function each(n: number, step: (i: number) => MaybePromise<boolean | void>): MaybePromise<void> {
  for (let i = 0; i < n; i++) {
    const r = step(i);
    if (isPromise(r)) {
      return r.then(async (stop) => {
        if (stop === true) return;
        for (let j = i + 1; j < n; j++) if ((await step(j)) === true) return;
      });
    }
    if (r === true) return;
  }
  return undefined;
}

/** `apply(fn, [x])` for every element, in order; the results. */
export function mapValues(items: readonly Value[], fn: Value, apply: Apply): MaybePromise<Value[]> {
  const out: Value[] = new Array<Value>(items.length);
  return then(each(items.length, (i) => then(apply(fn, [items[i]]), (v) => { out[i] = v; })), () => out);
}

// ---------------------------------------------------------------------------------------------
// Argument checks. `what` is the function as the user wrote it, e.g. `upper()`.

export function article(type: string): string {
  return /^[AEIOU]/i.test(type) ? `an ${type}` : `a ${type}`;
}

export function str(v: Value | undefined, what: string, role = 'a string'): string {
  if (typeof v === 'string') return v;
  return fail(`${what} expects ${role}, got ${got(v)}`);
}

export function num(v: Value | undefined, what: string, role = 'a number'): number {
  if (typeof v === 'number') return v;
  return fail(`${what} expects ${role}, got ${got(v)}`);
}

export function int(v: Value | undefined, what: string, role = 'an int'): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return fail(`${what} expects ${role}, got ${got(v)}`);
}

export function list(v: Value | undefined, what: string, role = 'a list'): Value[] {
  if (Array.isArray(v)) return v;
  return fail(`${what} expects ${role}, got ${got(v)}`);
}

export function rec(v: Value | undefined, what: string, role = 'a record'): Rec {
  if (isRecord(v)) return v;
  return fail(`${what} expects ${role}, got ${got(v)}`);
}

export function callable(v: Value | undefined, what: string, role = 'a function'): Value {
  if (v instanceof Closure || v instanceof Ref) return v;
  return fail(`${what} expects ${role}, got ${got(v)}`);
}

/** The type of an argument for a message (`int`, `String`, `nothing`). */
export function got(v: Value | undefined): string {
  return v === undefined ? 'nothing' : typeName(v);
}

export function hasOwn(r: Rec, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(r, k);
}

/** Python-style index normalisation for slices: negative counts from the end, clamped to [0, n]. */
export function sliceIndex(i: Value | undefined, n: number, dflt: number, what: string): number {
  if (i === undefined || i === null) return dflt;
  const k = int(i, what, 'int indexes');
  return k < 0 ? Math.max(0, n + k) : Math.min(k, n);
}

export function outOfRange(i: number, n: number): never {
  return fail(`index ${i} out of range for a list of ${n}`);
}

// ---------------------------------------------------------------------------------------------
// Ordering for sort / min / max: numbers numerically, strings by code unit; nothing else, no mixing.

export type SortKey = number | string;

export function sortKey(v: Value, what: string): SortKey {
  if (typeof v === 'number' || typeof v === 'string') return v;
  return fail(`${what} can only compare numbers or strings, got ${typeName(v)}`);
}

/** Checks that all keys are of one kind (all numbers or all strings). */
export function sameKind(keys: readonly SortKey[], what: string): void {
  if (keys.length === 0) return;
  const kind = typeof keys[0];
  for (let i = 1; i < keys.length; i++) {
    if (typeof keys[i] !== kind) {
      fail(`${what} cannot compare ${typeName(keys[0])} with ${typeName(keys[i])} (elements 0 and ${i})`);
    }
  }
}

export function compareKeys(a: SortKey, b: SortKey): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "round() takes 1 to 2 arguments, got 3". */
export function arityError(name: string, min: number, max: number, n: number): never {
  const s = (k: number): string => (k === 1 ? '' : 's');
  const want = min === max ? `${min} argument${s(min)}` : max === Infinity ? `at least ${min} argument${s(min)}` : `${min} to ${max} arguments`;
  return fail(`${name}() takes ${want}, got ${n}`);
}
