/**
 * One debug session's runs: the launched run (live, or a recorded run replayed offline), and the
 * forks made from it (changed inputs, an approval answered differently). Each run gets a fresh
 * `DebugEngine`; a fork replaces the run being shown and is labelled "fork of <run> at #<seq>".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Json } from '../../runtime/ir/schema';
import type { ApprovalAnswer, JournalRecord } from '../../runtime/journal/records';
import type { InferenceProvider } from '../../runtime/providers/provider';
import { forkRun, journalPathOf, replayRun, RunOutcome, startRun } from '../../runtime/run/run';
import { readJournal } from '../../runtime/journal/reader';
import { loadProgram, pickAgent } from '../../runtime/run/load';
import { agentConfig } from '../../runtime/run/agent-config';
import { BatonError } from '../../runtime/errors';
import { ReplayProvider } from '../../runtime/providers/replay';
import { DebugEngine, EngineListener } from './debug-engine';
import { Breakpoints } from './breakpoints';
import { ExceptionFilter, Stop } from './debug-state';
import type { BatonLaunchArgs, DebugApprovals, DebugServices } from './debug-services';
import type { Limits } from './debug-variables';

export interface RunnerListener extends EngineListener { terminated(): void }

const FILTER_OF_CODE: Record<string, ExceptionFilter> = {
  'policy-denied': 'policy-denial', 'approval-denied': 'policy-denial', 'tool-error': 'tool-error', 'tool-timeout': 'tool-error',
  'circuit-open': 'tool-error', 'provider-error': 'model-error', 'model-output': 'model-error',
};

export class DebugRunner {
  engine!: DebugEngine;
  filters = new Set<ExceptionFilter>(['approval']);
  runId?: string;
  private label?: string;
  private root = process.cwd();
  private args: BatonLaunchArgs = {};
  private provider?: { provider: InferenceProvider; info: { id: string; model?: string; baseUrl?: string }; secrets?: string[] };
  private abort = new AbortController();
  private running?: Promise<void>;
  private generation = 0;
  private limitsCache?: Limits;
  private disposed = false;
  /** Sources that are only in a journal (the file changed or is gone), by source reference. */
  private readonly sources = new Map<number, { path: string; text: string }>();

  constructor(private readonly services: DebugServices, private readonly bps: Breakpoints, private readonly approvals: DebugApprovals, private readonly listener: RunnerListener) {}

  async launch(args: BatonLaunchArgs): Promise<void> {
    this.args = args;
    this.root = path.resolve(args.cwd ?? (args.program ? path.dirname(path.resolve(args.program)) : process.cwd()));
    if (args.runId) {
      const file = journalPathOf(this.root, args.runId);
      if (!fs.existsSync(file)) throw new BatonError('usage', `no run '${args.runId}' (looked for ${file})`);
      const started = readJournal(file).records[0];
      if (!started || started.type !== 'Started') throw new BatonError('journal', `run ${args.runId} has no Started record`);
      this.registerSource(started);
      const req = this.common();
      const provider: InferenceProvider = { id: 'journal', complete: () => Promise.reject(new BatonError('journal', 'replay asked the model')) };
      this.runId = args.runId;
      this.label = `replay of ${args.runId}`;
      this.listener.output(`replaying run ${args.runId} offline: answers come from its journal; no model or tool is called\n`, 'console');
      this.start(!!args.stopOnEntry, (pause, sink) => replayRun(args.runId!, { ...req, provider, providerInfo: { id: 'journal' }, pause, sink, journal: 'memory' }), undefined, started);
      return;
    }
    if (!args.program) throw new BatonError('usage', "launch needs 'program' (an agent file) or 'runId' (a recorded run)");
    const program = path.resolve(this.root, args.program);
    if (!fs.existsSync(program)) throw new BatonError('usage', `cannot read '${program}': no such file`);
    this.provider = await this.services.provider(args, this.root);
    const req = this.common();
    this.start(!!args.stopOnEntry, (pause, sink) => startRun({
      ...req, file: program, agent: args.agent, inputs: (args.inputs ?? {}) as Record<string, Json>,
      provider: this.watchModel(this.provider!.provider), providerInfo: this.provider!.info, secrets: this.provider!.secrets, pause, sink,
      onStart: (id) => { this.runId = id; this.label = `run ${id}`; this.listener.output(`run ${id} (journal .baton/runs/${id}.jsonl)\n`, 'console'); },
    }));
  }

  private common() {
    return { root: this.root, approvals: this.approvals, signal: this.abort.signal, ...(this.services.home ? { home: this.services.home } : {}), modelTimeoutMs: 120_000 };
  }

  private start(stopOnEntry: boolean, run: (pause: DebugEngine, sink: DebugEngine) => Promise<RunOutcome>, stopAt?: { branch: string; step: number }, started?: Extract<JournalRecord, { type: 'Started' }>): void {
    const gen = ++this.generation;
    const engine = new DebugEngine(this.root, this.bps, this.listener, stopOnEntry);
    if (started) engine.state.started = started;
    for (const f of this.filters) engine.filters.add(f);
    if (!this.filters.has('approval')) engine.filters.delete('approval');
    if (stopAt) engine.stopAt = stopAt;
    this.engine = engine;
    this.limitsCache = undefined;
    this.running = run(engine, engine).then(async (o) => {
      if (gen !== this.generation) return;
      const filter = o.error ? FILTER_OF_CODE[o.error.code] : undefined;
      const lastStop = engine.history[engine.history.length - 1];
      if (o.error && filter && !this.disposed && lastStop?.exception?.filter !== filter) {
        const last = [...engine.history].reverse().find((s) => s.kind === 'statement');
        if (last) await engine.exceptionNow(last.branch, filter, `${o.error.code}: ${o.error.message}`);
      }
      if (gen !== this.generation) return;
      const res = o.result !== undefined ? ` → ${JSON.stringify(o.result)}` : '';
      if (!this.disposed) await engine.endOfRun(`${o.reason}${res}`);
      if (gen !== this.generation) return;
      this.listener.output(`${this.label ?? 'run'} ended: ${o.reason}${res}${o.error ? ` (${o.error.code}: ${o.error.message})` : ''}\n`, o.error ? 'stderr' : 'console');
      this.listener.terminated();
    }, (e: unknown) => {
      if (gen !== this.generation) return;
      this.listener.output(`${(e as Error).message}\n`, 'stderr');
      this.listener.terminated();
    });
  }

  setFilters(f: Set<ExceptionFilter>): void {
    this.filters = f;
    if (!this.engine) return;
    this.engine.filters.clear();
    for (const x of f) this.engine.filters.add(x);
  }

  /** Model errors stop (filter "model error") where they happen, before the kernel retries or fails. */
  private watchModel(p: InferenceProvider): InferenceProvider {
    return {
      id: p.id,
      complete: async (req) => {
        try { return await p.complete(req); } catch (e) {
          const branch = [...this.engine.history].reverse().find((s) => s.kind !== 'exception')?.branch ?? 'main';
          await this.engine.exceptionNow(branch, 'model-error', `model call failed: ${(e as Error).message}`);
          throw e;
        }
      },
    };
  }

  /** Forks a new run from `stop` with changed inputs; the debugger follows the fork. */
  async fork(stop: Stop, inputs: Record<string, Json>, at?: number): Promise<string> {
    const from = this.runId;
    if (!from) throw new BatonError('usage', 'the run has not started yet');
    const journal = journalPathOf(this.root, from);
    if (!fs.existsSync(journal)) throw new BatonError('usage', `run ${from} has no journal on disk to fork from (${journal})`);
    // The run shown so far stops here: it is cancelled (its journal committed and closed), then its parked branches are released.
    this.generation++;
    this.abort.abort(new BatonError('cancelled', 'replaced by a fork'));
    this.engine.releaseAll();
    await this.running?.catch(() => undefined);
    this.abort = new AbortController();
    const seq = at ?? Math.max(1, Math.min(stop.seq + 1, readJournal(journal).records.length));
    // A fresh provider: a cassette continues after the answers the fork replays from the journal (as `baton fork` does).
    const recorded = this.engine.state.started?.provider;
    const p = await this.services.provider({ ...this.args, ...(!this.args.provider && recorded && recorded !== 'journal' && (recorded !== 'replay' || this.args.cassette) ? { provider: recorded } : {}) }, this.root).catch((e: Error) => {
      this.listener.output(`the fork has no model provider (${e.message}); launch with provider settings for model calls past the fork point\n`, 'stderr');
      return undefined;
    });
    if (p?.provider instanceof ReplayProvider) p.provider.skip(readJournal(journal).records.filter((r) => r.type === 'ReasoningComplete' && r.seq < seq).length);
    const provider = p?.provider ?? { id: 'none', complete: () => Promise.reject(new BatonError('provider-error', 'no model provider for this fork: launch with provider settings (provider, cassette, ...)')) };
    let newId = '';
    const ready = new Promise<string>((resolve) => {
      this.start(false, (pause, sink) => forkRun(from, seq, inputs, {
        ...this.common(), provider: this.watchModel(provider), providerInfo: p?.info ?? { id: provider.id }, secrets: p?.secrets, pause, sink,
        onStart: (id) => {
          newId = id;
          this.runId = id;
          this.label = `fork of ${from} at #${seq}`;
          this.listener.output(`forked run ${id}: fork of ${from} at #${seq}${Object.keys(inputs).length ? ` with ${JSON.stringify(inputs)}` : ''}\n`, 'important');
          this.listener.thread(stop.branch);
          resolve(id);
        },
      }), { branch: stop.branch, step: stop.step });
    });
    return newId || ready;
  }

  /** Answers an approval that history already decided: a fork at its ApprovalRequested record, answered there. */
  async forkAnswer(key: string, answer: ApprovalAnswer): Promise<string> {
    const req = this.engine.state.records.find((r): r is Extract<JournalRecord, { type: 'ApprovalRequested' }> => r.type === 'ApprovalRequested' && r.key === key);
    if (!req) throw new BatonError('usage', `no approval ${key} in this run (waiting or decided)`);
    const stop = this.engine.current() ?? this.engine.history[0];
    this.approvals.preset.set(key, answer);
    return this.fork(stop, {}, req.seq);
  }

  threadName(branch: string): string {
    const base = this.label ?? 'run';
    return branch === 'main' ? base : `${base} · parallel ${branch}`;
  }

  branches(): string[] {
    const seen = new Set<string>();
    for (const s of this.engine?.history ?? []) seen.add(s.branch);
    return [...seen];
  }

  /** The stop shown for a thread: the cursor's, or that branch's latest at or before the cursor. */
  stopFor(branch: string): Stop | undefined {
    const e = this.engine;
    const cur = e?.current();
    if (!cur) return undefined;
    if (cur.branch === branch) return cur;
    for (let i = e.cursor; i >= 0; i--) if (e.history[i].branch === branch) return e.history[i];
    return cur;
  }

  private registerSource(started: Extract<JournalRecord, { type: 'Started' }>): void {
    const abs = path.isAbsolute(started.file) ? started.file : path.resolve(this.root, started.file);
    let onDisk: string | undefined;
    try { onDisk = fs.readFileSync(abs, 'utf8'); } catch { onDisk = undefined; }
    if (onDisk !== started.source) {
      this.sources.set(this.sources.size + 1, { path: abs, text: started.source });
      this.bps.texts.set(abs, started.source);
      this.bps.remap(abs);
      this.listener.output(`${started.file} changed since run ${started.run}: showing the source recorded in its journal\n`, 'console');
    }
  }

  sourceOf(stop: Stop): DebugProtocol.Source {
    for (const [ref, s] of this.sources) if (s.path === stop.path) return { name: path.basename(s.path), path: s.path, sourceReference: ref, origin: 'journal' };
    return { name: path.basename(stop.path), path: stop.path };
  }

  pathOfSource(ref: number | undefined): string | undefined { return ref ? this.sources.get(ref)?.path : undefined; }
  sourceText(ref: number): string | undefined { return this.sources.get(ref)?.text; }

  /** Iterations, tokens and time the agent may use (for "Budget left"). */
  limits(): Limits {
    if (this.limitsCache) return this.limitsCache;
    const s = this.engine?.state.started;
    try {
      if (!s) return {};
      const file = path.isAbsolute(s.file) ? s.file : path.resolve(this.root, s.file);
      const { program } = loadProgram(file, s.source, s.file);
      const c = agentConfig(program, pickAgent(program, s.agent, s.file));
      this.limitsCache = { maxIterations: c.maxIterations, maxTokens: c.maxTokens, timeoutMs: c.timeoutMs };
    } catch { this.limitsCache = {}; }
    return this.limitsCache;
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.abort.abort(new BatonError('cancelled', 'the debug session ended'));
    this.engine?.releaseAll();
  }
}
