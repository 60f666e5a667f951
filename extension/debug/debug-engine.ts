/**
 * The debugger's control of one run: it is the run's `PauseHook` and `EventSink`. Every statement,
 * reasoning-loop phase and tool call becomes a `Stop` in the history; the run waits (is "parked")
 * only where the user should see it. Forward commands first re-walk the history after the cursor,
 * then let the run go on live; backward commands only move the cursor (no model, no tool).
 */
import * as path from 'node:path';
import type { Json } from '../../runtime/ir/schema';
import type { EffectInfo, EventSink, LoopPhaseInfo, PauseHook, RunEvent, StatementInfo } from '../../runtime/kernel/events';
import { toJson, type Value } from '../../runtime/interp/values';
import { Breakpoints, hitMatches, SourceBreakpoint, FunctionBreakpoint } from './breakpoints';
import { interpolate } from './evaluate';
import { ExceptionFilter, RunState, Stop } from './debug-state';

export type StepKind = 'continue' | 'next' | 'stepIn' | 'stepOut';

export interface EngineListener {
  stopped(reason: 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'exception' | 'pause', branch: string, text?: string, hitBreakpointIds?: number[]): void;
  output(text: string, category?: 'console' | 'stdout' | 'stderr' | 'important'): void;
  thread(branch: string): void;
}

interface Mode { kind: StepKind | 'entry'; branch: string; depth: number }

/** Stops kept for stepping back; older ones are dropped (stepping back stops at the oldest kept). */
export const MAX_HISTORY = 100_000;

export class DebugEngine implements PauseHook, EventSink {
  readonly history: Stop[] = [];
  /** The stop the user is looking at. */
  cursor = -1;
  readonly state = new RunState();
  readonly filters = new Set<ExceptionFilter>(['approval']);
  private readonly parks = new Map<string, { index: number; resolve: () => void; released: Promise<void> }>();
  private readonly modes = new Map<string, Mode>();
  private defaultMode: Mode | undefined;
  private pauseRequested = false;
  private readonly problems = new Map<string, { filter: ExceptionFilter; description: string }>();
  private readonly hits = new Map<number, { version: number; upTo: number; indices: number[] }>();
  private readonly branchesSeen = new Set<string>();
  /** A fork stops where it was made: the first statement of this branch at or past this step. */
  stopAt?: { branch: string; step: number };
  stopped = false;
  dropped = 0;
  private lastYield = Date.now();

  constructor(readonly root: string, readonly bps: Breakpoints, private readonly listener: EngineListener, stopOnEntry: boolean) {
    if (stopOnEntry) this.defaultMode = { kind: 'entry', branch: 'main', depth: 0 };
    this.state.onProblem = (branch, filter, description) => { if (this.filters.has(filter)) this.problems.set(branch, { filter, description }); };
  }

  context(): Record<string, Json> {
    const s = this.state.started;
    return s ? { run_id: s.run, agent: s.agent, mode: s.mode, user: process.env.USER ?? process.env.USERNAME ?? 'unknown', has_human_approval: false } : {};
  }

  inputs(): Record<string, Json> { return (this.state.started?.inputs ?? {}) as Record<string, Json>; }

  /** Variables an expression sees at a stop: inputs, then locals (locals win). */
  vars(stop: Stop | undefined): Record<string, Json> { return { ...this.inputs(), ...(stop?.locals ?? {}) }; }

  current(): Stop | undefined { return this.history[this.cursor]; }

  // ---- EventSink ----

  emit(ev: RunEvent): void { this.state.onEvent(ev); }

  // ---- PauseHook ----

  beforeStatement(info: StatementInfo): Promise<void> | void {
    return this.queued(info.branch, () => this.statement(info));
  }

  /**
   * Strands of one branch that run at once (the loop dispatches tool calls concurrently) wait while
   * the branch is parked, then are looked at in turn: one stop per branch at a time.
   */
  private queued(branch: string, fn: () => Promise<void> | void): Promise<void> | void {
    const p = this.parks.get(branch);
    if (!p) return fn();
    return p.released.then(() => this.queued(branch, fn));
  }

