/**
 * Messages and the policy gate. A message is an action: tool = the built-in's name (`send`,
 * `publish`, `request`, `reply`, `broadcast`), capability `messaging`, arguments `{to|topic,
 * message}`. It goes through the kernel's gate (PolicyEvaluated, approvals, ToolDenied, audit) only
 * when a rule matches it — the agent's and the file's policies plus the policies of the `channel`
 * of its address — or the channel says `default_deny: true` (then unmatched messages are denied).
 * With no matching rule it is allowed: messages stay inside the process.
 */
import type { Json, PolicyIR, ProgramIR } from '../ir/schema';
import type { AgentGate } from '../kernel/kernel';
import type { ResolvedTool } from '../kernel/tool-gate';
import type { EffectContext } from '../run/effect-context';
import type { AgentExecution } from '../run/agent-host';
import type { Channel } from './channels';
import { BatonError } from '../errors';
import { Scope } from '../interp/scope';
import { fromJson } from '../interp/values';
import { matchesAction, PolicyEngine } from '../policy/engine';

const gates = new WeakMap<AgentExecution, Map<string, { gate: AgentGate; policies: PolicyIR[] }>>();

function gateFor(host: AgentExecution, program: ProgramIR, ch: Channel | undefined): { gate: AgentGate; policies: PolicyIR[] } {
  let m = gates.get(host);
  if (!m) { m = new Map(); gates.set(host, m); }
  const id = ch ? `channel:${ch.name}` : '';
  let g = m.get(id);
  if (g) return g;
  const policies = [...host.agentIR.policies, ...host.prog.policies, ...(ch?.ir.policies ?? [])];
  const rules = policies.flatMap((p) => p.rules.map((rule) => ({ rule, file: program.source })));
  const engine = new PolicyEngine(rules, ch?.defaultDeny ? 'strict' : host.config.approvalMode, (rule, bindings) => {
    const scope = new Scope();
    for (const [k, v] of Object.entries(bindings)) scope.define(k, v);
    return host.interpreter.evalCondition(rule.condition!, scope, program);
  }, program.source);
  g = { gate: { ...host.gate, engine }, policies };
  m.set(id, g);
  return g;
}

function messageAction(name: string, params: string[], file: string, line: number): ResolvedTool {
  return {
    name, capabilities: ['messaging'], params, approval: 'policy', idempotent: true, sideEffects: false, loc: { file, line }, validate: () => undefined,
    impl: {
      name, description: `message built-in ${name}`, idempotent: true, sideEffects: false,
      parameters: { type: 'object', properties: Object.fromEntries(params.map((p) => [p, {}])) },
      execute: () => Promise.reject(new BatonError('runtime', 'a message is not executed as a tool')),
    },
  };
}

/**
 * Undefined: go ahead. `{ respond }`: a human answered with a value instead (nothing is sent).
 * Throws `policy-denied` (journaled by the kernel as ToolDenied) naming the message and the rule.
 */
export async function gateMessage(ctx: EffectContext, key: string, name: string, args: { [k: string]: Json }, params: string[], target: string, ch: Channel | undefined): Promise<{ respond: Json } | undefined> {
  const { gate, policies } = gateFor(ctx.host, ctx.call.program, ch);
  const action = { tool: name, capabilities: ['messaging'], args: fromJson(args) as never, params, approval: 'policy' as const };
  const matched = policies.some((p) => p.rules.some((r) => r.form !== 'settings' && matchesAction(r, action)));
  if (!matched && !ch?.defaultDeny && !ctx.kernel.lookup(key)?.denied) return undefined;
  const out = await ctx.kernel.admitAgentCall(key, {
    branch: ctx.call.branch, gate, tool: messageAction(name, params, ctx.call.program.source, ctx.call.loc[0]), args, loc: ctx.call.loc, fromModel: false,
  });
  if (!out) return undefined;
  if (out.ok) return { respond: out.value };
  if (out.denied) throw new BatonError('policy-denied', `${name}() to '${target}' denied: ${out.reason}`, { data: { rule: out.rule }, loc: ctx.call.loc, file: ctx.call.file });
  throw out.error;
}
