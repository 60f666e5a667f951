/**
 * The effect kernel: every effect of a run goes through here, in one order (RUNTIME.md):
 *
 *   journal lookup → policy gate → approval (if asked) → circuit breaker → execute
 *   (timeout, retry with backoff) → journal the result → audit entry
 *
 * Effects are keyed per branch (`Branch.nextKey()`), so a resumed, replayed or forked run asks for
 * the same keys and gets the recorded answers without calling the model or the tool again. An
 * effect journaled as started but never finished is *in doubt*: re-run only if idempotent, else a
 * human decides. Durability: records are buffered and committed (one write + one fdatasync) at step
 * boundaries — and always before a side-effecting tool starts, so a crash can never hide one.
 */
import type { Json, Loc } from '../ir/schema';
import type { ApprovalAnswer, JournalBody, JournalRecord, JournalWriter, RuleRef, Usage } from '../journal/records';
import type { ApprovalProvider } from '../approvals/approval';
import type { ApprovalStore } from '../approvals/store';
import type { CompletionRequest, CompletionResponse, InferenceProvider } from '../providers/provider';
import type { EventSink, PauseHook, StatementInfo } from './events';
import type { Branch } from '../interp/host';
import type { Scope } from '../interp/scope';
import type { Rec } from '../interp/values';
import { BatonError, asBatonError } from '../errors';
import { canonicalJson } from '../tools/mcp';
import { hashLine } from '../journal/writer';
import { describeAnswer } from '../approvals/approval';
import { PolicyEngine } from '../policy/engine';
import { CircuitBreaker } from '../tools/circuit-breaker';
import { retry } from '../tools/retry';
import { ReplayIndex } from './replay-index';
import { ResolvedTool, protectedWrite } from './tool-gate';
import { ToolRunner } from './tool-runner';
import { KernelCache } from '../cache/kernel-cache';

export interface KernelLimits {
  toolTimeoutMs: number;
  /** Per model request; undefined → the provider's own configured timeout. */
  modelTimeoutMs?: number;
  maxTokens: number;
  retries: number;
  maxOutputBytes: number;
}

export interface KernelOptions {
  runId: string;
  root: string;
  journal: JournalWriter;
  sink: EventSink;
  pause?: PauseHook;
  signal: AbortSignal;
  mode: 'live' | 'resume' | 'replay' | 'fork';
  replay?: ReplayIndex;
  provider: InferenceProvider;
  approvals: ApprovalProvider;
  store?: ApprovalStore;
  limits: KernelLimits;
  random?: () => number;
}

/** The policy side of the agent making a call. */
export interface AgentGate {
  name: string;
  file: string;
  engine: PolicyEngine;
  inputs: Rec;
  context: Rec;
}

export interface ToolCallRequest {
  branch: Branch;
  gate: AgentGate;
  tool: ResolvedTool;
  args: { [k: string]: Json };
  loc?: Loc;
  /** Proposed by a model (a denial becomes an observation) rather than called by the agent's code. */
  fromModel: boolean;
}

export type ToolOutcome =
  | { ok: true; value: Json; replayed: boolean }
  | { ok: false; denied: true; reason: string; rule: RuleRef }
  | { ok: false; denied: false; error: BatonError };

export class Kernel {
  readonly usage: Usage = { inputTokens: 0, outputTokens: 0 };
  // Created on first use: a run waiting for a message (100,000 of them in one process) holds none of these.
  private grants: Set<string> | undefined;
  private breakerMap: Map<string, CircuitBreaker> | undefined;
  private toolRunner: ToolRunner | undefined;
  private resultCache: KernelCache | undefined;
  private sinkFailed = false;

  constructor(readonly o: KernelOptions) {
    for (const t of o.replay?.runGrants ?? []) this.runGrants.add(t);
  }

