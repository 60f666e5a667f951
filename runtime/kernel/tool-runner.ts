/**
 * The execute half of a tool effect: circuit breaker → ToolStarted (durable first if the tool has
 * side effects) → execute under a timeout, retrying retryable failures of safe tools with backoff
 * → ToolFinished → audit entries. Also the resolution of in-doubt effects after a crash.
 */
import type { Json } from '../ir/schema';
import type { JournalRecord } from '../journal/records';
import type { Kernel, ToolCallRequest, ToolOutcome } from './kernel';
import { BatonError, asBatonError } from '../errors';
import { CircuitBreaker } from '../tools/circuit-breaker';
import { retry } from '../tools/retry';
import type { SandboxReport } from '../tools/sandbox/spec';
import { parseDuration, parseRate, parseSize, RateLimiter } from './tool-gate';

type Started = Extract<JournalRecord, { type: 'ToolStarted' }>;

export class ToolRunner {
  private readonly limiter = new RateLimiter();

  constructor(private readonly k: Kernel) {}

  private breaker(tool: string): CircuitBreaker {
    let b = this.k.breakers.get(tool);
    if (!b) {
      b = new CircuitBreaker({ onChange: (state) => this.k.append({ type: 'BreakerChanged', tool, state }) });
      this.k.breakers.set(tool, b);
    }
    return b;
  }

  /** Enforced `require: { ... }` settings that apply before a call. */
  private requirements(req: ToolCallRequest): string | undefined {
    for (const { settings } of req.gate.engine.requirements()) {
      const rate = settings.rate_limiting;
      if (typeof rate === 'string') {
        const lim = parseRate(rate);
        if (lim) { const msg = this.limiter.take(req.tool.name, lim, rate); if (msg) return msg; }
      }
      for (const k of ['max_document_size', 'max_data_size'] as const) {
        const v = settings[k];
        const max = typeof v === 'string' || typeof v === 'number' ? parseSize(v) : undefined;
        if (max !== undefined && Buffer.byteLength(JSON.stringify(req.args)) > max) return `the arguments of '${req.tool.name}' exceed ${k} = ${v}`;
      }
    }
    return undefined;
  }

  async execute(key: string, req: ToolCallRequest, args: { [k: string]: Json }, attempt0 = 0): Promise<ToolOutcome> {
    const { tool } = req;
    const limitMsg = this.requirements(req);
    if (limitMsg) return this.k.deny(key, req, limitMsg, { policy: 'require settings', verb: 'require', file: req.gate.file, line: 0 });
    const breaker = this.breaker(tool.name);
    const gate = breaker.check();
    if (!gate.ok) {
      const error = new BatonError('circuit-open', `tool '${tool.name}' is failing repeatedly (circuit open); next try in ${Math.ceil(gate.retryInMs / 1000)} s`);
      this.k.append({ type: 'ToolFinished', key, tool: tool.name, ok: false, error: { code: error.code, message: error.message }, ms: 0 });
      return { ok: false, denied: false, error };
    }
    this.k.append({ type: 'ToolStarted', key, tool: tool.name, args, idempotent: tool.idempotent, attempt: attempt0 });
    // A crash after this point must find the record: a side effect is never silently run twice.
    if (tool.sideEffects || !tool.idempotent) this.k.commit();
    const t0 = performance.now();
    const timeoutMs = tool.timeoutMs ?? this.k.o.limits.toolTimeoutMs;
    // The sandbox tier a tool process ran in and the limits enforced, journaled on ToolFinished.
    let sandbox: { sandbox: Json } | Record<string, never> = {};
    const onSandbox = (report: SandboxReport) => { sandbox = { sandbox: report as unknown as Json }; };
    const safeToRetry = tool.idempotent || !tool.sideEffects;
    try {
      const value = await retry((attempt) => this.once(key, req, args, timeoutMs, attempt, onSandbox), {
        retries: safeToRetry ? this.k.o.limits.retries : 0,
        signal: req.branch.signal,
        random: this.k.o.random,
        isRetryable: (e) => e instanceof BatonError && e.retryable && e.code !== 'circuit-open',
        onRetry: (attempt, delayMs, e) => this.k.append({ type: 'RecoveryTriggered', key, what: `tool ${tool.name}`, attempt, delayMs: Math.round(delayMs), error: asBatonError(e).message }),
      });
      const ms = Math.round(performance.now() - t0);
      // A secret result is never journaled — nor where it travels next (observations, model text, the result).
      if (tool.secret) secretStrings(value, (v) => this.k.o.journal.addSecret(v));
      this.k.append({ type: 'ToolFinished', key, tool: tool.name, ok: true, value: tool.secret ? '[secret]' : value, ms, ...sandbox });
      this.audit(key, req, args, value);
      if (tool.sideEffects) this.k.commit();
      return { ok: true, value, replayed: false };
    } catch (e) {
      const error = asBatonError(e, 'tool-error');
      if (error.code === 'cancelled') {
        // Cancelled by its own strand (a failing parallel sibling) while the run goes on: record it,
        // so a resume or replay knows the call ended and does not treat it as in doubt.
        if (!this.k.o.signal.aborted) {
          this.k.append({ type: 'ToolFinished', key, tool: tool.name, ok: false, error: { code: 'cancelled', message: error.message }, ms: Math.round(performance.now() - t0) });
        }
        throw error;
      }
      const ms = Math.round(performance.now() - t0);
      this.k.append({ type: 'ToolFinished', key, tool: tool.name, ok: false, error: { code: error.code, message: error.message, ...(error.retryable ? { retryable: true } : {}) }, ms, ...sandbox });
      this.audit(key, req, args, { error: error.message });
      if (tool.sideEffects) this.k.commit();
      return { ok: false, denied: false, error };
    }
  }

