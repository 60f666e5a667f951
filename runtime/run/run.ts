/**
 * Runs: start, resume, replay and fork — the same execution with a different journal source.
 *
 * - start: a new run id and journal; everything live.
 * - resume: the run's own journal answers every effect it recorded; the rest goes live, appended
 *   to the same journal (the torn tail of a crash is cut first). In-doubt effects: see kernel.
 * - replay: the journal answers everything, offline; nothing is written; reaching an effect the
 *   journal does not have is an error.
 * - fork: a new run whose journal source is the old run's records before `--at SEQ`; changed inputs
 *   are allowed; the first effect that differs, or the first past SEQ, goes live.
 * The source text is stored in the Started record, so none of these depends on the file on disk.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Json } from '../ir/schema';
import type { JournalRecord, JournalWriter, TerminationReason, Usage } from '../journal/records';
import type { ApprovalProvider } from '../approvals/approval';
import type { InferenceProvider } from '../providers/provider';
import type { EventSink, PauseHook } from '../kernel/events';
import { BatonError, asBatonError } from '../errors';
import { ApprovalStore } from '../approvals/store';
import { Kernel } from '../kernel/kernel';
import { ReplayIndex } from '../kernel/replay-index';
import { NULL_SINK } from '../kernel/events';
import { FileJournal, MemoryJournal } from '../journal/writer';
import { readJournal } from '../journal/reader';
import { keysDir, LocalKey, loadOrCreateKey as loadKeyFile } from '../journal/keys';
import { McpManager } from '../tools/mcp';
import { Branch } from '../interp/host';
import { ErrorValue, fromJson, Rec, toJson, Value } from '../interp/values';
import { AgentExecution } from './agent-host';
import { sharedAgentConfig } from './agent-config';
import { coerceInputs, loadProgram, pickAgent } from './load';
import { ToolResolver } from './tool-resolver';
import type { MessageBus } from '../orchestration/bus';
import { releaseMessaging } from '../orchestration/message-state';
import type { LoadedProgram } from './load';
import type { Scheduler } from '../orchestration/scheduler';
import type { LifecycleState } from '../journal/records-orchestration';
import { isShutdown, lastState, rootOrchestration } from '../orchestration/run-tree';
import { maxToolCalls } from '../orchestration/child-run';

export interface RunRequest {
  /** Workspace root: file tools are confined to it; journals live in `<root>/.baton/runs/`. */
  root: string;
  /** The agent file (absolute, or relative to the current directory). */
  file: string;
  agent?: string;
  inputs: Record<string, Json>;
  provider: InferenceProvider;
  /** What the Started record says about the provider (never a key). */
  providerInfo: { id: string; model?: string; baseUrl?: string };
  approvals: ApprovalProvider;
  sink?: EventSink;
  pause?: PauseHook;
  signal?: AbortSignal;
  /** `memory`: no file, no fsync (tests, benchmarks, the debugger's offline replays). */
  journal?: 'file' | 'memory';
  /** Where the signing key lives (default: the user's home). */
  home?: string;
  /** Values never written to the journal (provider API keys; OPENAI_API_KEY and ANTHROPIC_API_KEY are added). */
  secrets?: string[];
  /** Resolves `vault://` references (MCP env, command tool env); values are registered as secrets. */
  vault?: (ref: string) => string | undefined;
  /** Time limit of one model request (default: the provider's own, e.g. OpenAIProvider's `timeoutMs`). */
  modelTimeoutMs?: number;
  /** Jitter source for retries (tests make it deterministic). */
  random?: () => number;
  /** Called with the run id before anything runs (the CLI prints it first). */
  onStart?: (runId: string) => void;
  /** Runs (and child runs) wait for a slot of this scheduler (orchestration/scheduler.ts); none: no limit. */
  scheduler?: Scheduler;
  /** Overrides the agent's `with priority = n`. */
  priority?: number;
  /** Compiled programs shared between runs of the same file text (`baton serve`, benchmarks). */
  programCache?: Map<string, LoadedProgram>;
  /** Journaled after Started: the schedule that started this run. */
  trigger?: { schedule: string; cron: string; at: string };
  /** Extra run context (`context.user`, ...) that policy conditions and bodies see; run_id, agent and mode stay the runtime's. */
  context?: Record<string, Json>;
  /** The message bus of this run tree (absent: the process-wide default, orchestration/bus.ts). */
  bus?: MessageBus;
}