  /** Tools granted for the rest of this run (`allow_run`, `always_allow`). */
  get runGrants(): Set<string> { return (this.grants ??= new Set()); }
  /** Circuit breakers, by tool. */
  get breakers(): Map<string, CircuitBreaker> { return (this.breakerMap ??= new Map()); }
  private get tools(): ToolRunner { return (this.toolRunner ??= new ToolRunner(this)); }
  private granted(tool: string): boolean { return this.grants?.has(tool) ?? false; }

  /** The result cache (`cache = true` tools, `with cache = true` models): runtime/cache/kernel-cache.ts. */
  get cache(): KernelCache { return (this.resultCache ??= new KernelCache(this)); }

  get runId(): string { return this.o.runId; }
  get replayOnly(): boolean { return this.o.mode === 'replay'; }
  /** Effects answered from the result cache so far. */
  get cacheHits(): number { return this.resultCache?.hits ?? 0; }

  // ---- journal and events ----

  append(body: JournalBody): JournalRecord {
    const rec = this.o.journal.append(body);
    this.emit({ kind: 'record', record: rec, replayed: false });
    return rec;
  }

  /**
   * An effect answered from the journal. A fork copies what it replays into its own journal, so the
   * fork can itself be replayed, resumed and forked without the run it came from.
   */
  replayed(rec: JournalRecord | undefined): void {
    if (!rec) return;
    this.copyToFork(rec);
    this.emit({ kind: 'record', record: rec, replayed: true });
  }

  /** In a fork, a replayed record is appended to the fork's own journal (seq, ts and prev are new). */
  copyToFork(rec: JournalRecord | undefined): void {
    if (!rec || this.o.mode !== 'fork') return;
    const { v: _v, seq: _seq, ts: _ts, prev: _prev, ...body } = rec;
    this.o.journal.append(body as JournalBody);
  }

  /** Hashes of messages and tool lists, by object: a loop's request grows by a message or two per step. */
  private partHashes: WeakMap<object, string> | undefined;

  private partHash(part: object): string {
    let h = this.partHashes?.get(part);
    if (h === undefined) {
      h = hashLine(this.redacted(part));
      (this.partHashes ??= new WeakMap()).set(part, h);
    }
    return h;
  }

  /** Hash chains over message lists, by list: the loop appends to one list, so each step hashes only what is new. */
  private chains: WeakMap<object, { n: number; last: unknown; chain: string }> | undefined;

  private messagesHash(messages: readonly object[]): string {
    let st = this.chains?.get(messages);
    if (!st || st.n > messages.length || (st.n > 0 && messages[st.n - 1] !== st.last)) st = { n: 0, last: undefined, chain: '' };
    let chain = st.chain;
    for (let i = st.n; i < messages.length; i++) chain = hashLine(`${chain}\n${this.partHash(messages[i])}`);
    (this.chains ??= new WeakMap()).set(messages, { n: messages.length, last: messages[messages.length - 1], chain });
    return chain;
  }

  /** What a model request asks (model, messages, tools, schema, temperature), secrets redacted. */
  private requestHash(req: CompletionRequest): string {
    const head = this.redacted({ model: req.model, schema: req.responseSchema ?? null, temperature: req.temperature ?? null });
    return hashLine(`${head}\n${req.tools ? this.partHash(req.tools) : '-'}\n${this.messagesHash(req.messages)}`);
  }

  /** Records of `key` already in this run's own journal (a resume); a fork's come from another run. */
  inJournal(key: string) { return this.o.mode === 'resume' || this.o.mode === 'replay' ? this.lookup(key) : undefined; }

  /** Canonical JSON of a value with this journal's secrets redacted (what the journal would hold). */
  private redacted(v: unknown): string {
    const text = canonicalJson(v);
    return this.o.journal.redact ? this.o.journal.redact(text) : text;
  }

  emit(ev: Parameters<EventSink['emit']>[0]): void {
    try { this.o.sink.emit(ev); } catch (e) {
      if (!this.sinkFailed) { this.sinkFailed = true; process.emitWarning(`baton: an event sink failed: ${(e as Error).message}`); }
    }
  }

