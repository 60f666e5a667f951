/**
 * What a previous execution of the run recorded, by effect key: the kernel answers effects from
 * here before doing anything live (resume, replay, the replayed prefix of a fork).
 */
import type { JournalRecord } from '../journal/records';

type R<T extends JournalRecord['type']> = Extract<JournalRecord, { type: T }>;

export interface KeyRecords {
  requested?: R<'ModelRequested'>;
  model?: R<'ReasoningComplete'>;
  /** The arguments a tool call was asked with (its first PolicyEvaluated, else its ToolStarted). */
  args?: { value: unknown };
  started?: R<'ToolStarted'>;
  finished?: R<'ToolFinished'>;
  /**
   * A call cancelled by its own strand (a failing parallel sibling). Not an answer: a resume or fork
   * re-runs it if idempotent, else it is in doubt (it may have run partly); replay reproduces it.
   */
  cancelled?: R<'ToolFinished'>;
  denied?: R<'ToolDenied'>;
  decided?: R<'ApprovalDecided'>;
  effect?: R<'EffectRecorded'>;
  child?: R<'ChildFinished'>;
  childStarted?: R<'ChildStarted'>;
  observations?: R<'ObservationsCollected'>;
  /** The effect was answered from the result cache (runtime/cache/). */
  cacheHit?: R<'CacheHit'>;
  /** Message bus records of this effect (runtime/orchestration/), in journal order. */
  messaging?: Array<R<'MessageSent' | 'MessageReceived' | 'MessageDeadLettered' | 'MessageDenied' | 'MessageSubscribed'>>;
}

export class ReplayIndex {
  private readonly byKey = new Map<string, KeyRecords>();
  /** Tools a human allowed "for this run" before the crash. */
  readonly runGrants = new Set<string>();
  /** Highest StatementReached step journaled per branch (not journaled again on resume). */
  readonly steps = new Map<string, number>();
  /** MCP pins journaled at the first start. */
  readonly pins = new Map<string, Array<{ name: string; hash: string }>>();
  /** Every message bus record, in journal order (a resume re-delivers what was sent and not received). */
  readonly messages: Array<NonNullable<KeyRecords['messaging']>[number]> = [];
  /** Set when a fork's live part diverged: the index answers nothing more. */
  diverged = false;

  constructor(records: readonly JournalRecord[], readonly limitSeq = Infinity) {
    for (const r of records) {
      if (r.seq >= limitSeq) break;
      switch (r.type) {
        case 'ModelRequested': this.slot(r.key).requested = r; break;
        case 'ReasoningComplete': this.slot(r.key).model = r; break;
        case 'PolicyEvaluated': { const sl = this.slot(r.key); sl.args ??= { value: r.args }; break; }
        case 'ToolStarted': { const sl = this.slot(r.key); sl.started = r; sl.args ??= { value: r.args }; break; }
        case 'ToolFinished': {
          const sl = this.slot(r.key);
          if (!r.ok && r.error.code === 'cancelled') { sl.cancelled = r; delete sl.finished; } else { sl.finished = r; delete sl.cancelled; }
          break;
        }
        case 'ToolDenied': this.slot(r.key).denied = r; break;
        case 'ApprovalDecided':
          this.slot(r.key).decided = r;
          if (r.answer.kind === 'allow_run' || r.answer.kind === 'always_allow') this.runGrants.add(r.tool);
          break;
        case 'EffectRecorded': this.slot(r.key).effect = r; break;
        case 'ChildFinished': this.slot(r.key).child = r; break;
        case 'ChildStarted': this.slot(r.key).childStarted = r; break;
        case 'ObservationsCollected': this.slot(r.key).observations = r; break;
        case 'CacheHit': this.slot(r.key).cacheHit = r; break;
        case 'StatementReached': this.steps.set(r.branch, Math.max(this.steps.get(r.branch) ?? 0, r.step)); break;
        case 'McpPinned': this.pins.set(r.server, r.tools); break;
        case 'MessageSent': case 'MessageReceived': case 'MessageDeadLettered': case 'MessageDenied': case 'MessageSubscribed':
          (this.slot(r.key).messaging ??= []).push(r); this.messages.push(r); break;
        default: break;
      }
    }
  }

  get(key: string): KeyRecords | undefined {
    return this.diverged ? undefined : this.byKey.get(key);
  }

  /** Effects started and never finished (or cancelled): run again only if idempotent, else ask a human. */
  inDoubt(): string[] {
    const out: string[] = [];
    for (const [k, v] of this.byKey) if (v.started && !v.finished) out.push(k);
    return out;
  }

  private slot(key: string): KeyRecords {
    let s = this.byKey.get(key);
    if (!s) { s = {}; this.byKey.set(key, s); }
    return s;
  }
}
