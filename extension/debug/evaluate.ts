/**
 * Evaluating DSL expressions for the debugger (console, watches, hover, breakpoint conditions,
 * logpoint `{...}` parts) against a snapshot of a stop: purely, with no effect. An expression is
 * compiled by wrapping it in a tiny function whose parameters are the names in scope, so the
 * checker resolves them; a tool, model, agent or function call is refused with a clear message.
 */
import type { ExprIR, Json, ProgramIR, StmtIR } from '../../runtime/ir/schema';
import type { InterpreterHost } from '../../runtime/interp/host';
import { analyzeText } from '../../runtime/dsl/workspace';
import { compile } from '../../runtime/dsl/compiler';
import { Interpreter, isPure } from '../../runtime/interp/interpreter';
import { Scope } from '../../runtime/interp/scope';
import { fromJson, show, toJson } from '../../runtime/interp/values';
import { BatonError } from '../../runtime/errors';

const cache = new Map<string, { expr: ExprIR; program: ProgramIR } | BatonError>();
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function compileExpr(expr: string, names: readonly string[]): { expr: ExprIR; program: ProgramIR } {
  const params = names.filter((n) => NAME.test(n) && n !== 'context');
  const cacheKey = `${params.join(',')}\u0000${expr}`;
  const hit = cache.get(cacheKey);
  if (hit instanceof BatonError) throw hit;
  if (hit) return hit;
  const text = `function __baton_eval(${params.map((p) => `${p}: Any`).join(', ')}) -> Any {\n    return (${expr});\n}\n`;
  let out: { expr: ExprIR; program: ProgramIR } | BatonError;
  const a = analyzeText(text, '<debug console>');
  const r = compile(a);
  if (!r.ok) {
    const e = r.errors[0];
    const col = Math.max(0, e.start - text.indexOf('(', text.indexOf('return')) - 1);
    out = new BatonError('usage', `cannot evaluate '${expr}': ${e.message}${col >= 0 && col <= expr.length ? ` (at column ${col + 1})` : ''}`);
  } else {
    const fn = r.program.functions.find((f) => f.name === '__baton_eval');
    const ret = fn?.body.stmts[0] as StmtIR | undefined;
    if (!ret || ret.s !== 'return' || !ret.value) out = new BatonError('usage', `cannot evaluate '${expr}': not an expression`);
    else if (!isPure(ret.value)) out = new BatonError('usage', `cannot evaluate '${expr}': the debugger evaluates without effects — calls to tools, models, agents or functions are refused`);
    else out = { expr: ret.value, program: r.program };
  }
  if (cache.size > 500) cache.clear();
  cache.set(cacheKey, out);
  if (out instanceof BatonError) throw out;
  return out;
}

const NO_AGENT = { name: '__debug', params: [], functions: [], tools: [], attrs: {}, policies: [], loc: [1, 1, 1, 1] } as never;

/** Evaluates `expr` against the variables of a stop (locals win over inputs). Throws a `BatonError` with a clear message. */
export function evaluate(expr: string, vars: Record<string, Json>, context: Record<string, Json> = {}): Json {
  const trimmed = expr.trim();
  if (!trimmed) throw new BatonError('usage', 'nothing to evaluate');
  const names = Object.keys(vars);
  const { expr: ir, program } = compileExpr(trimmed, names);
  const host = { context: context as never } as unknown as InterpreterHost;
  const interp = new Interpreter(host, NO_AGENT);
  const scope = new Scope();
  // Values are copies of the snapshot: an expression such as `xs.append(1)` cannot change what the stop shows.
  for (const n of names) scope.define(n, fromJson(JSON.parse(JSON.stringify(vars[n] ?? null))));
  try {
    return toJson(interp.evalCondition(ir, scope, program));
  } catch (e) {
    if (e instanceof BatonError) throw new BatonError(e.code, `${trimmed}: ${e.message}`);
    throw new BatonError('runtime', `${trimmed}: ${(e as Error).message}`);
  }
}

/** How a value shows in the debugger (strings quoted, like the DSL writes them). */
export function display(v: Json): string {
  if (typeof v === 'string') return JSON.stringify(v);
  return show(v as never);
}

/** A logpoint message: `{expr}` parts evaluated; an error shows in place. */
export function interpolate(message: string, vars: Record<string, Json>, context: Record<string, Json> = {}): string {
  return message.replace(/\{([^{}]+)\}/g, (_m, e: string) => {
    try {
      const v = evaluate(e, vars, context);
      return typeof v === 'string' ? v : show(v as never);
    } catch (err) {
      return `<${(err as Error).message}>`;
    }
  });
}