  commit(): void { this.o.journal.commit(); }

  /** Refuses live work while replaying a finished run offline. */
  live(what: string, key: string): void {
    if (this.replayOnly) {
      throw new BatonError('journal', `replay reached ${what} (effect ${key}) that the run never recorded: the run was unfinished, or the agent file changed since`, { data: { unrecorded: key } });
    }
  }

  lookup(key: string) { return this.o.replay?.get(key); }

  /** A fork goes live at its first divergence; a resume or replay must not diverge. */
  diverged(key: string, message: string): void {
    if (this.o.mode === 'fork' && this.o.replay) { this.o.replay.diverged = true; return; }
    throw new BatonError('journal', `the run diverged from its journal at effect ${key}: ${message}`);
  }

  // ---- statements ----

  statement(branch: Branch, loc: Loc, frames: readonly string[], file: string, scope: Scope): void | Promise<void> {
    const step = ++branch.steps;
    const replaying = this.replayOnly || (!this.o.replay?.diverged && (this.o.replay?.steps.get(branch.id) ?? 0) >= step);
    if (!replaying || this.o.mode === 'fork') this.append({ type: 'StatementReached', branch: branch.id, step, loc, frame: frames[0] ?? '' });
    const hook = this.o.pause?.beforeStatement;
    if (!hook) return;
    const info: StatementInfo = { runId: this.runId, branch: branch.id, step, file, loc, frames, locals: () => scope.snapshot(), replaying };
    return hook.call(this.o.pause, info);
  }

  private async beforeEffect(kind: 'tool' | 'model' | 'clock' | 'child', key: string, name: string, args: Json | undefined, loc: Loc | undefined, replaying: boolean): Promise<void> {
    const hook = this.o.pause?.beforeEffect;
    if (hook) await hook.call(this.o.pause, { runId: this.runId, key, kind, name, args, loc, replaying });
  }

  // ---- model calls ----

  async model(branch: Branch, req: CompletionRequest, loc?: Loc): Promise<CompletionResponse> {
    const key = branch.nextKey();
    const recorded = this.lookup(key);
    // A fork whose changed input changed what is asked goes live here, rather than reuse the old answer.
    if (this.o.mode === 'fork' && recorded?.model && recorded.requested?.request && recorded.requested.request !== this.requestHash(req)) {
      this.diverged(key, 'the model request changed');
    }
    const rec = this.lookup(key)?.model;
    await this.beforeEffect('model', key, req.model, undefined, loc, !!rec);
    if (rec) {
      this.copyToFork(this.lookup(key)?.requested);
      this.copyToFork(this.lookup(key)?.cacheHit);
      this.replayed(rec);
      this.addUsage(rec.usage);
      return { text: rec.text, toolCalls: rec.toolCalls, usage: rec.usage, model: rec.model, finishReason: rec.finishReason as CompletionResponse['finishReason'] };
    }
    this.live('a model call', key);
    const cached = this.cache.model(key, branch, req, () => this.requestHash(req));
    if (cached) return cached;
    const total = this.usage.inputTokens + this.usage.outputTokens;
    if (total >= this.o.limits.maxTokens) {
      throw new BatonError('budget-exhausted', `token budget exhausted: ${total} of ${this.o.limits.maxTokens} tokens used`, { data: { reason: 'MaxTokens' } });
    }
    const timeoutMs = req.timeoutMs ?? this.o.limits.modelTimeoutMs;
    this.append({ type: 'ModelRequested', key, model: req.model, messages: req.messages.length, tools: (req.tools ?? []).map((t) => t.name), request: this.requestHash(req) });
    const resp = await retry(async () => this.o.provider.complete({
      ...req,
      signal: branch.signal,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      onDelta: (text) => this.emit({ kind: 'delta', key, text }),
    }), {
      retries: this.o.limits.retries,
      signal: branch.signal,
      random: this.o.random,
      onRetry: (attempt, delayMs, e) => {
        this.append({ type: 'RecoveryTriggered', key, what: `model call to ${this.o.provider.id}`, attempt, delayMs: Math.round(delayMs), error: asBatonError(e, 'provider-error').message });
      },
    }).catch((e) => { throw asBatonError(e, 'provider-error'); });
    this.addUsage(resp.usage);
    this.append({ type: 'ReasoningComplete', key, text: resp.text, toolCalls: resp.toolCalls, usage: resp.usage, model: resp.model, finishReason: resp.finishReason });
    this.cache.storeModel(branch, req, resp, () => this.requestHash(req));
    return resp;
  }

