/**
 * Workflow templates as model built-ins: critic_revise, parallel_experts, chain_of_thought,
 * iterative_refinement. They are written in Baton, in the prelude `runtime/prelude/templates.baton`
 * (shipped inside the bundles as text, and in the repository for users to read and copy). The
 * prelude is compiled once per process; a template call interprets its function with the caller's
 * agent as host, so every `ask(...)` inside is an ordinary model effect of the caller's branch
 * (journaled, replayable) and a `parallel { }` inside gets child branches like any other.
 *
 * What the caller's call adds: `model:` and `system:` (else the agent's settings) apply to every
 * `ask` of the template; `schema:` or the declared result type (`let r: Review = critic_revise(...)`)
 * is passed to the template as its `schema` parameter, which it gives to its last `ask` only.
 * Prelude statements are not reported as statements (no StatementReached, no debugger stops).
 */
import preludeText from '../prelude/templates.baton' with { type: 'text' };
import type { AgentIR, ExprIR, FunctionIR, Loc, ProgramIR, TypeIR } from '../ir/schema';
import type { CallInfo, InterpreterHost } from '../interp/host';
import { BatonError, isBatonError } from '../errors';
import { Interpreter } from '../interp/interpreter';
import { Ref, Rec, Value } from '../interp/values';
import { analyzeText } from '../dsl/workspace';
import { compile } from '../dsl/compiler';
import { structuredOutput } from '../loop/structured';

export const TEMPLATES = new Set(['critic_revise', 'parallel_experts', 'chain_of_thought', 'iterative_refinement']);

/** The name the prelude's code reports in errors and frames. */
export const PRELUDE_URI = 'baton:prelude/templates.baton';
export const PRELUDE_TEXT: string = preludeText;

/** Named arguments of a template call the runtime handles itself (never passed to the function). */
const HANDLED = new Set(['model', 'provider', 'system', 'system_prompt', 'temperature', 'max_tokens', 'schema', 'tools', 'max_iterations', 'timeout']);

/** Stands for "the caller's declared result type" as the template's `schema` argument. */
const EXPECTED = new Ref('type', '$expected');

let prelude: ProgramIR | undefined;

/** The compiled prelude (once per process). A prelude that does not compile is a clear error. */
export function preludeProgram(): ProgramIR {
  if (prelude) return prelude;
  const a = analyzeText(PRELUDE_TEXT, PRELUDE_URI);
  const r = compile(a);
  if (!r.ok) {
    const d = r.errors[0];
    const p = a.parse.lines.position(d.start);
    throw new BatonError('runtime', `${PRELUDE_URI}:${p.line + 1}:${p.character + 1}: the template prelude does not compile: ${d.message}`);
  }
  prelude = r.program;
  return prelude;
}

export interface TemplateCall {
  model: string;
  system: string;
  /** The caller's declared result type, if any. */
  output?: { type: TypeIR; types: Record<string, TypeIR> };
}

/** Runs template `name` of the prelude for a call from an agent; `host` is the calling agent. */
export async function runTemplate(name: string, host: InterpreterHost, args: Value[], named: Rec, call: CallInfo, o: TemplateCall): Promise<Value> {
  const program = preludeProgram();
  const fn = program.functions.find((f) => f.name === name);
  if (!fn) throw new BatonError('runtime', `workflow template '${name}' is not in ${PRELUDE_URI}`, { loc: call.loc, file: call.file });
  const inputs: Rec = {};
  const passed: Rec = {};
  args.slice(0, fn.params.length).forEach((a, i) => { passed[fn.params[i].name] = a; });
  for (const [k, v] of Object.entries(named)) if (!HANDLED.has(k) && fn.params.some((p) => p.name === k)) passed[k] = v;
  const schema = named.schema instanceof Ref ? named.schema : structuredOutput(o.output) ? EXPECTED : undefined;
  if (schema && fn.params.some((p) => p.name === 'schema')) passed.schema = schema;
  for (const [k, v] of Object.entries(passed)) inputs[`$${k}`] = v;
  const interpreter = new Interpreter(templateHost(host, o), callerAgent(fn, Object.keys(passed)));
  try {
    return await interpreter.runBody(program, inputs, call.branch);
  } catch (e) {
    if (!isBatonError(e) || e.code === 'cancelled' || e.code === 'journal' || e.code === 'in-doubt') throw e;
    const at = e.options.loc ? ` (${PRELUDE_URI.replace(/^baton:/, '')}:${e.options.loc[0]})` : '';
    throw new BatonError(e.code, `${name}${at}: ${e.message}`, {
      ...e.options, loc: call.loc, file: call.file, cause: e,
      frames: [{ name: `template ${name}`, file: PRELUDE_URI, ...(e.options.loc ? { loc: e.options.loc } : {}) }, ...call.frames.map((f) => ({ name: f, file: call.file }))],
    });
  }
}

/** The calling agent as the template's host: its effects, with the template's model settings. */
function templateHost(host: InterpreterHost, o: TemplateCall): InterpreterHost {
  return {
    context: host.context,
    tool: (n, a, c) => host.tool(n, a, c),
    mcpTool: (s, t, a, c) => host.mcpTool(s, t, a, c),
    agent: (n, a, nm, u, c) => host.agent(n, a, nm, u, c),
    llm: (n, a, nm, c) => {
      const named: Rec = { model: o.model, system: o.system, ...nm };
      if (named.schema === EXPECTED) {
        delete named.schema;
        if (o.output) c = { ...c, expected: o.output.type };
      }
      return host.llm(n, a, named, c);
    },
    semantic: (n, a, nm, c) => host.semantic(n, a, nm, c),
    effect: (n, a, nm, c) => host.effect(n, a, nm, c),
    program: (u) => host.program(u),
    statement: () => undefined,
  };
}

/** A body-only agent that calls the template's function with the bound arguments. */
function callerAgent(fn: FunctionIR, names: string[]): AgentIR {
  const loc: Loc = fn.loc;
  const v = (name: string): ExprIR => ({ k: 'var', name: `$${name}`, loc });
  const positional = fn.params.filter((p, i) => i === 0 && names.includes(p.name)).map((p) => v(p.name));
  const named = names.filter((n) => n !== fn.params[0]?.name).map((n) => [n, v(n)] as [string, ExprIR]);
  const call: ExprIR = { k: 'call', kind: 'function', name: fn.name, args: positional, named, loc };
  return {
    name: `template ${fn.name}`, params: [], capabilities: [], policies: [], functions: [], tools: [], attrs: {},
    body: { stmts: [{ s: 'return', value: call, loc }], loc }, loc,
  };
}
