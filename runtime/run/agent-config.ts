/**
 * The settings an agent runs with: defaults of RUNTIME.md, overridden by `metadata { }`, then by the
 * agent's `with` attributes, then by command-line flags (provider, model, base URL).
 */
import type { AgentIR, Json, ProgramIR } from '../ir/schema';
import { parseDuration } from '../kernel/tool-gate';

export interface AgentConfig {
  model: string;
  provider?: string;
  baseUrl?: string;
  /** A `vault://` reference for the provider key, if the file names one. */
  apiKeyRef?: string;
  systemPrompt: string;
  maxIterations: number;
  maxTokens: number;
  timeoutMs: number;
  toolTimeoutMs: number;
  contextBudget: number;
  maxConcurrentTools: number;
  approvalMode: 'ask' | 'strict';
  temperature?: number;
  planning: string;
  reflection: boolean;
  retries: number;
  /** `with cache = true`: repeated identical model calls are answered from `.baton/cache/`. */
  cache: boolean;
  /** `with sandbox = "..."`: the tier command tools run in (`process` unless set). */
  sandbox?: string;
  /** Resource limits of tool processes (`with max_memory_mb`, `max_cpu_cores`). */
  maxMemoryMb?: number;
  maxCpuCores?: number;
  /** `with network = true|false` for sandboxed tool processes. */
  network?: boolean;
  /** `with memory = "ephemeral" | "persistent" | "shared"`. */
  memory?: string;
  /** Scheduling priority (higher runs first; default 0). */
  priority: number;
}

export const DEFAULTS = {
  maxIterations: 25, maxTokens: 100_000, timeoutMs: 300_000, toolTimeoutMs: 30_000, contextBudget: 32_000, maxConcurrentTools: 5, retries: 3,
};

/**
 * The config of an agent of a compiled program, computed once and shared by all its runs (treat it as
 * read-only; a run with another model copies it). 100,000 runs of one program hold one.
 */
const configs = new WeakMap<AgentIR, { program: ProgramIR; config: AgentConfig }>();
export function sharedAgentConfig(program: ProgramIR, agent: AgentIR): AgentConfig {
  const hit = configs.get(agent);
  if (hit && hit.program === program) return hit.config;
  const config = Object.freeze(agentConfig(program, agent)) as AgentConfig;
  configs.set(agent, { program, config });
  return config;
}

export function agentConfig(program: ProgramIR, agent: AgentIR): AgentConfig {
  const s: Record<string, unknown> = { ...program.metadata, ...agent.attrs };
  const str = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : undefined);
  const num = (k: string) => (typeof s[k] === 'number' && Number.isFinite(s[k]) ? (s[k] as number) : undefined);
  const dur = (k: string) => parseDuration(s[k] as Json | undefined);
  const apiKey = s.api_key;
  const apiKeyRef = typeof apiKey === 'string' && apiKey.startsWith('vault://') ? apiKey.slice(8)
    : apiKey && typeof apiKey === 'object' && '$vault' in apiKey ? String((apiKey as { $vault: string }).$vault) : undefined;
  return {
    model: str('model') ?? 'gpt-4o-mini',
    provider: str('provider'),
    baseUrl: str('base_url'),
    apiKeyRef,
    systemPrompt: str('system_prompt') ?? str('description') ?? `You are ${agent.name}, an agent. Use the tools you are given when they help, and answer concisely.`,
    maxIterations: num('max_iterations') ?? DEFAULTS.maxIterations,
    maxTokens: num('max_tokens') ?? DEFAULTS.maxTokens,
    timeoutMs: dur('timeout') ?? DEFAULTS.timeoutMs,
    toolTimeoutMs: dur('tool_timeout') ?? DEFAULTS.toolTimeoutMs,
    contextBudget: num('context_budget') ?? DEFAULTS.contextBudget,
    maxConcurrentTools: num('max_concurrent_tools') ?? DEFAULTS.maxConcurrentTools,
    approvalMode: str('approval_mode') === 'strict' ? 'strict' : 'ask',
    temperature: num('temperature'),
    planning: str('planning') ?? 'simple',
    reflection: s.reflection === true,
    retries: num('retries') ?? DEFAULTS.retries,
    cache: s.cache === true,
    sandbox: str('sandbox'),
    maxMemoryMb: num('max_memory_mb'),
    maxCpuCores: num('max_cpu_cores'),
    network: typeof s.network === 'boolean' ? s.network : undefined,
    memory: str('memory'),
    priority: num('priority') ?? 0,
  };
}