  private addUsage(u: Usage): void {
    this.usage.inputTokens += u.inputTokens;
    this.usage.outputTokens += u.outputTokens;
  }

  // ---- recorded values: clock, randomness, sleep, log ----

  async record(branch: Branch, effect: string, compute: () => Json | Promise<Json>, loc?: Loc): Promise<Json> {
    const key = branch.nextKey();
    const rec = this.lookup(key)?.effect;
    await this.beforeEffect('clock', key, effect, undefined, loc, !!rec);
    if (rec) {
      if (rec.effect !== effect) this.diverged(key, `recorded ${rec.effect}(), now ${effect}()`);
      else { this.replayed(rec); return rec.value; }
    }
    this.live(`${effect}()`, key);
    const value = await compute();
    this.append({ type: 'EffectRecorded', key, effect, value });
    return value;
  }

  // ---- tool calls ----

  async tool(req: ToolCallRequest): Promise<ToolOutcome> {
    if (req.tool.defaults) {
      const filled = { ...req.args };
      for (const [k, v] of Object.entries(req.tool.defaults)) if (filled[k] === undefined) filled[k] = v;
      req = { ...req, args: filled };
    }
    const key = req.branch.nextKey();
    const past = this.lookup(key);
    if (past && (past.finished || past.denied || past.started || past.decided)) {
      const recorded = past.finished?.tool ?? past.denied?.tool ?? past.started?.tool ?? past.decided?.tool;
      if (recorded !== req.tool.name) this.diverged(key, `recorded a call to '${recorded}', now '${req.tool.name}'`);
      // A fork whose changed input changed the arguments goes live here (a resume cannot differ).
      else if (this.o.mode === 'fork' && past.args && this.redacted(past.args.value) !== this.redacted(req.args)) this.diverged(key, `the arguments of '${req.tool.name}' changed`);
    }
    const replay = this.lookup(key);
    await this.beforeEffect('tool', key, req.tool.name, req.args, req.loc, !!replay?.finished || !!replay?.denied || (this.replayOnly && !!replay?.cancelled));
    if (replay?.finished?.ok && req.tool.secret && req.tool.idempotent && !this.replayOnly) {
      // The journal never holds a secret result: a resumed (or forked) run gets it again.
      this.append({ type: 'RecoveryTriggered', key, what: `secret result of idempotent tool ${req.tool.name} is not journaled: running it again`, attempt: 1, delayMs: 0, error: 'not journaled' });
      return this.tools.execute(key, req, req.args, 1);
    }
    if (replay?.finished) {
      this.copyToFork(replay.started);
      this.copyToFork(replay.cacheHit);
      this.replayed(replay.finished);
      const f = replay.finished;
      return f.ok ? { ok: true, value: f.value, replayed: true } : { ok: false, denied: false, error: new BatonError(f.error.code as BatonError['code'], f.error.message, { retryable: f.error.retryable }) };
    }
    if (replay?.denied) {
      this.replayed(replay.denied);
      return { ok: false, denied: true, reason: replay.denied.reason, rule: replay.denied.rule };
    }
    if (replay?.started) return this.tools.inDoubt(key, req, replay.started);
    this.live(`a call to tool '${req.tool.name}'`, key);

    const bad = req.tool.validate(req.args);
    if (bad) return { ok: false, denied: false, error: new BatonError('tool-error', `invalid arguments for '${req.tool.name}': ${bad}`) };

    const prot = protectedWrite(this.o.root, req.tool, req.args);
    if (prot !== undefined) {
      return this.deny(key, req, `'${req.tool.name}' would write to '${prot}': the runtime's state (.baton/) and editor settings (.vscode/) are never writable by an agent`,
        { policy: 'kernel: protected path', verb: 'kernel', file: req.gate.file, line: req.loc?.[0] ?? 0 });
    }
    const gate = await this.gate(key, req, replay?.decided?.answer);
    if (gate.kind === 'deny') return this.deny(key, req, gate.reason, gate.rule);
    if (gate.kind === 'respond') {
      this.append({ type: 'ToolStarted', key, tool: req.tool.name, args: req.args, idempotent: true, attempt: 0 });
      this.append({ type: 'ToolFinished', key, tool: req.tool.name, ok: true, value: gate.result, ms: 0 });
      return { ok: true, value: gate.result, replayed: false };
    }
    // The cache answers only after the gate allowed the call: a cached answer never bypasses a deny.
    const cached = this.cache.tool(key, req, gate.args);
    if (cached) { this.tools.audit(key, req, gate.args, cached.value); return cached; }
    const out = await this.tools.execute(key, req, gate.args);
    this.cache.storeTool(req, gate.args, out);
    return out;
  }

