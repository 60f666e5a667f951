/**
 * What the debugger remembers of a run: one `Stop` per place the run could stop (a statement, a
 * phase of a reasoning-loop iteration, a tool about to run, an exception), each with a JSON snapshot
 * of what the scopes show. Stepping back and reverse-continue move through this history, so going
 * back never calls a model or a tool; forward from a back position re-walks it, then goes live.
 *
 * `RunState` turns the event sink's journal records into the per-branch facts a stop snapshots:
 * the conversation, the last model output, the pending tool calls (with the policy decision and
 * rule), tokens used, and the journal sequence a fork from here would start at.
 */
import type { Json, Loc } from '../../runtime/ir/schema';
import type { JournalRecord, RuleRef, Usage } from '../../runtime/journal/records';
import type { ChatMessage, ToolCall } from '../../runtime/providers/provider';
import type { LoopPhase, RunEvent } from '../../runtime/kernel/events';

export type ExceptionFilter = 'approval' | 'policy-denial' | 'tool-error' | 'model-error';

export const EXCEPTION_FILTERS: Array<{ filter: ExceptionFilter; label: string; description: string; default: boolean }> = [
  { filter: 'approval', label: 'Approval required', description: 'Stop when a tool call waits for a human approval', default: true },
  { filter: 'policy-denial', label: 'Policy denial', description: 'Stop when a policy (or a human) denies a tool call', default: false },
  { filter: 'tool-error', label: 'Tool error', description: 'Stop when a tool call fails', default: false },
  { filter: 'model-error', label: 'Model error', description: 'Stop when a model call fails', default: false },
];

export interface PendingCall {
  key: string;
  tool: string;
  args: Json;
  status: 'proposed' | 'allowed' | 'denied' | 'waiting for approval' | 'approved' | 'running' | 'done' | 'failed';
  verdict?: string;
  rule?: string;
  reason?: string;
  result?: Json;
}

export interface Stop {
  index: number;
  kind: 'statement' | 'loop' | 'effect' | 'exception' | 'end';
  branch: string;
  /** Statements reached in the branch so far. */
  step: number;
  /** The file as the run names it (relative to the root), and absolute. */
  file: string;
  path: string;
  loc: Loc;
  /** Innermost first (`function double`, `agent counter`), with the line each frame is at. */
  frames: readonly string[];
  frameLocs: readonly Loc[];
  depth: number;
  locals: Record<string, Json>;
  loop?: { iteration: number; maxIterations: number; phase: LoopPhase; key: string };
  effect?: { kind: string; name: string; key: string; args?: Json };
  exception?: { filter: ExceptionFilter; description: string };
  /** The end-of-run stop: how the run ended. */
  endText?: string;
  conversation?: readonly ChatMessage[];
  output?: { text: string; toolCalls: readonly ToolCall[] };
  pending: PendingCall[];
  usage: Usage;
  elapsedMs: number;
  /** The last journal record seen before this stop (a fork from here starts at seq + 1). */
  seq: number;
  replaying: boolean;
}

export function branchOfKey(key: string): string {
  const i = key.lastIndexOf('#');
  return i < 0 ? key : key.slice(0, i);
}

function ruleText(r: RuleRef): string {
  return `${r.policy} (${r.verb}${r.file ? `, ${r.file}:${r.line}` : ''})`;
}

interface BranchState {
  conversation?: readonly ChatMessage[];
  output?: { text: string; toolCalls: readonly ToolCall[] };
  pending: Map<string, PendingCall>;
  /** The last statement stop of the branch (exceptions and loop phases stop "inside" it). */
  last?: Stop;
  /** The line of the statement running at each depth (outer frames show their call site). */
  locs: Loc[];
}

export class RunState {
  readonly records: JournalRecord[] = [];
  readonly usage: Usage = { inputTokens: 0, outputTokens: 0 };
  started?: Extract<JournalRecord, { type: 'Started' }>;
  lastSeq = -1;
  private startTs?: number;
  private lastTs?: number;
  private readonly branches = new Map<string, BranchState>();
  /** Called for records that an exception filter may stop on. */
  onProblem?: (branch: string, filter: ExceptionFilter, description: string) => void;

  branch(id: string): BranchState {
    let b = this.branches.get(id);
    if (!b) { b = { pending: new Map(), locs: [] }; this.branches.set(id, b); }
    return b;
  }

