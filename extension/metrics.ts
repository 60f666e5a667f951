/**
 * Metrics across runs, per agent, from the workspace's `.baton/runs/*.jsonl` (the numbers are
 * computed by metrics-model.ts). `RunMetrics` keeps one digest per journal file, keyed by the
 * file's size and mtime, so only new or grown journals are read again; `byAgent` lists the runs
 * directories at most once per `maxAgeMs` (the run panel asks on every refresh).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readJournal } from '../runtime/journal/reader';
import { aggregate, digestRun, type AgentMetrics, type RunDigest } from './metrics-model';

export class RunMetrics {
  private readonly digests = new Map<string, { stamp: string; digest: RunDigest | undefined }>();
  private last: { at: number; key: string; value: Map<string, AgentMetrics> } | undefined;
  /** Journal files read (parsed) so far — tests check the cache with it. */
  reads = 0;

  constructor(private readonly maxAgeMs = 1000) {}

  /** Per-agent metrics of the runs under `<root>/.baton/runs/` of every root. */
  byAgent(roots: readonly string[], now = Date.now()): Map<string, AgentMetrics> {
    const key = roots.join('\0');
    if (this.last && this.last.key === key && now - this.last.at < this.maxAgeMs) return this.last.value;
    const seen = new Set<string>();
    const all: RunDigest[] = [];
    for (const root of roots) {
      const dir = path.join(root, '.baton', 'runs');
      let names: string[] = [];
      try { names = fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')); } catch { /* no runs yet */ }
      for (const n of names) {
        const file = path.join(dir, n);
        seen.add(file);
        const d = this.digest(file, path.basename(n, '.jsonl'));
        if (d) all.push(d);
      }
    }
    for (const f of [...this.digests.keys()]) if (!seen.has(f)) this.digests.delete(f);
    const value = aggregate(all);
    this.last = { at: now, key, value };
    return value;
  }

  /** Forgets the aggregate (the next `byAgent` lists the directories again; digests stay cached). */
  invalidate(): void { this.last = undefined; }

  private digest(file: string, runId: string): RunDigest | undefined {
    let stamp: string;
    try { const st = fs.statSync(file); stamp = `${st.size}:${st.mtimeMs}`; } catch { return undefined; }
    const hit = this.digests.get(file);
    if (hit && hit.stamp === stamp) return hit.digest;
    let digest: RunDigest | undefined;
    try { this.reads++; digest = digestRun(runId, readJournal(file).records); } catch { digest = undefined; }
    this.digests.set(file, { stamp, digest });
    return digest;
  }
}

/** The extension's one instance. */
export const runMetrics = new RunMetrics();

/** Metrics of `agent` over the workspace folders' runs (undefined: no run yet). */
export function agentMetrics(agent: string): AgentMetrics | undefined {
  return runMetrics.byAgent((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)).get(agent);
}