export interface RunOutcome {
  runId: string;
  reason: TerminationReason;
  result?: Json;
  error?: BatonError;
  usage: Usage;
  journalPath?: string;
  journal: JournalWriter;
  exitCode: number;
  /** Effects answered from the result cache (`.baton/cache/`) by this execution. */
  cacheHits?: number;
}

export const EXIT_CODES: Record<TerminationReason, number> = {
  Completed: 0, Error: 1, PolicyDenial: 3, MaxIterations: 4, MaxTokens: 4, Timeout: 4, Cancelled: 130,
};

export function runsDir(root: string): string { return path.join(root, '.baton', 'runs'); }

export function newRunId(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${crypto.randomBytes(3).toString('hex')}`;
}

export function journalPathOf(root: string, runId: string): string {
  if (!/^[\w.-]+$/.test(runId)) throw new BatonError('usage', `'${runId}' is not a run id`);
  return path.join(runsDir(root), `${runId}.jsonl`);
}

type Mode = 'live' | 'resume' | 'replay' | 'fork';

interface Plan {
  mode: Mode;
  runId: string;
  source: string;
  displayName: string;
  agent?: string;
  inputs: Record<string, Json>;
  replay?: ReplayIndex;
  journal: JournalWriter;
  journalPath?: string;
  started: boolean;
  forkOf?: { run: string; at: number };
  /** Replay: how the recorded run ended (an effect that failed was never recorded: the replay ends there the same way). */
  recordedEnd?: Extract<JournalRecord, { type: 'Terminated' }>;
  /** Resume: the lifecycle state the journal left the run in. */
  lastState?: LifecycleState | null;
}

export async function startRun(req: RunRequest): Promise<RunOutcome> {
  const source = readSource(req.file);
  const runId = newRunId();
  const displayName = displayPath(req.root, req.file);
  const { journal, journalPath } = openJournal(req, runId);
  return execute(req, { mode: 'live', runId, source, displayName, agent: req.agent, inputs: req.inputs, journal, journalPath, started: false });
}

/** Finishes an interrupted run: recorded effects are answered from its journal. */
export async function resumeRun(runId: string, req: Omit<RunRequest, 'file' | 'inputs' | 'agent'>): Promise<RunOutcome> {
  const file = journalPathOf(req.root, runId);
  const old = readExisting(file, runId);
  const started = startedOf(old, runId);
  if (old.some((r) => r.type === 'Terminated')) {
    throw new BatonError('usage', `run ${runId} already finished (${(old.find((r) => r.type === 'Terminated') as Extract<JournalRecord, { type: 'Terminated' }>).reason}); use 'baton replay ${runId}' to see it again or 'baton fork ${runId} --at SEQ' to branch off`);
  }
  const key = loadOrCreateKey(req.home);
  const journal = req.journal === 'memory' ? new MemoryJournal(runId, { signer: key }) : FileJournal.openExisting(file, key);
  // What the journal holds now that this process is its only writer (read again under the lock).
  const replay = new ReplayIndex(journal instanceof FileJournal ? journal.recovered.records : old);
  return execute({ ...req, file: started.file, inputs: started.inputs, ...contextOf(started) }, {
    mode: 'resume', runId, source: started.source, displayName: started.file, agent: started.agent, inputs: started.inputs, replay, journal, journalPath: file, started: true,
    lastState: lastState(journal instanceof FileJournal ? journal.recovered.records : old, runId),
  });
}

/** Re-executes a run offline from its journal: no model, no tool; nothing written. */
export async function replayRun(runId: string, req: Omit<RunRequest, 'file' | 'inputs' | 'agent'>): Promise<RunOutcome> {
  const old = readExisting(journalPathOf(req.root, runId), runId);
  const started = startedOf(old, runId);
  return execute({ ...req, file: started.file, inputs: started.inputs, ...contextOf(started) }, {
    mode: 'replay', runId, source: started.source, displayName: started.file, agent: started.agent, inputs: started.inputs,
    replay: new ReplayIndex(old), journal: new MemoryJournal(runId), started: true,
    recordedEnd: old.find((r): r is Extract<JournalRecord, { type: 'Terminated' }> => r.type === 'Terminated'),
  });
}

/** A new run that replays `runId` up to (not including) record `at`, then goes live. */
export async function forkRun(runId: string, at: number, inputs: Record<string, Json>, req: Omit<RunRequest, 'file' | 'inputs' | 'agent'>): Promise<RunOutcome> {
  const old = readExisting(journalPathOf(req.root, runId), runId);
  const started = startedOf(old, runId);
  if (!Number.isInteger(at) || at < 1 || at > old.length) throw new BatonError('usage', `--at must be a record sequence between 1 and ${old.length}`);
  const newId = newRunId();
  const { journal, journalPath } = openJournal(req, newId);
  // A fork may change the run context too (`--context`): merged over the recorded one, like inputs.
  const context = started.context || req.context ? { ...started.context, ...req.context } : undefined;
  return execute({ ...req, file: started.file, inputs: { ...started.inputs, ...inputs }, ...(context ? { context } : {}) }, {
    mode: 'fork', runId: newId, source: started.source, displayName: started.file, agent: started.agent, inputs: { ...started.inputs, ...inputs },
    replay: new ReplayIndex(old, at), journal, journalPath, started: false, forkOf: { run: runId, at },
  });
}

function readSource(file: string): string {
  try { return fs.readFileSync(file, 'utf8'); } catch (e) {
    throw new BatonError('usage', `cannot read '${file}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

function displayPath(root: string, file: string): string {
  const rel = path.relative(root, path.resolve(file));
  return rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(file) : rel.split(path.sep).join('/');
}

function openJournal(req: RunRequest | Omit<RunRequest, 'file' | 'inputs' | 'agent'>, runId: string): { journal: JournalWriter; journalPath?: string } {
  const key = loadOrCreateKey(req.home);
  if (req.journal === 'memory') return { journal: new MemoryJournal(runId, { signer: key }) };
  const journalPath = journalPathOf(req.root, runId);
  return { journal: FileJournal.create(journalPath, runId, key), journalPath };
}

function readExisting(file: string, runId: string): JournalRecord[] {
  if (!fs.existsSync(file)) throw new BatonError('usage', `no run '${runId}' (looked for ${file})`);
  return readJournal(file).records;
}

function startedOf(records: JournalRecord[], runId: string): Extract<JournalRecord, { type: 'Started' }> {
  const s = records[0];
  if (!s || s.type !== 'Started') throw new BatonError('journal', `run ${runId} has no Started record`);
  return s;
}

/** The run context recorded in Started (`--context`): resume and replay see the run's own again. */
function contextOf(started: Extract<JournalRecord, { type: 'Started' }>): { context?: Record<string, Json> } {
  return started.context ? { context: started.context } : {};
}

function terminationOf(e: BatonError, timedOut: boolean): TerminationReason {
  if (e.code === 'cancelled') return timedOut ? 'Timeout' : 'Cancelled';
  if (e.code === 'budget-exhausted') {
    const r = (e.options.data as { reason?: TerminationReason } | undefined)?.reason;
    return r ?? 'MaxTokens';
  }
  if (e.code === 'policy-denied' || e.code === 'approval-denied') return 'PolicyDenial';
  return 'Error';
}

const cachedSources = new WeakMap<LoadedProgram, string>();
function prepare(req: RunRequest, plan: Plan) {
  const file = path.resolve(req.root, req.file);
  const cacheKey = `${file}\0${plan.displayName}\0${plan.source}`;
  let loadedProgram = req.programCache?.get(cacheKey);
  if (!loadedProgram) {
    loadedProgram = loadProgram(file, plan.source, plan.displayName);
    cachedSources.set(loadedProgram, plan.source);
    if (req.programCache) { if (req.programCache.size >= 64) req.programCache.clear(); req.programCache.set(cacheKey, loadedProgram); }
  } else {
    plan.source = cachedSources.get(loadedProgram) ?? plan.source; // the same text: runs of one program share one string
  }
  const { program, load } = loadedProgram;
  const agent = pickAgent(program, plan.agent, plan.displayName);
  const inputs = coerceInputs(agent, plan.inputs);
  return { program, load, agent, inputs, config: sharedAgentConfig(program, agent) };
}

/**
 * A request built as `{ ...base, file, ... }` gets a hidden class of its own in V8 (≈ 400 B); a run
 * keeps a plain copy for its whole life instead, so the caller's can go (`baton serve`: 100,000 runs).
 */
function execute(req: RunRequest, plan: Plan): Promise<RunOutcome> {
  try {
    return executeRun({ ...req }, plan);
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Not an async function: while the run waits (100,000 waiting runs in `baton serve`) it holds a
 * promise reaction over the few variables below, not a suspended frame with all of its registers.
 */
function executeRun(req: RunRequest, plan: Plan): Promise<RunOutcome> {
  req.onStart?.(plan.runId);
  let loaded: ReturnType<typeof prepare>;
  try {
    loaded = prepare(req, plan);
  } catch (e) {
    // Nothing ran (the file does not compile, no such agent, a bad input): leave no empty journal behind.
    plan.journal.close();
    if (plan.journalPath && !plan.started) fs.rmSync(plan.journalPath, { force: true });
    throw e;
  }
  const { program, load, agent, inputs, config } = loaded;
  const ac = new AbortController();
  let timedOut = false;
  const onOuterAbort = () => ac.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (req.signal?.aborted) ac.abort();
  const timer = setTimeout(() => { timedOut = true; ac.abort(new Error('timeout')); }, config.timeoutMs);
  timer.unref?.();

  const journal = plan.journal;
  // Provider keys are never journaled, even if an endpoint or a model echoes one back. Keys from the
  // environment only when they look like real keys: a placeholder such as "ollama" would be redacted
  // everywhere, the journaled source text included.
  for (const s of req.secrets ?? []) journal.addSecret(s);
  for (const s of [process.env.OPENAI_API_KEY, process.env.ANTHROPIC_API_KEY]) if (s && s.trim().length >= 16) journal.addSecret(s.trim());
  const resolveSecret = (ref: string): string => {
    const v = req.vault?.(ref) ?? vaultFromEnv(ref);
    if (v === undefined) throw new BatonError('usage', `secret vault://${ref} is not set (set ${vaultEnvName(ref)})`);
    journal.addSecret(v);
    return v;
  };
  const mcp = program.mcp.length ? new McpManager(program.mcp, { root: req.root, resolveSecret }) : undefined;
  const priority = req.priority ?? config.priority;
  const orch = rootOrchestration({
    runId: plan.runId, agent: agent.name, priority, scheduler: plan.mode === 'replay' ? undefined : req.scheduler, controller: ac,
    sink: req.sink ?? NULL_SINK, pause: req.pause, approvals: req.approvals, maxToolCalls: maxToolCalls(program, agent),
  });
  const kernel = new Kernel({
    runId: plan.runId, root: req.root, journal, sink: orch.sink, pause: orch.pause, signal: ac.signal,
    mode: plan.mode, replay: plan.replay, provider: req.provider, approvals: orch.approvals,
    store: plan.mode === 'replay' ? undefined : approvalStore(req.root),
    limits: { toolTimeoutMs: config.toolTimeoutMs, ...(req.modelTimeoutMs !== undefined ? { modelTimeoutMs: req.modelTimeoutMs } : {}), maxTokens: config.maxTokens, retries: config.retries, maxOutputBytes: 256 * 1024 },
    random: req.random,
  });
  orch.bind(kernel);
  const resolver = new ToolResolver(mcp, program.types, async (server) => {
    const pinned = plan.replay?.pins.get(server);
    if (pinned) {
      await mcp!.verifyPins(server, pinned);
      if (plan.mode === 'fork') kernel.append({ type: 'McpPinned', server, tools: pinned }); // the fork's own journal pins them too
      return;
    }
    kernel.append({ type: 'McpPinned', server, tools: await mcp!.pins(server) });
  }, kernel.replayOnly, resolveSecret);

  if (!plan.started) {
    kernel.append({
      type: 'Started', run: plan.runId, file: plan.displayName, agent: agent.name, inputs: toJson(inputs as Rec) as { [k: string]: Json },
      source: plan.source, sourceHash: crypto.createHash('sha256').update(plan.source).digest('hex'),
      provider: req.providerInfo.id, ...(req.providerInfo.model ? { model: req.providerInfo.model } : {}), ...(req.providerInfo.baseUrl ? { baseUrl: req.providerInfo.baseUrl } : {}),
      mode: plan.mode, ...(plan.forkOf ? { forkOf: plan.forkOf } : {}), ...(req.context ? { context: req.context } : {}), root: req.root, publicKey: loadOrCreateKey(req.home).publicKey,
    });
    if (req.trigger) kernel.append({ type: 'ScheduleFired', ...req.trigger });
  } else if (plan.mode === 'resume') {
    kernel.append({ type: 'Resumed', inDoubt: plan.replay?.inDoubt() ?? [] });
  }
  if (plan.mode === 'resume') orch.lifecycle.restart(plan.lastState ?? null);
  else orch.lifecycle.created();
  kernel.commit();

  const context: Rec = { user: process.env.USER ?? process.env.USERNAME ?? 'unknown', ...(req.context ? fromJson(req.context) as Rec : {}), run_id: plan.runId, agent: agent.name, has_human_approval: false, mode: plan.mode };
  const exec = new AgentExecution({ kernel, resolver, load, context, deadline: Date.now() + config.timeoutMs, model: req.providerInfo.model, lifecycle: orch.lifecycle, tree: orch.tree, bus: req.bus }, program, agent, inputs as Rec);
  const end = async (v: Value | undefined, e: unknown, failed: boolean): Promise<RunOutcome> => {
    const { reason, result, error } = ending(v, e, failed, timedOut, config.timeoutMs, plan);
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onOuterAbort);
    await mcp?.close().catch(() => undefined);
    return finishRun(plan, kernel, orch, ac, reason, result, error);
  };
  return new Promise<void>((resolve) => resolve(orch.lifecycle.start(priority, ac.signal)))
    .then(() => exec.run(new Branch('main', ac.signal)))
    .then((v) => end(v, undefined, false), (e: unknown) => end(undefined, e, true));
}

/** How the body ended: its value, or its error (a timeout, a replay that ends as the recorded run did). */
function ending(v: Value | undefined, e: unknown, failed: boolean, timedOut: boolean, timeoutMs: number, plan: Plan): { reason: TerminationReason; result?: Json; error?: BatonError } {
  try {
    if (failed) throw e;
    if (v instanceof ErrorValue) return { reason: 'Error', error: new BatonError('agent-error', v.message, { data: toJson(v.data) }) };
    return { reason: 'Completed', result: toJson(v as Value) };
  } catch (e) {
    let error = asBatonError(e);
    if (timedOut && error.code === 'cancelled') error = new BatonError('budget-exhausted', `the run exceeded its timeout (${timeoutMs / 1000} s)`, { data: { reason: 'Timeout' } });
    let reason = terminationOf(error, timedOut);
    // Replaying a run that failed: the failing effect was never recorded; the replay ends as the run did.
    const end = plan.recordedEnd;
    if (plan.mode === 'replay' && error.code === 'journal' && (error.options.data as { unrecorded?: string } | undefined)?.unrecorded && end && end.reason !== 'Completed') {
      reason = end.reason;
      error = new BatonError((end.error?.code ?? 'runtime') as BatonError['code'], end.error?.message ?? `the run ended with ${end.reason}`);
    }
    return { reason, error };
  }
}

function finishRun(plan: Plan, kernel: Kernel, orch: ReturnType<typeof rootOrchestration>, ac: AbortController, reason: TerminationReason, result: Json | undefined, error: BatonError | undefined): RunOutcome {
  const journal = plan.journal;
  // An in-doubt effect nobody resolved, or a journal problem: the run is not over — leave it resumable.
  // A changed MCP tool definition is not the agent's failure either: roll the server back and resume.
  // Cancelled by a shutdown of `baton serve`: journaled as Cancelled, and left resumable.
  const shutdown = error?.code === 'cancelled' && reason !== 'Timeout' && isShutdown(ac.signal.reason) && plan.mode !== 'replay';
  const unfinished = shutdown || (error && (error.code === 'in-doubt' || ((error.code === 'journal' || error.code === 'mcp-pin-mismatch') && plan.mode !== 'replay')));
  // Leftover messages become dead letters only when the run really ended; a resumable run's resume re-delivers them.
  releaseMessaging(kernel, !!unfinished);
  try {
    orch.finish(unfinished ? undefined : reason, error?.message, shutdown);
    if (!unfinished) {
      kernel.append({
        type: 'Terminated', reason, ...(result !== undefined ? { result } : {}),
        ...(error ? { error: { code: error.code, message: error.message, ...(error.where ? { where: error.where } : {}) } } : {}),
        usage: kernel.usage, steps: 0,
      });
    }
    if (plan.mode !== 'replay') journal.checkpoint(!unfinished);
    journal.commit();
  } finally {
    journal.close(); // also when the journal cannot be written (disk full): no file descriptor left open
  }
  return { runId: plan.runId, reason, result, error, usage: kernel.usage, journalPath: plan.journalPath, journal, exitCode: unfinished ? 1 : EXIT_CODES[reason], cacheHits: kernel.cacheHits };
}

/** The always-allow store of a workspace: it keeps only its path (each call reads the file), so runs share one. */
const approvalStores = new Map<string, ApprovalStore>();
function approvalStore(root: string): ApprovalStore {
  let s = approvalStores.get(root);
  if (!s) {
    if (approvalStores.size >= 64) approvalStores.clear();
    s = new ApprovalStore(root);
    approvalStores.set(root, s);
  }
  return s;
}

export function vaultEnvName(ref: string): string {
  return 'BATON_SECRET_' + ref.replace(/[^A-Za-z0-9]/g, '_').toUpperCase();
}

function vaultFromEnv(ref: string): string | undefined {
  return process.env[vaultEnvName(ref)];
}

export { fromJson };

/**
 * The signing key, read once per key directory while its file is unchanged (a process starting
 * many runs — `baton serve`, the extension — shares one key object instead of parsing it per run).
 */
const signingKeys = new Map<string, { key: LocalKey; stamp: string }>();
function loadOrCreateKey(home?: string): LocalKey {
  const dir = keysDir(home);
  let stamp = '';
  try { const st = fs.statSync(dir); const f = fs.readdirSync(dir).sort().join('/'); stamp = `${st.ino}:${st.mtimeMs}:${f}`; } catch { /* no key yet */ }
  const hit = stamp ? signingKeys.get(dir) : undefined;
  if (hit && hit.stamp === stamp) return hit.key;
  const key = loadKeyFile(home);
  try { const st = fs.statSync(dir); signingKeys.set(dir, { key, stamp: `${st.ino}:${st.mtimeMs}:${fs.readdirSync(dir).sort().join('/')}` }); } catch { /* not cached */ }
  return key;
}