  private statement(info: StatementInfo): Promise<void> | void {
    const b = this.state.branch(info.branch);
    const depth = info.frames.length;
    // A parallel branch `main.2.0` starts inside its parent's statement: outer frames show the parent's lines.
    if (!b.locs.length && info.branch.includes('.')) b.locs.push(...this.state.branch(info.branch.split('.').slice(0, -2).join('.')).locs);
    b.locs.length = depth;
    b.locs[depth - 1] = info.loc;
    const raw = info.locals();
    const locals: Record<string, Json> = {};
    for (const k of Object.keys(raw)) locals[k] = toJson(raw[k] as Value);
    const frameLocs = [];
    for (let i = depth - 1; i >= 0; i--) frameLocs.push(b.locs[i] ?? info.loc);
    const stop = this.push({
      kind: 'statement', branch: info.branch, step: info.step, file: info.file, path: this.abs(info.file), loc: info.loc,
      frames: info.frames, frameLocs, depth, locals, replaying: info.replaying, ...this.state.snapshotOf(info.branch),
    });
    b.last = stop;
    // A run of pure statements never leaves the microtask queue: let DAP requests (pause, disconnect) in now and then.
    const now = Date.now();
    if (now - this.lastYield > 25) {
      this.lastYield = now;
      return new Promise<void>((r) => setImmediate(r)).then(() => this.check(stop));
    }
    return this.check(stop);
  }

  beforeLoopPhase(info: LoopPhaseInfo): Promise<void> | void {
    return this.queued(info.branch, () => this.loopPhase(info));
  }

  private loopPhase(info: LoopPhaseInfo): Promise<void> | void {
    this.state.loopPhase(info.branch, info.phase, info.messages, info.output);
    const stop = this.inside(info.branch, 'loop', { loop: { iteration: info.iteration, maxIterations: info.maxIterations, phase: info.phase, key: info.key } }, info.replaying);
    return stop && this.check(stop);
  }

  beforeEffect(info: EffectInfo): Promise<void> | void {
    return this.queued(info.key.slice(0, info.key.lastIndexOf('#')), () => this.effect(info));
  }

  private effect(info: EffectInfo): Promise<void> | void {
    if (info.kind !== 'tool' && info.kind !== 'child') return this.problemStop(info.key.slice(0, info.key.lastIndexOf('#')));
    const branch = info.key.slice(0, info.key.lastIndexOf('#'));
    const loop = this.state.branch(branch).last && this.lastLoop(branch);
    const stop = this.inside(branch, 'effect', {
      effect: { kind: info.kind, name: info.name, key: info.key, ...(info.args !== undefined ? { args: info.args } : {}) },
      ...(loop ? { loop: { ...loop, phase: 'ToolDispatching' as const } } : {}),
    }, info.replaying);
    return stop && this.check(stop);
  }

  /** A stop "inside" the branch's current statement (a loop phase, a tool call, an exception). */
  private inside(branch: string, kind: Stop['kind'], extra: Partial<Stop>, replaying: boolean): Stop | undefined {
    const last = this.state.branch(branch).last;
    if (!last) return undefined;
    return this.push({ ...last, ...this.state.snapshotOf(branch), kind, depth: last.depth + 1, replaying, loop: undefined, effect: undefined, exception: undefined, ...extra });
  }

  private lastLoop(branch: string): Stop['loop'] {
    for (let i = this.history.length - 1; i >= 0 && i >= this.history.length - 50; i--) {
      const s = this.history[i];
      if (s.branch !== branch) continue;
      if (s.kind === 'statement') return undefined;
      if (s.loop) return s.loop;
    }
    return undefined;
  }

  private push(s: Omit<Stop, 'index'>): Stop {
    const stop = s as Stop;
    stop.index = this.history.length;
    this.history.push(stop);
    if (this.history.length > MAX_HISTORY + 10_000) this.trim();
    if (!this.branchesSeen.has(stop.branch)) { this.branchesSeen.add(stop.branch); this.listener.thread(stop.branch); }
    return stop;
  }

  /** An exception noticed from a journal record (denial, tool error) stops at the branch's next hook. */
  private problemStop(branch: string): Promise<void> | void {
    if (!this.problems.has(branch)) return;
    const stop = this.inside(branch, 'exception', { loop: this.lastLoop(branch) }, false);
    return stop && this.check(stop);
  }

  /** Stops on an exception right away (an approval waiting, a model error): resolves when the user goes on. */
  exceptionNow(branch: string, filter: ExceptionFilter, description: string): Promise<void> {
    if (!this.filters.has(filter)) return Promise.resolve();
    return Promise.resolve(this.queued(branch, () => {
      const stop = this.inside(branch, 'exception', { exception: { filter, description }, loop: this.lastLoop(branch) }, false);
      return stop ? this.park(stop, 'exception', description) : undefined;
    }));
  }

