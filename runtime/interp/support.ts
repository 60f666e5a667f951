/** Small pieces of the interpreter: input copies, tool argument binding, what `catch` sees. */
import type { ParamIR } from '../ir/schema';
import { BatonError } from '../errors';
import { isRecord, Rec, Value } from './values';

/** A copy of lists and records (deeply); other values are immutable or opaque and stay as they are. */
export function copyData(v: Value): Value {
  if (Array.isArray(v)) return v.map(copyData);
  if (isRecord(v)) {
    const out: Rec = {};
    for (const k of Object.keys(v)) out[k] = copyData(v[k]);
    return out;
  }
  return v;
}

/** Positional and named arguments of a tool call as one record, by the declared parameter names. */
export function bindArgs(params: ParamIR[] | undefined, args: Value[], named: Rec, tool: string): Rec {
  const out: Rec = {};
  if (!params) {
    if (args.length) throw new BatonError('runtime', `tool '${tool}' takes named arguments only`);
    return { ...named };
  }
  args.forEach((a, i) => {
    if (i >= params.length) throw new BatonError('runtime', `tool '${tool}' takes ${params.length} arguments, got ${args.length}`);
    out[params[i].name] = a;
  });
  for (const [k, v] of Object.entries(named)) out[k] = v;
  return out;
}

const CATCH_CLASSES: Record<string, string[]> = {
  ToolError: ['tool-error', 'tool-timeout', 'circuit-open', 'mcp-error', 'path-escape', 'protected-path'],
  PolicyDenied: ['policy-denied', 'approval-denied'],
  PolicyError: ['policy-denied', 'approval-denied'],
  ModelError: ['provider-error', 'model-output'],
  TimeoutError: ['tool-timeout'],
  RuntimeError: ['runtime', 'agent-error'],
};

/** Cancellation and budget exhaustion end the run; `catch` sees everything else. */
export function catches(type: string | undefined, e: BatonError): boolean {
  if (e.code === 'cancelled' || e.code === 'budget-exhausted' || e.code === 'journal' || e.code === 'in-doubt' || e.code === 'mcp-pin-mismatch') return false;
  if (!type || type === 'Error' || type === 'Exception' || type === 'Any') return true;
  const codes = CATCH_CLASSES[type];
  return codes ? codes.includes(e.code) : true;
}

export function errorRecord(e: BatonError): Rec {
  return { message: e.message, code: e.code, ...(e.where ? { where: e.where } : {}) };
}

