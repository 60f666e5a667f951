/**
 * Runs an agent in-process for tests: a temporary workspace with the source as `agent.baton`,
 * a private key home, any provider (usually ScriptedProvider or a fake HTTP server through
 * OpenAIProvider), a FixedApprovals or custom approval provider, and a file journal.
 * Returns the outcome plus the journal's records, read back from disk.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Json } from '../../runtime/ir/schema';
import type { JournalRecord } from '../../runtime/journal/records';
import type { ApprovalProvider } from '../../runtime/approvals/approval';
import type { InferenceProvider } from '../../runtime/providers/provider';
import type { EventSink, PauseHook, RunEvent } from '../../runtime/kernel/events';
import { FixedApprovals } from '../../runtime/approvals/approval';
import { ScriptedProvider } from '../../runtime/providers/scripted';
import { readJournal } from '../../runtime/journal/reader';
import { RunOutcome, startRun, resumeRun, replayRun, forkRun, journalPathOf } from '../../runtime/run/run';

export interface TestRun extends RunOutcome {
  dir: string;
  records: JournalRecord[];
  events: RunEvent[];
  /** Records of one type. */
  of<T extends JournalRecord['type']>(type: T): Array<Extract<JournalRecord, { type: T }>>;
}

export interface RunAgentOptions {
  agent?: string;
  inputs?: Record<string, Json>;
  provider?: InferenceProvider;
  approvals?: ApprovalProvider;
  /** Extra files of the workspace (relative path → content). */
  files?: Record<string, string>;
  dir?: string;
  pause?: PauseHook;
  signal?: AbortSignal;
  vault?: (ref: string) => string | undefined;
  modelTimeoutMs?: number;
}

export function tempWorkspace(files: Record<string, string> = {}): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-run-')));
  for (const [p, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), c);
  }
  return dir;
}

export function collect(dir: string, outcome: RunOutcome, events: RunEvent[]): TestRun {
  const file = outcome.journalPath ?? journalPathOf(dir, outcome.runId);
  const records = fs.existsSync(file) ? readJournal(file).records : [];
  return { ...outcome, dir, records, events, of: (type) => records.filter((r) => r.type === type) as never };
}

function sinkInto(events: RunEvent[]): EventSink { return { emit: (e) => events.push(e) }; }

export async function runAgent(source: string, o: RunAgentOptions = {}): Promise<TestRun> {
  const dir = o.dir ?? tempWorkspace(o.files);
  if (o.dir && o.files) for (const [p, c] of Object.entries(o.files)) { fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true }); fs.writeFileSync(path.join(dir, p), c); }
  fs.writeFileSync(path.join(dir, 'agent.baton'), source);
  const events: RunEvent[] = [];
  const outcome = await startRun({
    root: dir, file: path.join(dir, 'agent.baton'), agent: o.agent, inputs: o.inputs ?? {},
    provider: o.provider ?? new ScriptedProvider([]), providerInfo: { id: o.provider?.id ?? 'scripted' },
    approvals: o.approvals ?? new FixedApprovals({ kind: 'deny', reason: 'no approvals in this test' }),
    sink: sinkInto(events), pause: o.pause, signal: o.signal, home: dir, vault: o.vault, random: () => 0,
    ...(o.modelTimeoutMs !== undefined ? { modelTimeoutMs: o.modelTimeoutMs } : {}),
  });
  return collect(dir, outcome, events);
}

export async function resumeAgent(dir: string, runId: string, o: Pick<RunAgentOptions, 'provider' | 'approvals'> = {}): Promise<TestRun> {
  const events: RunEvent[] = [];
  const outcome = await resumeRun(runId, {
    root: dir, provider: o.provider ?? new ScriptedProvider([]), providerInfo: { id: 'scripted' },
    approvals: o.approvals ?? new FixedApprovals({ kind: 'deny' }), sink: sinkInto(events), home: dir, random: () => 0,
  });
  return collect(dir, outcome, events);
}

export async function replayAgent(dir: string, runId: string): Promise<TestRun> {
  const events: RunEvent[] = [];
  const provider: InferenceProvider = { id: 'none', complete: () => Promise.reject(new Error('replay must not call the model')) };
  const outcome = await replayRun(runId, {
    root: dir, provider, providerInfo: { id: 'none' }, approvals: new FixedApprovals({ kind: 'deny' }), sink: sinkInto(events), home: dir, journal: 'memory',
  });
  return { ...outcome, dir, records: [], events, of: () => [] as never };
}

export async function forkAgent(dir: string, runId: string, at: number, inputs: Record<string, Json>, o: Pick<RunAgentOptions, 'provider' | 'approvals'> = {}): Promise<TestRun> {
  const events: RunEvent[] = [];
  const outcome = await forkRun(runId, at, inputs, {
    root: dir, provider: o.provider ?? new ScriptedProvider([]), providerInfo: { id: 'scripted' },
    approvals: o.approvals ?? new FixedApprovals({ kind: 'deny' }), sink: sinkInto(events), home: dir, random: () => 0,
  });
  return collect(dir, outcome, events);
}

/**
 * `runAgent` for a test file that wants its temporary workspaces removed: call once at module
 * level; the workspaces it created are deleted after the file's tests.
 */
export function cleanedRunAgent(): (source: string, o?: RunAgentOptions) => Promise<TestRun> {
  const workspaces: string[] = [];
  after(() => { for (const d of workspaces.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
  return async (source, o = {}) => {
    const r = await runAgent(source, o);
    if (!o.dir && !workspaces.includes(r.dir)) workspaces.push(r.dir);
    return r;
  };
}