  private check(stop: Stop): Promise<void> | void {
    const problem = this.problems.get(stop.branch);
    if (problem) { this.problems.delete(stop.branch); stop.exception = problem; }
    if (this.stopped) return;
    const mode = this.modes.get(stop.branch) ?? this.defaultMode;
    const r = this.reason(stop, mode, true);
    if (!r) return;
    return this.park(stop, r.reason, r.text, r.ids);
  }

  private park(stop: Stop, reason: Parameters<EngineListener['stopped']>[0], text?: string, ids?: number[]): Promise<void> {
    let released!: () => void;
    const done = new Promise<void>((r) => { released = r; });
    return new Promise<void>((resolve) => {
      this.parks.set(stop.branch, { index: stop.index, resolve: () => { resolve(); released(); }, released: done });
      this.cursor = stop.index;
      this.pauseRequested = false;
      if (this.defaultMode?.kind === 'entry') this.defaultMode = undefined;
      this.listener.stopped(reason, stop.branch, text, ids);
    });
  }

  /** Why the run stops at `stop` (or not), going forward; logpoints print as they pass. */
  private reason(stop: Stop, mode: Mode | undefined, forward: boolean): { reason: Parameters<EngineListener['stopped']>[0]; text?: string; ids?: number[] } | undefined {
    if (stop.exception) return { reason: 'exception', text: stop.exception.description };
    if (stop.kind === 'end') return { reason: 'step', text: 'end of run' };
    if (this.pauseRequested && forward) return { reason: 'pause' };
    if (this.stopAt) {
      // A fork re-runs its prefix from the journal without stopping, up to where it was made (or where it goes live).
      if (stop.kind !== 'statement' || (stop.replaying && (stop.branch !== this.stopAt.branch || stop.step < this.stopAt.step))) return undefined;
      this.stopAt = undefined;
      return { reason: 'step', text: 'fork point' };
    }
    if (mode && mode.branch === stop.branch) {
      if (mode.kind === 'entry' && stop.kind === 'statement') return { reason: 'entry' };
      if (mode.kind === 'stepIn') return { reason: 'step' };
      if (mode.kind === 'next' && stop.depth <= mode.depth) return { reason: 'step' };
      if (mode.kind === 'stepOut' && stop.depth < mode.depth) return { reason: 'step' };
    }
    const hit = this.breakpointAt(stop, forward);
    return hit;
  }

  private breakpointAt(stop: Stop, forward: boolean): { reason: 'breakpoint' | 'function breakpoint'; ids: number[] } | undefined {
    if (!this.bps.any) return undefined;
    let list: Array<SourceBreakpoint | FunctionBreakpoint> = [];
    if (stop.kind === 'statement') list = this.bps.at(stop.path, stop.loc[0]);
    else if (stop.kind === 'effect' && stop.effect) list = this.bps.functions.filter((f) => f.tool === stop.effect!.name);
    if (!list.length) return undefined;
    const ids: number[] = [];
    for (const bp of list) {
      if (!this.matches(bp, stop)) continue;
      if (!hitMatches(bp.hitCondition, this.hitCount(bp, stop))) continue;
      if ('logMessage' in bp && bp.logMessage !== undefined) {
        if (forward) this.listener.output(`${interpolate(bp.logMessage, this.vars(stop), this.context())}\n`, 'console');
        continue;
      }
      ids.push(bp.id);
    }
    if (!ids.length) return undefined;
    return { reason: stop.kind === 'statement' ? 'breakpoint' : 'function breakpoint', ids };
  }

  private matches(bp: SourceBreakpoint | FunctionBreakpoint, stop: Stop): boolean {
    return Breakpoints.condition(bp.condition, this.vars(stop), this.context(), (m) => this.listener.output(m + '\n', 'stderr'));
  }

  /** How many times `bp` was hit (condition true) up to and including `stop`. */
  private hitCount(bp: SourceBreakpoint | FunctionBreakpoint, stop: Stop): number {
    if (!bp.hitCondition) return 0;
    let h = this.hits.get(bp.id);
    if (!h || h.version !== this.bps.version) { h = { version: this.bps.version, upTo: -1, indices: [] }; this.hits.set(bp.id, h); }
    for (let i = h.upTo + 1; i <= stop.index && i < this.history.length; i++) {
      const s = this.history[i];
      const here = 'line' in bp ? s.kind === 'statement' && s.path === bp.file && s.loc[0] === bp.line : s.kind === 'effect' && s.effect?.name === bp.tool;
      if (here && (i === stop.index || this.matches(bp, s))) h.indices.push(i);
      h.upTo = i;
    }
    let n = 0;
    for (const i of h.indices) if (i <= stop.index) n++;
    return n;
  }

