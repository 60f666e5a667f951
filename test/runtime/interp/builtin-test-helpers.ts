/**
 * Helpers of the built-in tests: lambdas backed by JavaScript functions (the test `apply` calls
 * them, as the interpreter would evaluate a Closure), and a record of the names the tests called.
 */
import type { BlockIR } from '../../../runtime/ir/schema';
import { Closure, type Value } from '../../../runtime/interp/values';
import type { Apply } from '../../../runtime/interp/builtin-functions';

type Fn = (...args: Value[]) => Value | Promise<Value>;

const BODY: BlockIR = { stmts: [], loc: [1, 1, 1, 1] };

/** A lambda whose body is the JavaScript function `f` (kept in the closure's opaque env). */
export function lam(f: Fn): Closure {
  return new Closure(['x'], BODY, f, 'test.baton');
}

/** A lambda that always answers asynchronously. */
export function asyncLam(f: (...args: Value[]) => Value): Closure {
  return lam((...args) => new Promise<Value>((resolve, reject) => setImmediate(() => {
    try { resolve(f(...args)); } catch (e) { reject(e); }
  })));
}

export const apply: Apply = (fn, args) => {
  if (!(fn instanceof Closure) || typeof fn.env !== 'function') throw new Error('test apply: not a test lambda');
  return (fn.env as Fn)(...args);
};

export const called = { functions: new Set<string>(), methods: new Set<string>() };
