/**
 * One agent executing inside a run: the `InterpreterHost` that turns the interpreter's calls into
 * kernel effects (tools through the policy gate, models, child agents, clock and randomness), with
 * the agent's own policies, settings and tools.
 */
import { randomUUID } from 'node:crypto';
import type { AgentIR, Json, ProgramIR, ToolIR, TypeIR } from '../ir/schema';
import type { AgentGate, Kernel } from '../kernel/kernel';
import type { ResolvedTool } from '../kernel/tool-gate';
import type { ToolResolver } from './tool-resolver';
import { sandboxSpec, type SandboxSpec } from '../tools/sandbox/spec';
import { BatonError, asBatonError } from '../errors';
import { Branch, CallInfo, InterpreterHost } from '../interp/host';
import { Interpreter } from '../interp/interpreter';
import { Scope } from '../interp/scope';
import { ErrorValue, fromJson, Rec, Ref, show, toJson, Value } from '../interp/values';
import { PolicyEngine } from '../policy/engine';
import { reasoningLoop } from '../loop/reasoning-loop';
import { runGoal } from '../loop/planning';
import { AgentConfig, sharedAgentConfig } from './agent-config';
import { runTemplate, TEMPLATES } from './templates';
import { oneCompletion } from './ask';
import type { EffectContext } from './effect-context';
import { memoryEffect, memoryModelTools } from '../memory/memory-effects';
import { messagingEffect } from '../orchestration/messaging-effects';
import type { Lifecycle } from '../orchestration/lifecycle';
import { runChild, RunTree } from '../orchestration/child-run';
import type { MessageBus } from '../orchestration/bus';

export interface RunEnv {
  kernel: Kernel;
  resolver: ToolResolver;
  /** Programs of other files of the workspace, by uri (for cross-file agents, tools and functions). */
  load(uri: string): ProgramIR | undefined;
  context: Rec;
  deadline: number;
  /** Command-line overrides (win over the file). */
  model?: string;
  /** The lifecycle of the run (root or child) this environment executes (orchestration/lifecycle.ts). */
  lifecycle?: Lifecycle;
  /** The run tree: root id, budgets, scheduler (orchestration/child-run.ts). */
  tree?: RunTree;
  /** The message bus of this run tree (absent: the process-wide default, orchestration/bus.ts). */
  bus?: MessageBus;
}

export class AgentExecution implements InterpreterHost {
  readonly config: AgentConfig;
  /** Sandbox tier and limits of this agent's tool processes (`with sandbox = ...`, `max_memory_mb`, ...). */
  readonly sandbox: SandboxSpec;
  readonly gate: AgentGate;
  readonly interpreter: Interpreter;

  constructor(readonly env: RunEnv, readonly prog: ProgramIR, readonly agentIR: AgentIR, readonly inputs: Rec) {
    const program = prog;
    const agent = agentIR;
    const shared = sharedAgentConfig(program, agent);
    this.config = env.model && env.model !== shared.model ? { ...shared, model: env.model } : shared;
    this.sandbox = sandboxSpec(this.config, agent.attrs.sandbox_image ?? program.metadata.sandbox_image);
    this.interpreter = new Interpreter(this, agent);
    const rules = [...agent.policies, ...program.policies].flatMap((p) => p.rules.map((rule) => ({ rule, file: program.source })));
    const engine = new PolicyEngine(rules, this.config.approvalMode, (rule, bindings) => {
      const scope = new Scope();
      for (const [k, v] of Object.entries(bindings)) scope.define(k, v);
      return this.interpreter.evalCondition(rule.condition!, scope, program);
    }, program.source);
    this.gate = { name: agent.name, file: program.source, engine, inputs, context: env.context };
  }

  get context(): Rec { return this.env.context; }

