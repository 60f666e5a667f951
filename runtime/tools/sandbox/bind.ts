/**
 * Binds an agent's SandboxSpec to a tool: every call of the tool gets the spec in its ToolContext
 * (command tools and `process.run` start their process under it; other tools ignore it). The run's
 * own `timeout` needs nothing here: when it passes, the run is cancelled, which kills the process.
 */
import type { ToolImpl } from '../tool';
import type { SandboxSpec } from './spec';

export function withSandbox(impl: ToolImpl, spec: SandboxSpec): ToolImpl {
  return { ...impl, execute: (args, ctx) => impl.execute(args, { ...ctx, sandbox: spec }) };
}
