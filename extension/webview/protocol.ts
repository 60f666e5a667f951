/**
 * The run webview's message protocol. Extension → webview: the whole digested state of the run
 * (`state`, derived from its journal records by run-model.ts, re-sent on every change, throttled)
 * and streaming text (`delta`). Webview → extension: `ready` once the script runs, and `answer`
 * for a pending approval (one of the six answers of LANGUAGE.md §4).
 */
import type { Json } from '../../runtime/ir/schema';
import type { AgentMetrics } from '../metrics-model';
import type { ApprovalAnswer, RuleRef, Verdict } from '../../runtime/journal/records';

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'denied';

/** A node of the step graph: a plan and its steps, a model call, a tool call, an observation, a child agent. */
export interface StepNode {
  id: string;
  kind: 'plan' | 'plan-step' | 'model' | 'tool' | 'observation' | 'child' | 'body';
  label: string;
  status: StepStatus;
  /** The policy verdict of a tool call. */
  verdict?: Verdict;
  /** Wall time, when known (ToolFinished.ms, or the model call's records' timestamps). */
  ms?: number;
  tokens?: { input: number; output: number };
  detail?: string;
  children: StepNode[];
}

/** One journal record, in a line. */
export interface TimelineEntry {
  seq: number;
  /** Milliseconds since the run started. */
  at: number;
  type: string;
  /** Reasoning, PolicyCheck, ToolDispatching, Observing, Approval, Child, Run. */
  phase: string;
  label: string;
  ms?: number;
  tokens?: number;
}

/** Tokens of one model call. */
export interface TokenPoint { seq: number; at: number; input: number; output: number; total: number }

/** An approval waiting for an answer. */
export interface PendingApprovalView {
  key: string;
  tool: string;
  args: Json;
  reason: string;
  rule: string;
  inDoubt: boolean;
  canAlwaysAllow: boolean;
}

export interface RunViewState {
  runId: string;
  agent: string;
  file: string;
  provider: string;
  model?: string;
  /** `live` while the run is executing (events or a growing journal); `journal` once it ended. */
  source: 'live' | 'journal';
  status: 'running' | 'completed' | 'stopped';
  reason?: string;
  error?: string;
  result?: Json;
  steps: StepNode[];
  timeline: TimelineEntry[];
  tokens: TokenPoint[];
  totals: { input: number; output: number; toolMs: number; modelMs: number };
  /** Cost in USD when a price is known for the model; otherwise absent. */
  cost?: number;
  approvals: PendingApprovalView[];
  /** Set when the journal could not be read (and why). */
  problem?: string;
  /** This agent's history across the workspace's runs (metrics-model.ts); absent before any run. */
  history?: AgentHistoryView;
}

/** The "this agent's history" strip: the agent's figures (metrics-model.ts) plus display text. */
export interface AgentHistoryView extends Pick<AgentMetrics, 'runs' | 'okRate' | 'p50Ms' | 'p95Ms' | 'tokens' | 'toolCalls' | 'denials' | 'approvals' | 'cacheHits'> {
  /** "12 runs · 92% ok · p50 3.1 s". */
  summary: string;
  /** Outcomes of the last finished runs, oldest first. */
  recent: string[];
}

export type ToWebview =
  | { type: 'state'; state: RunViewState }
  | { type: 'delta'; key: string; text: string };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'answer'; key: string; answer: ApprovalAnswer };

export function describeRuleRef(r: RuleRef): string {
  return `${r.verb} in ${r.policy} (${r.file}:${r.line})`;
}

/** Validates a message from the webview (it is untrusted input). */
export function parseFromWebview(m: unknown): FromWebview | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const o = m as Record<string, unknown>;
  if (o.type === 'ready') return { type: 'ready' };
  if (o.type !== 'answer' || typeof o.key !== 'string' || !o.answer || typeof o.answer !== 'object') return undefined;
  const a = o.answer as Record<string, unknown>;
  switch (a.kind) {
    case 'allow_once': case 'allow_run': case 'always_allow':
      return { type: 'answer', key: o.key, answer: { kind: a.kind } };
    case 'deny':
      return { type: 'answer', key: o.key, answer: { kind: 'deny', ...(typeof a.reason === 'string' && a.reason.trim() ? { reason: a.reason.trim() } : {}) } };
    case 'edit':
      if (!a.args || typeof a.args !== 'object' || Array.isArray(a.args)) return undefined;
      return { type: 'answer', key: o.key, answer: { kind: 'edit', args: a.args as { [k: string]: Json } } };
    case 'respond':
      return a.result === undefined ? undefined : { type: 'answer', key: o.key, answer: { kind: 'respond', result: a.result as Json } };
    default: return undefined;
  }
}
