/**
 * What an effect built-in implemented outside `agent-host.ts` (messaging in `orchestration/`,
 * memory in `memory/`) gets: the agent executing, its kernel and run environment, and the call.
 * Every such effect still goes through the kernel (journal lookup first, journaled result).
 */
import type { Kernel } from '../kernel/kernel';
import type { CallInfo } from '../interp/host';
import type { Rec } from '../interp/values';
import type { AgentExecution, RunEnv } from './agent-host';

export interface EffectContext {
  host: AgentExecution;
  kernel: Kernel;
  env: RunEnv;
  call: CallInfo;
  /** Named arguments of the call (`receive(timeout: 5s)`). */
  named: Rec;
}