  /** Runs the body, or — for an agent without one — a reasoning loop over its inputs. */
  async run(branch: Branch): Promise<Value> {
    if (this.config.cache) this.env.kernel.cache.enableModels(branch.id); // `with cache = true`
    if (this.agentIR.body) return this.interpreter.runBody(this.prog, this.inputs, branch);
    const goal = Object.keys(this.inputs).length
      ? `Inputs:\n${JSON.stringify(toJson(this.inputs), null, 2)}`
      : 'Carry out your task.';
    const defaults = this.loopDefaults(branch);
    const r = await runGoal({
      ...defaults, goal, tools: await this.defaultTools(),
      output: this.agentIR.returns ? { type: this.agentIR.returns, types: this.prog.types } : undefined,
      // The task of an agent without a body is its description: the complexity heuristic reads it too.
      plan: { ...defaults.plan, context: this.config.systemPrompt },
    });
    return fromJson(r.value);
  }

  private loopDefaults(branch: Branch) {
    return {
      kernel: this.env.kernel, gate: this.gate, branch, model: this.config.model, system: this.config.systemPrompt,
      maxIterations: this.config.maxIterations, contextBudget: this.config.contextBudget, maxConcurrentTools: this.config.maxConcurrentTools,
      temperature: this.config.temperature, deadline: this.env.deadline,
      // Planning and reflection (loop/planning.ts): read by runGoal, ignored by a plain reasoningLoop.
      plan: { planning: this.config.planning, reflection: this.config.reflection, agent: this.agentIR.name, root: this.env.kernel.o.root },
    };
  }

  // ---- tools ----

  /** The tool a call names: code of another file sees that file's tools first. */
  findTool(name: string, program: ProgramIR = this.prog): ToolIR | undefined {
    if (program !== this.prog) return program.tools.find((t) => t.name === name) ?? this.agentIR.tools.find((t) => t.name === name);
    return this.agentIR.tools.find((t) => t.name === name) ?? program.tools.find((t) => t.name === name);
  }

  /** Tools offered to the model by default: the agent's own, the file's that its capabilities cover, and the memory built-ins. */
  async defaultTools(): Promise<ResolvedTool[]> {
    const caps = new Set(this.agentIR.capabilities);
    const out: ResolvedTool[] = [];
    for (const t of this.agentIR.tools) out.push(await this.env.resolver.declared(t, this.prog.source, this.sandbox));
    for (const t of this.prog.tools) {
      if (this.agentIR.tools.some((x) => x.name === t.name)) continue;
      const r = await this.env.resolver.declared(t, this.prog.source, this.sandbox);
      if (!t.capability && r.capabilities.length === 0) out.push(r);
      else if (r.capabilities.some((c) => caps.has(c))) out.push(r);
    }
    // The memory built-ins over the file's `memory` blocks, if the capabilities cover them (a declared tool of the same name wins).
    for (const m of memoryModelTools(this.prog, this.agentIR.capabilities, this.env.kernel)) if (!out.some((t) => t.name === m.name)) out.push(m);
    return out;
  }

  private async toolValue(tool: ResolvedTool, args: Rec, call: CallInfo): Promise<Value> {
    const out = await this.env.kernel.tool({ branch: call.branch, gate: this.gate, tool, args: toJson(args) as { [k: string]: Json }, loc: call.loc, fromModel: false });
    if (out.ok) return fromJson(out.value);
    if (out.denied) throw new BatonError('policy-denied', `call to '${tool.name}' denied: ${out.reason}`, { data: { rule: out.rule } });
    throw out.error;
  }

  async tool(name: string, args: Rec, call: CallInfo): Promise<Value> {
    const ir = this.findTool(name, call.program);
    if (!ir) throw new BatonError('runtime', `tool '${name}' is not declared`);
    return this.toolValue(await this.env.resolver.declared(ir, call.program.source, this.sandbox), args, call);
  }

  async mcpTool(server: string, tool: string, args: Rec, call: CallInfo): Promise<Value> {
    return this.toolValue(await this.env.resolver.mcpTool(server, tool, call.program.source), args, call);
  }

  // ---- child agents ----

