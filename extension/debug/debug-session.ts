/**
 * The Baton debug adapter (DAP). Runs inline in the extension host and standalone
 * (`node dist/debug-adapter.js`, DAP on stdio). It never imports 'vscode'.
 *
 * Launch: `program` (+ `agent`, `inputs`, `provider`, `model`, `baseUrl`, `cassette`, `cwd`), or
 * `runId` to step through a recorded run offline (replayed from its journal in `<cwd>/.baton/runs`).
 * Threads are the run's branches (`main`, parallel `main.<n>.<i>`); the call stack is
 * agent → function → statement, with a frame for a reasoning-loop iteration and phase.
 * Stepping back / reverse-continue move through the stops recorded so far (no model, no tool).
 *
 * Custom requests:
 *   batonAnswerApproval { key: string, answer: ApprovalAnswer }  → { answered: true } | { forked: runId }
 *     Answers a waiting approval. For an approval already decided (you are back in history), forks
 *     a new run at the approval's ApprovalRequested record and answers it there with `answer`.
 *   batonPending {}  → { approvals: Array<{ key, tool, args, reason }> }   approvals waiting now.
 *   batonFork { inputs?: object }  → { runId }   forks a new run from the current stop with changed inputs
 *     (setting an Inputs variable does the same).
 * Debug console commands: `:approve [key]`, `:allow-run`, `:always`, `:deny [key] [reason]`,
 * `:respond [key] <json>`, `:edit [key] <json>`, `:pending`, `:help`; anything else is a DSL
 * expression evaluated without effects.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { InitializedEvent, LoggingDebugSession, OutputEvent, StoppedEvent, TerminatedEvent, ThreadEvent } from '@vscode/debugadapter';
import type { Json } from '../../runtime/ir/schema';
import type { ApprovalAnswer } from '../../runtime/journal/records';
import { BatonError } from '../../runtime/errors';
import { EXCEPTION_FILTERS, ExceptionFilter, Stop } from './debug-state';
import { Breakpoints } from './breakpoints';
import { evaluate } from './evaluate';
import { VariableStore } from './debug-variables';
import { DebugApprovals, DebugServices, parseAnswerCommand } from './debug-services';
import { DebugRunner } from './debug-runner';

export type { BatonLaunchArgs, DebugServices } from './debug-services';
export { defaultDebugServices } from './debug-services';
import type { BatonLaunchArgs } from './debug-services';

interface FrameRef { stop: Stop; level: number }

export class BatonDebugSession extends LoggingDebugSession {
  private readonly bps = new Breakpoints();
  private readonly vars = new VariableStore();
  private readonly frames = new Map<number, FrameRef>();
  private nextFrame = 1;
  private readonly threadIds = new Map<string, number>();
  private readonly branchOfThread = new Map<number, string>();
  private filters = new Set<ExceptionFilter>(EXCEPTION_FILTERS.filter((f) => f.default).map((f) => f.filter));
  private configured!: () => void;
  private readonly configDone = new Promise<void>((r) => { this.configured = r; });
  private runner?: DebugRunner;
  private readonly approvals: DebugApprovals;

  constructor(private readonly services: DebugServices) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.approvals = new DebugApprovals(services.approvals, (req) => {
      this.output(`approval required: ${req.tool}(${JSON.stringify(req.args)}) — ${req.reason} [${req.key}]. Answer with :approve, :deny <reason>, ... in the debug console.\n`, 'important');
      void this.runner?.engine.exceptionNow(req.key.slice(0, req.key.lastIndexOf('#')), 'approval', `approval required: '${req.tool}' (${req.reason}) — key ${req.key}`);
    });
  }

  // ---- lifecycle ----

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true, supportsConditionalBreakpoints: true, supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true, supportsFunctionBreakpoints: true, supportsStepBack: true, supportsEvaluateForHovers: true,
      supportsSetVariable: true, supportsTerminateRequest: true, supportsExceptionInfoRequest: true, supportsLoadedSourcesRequest: false,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({ filter: f.filter, label: f.label, description: f.description, default: f.default })),
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: BatonLaunchArgs): Promise<void> {
    await Promise.race([this.configDone, new Promise((r) => setTimeout(r, 2000))]);
    const refused = this.services.refuse?.();
    if (refused) return this.sendErrorResponse(response, 1001, refused);
    try {
      this.runner = new DebugRunner(this.services, this.bps, this.approvals, {
        stopped: (reason, branch, text, ids) => this.stoppedEvent(reason, branch, text, ids),
        output: (text, category) => this.output(text, category),
        thread: (branch) => this.sendEvent(new ThreadEvent('started', this.threadOf(branch))),
        terminated: () => this.sendEvent(new TerminatedEvent()),
      });
      this.runner.filters = this.filters;
      await this.runner.launch(args);
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, 1002, e instanceof BatonError ? e.message : `cannot launch: ${(e as Error).message}`);
    }
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.runner?.dispose();
    this.sendResponse(response);
    this.shutdown(); // standalone: the process exits; inline: nothing
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.runner?.dispose();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  // ---- breakpoints ----

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const file = args.source.path ?? this.runner?.pathOfSource(args.source.sourceReference) ?? args.source.name ?? '';
    const list = this.bps.set(file, (args.breakpoints ?? args.lines?.map((line) => ({ line })) ?? []).map((b) => ({ line: b.line, condition: (b as DebugProtocol.SourceBreakpoint).condition, hitCondition: (b as DebugProtocol.SourceBreakpoint).hitCondition, logMessage: (b as DebugProtocol.SourceBreakpoint).logMessage })));
    response.body = { breakpoints: list.map((b) => ({ id: b.id, verified: b.verified, line: b.line, ...(b.message ? { message: b.message } : {}), source: args.source })) };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    const list = this.bps.setFunctions(args.breakpoints);
    response.body = { breakpoints: list.map((b) => ({ id: b.id, verified: true, message: `stops before each call to tool '${b.tool}'` })) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const known = new Set(EXCEPTION_FILTERS.map((f) => f.filter as string));
    this.filters.clear();
    for (const f of args.filters) if (known.has(f)) this.filters.add(f as ExceptionFilter);
    this.runner?.setFilters(this.filters);
    response.body = { breakpoints: args.filters.map(() => ({ verified: true })) };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const s = this.runner?.engine.current();
    response.body = { exceptionId: s?.exception?.filter ?? 'none', description: s?.exception?.description ?? 'no exception here', breakMode: 'always' };
    this.sendResponse(response);
  }

  // ---- threads, stack, scopes, variables ----

  private threadOf(branch: string): number {
    let id = this.threadIds.get(branch);
    if (id === undefined) { id = this.threadIds.size + 1; this.threadIds.set(branch, id); this.branchOfThread.set(id, branch); }
    return id;
  }

  private stoppedEvent(reason: string, branch: string, text?: string, ids?: number[]): void {
    this.vars.reset();
    this.frames.clear();
    const ev = new StoppedEvent(reason, this.threadOf(branch), text) as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = false;
    if (ids?.length) ev.body.hitBreakpointIds = ids;
    if (text) ev.body.description = text;
    this.sendEvent(ev);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const r = this.runner;
    const branches = r ? r.branches() : [];
    if (!branches.length) branches.push('main');
    response.body = { threads: branches.map((b) => ({ id: this.threadOf(b), name: r ? r.threadName(b) : b })) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const r = this.runner;
    const stop = r?.stopFor(this.branchOfThread.get(args.threadId) ?? 'main');
    if (!r || !stop) { response.body = { stackFrames: [], totalFrames: 0 }; return this.sendResponse(response); }
    const source = r.sourceOf(stop);
    const frames: DebugProtocol.StackFrame[] = [];
    const add = (name: string, level: number, loc: readonly number[], hint?: DebugProtocol.StackFrame['presentationHint']) => {
      const id = this.nextFrame++;
      this.frames.set(id, { stop, level });
      frames.push({ id, name, source, line: loc[0], column: loc[1], endLine: loc[2], endColumn: loc[3], ...(hint ? { presentationHint: hint } : {}) });
    };
    if (stop.kind !== 'statement') {
      const what = stop.endText ? `end of run — ${stop.endText}` : stop.exception ? `⚠ ${stop.exception.description}`
        : stop.effect ? `${stop.effect.kind} ${stop.effect.name} [${stop.effect.key}]` : '';
      const loop = stop.loop ? `reason loop · iteration ${stop.loop.iteration} · ${stop.loop.phase}` : '';
      add([loop, what].filter(Boolean).join(' — ') || stop.kind, -1, stop.loc, 'label');
    }
    stop.frames.forEach((name, i) => add(i === 0 ? `${name} · step ${stop.step}${stop.replaying ? ' (replay)' : ''}` : name, i, stop.frameLocs[i] ?? stop.loc));
    const start = args.startFrame ?? 0;
    const levels = args.levels ?? frames.length;
    response.body = { stackFrames: frames.slice(start, start + (levels || frames.length)), totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const f = this.frames.get(args.frameId);
    const r = this.runner;
    if (!f || !r) { response.body = { scopes: [] }; return this.sendResponse(response); }
    response.body = { scopes: this.vars.scopes(f.stop, f.level <= 0, r.engine.inputs(), r.engine.context(), r.limits()) };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    let vs = this.vars.variables(args.variablesReference);
    if (args.filter === 'indexed' && args.start !== undefined) vs = vs.slice(args.start, args.start + (args.count ?? vs.length));
    response.body = { variables: vs };
    this.sendResponse(response);
  }

  protected override async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    const c = this.vars.get(args.variablesReference);
    const r = this.runner;
    if (!r || !c || c.scope !== 'Inputs' || !c.stop) {
      return this.sendErrorResponse(response, 1010, `cannot set '${args.name}': only Inputs can be changed, and changing one forks a new run from this stop (the journal of a run is never rewritten)`);
    }
    let value: Json;
    try { value = evaluate(args.value, r.engine.vars(c.stop), r.engine.context()); } catch (e) { return this.sendErrorResponse(response, 1011, (e as Error).message); }
    try {
      await r.fork(c.stop, { [args.name]: value });
      response.body = { value: this.vars.variable(args.name, value).value };
      this.sendResponse(response);
    } catch (e) { this.sendErrorResponse(response, 1012, `cannot fork: ${(e as Error).message}`); }
  }

  // ---- execution ----

  private branchFor(threadId: number | undefined): string | undefined { return threadId === undefined ? undefined : this.branchOfThread.get(threadId); }

  protected override continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.runner?.engine.resume('continue', this.branchFor(args.threadId));
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.sendResponse(response);
    this.runner?.engine.resume('next', this.branchFor(args.threadId));
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.sendResponse(response);
    this.runner?.engine.resume('stepIn', this.branchFor(args.threadId));
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.sendResponse(response);
    this.runner?.engine.resume('stepOut', this.branchFor(args.threadId));
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.sendResponse(response);
    const e = this.runner?.engine;
    if (!e) return;
    const { moved } = e.stepBack(this.branchFor(args.threadId));
    const s = e.current();
    if (s) this.stoppedEvent(moved ? 'step' : 'entry', s.branch, moved ? undefined : 'the first recorded stop');
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.sendResponse(response);
    const e = this.runner?.engine;
    if (!e) return;
    const r = e.reverseContinue();
    const s = e.current();
    if (s) this.stoppedEvent(r.reason, s.branch, r.reason === 'entry' ? 'the first recorded stop' : undefined, r.ids);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.sendResponse(response);
    this.runner?.engine.pause();
  }

  // ---- evaluate, sources, custom requests ----

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const r = this.runner;
    const text = args.expression.trim();
    if (args.context === 'repl' && text.startsWith(':')) return this.consoleCommand(response, text);
    const stop = (args.frameId !== undefined ? this.frames.get(args.frameId)?.stop : undefined) ?? r?.engine.current();
    try {
      const v = evaluate(text, r ? r.engine.vars(stop) : {}, r ? r.engine.context() : {});
      const shown = this.vars.variable('result', v);
      response.body = { result: shown.value, type: shown.type, variablesReference: this.vars.refFor(v) };
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, 1020, (e as Error).message);
    }
  }

  private consoleCommand(response: DebugProtocol.EvaluateResponse, text: string): void {
    const done = (result: string) => { response.body = { result, variablesReference: 0 }; this.sendResponse(response); };
    if (text === ':help') return done('Answer a waiting approval: :approve [key] | :allow-run | :always | :deny [key] [reason] | :respond [key] <json> | :edit [key] <json>. :pending lists them. Anything else is a DSL expression.');
    if (text === ':pending') {
      const list = [...this.approvals.pending.values()].map((p) => `${p.req.key}: ${p.req.tool}(${JSON.stringify(p.req.args)}) — ${p.req.reason}`);
      return done(list.length ? list.join('\n') : 'no approval is waiting');
    }
    const cmd = parseAnswerCommand(text);
    if (!cmd) return this.sendErrorResponse(response, 1021, `unknown command '${text.split(/\s/)[0]}' (try :help)`);
    if ('error' in cmd) return this.sendErrorResponse(response, 1022, cmd.error);
    this.answer(cmd.key, cmd.answer).then((r) => done(r), (e) => this.sendErrorResponse(response, 1023, (e as Error).message));
  }

  /** Answers a waiting approval, or forks to answer one that history already decided. */
  private async answer(key: string | undefined, answer: ApprovalAnswer): Promise<string> {
    const k = this.approvals.keyFor(key);
    if (k && this.approvals.answer(k, answer)) return `answered ${k}: ${answer.kind}`;
    if (!key || !this.runner) throw new BatonError('usage', key ? `no approval is waiting for ${key}` : 'no approval is waiting (name the key of a decided one to answer it differently in a fork)');
    const runId = await this.runner.forkAnswer(key, answer);
    return `forked run ${runId} to answer ${key} with ${answer.kind}`;
  }

  protected override async customRequest(command: string, response: DebugProtocol.Response, args: unknown): Promise<void> {
    const a = (args ?? {}) as Record<string, unknown>;
    try {
      if (command === 'batonAnswerApproval') {
        const key = typeof a.key === 'string' ? a.key : undefined;
        const answer = a.answer as ApprovalAnswer | undefined;
        if (!key || !answer || typeof answer.kind !== 'string') throw new BatonError('usage', 'batonAnswerApproval needs { key, answer: { kind, ... } }');
        if (this.approvals.answer(key, answer)) response.body = { answered: true };
        else if (this.runner) response.body = { forked: await this.runner.forkAnswer(key, answer) };
        else throw new BatonError('usage', `no approval is waiting for ${key}`);
      } else if (command === 'batonPending') {
        response.body = { approvals: [...this.approvals.pending.values()].map((p) => ({ key: p.req.key, tool: p.req.tool, args: p.req.args, reason: p.req.reason })) };
      } else if (command === 'batonFork') {
        const stop = this.runner?.engine.current();
        if (!this.runner || !stop) throw new BatonError('usage', 'batonFork: the run is not stopped');
        response.body = { runId: await this.runner.fork(stop, (a.inputs ?? {}) as Record<string, Json>) };
      } else return super.customRequest(command, response, args);
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, 1030, (e as Error).message);
    }
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const text = this.runner?.sourceText(args.sourceReference ?? args.source?.sourceReference ?? 0);
    if (text === undefined) return this.sendErrorResponse(response, 1040, `no source ${args.source?.path ?? args.sourceReference}`);
    response.body = { content: text, mimeType: 'text/x-baton' };
    this.sendResponse(response);
  }

  private output(text: string, category: 'console' | 'stdout' | 'stderr' | 'important' = 'console'): void {
    this.sendEvent(new OutputEvent(text, category));
  }
}