  elapsedMs(): number { return this.startTs !== undefined && this.lastTs !== undefined ? Math.max(0, this.lastTs - this.startTs) : 0; }

  onEvent(ev: RunEvent): void {
    if (ev.kind === 'approval-pending') {
      const p = this.branch(branchOfKey(ev.key)).pending.get(ev.key);
      if (p) p.status = 'waiting for approval';
      return;
    }
    if (ev.kind !== 'record') return;
    const r = ev.record;
    this.records.push(r);
    if (r.seq > this.lastSeq) this.lastSeq = r.seq;
    const ts = Date.parse(r.ts);
    if (Number.isFinite(ts)) { this.startTs ??= ts; this.lastTs = ts; }
    const pend = (key: string, tool: string, args: Json): PendingCall => {
      const m = this.branch(branchOfKey(key)).pending;
      let p = m.get(key);
      if (!p) { p = { key, tool, args, status: 'proposed' }; m.set(key, p); }
      return p;
    };
    switch (r.type) {
      case 'Started': this.started = r; break;
      case 'ReasoningComplete': this.usage.inputTokens += r.usage.inputTokens; this.usage.outputTokens += r.usage.outputTokens; break;
      case 'PolicyEvaluated': {
        this.settleProposed(branchOfKey(r.key));
        const p = pend(r.key, r.tool, r.args);
        Object.assign(p, { verdict: r.verdict, rule: ruleText(r.rule), reason: r.reason, args: r.args, status: r.verdict === 'allow' ? 'allowed' : r.verdict === 'deny' ? 'denied' : 'waiting for approval' });
        break;
      }
      case 'ApprovalRequested': Object.assign(pend(r.key, r.tool, r.args), { status: 'waiting for approval', rule: ruleText(r.rule), reason: r.reason }); break;
      case 'ApprovalDecided': pend(r.key, r.tool, null).status = r.answer.kind === 'deny' ? 'denied' : 'approved'; break;
      case 'ToolStarted': pend(r.key, r.tool, r.args).status = 'running'; break;
      case 'ToolFinished': {
        const p = pend(r.key, r.tool, null);
        p.status = r.ok ? 'done' : 'failed';
        p.result = r.ok ? r.value : r.error.message;
        if (!r.ok) this.onProblem?.(branchOfKey(r.key), 'tool-error', `tool '${r.tool}' failed: ${r.error.message}`);
        break;
      }
      case 'ToolDenied': {
        Object.assign(pend(r.key, r.tool, null), { status: 'denied', reason: r.reason, rule: ruleText(r.rule) });
        this.onProblem?.(branchOfKey(r.key), 'policy-denial', `'${r.tool}' denied: ${r.reason} — ${ruleText(r.rule)}`);
        break;
      }
      default: break;
    }
  }

  /** A new reasoning-loop phase of a branch: the conversation, the model's output, the calls it proposed. */
  loopPhase(branch: string, phase: LoopPhase, messages: readonly ChatMessage[], output?: { text: string; toolCalls: readonly ToolCall[] }): void {
    const b = this.branch(branch);
    if (phase === 'Reasoning') b.pending.clear();
    b.conversation = messages.slice();
    if (output) {
      b.output = { text: output.text, toolCalls: output.toolCalls.slice() };
      if (phase === 'PolicyCheck') {
        output.toolCalls.forEach((c, i) => {
          let args: Json;
          try { args = c.arguments.trim() ? JSON.parse(c.arguments) as Json : {}; } catch { args = c.arguments; }
          const key = `proposed ${i + 1}`;
          b.pending.set(key, { key, tool: c.name, args, status: 'proposed' });
        });
      }
    }
  }

  /** Drops the "proposed" placeholders once the gate decides (the real keys replace them). */
  settleProposed(branch: string): void {
    const m = this.branch(branch).pending;
    for (const [k, p] of m) if (p.status === 'proposed' && k.startsWith('proposed ')) m.delete(k);
  }

  snapshotOf(branch: string): Pick<Stop, 'conversation' | 'output' | 'pending' | 'usage' | 'elapsedMs' | 'seq'> {
    const b = this.branch(branch);
    return {
      ...(b.conversation ? { conversation: b.conversation } : {}), ...(b.output ? { output: b.output } : {}),
      pending: [...b.pending.values()].map((p) => ({ ...p })), usage: { ...this.usage }, elapsedMs: this.elapsedMs(), seq: this.lastSeq,
    };
  }
}
