/**
 * `baton ps [--json] [--root DIR]`: the runs of a workspace. With a live `baton serve`, its status
 * file (`.baton/serve/status.json`): each run's id, agent, lifecycle state, priority, start and
 * budget used, plus the schedules and their next times. Without one, the journals under
 * `.baton/runs/`: finished (how), running (another process holds the journal) or interrupted
 * (resumable with `baton resume RUN_ID`).
 */
import * as fs from 'node:fs';
import type { ServeStatus } from '../orchestration/serve';
import { statusFile } from '../orchestration/serve';
import { listRuns } from '../journal/reader';

export interface PsRow {
  id: string;
  agent: string;
  state: string;
  priority?: number;
  started?: string;
  budget?: { tokens: number; toolCalls: number; elapsedMs?: number };
  parent?: string;
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** The live serve process's status, or undefined (none, or a stale file from a process that died). */
export function readServeStatus(root: string): ServeStatus | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(statusFile(root), 'utf8')) as ServeStatus;
    return typeof s.pid === 'number' && pidAlive(s.pid) ? s : undefined;
  } catch { return undefined; }
}

/** Runs from the journals (no serve process). */
export function journalRows(root: string): PsRow[] {
  return listRuns(root).reverse().map((r) => {
    const agent = r.started?.agent ?? '?';
    if (r.terminated) return { id: r.runId, agent, state: `finished: ${r.terminated.reason}`, started: r.started?.ts, budget: { tokens: r.terminated.usage.inputTokens + r.terminated.usage.outputTokens, toolCalls: 0 } };
    let holder: number | undefined;
    try { holder = Number(fs.readFileSync(`${r.path}.lock`, 'utf8')); } catch { /* no lock */ }
    const state = holder && holder !== process.pid && pidAlive(holder) ? `running (pid ${holder})` : 'interrupted (resumable)';
    return { id: r.runId, agent, state, started: r.started?.ts };
  });
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

export function runPs(root: string, json: boolean, out: (s: string) => void): number {
  const serve = readServeStatus(root);
  const rows: PsRow[] = serve
    ? serve.runs.map((r) => ({ id: r.id, agent: r.agent, state: r.why ? `${r.state} (${r.why})` : r.state, priority: r.priority, started: r.started, budget: r.budget, ...(r.parent ? { parent: r.parent } : {}) }))
    : journalRows(root);
  if (json) {
    out(JSON.stringify(serve ? { serve: { pid: serve.pid, started: serve.started, schedules: serve.schedules, finished: serve.finished }, runs: rows } : { serve: null, runs: rows }, null, 2));
    return 0;
  }
  if (serve) {
    out(`baton serve: pid ${serve.pid}, since ${serve.started}`);
    for (const s of serve.schedules) out(`  schedule ${s.name} (${s.cron}) → ${s.agent} in ${s.file}; next ${s.next ?? '—'}; fired ${s.fired}`);
  } else out('no baton serve running; runs from .baton/runs/');
  if (!rows.length) { out('no runs'); return 0; }
  const budget = (b: PsRow['budget']) => (b ? `${b.tokens} tok, ${b.toolCalls} tools${b.elapsedMs !== undefined ? `, ${(b.elapsedMs / 1000).toFixed(1)} s` : ''}` : '');
  out(table([['RUN', 'AGENT', 'STATE', 'PRIORITY', 'STARTED', 'BUDGET USED'],
    ...rows.map((r) => [r.id, r.agent, r.state, r.priority === undefined ? '' : String(r.priority), r.started ?? '', budget(r.budget)])]));
  return 0;
}