  private approvals: Promise<void> | undefined;

  private async approvalTurn(): Promise<() => void> {
    let release!: () => void;
    const prev = this.approvals;
    this.approvals = new Promise<void>((r) => { release = r; });
    await prev;
    return release;
  }

  private async askHuman(key: string, req: ToolCallRequest, d: { verdict: string; rule: RuleRef; reason: string }, args: { [k: string]: Json }): Promise<ApprovalAnswer> {
    const { gate, tool } = req;
    this.live(`an approval for '${tool.name}'`, key);
    this.append({ type: 'ApprovalRequested', key, tool: tool.name, args, rule: d.rule, reason: d.reason });
    this.emit({ kind: 'approval-pending', key, tool: tool.name, args });
    this.commit();
    const answer = await this.o.approvals.request({
      runId: this.runId, key, agent: gate.name, tool: tool.name, args, schema: tool.impl.parameters, rule: d.rule, reason: d.reason,
      canAlwaysAllow: d.rule.verb === 'default',
    }, req.branch.signal);
    if (req.branch.signal.aborted) throw new BatonError('cancelled', 'cancelled while waiting for an approval');
    return answer;
  }

  /**
   * Calling another agent is an action too (capability `invoke_agent`): the caller's policy decides,
   * with approvals, before the child starts. Undefined means "go ahead"; a `respond` answer gives
   * the child's result without running it.
   */
  async admitAgentCall(key: string, req: ToolCallRequest): Promise<ToolOutcome | undefined> {
    const past = this.lookup(key);
    if (past?.denied) { this.replayed(past.denied); return { ok: false, denied: true, reason: past.denied.reason, rule: past.denied.rule }; }
    if (past?.childStarted || past?.child) return undefined;
    await this.beforeEffect('child', key, req.tool.name, req.args, req.loc, false);
    this.live(`a call to agent '${req.tool.name}'`, key);
    const g = await this.gate(key, req, past?.decided?.answer);
    if (g.kind === 'deny') return this.deny(key, req, g.reason, g.rule);
    if (g.kind === 'respond') return { ok: true, value: g.result, replayed: false };
    return undefined;
  }

  deny(key: string, req: ToolCallRequest, reason: string, rule: RuleRef): ToolOutcome {
    this.append({ type: 'ToolDenied', key, tool: req.tool.name, reason, rule });
    this.tools.audit(key, req, req.args, { denied: reason });
    return { ok: false, denied: true, reason, rule };
  }