  async agent(name: string, args: Value[], named: Rec, uri: string | undefined, call: CallInfo): Promise<Value> {
    const program = (uri ? this.env.load(uri) : undefined) ?? call.program;
    const target = program.agents.find((a) => a.name === name);
    if (!target) throw new BatonError('runtime', `agent '${name}' not found`);
    const inputs: Rec = {};
    target.params.forEach((p, i) => { if (i < args.length) inputs[p.name] = args[i]; else if (p.name in named) inputs[p.name] = named[p.name]; });
    const kernel = this.env.kernel;
    const key = call.branch.nextKey();
    const past = kernel.lookup(key)?.child;
    if (past) {
      kernel.replayed(past);
      if (past.ok) return fromJson(past.value ?? null);
      throw new BatonError('agent-error', `agent '${name}' failed: ${past.error}`);
    }
    const admitted = await kernel.admitAgentCall(key, {
      branch: call.branch, gate: this.gate, tool: agentAction(target, program.source), args: toJson(inputs) as { [k: string]: Json }, loc: call.loc, fromModel: false,
    });
    if (admitted?.ok) return fromJson(admitted.value);
    if (admitted && admitted.denied) throw new BatonError('policy-denied', `call to agent '${name}' denied: ${admitted.reason}`, { data: { rule: admitted.rule } });
    const env = this.env;
    return runChild(env, {
      key, name, program, target, inputs, parentBranch: call.branch,
      execute: async (childEnv, branch) => new AgentExecution(childEnv as RunEnv, program, target, await defaultsFor(target, inputs, this)).run(branch),
    }, (o) => ({ ...env, ...o }));
  }

  // ---- models ----

  async llm(name: string, args: Value[], named: Rec, call: CallInfo): Promise<Value> {
    const expected = call.expected ?? schemaArg(named.schema, this.prog);
    const model = typeof named.model === 'string' ? named.model : this.config.model;
    const system = typeof named.system === 'string' ? named.system : typeof named.system_prompt === 'string' ? named.system_prompt : this.config.systemPrompt;
    const output = expected ? { type: expected, types: this.prog.types } : undefined;
    if (name === 'ask') {
      return fromJson(await oneCompletion(this.env.kernel, call.branch, { model, system, prompt: show(args[0] ?? ''), output, temperature: this.config.temperature, loc: call.loc }));
    }
    if (name === 'reason') {
      const tools = Array.isArray(named.tools) ? await this.toolsFrom(named.tools, call) : await this.defaultTools();
      const r = await runGoal({
        ...this.loopDefaults(call.branch), model, system, goal: show(args[0] ?? ''), tools, output, loc: call.loc,
        maxIterations: typeof named.max_iterations === 'number' ? named.max_iterations : this.config.maxIterations,
      });
      return fromJson(r.value);
    }
    if (TEMPLATES.has(name)) return runTemplate(name, this, args, named, call, { model, system, output });
    throw new BatonError('runtime', `unknown model built-in '${name}'`);
  }

  private async toolsFrom(list: Value[], call: CallInfo): Promise<ResolvedTool[]> {
    const out: ResolvedTool[] = [];
    for (const v of list) {
      const name = v instanceof Ref ? v.name : typeof v === 'string' ? v : undefined;
      if (!name) throw new BatonError('runtime', `tools: expects tool names, got ${show(v)}`);
      const ir = this.findTool(name, call.program);
      if (!ir) throw new BatonError('runtime', `tools: '${name}' is not a declared tool`);
      out.push(await this.env.resolver.declared(ir, call.program.source, this.sandbox));
    }
    return out;
  }

  async semantic(name: string, args: Value[], named: Rec, call: CallInfo): Promise<Value> {
    const payload = { ...Object.fromEntries(args.map((a, i) => [`arg${i + 1}`, toJson(a)])), ...(toJson(named) as Record<string, Json>) };
    const goal = `Perform the operation \`${name}\` with these arguments:\n${JSON.stringify(payload, null, 2)}\nUse the tools if they help. Answer with the result only.`;
    const r = await reasoningLoop({
      ...this.loopDefaults(call.branch), goal, tools: await this.defaultTools(), loc: call.loc,
      output: call.expected ? { type: call.expected, types: this.prog.types } : undefined,
    });
    return fromJson(r.value);
  }

  // ---- recorded effects ----

