/**
 * `baton serve`: loads the workspace's agent files, runs their `schedule` blocks on time through
 * the scheduler, and keeps `.baton/serve/status.json` (pid, schedules, runs with their state,
 * priority, start time and budget used) for `baton ps`.
 *
 *     schedule nightly { cron = "0 2 * * *"  agent = "reporter"  timezone = "UTC"  priority = 2 }
 *
 * Settings: `cron` (required; see cron.ts), `agent` (optional when the file has one agent),
 * `inputs` (a record), `timezone` ("UTC", else local time), `priority`, `one_shot` (fire once),
 * `enabled` (false: skip). Symbiont's `key: value` and Baton's `key = value` both work.
 *
 * Shutdown (`stop()`): no more firings; running runs are cancelled and journaled as Cancelled
 * without a Terminated record, so `baton resume RUN_ID` finishes them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Json, NamedSettingsIR } from '../ir/schema';
import type { ApprovalProvider } from '../approvals/approval';
import type { InferenceProvider } from '../providers/provider';
import type { EventSink } from '../kernel/events';
import type { LoadedProgram } from '../run/load';
import { BatonError, asBatonError } from '../errors';
import { loadProgram } from '../run/load';
import { RunOutcome, startRun } from '../run/run';
import { CronSchedule, nextRun, parseCron } from './cron';
import { DefaultScheduler, RunStatus, Scheduler } from './scheduler';
import { shutdownReason } from './run-tree';

export interface ServeOptions {
  root: string;
  scheduler?: Scheduler;
  /** The model provider for runs of `file` (created lazily by the caller). */
  provider(file: string): { provider: InferenceProvider; info: { id: string; model?: string; baseUrl?: string }; secrets?: string[] };
  approvals: ApprovalProvider;
  log?: (line: string) => void;
  sink?: (runId: string) => EventSink | undefined;
  home?: string;
  now?: () => Date;
  /** How often the status file is rewritten (default 500 ms). */
  statusEveryMs?: number;
}

export interface ScheduleEntry {
  name: string;
  file: string;
  agent?: string;
  cron: string;
  utc: boolean;
  priority?: number;
  inputs: Record<string, Json>;
  oneShot: boolean;
  next?: string;
  fired: number;
}

export interface ServeStatus {
  pid: number;
  root: string;
  started: string;
  updated: string;
  schedules: Array<Omit<ScheduleEntry, 'inputs' | 'utc' | 'oneShot'>>;
  runs: RunStatus[];
  finished: Array<{ id: string; agent: string; schedule: string; reason: string; ended: string }>;
}

export function statusFile(root: string): string { return path.join(root, '.baton', 'serve', 'status.json'); }

const SKIP_DIRS = new Set(['.baton', '.git', '.vscode', 'node_modules', 'out', 'dist']);

/** Agent files of the workspace (.baton, .symbi), skipping runtime state and build output. */
export function agentFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[] = [];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (e.isDirectory()) { if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.') && depth < 8) walk(path.join(dir, e.name), depth + 1); }
      else if (/\.(baton|symbi)$/.test(e.name)) out.push(path.join(dir, e.name));
    }
  };
  walk(root, 0);
  return out.sort();
}

/** The schedules of one compiled file; a bad `schedule` block is an error naming it. */
export function schedulesOf(file: string, rel: string, program: LoadedProgram['program']): ScheduleEntry[] {
  return program.schedules.map((s) => scheduleEntry(file, rel, s, program.agents.map((a) => a.name)));
}

function scheduleEntry(file: string, rel: string, s: NamedSettingsIR, agents: string[]): ScheduleEntry {
  const at = `${rel}:${s.loc[0]}: schedule ${s.name}`;
  const v = s.settings;
  const cron = v.cron ?? v.schedule ?? v.expression;
  if (typeof cron !== 'string') throw new BatonError('usage', `${at}: needs cron = "<expression>" (e.g. "0 9 * * 1-5" or "@hourly")`);
  try { parseCron(cron); } catch (e) { throw new BatonError('usage', `${at}: ${asBatonError(e).message}`); }
  const agent = typeof v.agent === 'string' ? v.agent : agents.length === 1 ? agents[0] : undefined;
  if (!agent) throw new BatonError('usage', `${at}: name the agent to run (agent = "..."): the file declares ${agents.length ? agents.join(', ') : 'no agent'}`);
  if (!agents.includes(agent)) throw new BatonError('usage', `${at}: no agent '${agent}' in ${rel}`);
  const inputs = v.inputs ?? v.input;
  const tz = typeof v.timezone === 'string' ? v.timezone : 'local';
  return {
    name: s.name, file, agent, cron, utc: /^(utc|gmt|z|etc\/utc)$/i.test(tz),
    ...(typeof v.priority === 'number' ? { priority: v.priority } : {}),
    inputs: inputs && typeof inputs === 'object' && !Array.isArray(inputs) ? inputs as Record<string, Json> : {},
    oneShot: v.one_shot === true || v.once === true, fired: 0,
  };
}