  // ---- commands ----

  /** Forward: re-walk the history after the cursor, then go on live. */
  resume(kind: StepKind, branch?: string): void {
    const origin = this.current();
    const mode: Mode = { kind, branch: branch ?? origin?.branch ?? 'main', depth: origin?.depth ?? 0 };
    if (origin && kind !== 'continue' && branch && origin.branch !== branch) {
      const last = this.lastOf(branch);
      if (last) mode.depth = last.depth;
    }
    for (let i = this.cursor + 1; i < this.history.length; i++) {
      const s = this.history[i];
      const r = this.reason(s, kind === 'continue' ? undefined : mode, true);
      if (r) { this.cursor = i; this.listener.stopped(r.reason, s.branch, r.text, r.ids); return; }
    }
    this.cursor = this.history.length - 1;
    if (kind === 'continue') {
      this.modes.clear();
      const all = [...this.parks.values()];
      this.parks.clear();
      for (const p of all) p.resolve();
      return;
    }
    this.modes.set(mode.branch, mode);
    const p = this.parks.get(mode.branch);
    if (p) { this.parks.delete(mode.branch); p.resolve(); return; }
    // The branch is not parked (it ended, or waits for an approval): let the others go on.
    const all = [...this.parks.values()];
    this.parks.clear();
    for (const x of all) x.resolve();
  }

  private lastOf(branch: string): Stop | undefined {
    for (let i = this.cursor; i >= 0; i--) if (this.history[i].branch === branch) return this.history[i];
    return undefined;
  }

  /** Backward: the previous stop of the branch at the same depth or shallower (like `next`, reversed). */
  stepBack(branch?: string): { moved: boolean } {
    const origin = this.current();
    if (!origin) return { moved: false };
    const b = branch ?? origin.branch;
    let fallback = -1;
    for (let i = this.cursor - 1; i >= 0; i--) {
      const s = this.history[i];
      if (s.branch !== b) continue;
      if (fallback < 0) fallback = i;
      if (s.depth <= origin.depth) { this.cursor = i; return { moved: true }; }
    }
    if (fallback >= 0) { this.cursor = fallback; return { moved: true }; }
    return { moved: false };
  }

  /** Backward to the previous breakpoint hit, or the first stop of the run. */
  reverseContinue(): { reason: 'breakpoint' | 'function breakpoint' | 'entry'; ids?: number[] } {
    for (let i = this.cursor - 1; i >= 0; i--) {
      const hit = this.breakpointAt(this.history[i], false);
      if (hit) { this.cursor = i; return hit; }
    }
    this.cursor = this.history.length ? 0 : -1;
    return { reason: 'entry' };
  }

  /**
   * The run is over. If the user was stepping, stop once more at its end (so stepping back and
   * reverse-continue still work); resolves when they go on.
   */
  endOfRun(summary: string): Promise<void> {
    if (this.stopped || ![...this.modes.values()].some((m) => m.kind !== 'continue') && this.defaultMode?.kind !== 'entry') return Promise.resolve();
    const last = [...this.history].reverse().find((s) => s.kind === 'statement');
    if (!last) return Promise.resolve();
    const stop = this.push({ ...last, ...this.state.snapshotOf(last.branch), kind: 'end', depth: 0, frames: last.frames.slice(-1), frameLocs: last.frameLocs.slice(-1), loop: undefined, effect: undefined, exception: undefined, endText: summary });
    return this.park(stop, 'step', `end of run: ${summary}`);
  }

  pause(): boolean {
    if (this.parks.size && this.cursor >= 0) return false;
    this.pauseRequested = true;
    return true;
  }

  /** Lets every parked branch go (disconnect, a fork replacing this run). */
  releaseAll(): void {
    this.stopped = true;
    const all = [...this.parks.values()];
    this.parks.clear();
    for (const p of all) p.resolve();
  }

  parked(branch: string): boolean { return this.parks.has(branch); }

  /** The absolute path of a file as the run names it. */
  abs(file: string): string { return path.isAbsolute(file) ? file : path.resolve(this.root, file); }

  /** Forgets the oldest stops beyond MAX_HISTORY (a very long run). */
  trim(): void {
    if (this.history.length <= MAX_HISTORY) return;
    const n = this.history.length - MAX_HISTORY;
    this.history.splice(0, n);
    this.history.forEach((s, i) => { s.index = i; });
    this.cursor = Math.max(0, this.cursor - n);
    for (const p of this.parks.values()) p.index = Math.max(0, p.index - n);
    this.hits.clear();
    this.dropped += n;
  }
}
