/**
 * Metrics across runs, per agent — the pure part (no `vscode`, unit-tested in
 * test/extension/metrics-model.test.ts). `digestRun` reduces one run's journal records to a few
 * numbers; `aggregate` groups digests by agent: runs, success rate (Completed among finished runs),
 * duration percentiles (p50/p95, nearest rank, finished runs only), tokens, tool calls, denials,
 * approvals and cache hits (`CacheHit` records). `describeMetrics`
 * is the one-line form the Agents view and the run webview show: "12 runs · 92% ok · p50 3.1 s".
 */
import type { JournalRecord } from '../runtime/journal/records';

/** One run, reduced. */
export interface RunDigest {
  runId: string;
  agent: string;
  /** Started.ts in ms since the epoch (0 if unknown). */
  startedAt: number;
  /** Terminated.reason; undefined while running or interrupted. */
  reason?: string;
  /** Wall time from Started to Terminated (finished runs only). */
  ms?: number;
  tokens: number;
  toolCalls: number;
  denials: number;
  approvals: number;
  cacheHits: number;
}

/** One agent's history. */
export interface AgentMetrics {
  agent: string;
  runs: number;
  finished: number;
  completed: number;
  /** completed / finished (0..1); undefined when no run finished. */
  okRate?: number;
  p50Ms?: number;
  p95Ms?: number;
  tokens: number;
  toolCalls: number;
  denials: number;
  approvals: number;
  cacheHits: number;
  /** The most recent run's start (ms since the epoch). */
  lastAt: number;
  /** The reasons of the last (up to 10) finished runs, oldest first (for a sparkline of outcomes). */
  recent: string[];
}

function ms(ts: string): number {
  const t = Date.parse(ts);
  return Number.isFinite(t) ? t : 0;
}

/** One run's numbers; undefined when the records have no Started record. */
export function digestRun(runId: string, records: readonly JournalRecord[]): RunDigest | undefined {
  const started = records.find((r) => r.type === 'Started');
  if (!started || started.type !== 'Started') return undefined;
  const d: RunDigest = { runId, agent: started.agent, startedAt: ms(started.ts), tokens: 0, toolCalls: 0, denials: 0, approvals: 0, cacheHits: 0 };
  let modelTokens = 0;
  const toolKeys = new Set<string>();
  for (const r of records) {
    switch (r.type) {
      case 'ReasoningComplete': modelTokens += r.usage.inputTokens + r.usage.outputTokens; break;
      case 'ToolStarted': toolKeys.add(r.key); break;
      case 'ToolDenied': d.denials++; break;
      case 'ApprovalDecided': d.approvals++; break;
      case 'Terminated':
        d.reason = r.reason;
        d.ms = Math.max(0, ms(r.ts) - d.startedAt);
        d.tokens = r.usage.inputTokens + r.usage.outputTokens;
        break;
      case 'CacheHit': d.cacheHits++; break; // a tool or model call answered from .baton/cache/
      default: break;
    }
  }
  if (d.reason === undefined || d.tokens === 0) d.tokens = Math.max(d.tokens, modelTokens);
  d.toolCalls = toolKeys.size;
  return d;
}

/** Nearest-rank percentile of ascending `sorted` (undefined when empty). */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Digests grouped by agent name (sorted by name). */
export function aggregate(digests: Iterable<RunDigest>): Map<string, AgentMetrics> {
  const groups = new Map<string, RunDigest[]>();
  for (const d of digests) groups.set(d.agent, [...(groups.get(d.agent) ?? []), d]);
  const out = new Map<string, AgentMetrics>();
  for (const agent of [...groups.keys()].sort()) {
    const ds = groups.get(agent)!.sort((a, b) => a.startedAt - b.startedAt || (a.runId < b.runId ? -1 : 1));
    const fin = ds.filter((d) => d.reason !== undefined);
    const durations = fin.map((d) => d.ms ?? 0).sort((a, b) => a - b);
    const completed = fin.filter((d) => d.reason === 'Completed').length;
    const sum = (f: (d: RunDigest) => number) => ds.reduce((n, d) => n + f(d), 0);
    const m: AgentMetrics = {
      agent, runs: ds.length, finished: fin.length, completed,
      tokens: sum((d) => d.tokens), toolCalls: sum((d) => d.toolCalls), denials: sum((d) => d.denials),
      approvals: sum((d) => d.approvals), cacheHits: sum((d) => d.cacheHits),
      lastAt: ds.reduce((t, d) => Math.max(t, d.startedAt), 0),
      recent: fin.slice(-10).map((d) => d.reason!),
    };
    if (fin.length) m.okRate = completed / fin.length;
    const p50 = percentile(durations, 50), p95 = percentile(durations, 95);
    if (p50 !== undefined) m.p50Ms = p50;
    if (p95 !== undefined) m.p95Ms = p95;
    out.set(agent, m);
  }
  return out;
}

/** "3.1 s", "850 ms", "2.0 min". */
export function formatMs(v: number): string {
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(1)} s`;
  return `${(v / 60_000).toFixed(1)} min`;
}

/** "12 runs · 92% ok · p50 3.1 s" (the parts that are known). */
export function describeMetrics(m: AgentMetrics): string {
  const parts = [`${m.runs} run${m.runs === 1 ? '' : 's'}`];
  if (m.okRate !== undefined) parts.push(`${Math.round(m.okRate * 100)}% ok`);
  if (m.p50Ms !== undefined) parts.push(`p50 ${formatMs(m.p50Ms)}`);
  return parts.join(' · ');
}

/** Every figure, one per line (tooltips). */
export function detailMetrics(m: AgentMetrics): string[] {
  return [
    `${m.runs} runs (${m.finished} finished, ${m.completed} completed${m.okRate !== undefined ? `, ${Math.round(m.okRate * 100)}% ok` : ''})`,
    `duration p50 ${m.p50Ms !== undefined ? formatMs(m.p50Ms) : '–'} · p95 ${m.p95Ms !== undefined ? formatMs(m.p95Ms) : '–'}`,
    `tokens ${m.tokens} · tool calls ${m.toolCalls} · denials ${m.denials} · approvals ${m.approvals} · cache hits ${m.cacheHits}`,
  ];
}
