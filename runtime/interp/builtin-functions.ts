/**
 * Entry points of the pure built-ins for the interpreter: `callBuiltin` for the non-effect
 * functions of BUILTIN_FUNCTIONS and `callMethod` for BUILTIN_METHODS (runtime/dsl/builtins.ts).
 *
 * Both return a plain value when everything is synchronous. Higher-order built-ins (map, filter,
 * any, all, sort with a key, count with a lambda) call `apply`; as soon as one of its results is a
 * Promise, the rest runs asynchronously (lambdas are still called one at a time, in order) and
 * the built-in returns a Promise. Errors are `BatonError('runtime')` without a location; the
 * interpreter adds it.
 *
 * The implementations live in builtin-core.ts (functions), builtin-methods.ts (methods),
 * builtin-text.ts (format, JSON, rounding) and builtin-support.ts (argument checks, async loop).
 */
import { BUILTIN_FUNCTIONS } from '../dsl/builtins';
import { invoke } from './builtin-core';
import { methodCall } from './builtin-methods';
import { fail, type Apply } from './builtin-support';
import type { Value } from './values';

export type { Apply } from './builtin-support';

/** Whether `name` is a pure built-in function this module implements (not an effect). */
export function isPureBuiltin(name: string): boolean {
  const spec = BUILTIN_FUNCTIONS.get(name);
  return spec !== undefined && spec.effect !== true;
}

/**
 * Calls the pure built-in `name`. Named arguments fill the parameter of that name
 * (`round(x, digits: 2)`); `format` uses them for `{name}` placeholders.
 * Effect built-ins (now, uuid, random, sleep, log, send, ...) belong to the interpreter's host.
 */
export function callBuiltin(name: string, args: Value[], named: Record<string, Value>, apply: Apply): Value | Promise<Value> {
  const spec = BUILTIN_FUNCTIONS.get(name);
  if (spec?.effect) return fail(`internal: ${name}() is an effect and must go through the run, not callBuiltin`);
  return invoke(name, args, named, apply);
}

/**
 * Calls the built-in method `name` on `target` (`xs.append(x)`, `s.ends_with(".ts")`,
 * `opt.unwrap_or(0)`). A record field holding a lambda with the same name is the interpreter's
 * business: it must check for that before calling here.
 */
export function callMethod(target: Value, name: string, args: Value[], named: Record<string, Value>, apply: Apply): Value | Promise<Value> {
  return methodCall(target, name, args, named, apply);
}