  private async once(key: string, req: ToolCallRequest, args: { [k: string]: Json }, timeoutMs: number, attempt: number, onSandbox?: (r: SandboxReport) => void): Promise<Json> {
    const breaker = this.breaker(req.tool.name);
    if (attempt > 0) {
      const g = breaker.check();
      if (!g.ok) throw new BatonError('circuit-open', `tool '${req.tool.name}' is failing repeatedly (circuit open)`);
    }
    const ac = new AbortController();
    const onAbort = () => ac.abort(req.branch.signal.reason);
    req.branch.signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ac.abort(new Error('timeout'));
          reject(new BatonError('tool-timeout', `tool '${req.tool.name}' timed out after ${timeoutMs / 1000} s`, { retryable: true }));
        }, timeoutMs);
      });
      const value = await Promise.race([
        req.tool.impl.execute(args, { root: this.k.o.root, signal: ac.signal, timeoutMs, effectId: `${this.k.runId}/${key}`, maxOutputBytes: this.k.o.limits.maxOutputBytes, ...(onSandbox ? { onSandbox } : {}) }),
        timeout,
      ]);
      breaker.success();
      return value;
    } catch (e) {
      if (req.branch.signal.aborted) throw new BatonError('cancelled', 'cancelled');
      const err = asBatonError(e, 'tool-error');
      if (err.code !== 'cancelled') breaker.failure();
      throw err;
    } finally {
      clearTimeout(timer);
      req.branch.signal.removeEventListener('abort', onAbort);
    }
  }

  audit(key: string, req: ToolCallRequest, args: Json, output: Json): void {
    const action = { tool: req.tool.name, capabilities: req.tool.capabilities, args: args as never, params: req.tool.params, approval: req.tool.approval };
    for (const a of req.gate.engine.audits(action, { inputs: req.gate.inputs, context: req.gate.context })) {
      this.k.append({
        type: 'AuditEntry', key, tool: req.tool.name, rule: a.rule, settings: a.settings,
        ...(a.settings.include_input === true ? { input: args } : {}),
        ...(a.settings.include_output === true && !req.tool.secret ? { output } : {}),
      });
    }
  }

  /** A call started before a crash and never finished, or cancelled with its strand (see ReplayIndex). */
  async inDoubt(key: string, req: ToolCallRequest, started: Started): Promise<ToolOutcome> {
    const cancelled = this.k.lookup(key)?.cancelled;
    if (cancelled && !cancelled.ok && this.k.replayOnly) {
      // Replay reproduces the recorded run: the call ended cancelled there.
      this.k.replayed(cancelled);
      return { ok: false, denied: false, error: new BatonError('cancelled', cancelled.error.message) };
    }
    this.k.live(`an unfinished call to '${req.tool.name}'`, key);
    if (started.idempotent) {
      this.k.append({ type: 'RecoveryTriggered', key, what: `in-doubt call to idempotent tool ${req.tool.name}: running it again`, attempt: started.attempt + 1, delayMs: 0, error: 'interrupted' });
      return this.execute(key, req, started.args as { [k: string]: Json }, started.attempt + 1);
    }
    const how = cancelled ? `'${req.tool.name}' was cancelled while running (seq ${started.seq}: its parallel branch was stopped)` : `the run stopped while '${req.tool.name}' was running (seq ${started.seq})`;
    const reason = `${how}; it may or may not have taken effect, and it is not idempotent`;
    this.k.append({ type: 'ApprovalRequested', key, tool: req.tool.name, args: started.args, rule: { policy: 'in doubt', verb: 'kernel', file: req.gate.file, line: req.loc?.[0] ?? 0 }, reason, inDoubt: true });
    this.k.commit();
    const answer = await this.k.o.approvals.request({
      runId: this.k.runId, key, agent: req.gate.name, tool: req.tool.name, args: started.args as { [k: string]: Json },
      rule: { policy: 'in doubt', verb: 'kernel', file: req.gate.file, line: req.loc?.[0] ?? 0 }, reason, inDoubt: true, canAlwaysAllow: false,
    }, req.branch.signal);
    const by = (answer as { by?: string }).by ?? 'human (in doubt)';
    this.k.append({ type: 'ApprovalDecided', key, tool: req.tool.name, answer: stripBy(answer), by });
    if (answer.kind === 'respond') {
      this.k.append({ type: 'ToolFinished', key, tool: req.tool.name, ok: true, value: answer.result, ms: 0 });
      this.k.commit();
      return { ok: true, value: answer.result, replayed: false };
    }
    if (answer.kind === 'deny') {
      throw new BatonError('in-doubt', `${reason}. Not running it again. Resume with --rerun-in-doubt if it did not take effect, or --in-doubt-result JSON to give its result.`);
    }
    return this.execute(key, req, answer.kind === 'edit' ? answer.args : started.args as { [k: string]: Json }, started.attempt + 1);
  }
}

function secretStrings(v: Json, add: (s: string) => void): void {
  if (typeof v === 'string') add(v);
  else if (Array.isArray(v)) v.forEach((x) => secretStrings(x, add));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => secretStrings(x, add));
}

function stripBy<T extends object>(a: T): T {
  const { by: _by, ...rest } = a as T & { by?: string };
  return rest as T;
}

export { parseDuration };
