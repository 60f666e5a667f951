/**
 * Shared by the kernel fault-injection tests: a run with every RunRequest option reachable
 * (model timeout, vault, signal), unhandled-rejection tracking, journal file surgery (cut, tear,
 * tamper) and a scan for leftover processes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Json } from '../../../runtime/ir/schema';
import type { JournalRecord } from '../../../runtime/journal/records';
import type { ApprovalProvider } from '../../../runtime/approvals/approval';
import type { InferenceProvider } from '../../../runtime/providers/provider';
import type { RunEvent } from '../../../runtime/kernel/events';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import { ScriptedProvider } from '../../../runtime/providers/scripted';
import { readJournal } from '../../../runtime/journal/reader';
import { journalPathOf, resumeRun, RunOutcome, startRun } from '../../../runtime/run/run';
import { collect, runAgent, RunAgentOptions, tempWorkspace, TestRun } from '../../helpers/run-agent';
import { repoRoot } from '../../helpers/paths';

export const MCP_SERVER = path.join(repoRoot(), 'test/fixtures/mcp/test-server.mjs');
export const CLI = path.join(repoRoot(), 'dist', 'cli.js');

export type RunOptions = RunAgentOptions;


/** Like runAgent (test/helpers/run-agent.ts), with the model timeout reachable. */
const created: string[] = [];

/** Removes the workspaces `run` created (call from an `after` hook). */
export function removeWorkspaces(): void {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export async function run(source: string, o: RunOptions = {}): Promise<TestRun> {
  const r = await runAgent(source, o);
  if (!o.dir) created.push(r.dir);
  return r;
}

export async function resume(dir: string, runId: string, o: Pick<RunOptions, 'provider' | 'approvals' | 'vault'> = {}): Promise<TestRun> {
  const events: RunEvent[] = [];
  const outcome = await resumeRun(runId, {
    root: dir, provider: o.provider ?? new ScriptedProvider([]), providerInfo: { id: 'scripted' },
    approvals: o.approvals ?? new FixedApprovals({ kind: 'deny' }), sink: { emit: (e) => events.push(e) }, home: dir, vault: o.vault, random: () => 0,
  });
  return collect(dir, outcome, events);
}

/** Records every unhandled rejection while a suite runs (mocha would otherwise only warn). */
export function trackUnhandled(): { list: unknown[] } {
  const state = { list: [] as unknown[] };
  const onRejection = (reason: unknown) => { state.list.push(reason); };
  before(() => { process.on('unhandledRejection', onRejection); });
  after(() => { process.off('unhandledRejection', onRejection); removeWorkspaces(); });
  return state;
}

export function journalFile(dir: string, runId: string): string {
  return journalPathOf(dir, runId);
}

export function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

export function writeLines(file: string, ls: string[]): void {
  fs.writeFileSync(file, ls.map((l) => l + '\n').join(''));
}

/** Simulates a crash: keeps the journal's records before the first one matching `pred` (cut there). */
export function cutBefore(file: string, pred: (r: JournalRecord) => boolean): JournalRecord {
  const ls = lines(file);
  const i = ls.findIndex((l) => pred(JSON.parse(l) as JournalRecord));
  if (i < 0) throw new Error('cutBefore: no such record');
  writeLines(file, ls.slice(0, i));
  return JSON.parse(ls[i]) as JournalRecord;
}

/** Pids of running processes whose environment contains `marker` (Linux /proc). */
export function processesWithMarker(marker: string): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try { entries = fs.readdirSync('/proc'); } catch { return out; }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${e}/environ`, 'utf8');
      if (env.includes(marker)) {
        const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
        if (/\) Z /.test(stat)) continue; // a zombie is gone already
        out.push(Number(e));
      }
    } catch { /* gone or not ours */ }
  }
  return out;
}

export function mcpBlock(name: string, env: Record<string, string> = {}): string {
  const envLines = Object.entries(env).map(([k, v]) => `        ${k} "${v}"`).join('\n');
  return `mcp ${name} {
    command "${process.execPath}"
    args ["${MCP_SERVER}"]
    env {
${envLines}
    }
}`;
}