export class Server {
  readonly scheduler: Scheduler;
  private readonly schedules: Array<ScheduleEntry & { parsed: CronSchedule; timer?: NodeJS.Timeout }> = [];
  private readonly live = new Map<string, { ac: AbortController; done?: Promise<RunOutcome | undefined> }>();
  private readonly finished: ServeStatus['finished'] = [];
  private readonly programs = new Map<string, LoadedProgram>();
  private statusTimer?: NodeJS.Timeout;
  private stopping = false;
  private readonly startedAt = new Date().toISOString();

  constructor(private readonly o: ServeOptions) {
    this.scheduler = o.scheduler ?? new DefaultScheduler();
  }

  private log(s: string): void { this.o.log?.(s); }
  private now(): Date { return this.o.now?.() ?? new Date(); }

  /** Loads the schedules of every agent file. Files with errors are reported and skipped. */
  load(): ScheduleEntry[] {
    for (const file of agentFiles(this.o.root)) {
      const rel = path.relative(this.o.root, file).split(path.sep).join('/');
      let text: string;
      try { text = fs.readFileSync(file, 'utf8'); } catch { continue; }
      if (!/\bschedule\b/.test(text)) continue;
      try {
        const loaded = loadProgram(file, text, rel);
        for (const s of schedulesOf(file, rel, loaded.program)) this.schedules.push({ ...s, parsed: parseCron(s.cron) });
      } catch (e) {
        this.log(`serve: skipping ${rel}: ${asBatonError(e).message}`);
      }
    }
    return this.schedules;
  }

  start(): void {
    for (const s of this.schedules) this.arm(s);
    this.writeStatus();
    this.statusTimer = setInterval(() => this.writeStatus(), this.o.statusEveryMs ?? 500);
    this.statusTimer.unref?.();
  }

  private arm(s: (typeof this.schedules)[number]): void {
    if (this.stopping) return;
    const next = nextRun(s.parsed, this.now(), s.utc);
    s.next = next?.toISOString();
    if (!next) { this.log(`serve: schedule ${s.name} (${s.cron}) has no next time`); return; }
    const wait = Math.max(0, next.getTime() - this.now().getTime());
    s.timer = setTimeout(() => {
      if (wait > 2 ** 31 - 1) { this.arm(s); return; }
      s.fired++;
      void this.fire(s, next);
      if (!s.oneShot) this.arm(s); else s.next = undefined;
    }, Math.min(wait, 2 ** 31 - 1));
  }

  /** Starts one run of a schedule through the scheduler. */
  async fire(s: ScheduleEntry, at: Date): Promise<RunOutcome | undefined> {
    const ac = new AbortController();
    const rel = path.relative(this.o.root, s.file).split(path.sep).join('/');
    const { provider, info, secrets } = this.o.provider(s.file);
    let runId = '';
    const entry: { ac: AbortController; done?: Promise<RunOutcome | undefined> } = { ac };
    const done = startRun({
      root: this.o.root, file: s.file, agent: s.agent, inputs: s.inputs, provider, providerInfo: info, secrets,
      approvals: this.o.approvals, signal: ac.signal, home: this.o.home, scheduler: this.scheduler, programCache: this.programs,
      ...(s.priority !== undefined ? { priority: s.priority } : {}), trigger: { schedule: s.name, cron: s.cron, at: at.toISOString() },
      modelTimeoutMs: 120_000, sink: this.o.sink?.(s.name),
      onStart: (id) => { runId = id; this.live.set(id, entry); this.log(`serve: ${s.name} → run ${id} (${rel}, agent ${s.agent})`); },
    }).then((out) => {
      this.finished.unshift({ id: out.runId, agent: s.agent ?? '', schedule: s.name, reason: out.exitCode === 130 && this.stopping ? 'Cancelled (resumable)' : out.reason, ended: new Date().toISOString() });
      this.finished.length = Math.min(this.finished.length, 50);
      this.log(`serve: run ${out.runId} ended: ${out.reason}${out.error ? ` (${out.error.message})` : ''}`);
      return out;
    }, (e) => { this.log(`serve: ${s.name}: ${asBatonError(e).message}`); return undefined; })
      .finally(() => { this.live.delete(runId); this.writeStatus(); });
    entry.done = done;
    return done;
  }

  status(): ServeStatus {
    return {
      pid: process.pid, root: this.o.root, started: this.startedAt, updated: new Date().toISOString(),
      schedules: this.schedules.map(({ name, file, agent, cron, next, fired, priority }) => ({ name, file: path.relative(this.o.root, file).split(path.sep).join('/'), agent, cron, next, fired, ...(priority !== undefined ? { priority } : {}) })),
      runs: this.scheduler.list(), finished: this.finished,
    };
  }

  writeStatus(): void {
    const file = statusFile(this.o.root);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(this.status(), null, 2));
      fs.renameSync(tmp, file);
    } catch (e) { this.log(`serve: cannot write ${file}: ${(e as Error).message}`); }
  }

  /** Stops firing, cancels running runs (journaled Cancelled, resumable), waits for them, removes the status file. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const s of this.schedules) clearTimeout(s.timer);
    clearInterval(this.statusTimer);
    const running = [...this.live.values()];
    for (const r of running) r.ac.abort(shutdownReason());
    await Promise.all(running.map((r) => r.done?.catch(() => undefined)));
    fs.rmSync(statusFile(this.o.root), { force: true });
  }
}