  /** Not async for the effects of memory/ and orchestration/: a waiting `receive()` holds no extra promise level. */
  effect(name: string, args: Value[], named: Rec, call: CallInfo): Promise<Value> {
    if (name === 'now' || name === 'uuid' || name === 'random' || name === 'sleep' || name === 'log') return this.recordedEffect(name, args, call);
    try {
      const ctx: EffectContext = { host: this, kernel: this.env.kernel, env: this.env, call, named };
      return name.startsWith('memory_') ? memoryEffect(name, args, ctx) : messagingEffect(name, args, ctx);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async recordedEffect(name: string, args: Value[], call: CallInfo): Promise<Value> {
    const k = this.env.kernel;
    switch (name) {
      case 'now': return fromJson(await k.record(call.branch, 'now', () => new Date().toISOString(), call.loc));
      case 'uuid': return fromJson(await k.record(call.branch, 'uuid', () => randomUUID(), call.loc));
      case 'random': return fromJson(await k.record(call.branch, 'random', () => Math.random(), call.loc));
      case 'sleep': {
        const ms = typeof args[0] === 'number' ? args[0] : 0;
        // A sleep past the deadline is cut by the run's (or child's) timeout, which aborts the signal;
        // the cap (deadline + 1 s) only guards against a deadline without a timer. Capping at the
        // deadline itself raced the timer: the sleep could end first and the body go on.
        await k.record(call.branch, 'sleep', () => sleep(Math.min(ms, Math.max(0, this.env.deadline + 1000 - Date.now())), call.branch.signal).then(() => ms), call.loc);
        return null;
      }
      case 'log': {
        const message = args.map(show).join(' ');
        await k.record(call.branch, 'log', () => { k.emit({ kind: 'note', message }); return message; }, call.loc);
        return null;
      }
      default: throw new BatonError('runtime', `${name}() is not a recorded effect`, { loc: call.loc, file: call.file });
    }
  }

  program(uri: string): ProgramIR | undefined { return this.env.load(uri); }

  statement(branch: Branch, loc: [number, number, number, number], frames: readonly string[], file: string, scope: Scope): void | Promise<void> {
    return this.env.kernel.statement(branch, loc, frames, file, scope);
  }
}

/** Another agent as the action a policy sees: its name, capability `invoke_agent`, its inputs. */
function agentAction(agent: AgentIR, file: string): ResolvedTool {
  return {
    name: agent.name, capabilities: ['invoke_agent'], params: agent.params.map((p) => p.name), approval: 'policy',
    idempotent: true, sideEffects: false, loc: { file, line: agent.loc[0] }, validate: () => undefined,
    impl: {
      name: agent.name, description: `agent ${agent.name}`, idempotent: true, sideEffects: false,
      parameters: { type: 'object', properties: Object.fromEntries(agent.params.map((p) => [p.name, {}])) },
      execute: () => Promise.reject(new BatonError('runtime', 'an agent call is not executed as a tool')),
    },
  };
}

function schemaArg(v: Value | undefined, program: ProgramIR): TypeIR | undefined {
  if (v instanceof Ref && v.kind === 'type') return program.types[v.name] ?? { t: 'named', name: v.name, args: [] };
  if (typeof v === 'string' && program.types[v]) return program.types[v];
  return undefined;
}

/** Fills parameter defaults of a child agent (evaluated in the callee's file). */
async function defaultsFor(agent: AgentIR, inputs: Rec, host: AgentExecution): Promise<Rec> {
  const out: Rec = { ...inputs };
  for (const p of agent.params) {
    if (p.name in out) continue;
    if (p.default && p.default.k === 'lit') out[p.name] = p.default.value;
    else if (!isOptional(p.type)) throw new BatonError('runtime', `agent '${agent.name}' needs its input '${p.name}'`);
    else out[p.name] = null;
  }
  void host;
  return out;
}

export function isOptional(t: TypeIR | undefined): boolean {
  return !!t && 'optional' in t && t.optional === true;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { reject(new BatonError('cancelled', 'cancelled')); return; }
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(new BatonError('cancelled', 'cancelled')); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
