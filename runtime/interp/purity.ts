/**
 * Which expressions can be evaluated synchronously: no tool, model, agent or function call, no
 * effect built-in, no function value handed to a higher-order built-in. Cached per IR node.
 */
import type { ExprIR } from '../ir/schema';
import { BUILTIN_METHODS } from '../dsl/builtins';

const IMPURE_CALLS = new Set(['function', 'tool', 'agent', 'llm', 'semantic', 'value']);
const pureCache = new WeakMap<object, boolean>();

/** Higher-order built-ins: position (function form; one less as a method) and name of their function argument. */
const FN_ARG: Record<string, [number, string]> = { map: [1, 'fn'], filter: [1, 'fn'], any: [1, 'fn'], all: [1, 'fn'], sort: [1, 'key'], count: [1, 'x'] };

/**
 * A built-in call whose callee is only known at run time: a method that is not a built-in (a record
 * field holding a lambda, `ops.double(x)`), or a higher-order built-in given a function value rather
 * than a lambda literal (`map(xs, f)`). The function may call tools or have a block body, so the
 * call must take the asynchronous path.
 */
function dynamicCallee(e: Extract<ExprIR, { k: 'call' }>): boolean {
  if (e.kind === 'method' && !BUILTIN_METHODS.has(e.name)) return true;
  const fa = Object.prototype.hasOwnProperty.call(FN_ARG, e.name) ? FN_ARG[e.name] : undefined;
  if (!fa) return false;
  const arg = e.args[e.kind === 'method' ? fa[0] - 1 : fa[0]] ?? e.named.find(([k]) => k === fa[1])?.[1];
  return arg !== undefined && arg.k !== 'lambda' && arg.k !== 'lit';
}

/** Whether evaluating `e` can have no effect (no tool/model/agent/function call, no effect built-in). */
export function isPure(e: ExprIR): boolean {
  const c = pureCache.get(e);
  if (c !== undefined) return c;
  let r: boolean;
  switch (e.k) {
    case 'lit': case 'vault': case 'var': case 'global': r = true; break;
    case 'array': r = e.items.every(isPure); break;
    case 'record': r = e.entries.every(([, v]) => isPure(v)); break;
    case 'lambda': r = !('stmts' in e.body) && isPure(e.body as ExprIR); break;
    case 'unary': r = isPure(e.operand); break;
    case 'binary': r = isPure(e.left) && isPure(e.right); break;
    case 'member': r = isPure(e.object); break;
    case 'index': r = isPure(e.object) && isPure(e.index); break;
    case 'call': r = !IMPURE_CALLS.has(e.kind) && !e.effect && !dynamicCallee(e) && e.args.every(isPure) && e.named.every(([, v]) => isPure(v)) && (!e.target || isPure(e.target)); break;
    case 'if': case 'match': r = false; break;
  }
  pureCache.set(e, r);
  return r;
}