  /** Policy decision, then a human if asked. */
  private async gate(key: string, req: ToolCallRequest, recordedAnswer: ApprovalAnswer | undefined):
    Promise<{ kind: 'allow'; args: { [k: string]: Json } } | { kind: 'deny'; reason: string; rule: RuleRef } | { kind: 'respond'; result: Json }> {
    const { gate, tool } = req;
    let args = req.args;
    const action = { tool: tool.name, capabilities: tool.capabilities, args: args as Rec, params: tool.params, approval: tool.approval, toolLoc: tool.loc };
    const d = gate.engine.decide(action, { inputs: gate.inputs, context: gate.context, humanApproved: false });
    this.append({ type: 'PolicyEvaluated', key, tool: tool.name, args, capability: tool.capabilities[0], verdict: d.verdict, rule: d.rule, reason: d.reason });
    if (d.verdict === 'deny') return { kind: 'deny', reason: d.reason, rule: d.rule };
    if (d.verdict === 'allow') return { kind: 'allow', args };

    // Ask: a grant for this run, a stored "always allow", or a human.
    let answer: ApprovalAnswer | undefined = recordedAnswer;
    let by = 'journal';
    if (!answer && this.granted(tool.name)) { answer = { kind: 'allow_run' }; by = 'granted for this run'; }
    if (!answer && d.rule.verb === 'default' && this.o.store?.has(gate.name, tool.name, tool.impl.definitionHash)) { answer = { kind: 'allow_once' }; by = `always allowed (${this.o.store.file})`; }
    if (!answer) {
      // One prompt at a time: a grant given for the first of two concurrent calls covers the second.
      const release = await this.approvalTurn();
      try {
        if (this.granted(tool.name)) { answer = { kind: 'allow_run' }; by = 'granted for this run'; }
        else answer = await this.askHuman(key, req, d, args);
      } finally { release(); }
      by = answer && by === 'journal' ? (answer as { by?: string }).by ?? 'human' : by;
      if ((answer as { by?: string }).by) { const { by: _by, ...rest } = answer as ApprovalAnswer & { by?: string }; answer = rest as ApprovalAnswer; }
    }
    if (by !== 'journal') this.append({ type: 'ApprovalDecided', key, tool: tool.name, answer, by });
    else this.replayed(this.lookup(key)?.decided);
    if (answer.kind === 'deny') return { kind: 'deny', reason: `a human denied '${tool.name}'${answer.reason ? `: ${answer.reason}` : ''}`, rule: d.rule };
    if (answer.kind === 'respond') return { kind: 'respond', result: answer.result };
    if (answer.kind === 'allow_run') this.runGrants.add(tool.name);
    if (answer.kind === 'always_allow') {
      this.runGrants.add(tool.name);
      if (d.rule.verb === 'default' && by !== 'journal' && by !== 'granted for this run') this.o.store?.add({ agent: gate.name, tool: tool.name, hash: tool.impl.definitionHash, grantedAt: new Date().toISOString(), run: this.runId });
    }
    if (answer.kind === 'edit') {
      args = answer.args;
      const bad = tool.validate(args);
      if (bad) return { kind: 'deny', reason: `the edited arguments for '${tool.name}' are invalid: ${bad}`, rule: d.rule };
      if (protectedWrite(this.o.root, tool, args) !== undefined) return { kind: 'deny', reason: `the edited arguments for '${tool.name}' write to a protected path`, rule: { policy: 'kernel: protected path', verb: 'kernel', file: gate.file, line: 0 } };
    }
    // Re-evaluate with the human's approval: a deny may still hold; strict mode still needs an allow.
    const again = gate.engine.decide({ ...action, args: args as Rec }, { inputs: gate.inputs, context: gate.context, humanApproved: true });
    this.append({ type: 'PolicyEvaluated', key, tool: tool.name, args, capability: tool.capabilities[0], verdict: again.verdict, rule: again.rule, reason: `${describeAnswer(answer)}; ${again.reason}` });
    if (again.verdict !== 'allow') return { kind: 'deny', reason: again.reason, rule: again.rule };
    return { kind: 'allow', args };
  }
}
