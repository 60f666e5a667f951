/**
 * Journal records: one JSON object per line in `.baton/runs/<run-id>.jsonl`.
 *
 * Every record has `v` (schema version), `seq` (0, 1, 2, ... without gaps), `type`, `ts` (ISO time,
 * informational only — never read back into a run) and `prev`: the SHA-256 (hex) of the previous
 * record's line (its exact bytes without the trailing newline), or 64 zeros for seq 0. That is the
 * audit hash chain. `Checkpoint` records carry an Ed25519 signature of the chain head.
 *
 * Effects are identified by `key`: `<branch>#<n>`, where `branch` is `main`, or a parallel branch
 * path such as `main.2.0`, and `n` counts the effects of that branch. Keys do not depend on timing,
 * so a resumed or replayed run asks for the same keys in the same branches.
 *
 * Nothing secret is ever written: values resolved from `vault://` and provider keys are redacted
 * by the journal writer before serialisation.
 */
import type { Json, Loc } from '../ir/schema';
import type { OrchestrationBody } from './records-orchestration';
import type { PlanningBody } from './records-planning';
import type { MemoryBody } from './records-memory';
import type { MessagingBody } from './records-messaging';

export const JOURNAL_VERSION = 1;
export const ZERO_HASH = '0'.repeat(64);

export interface RecordBase {
  v: number;
  seq: number;
  ts: string;
  prev: string;
}

/** Where a decision came from: `policy least_privilege (examples/devops.baton:58)`. */
export interface RuleRef {
  policy: string;
  verb: 'allow' | 'deny' | 'require' | 'audit' | 'tool' | 'default' | 'always-allowed' | 'kernel' | 'approved-for-run' | 'flag';
  file: string;
  line: number;
}

export type Verdict = 'allow' | 'deny' | 'ask';

export type ApprovalAnswer =
  | { kind: 'allow_once' }
  | { kind: 'allow_run' }
  | { kind: 'always_allow' }
  | { kind: 'deny'; reason?: string }
  | { kind: 'edit'; args: { [k: string]: Json } }
  | { kind: 'respond'; result: Json };

export interface Usage { inputTokens: number; outputTokens: number }

/** Records of the core runtime; orchestration, planning/reflection and memory/cache records live in `records-*.ts`. */
export type JournalBody = CoreBody | OrchestrationBody | PlanningBody | MemoryBody | MessagingBody;

export type CoreBody =
  | {
    type: 'Started'; run: string; file: string; agent: string; inputs: { [k: string]: Json };
    /** The source text of the file (so resume, replay and fork never depend on the file on disk). */
    source: string; sourceHash: string;
    provider: string; model?: string; baseUrl?: string; mode: 'live' | 'resume' | 'replay' | 'fork';
    forkOf?: { run: string; at: number }; parent?: { run: string; key: string };
    /** Extra run context given at the start (`--context`); resume and replay read it back. Redacted like every record. */
    context?: { [k: string]: Json };
    root: string; publicKey: string;
  }
  | { type: 'Resumed'; inDoubt: string[] }
  | { type: 'StatementReached'; branch: string; step: number; loc: Loc; frame: string }
  | {
    type: 'ModelRequested'; key: string; model: string; messages: number; tools: string[]; cut?: ContextCut;
    /** SHA-256 of the request (model, messages, tools, schema) with secrets redacted: a fork goes live where it differs. */
    request?: string;
  }
  | { type: 'ReasoningComplete'; key: string; text: string; toolCalls: Array<{ id: string; name: string; arguments: string }>; usage: Usage; model: string; finishReason: string }
  | { type: 'PolicyEvaluated'; key: string; tool: string; args: Json; capability?: string; verdict: Verdict; rule: RuleRef; reason: string }
  | { type: 'ApprovalRequested'; key: string; tool: string; args: Json; rule: RuleRef; reason: string; inDoubt?: boolean }
  | { type: 'ApprovalDecided'; key: string; tool: string; answer: ApprovalAnswer; by: string }
  | { type: 'ToolStarted'; key: string; tool: string; args: Json; idempotent: boolean; attempt: number }
  | { type: 'ToolFinished'; key: string; tool: string; ok: true; value: Json; ms: number; cached?: boolean; sandbox?: Json }
  | { type: 'ToolFinished'; key: string; tool: string; ok: false; error: { code: string; message: string; retryable?: boolean }; ms: number; sandbox?: Json }
  | { type: 'ToolDenied'; key: string; tool: string; reason: string; rule: RuleRef }
  | { type: 'ObservationsCollected'; key: string; iteration: number; observations: Array<{ callId: string; tool: string; ok: boolean; content: string }> }
  | { type: 'EffectRecorded'; key: string; effect: 'now' | 'uuid' | 'random' | 'sleep' | 'log' | string; value: Json }
  | { type: 'McpPinned'; server: string; tools: Array<{ name: string; hash: string }> }
  | { type: 'RecoveryTriggered'; key: string; what: string; attempt: number; delayMs: number; error: string }
  | { type: 'BreakerChanged'; tool: string; state: 'open' | 'half-open' | 'closed' }
  | { type: 'ContextTrimmed'; key: string; cut: ContextCut }
  | { type: 'AuditEntry'; key: string; tool: string; rule: RuleRef; settings: Json; input?: Json; output?: Json }
  | { type: 'ChildStarted'; key: string; agent: string; inputs: Json }
  | { type: 'ChildFinished'; key: string; agent: string; ok: boolean; value?: Json; error?: string }
  | { type: 'Checkpoint'; head: string; signature: string; final: boolean }
  | { type: 'Terminated'; reason: TerminationReason; result?: Json; error?: { code: string; message: string; where?: string }; usage: Usage; steps: number };

export interface ContextCut { droppedMessages: number; summarized: number; tokensBefore: number; tokensAfter: number }

export type TerminationReason = 'Completed' | 'MaxIterations' | 'MaxTokens' | 'Timeout' | 'PolicyDenial' | 'Cancelled' | 'Error';

export type JournalRecord = RecordBase & JournalBody;
export type RecordType = JournalBody['type'];

/** The append side of a journal. `append` is synchronous and cheap; `commit` makes it durable. */
export interface JournalWriter {
  readonly runId: string;
  /** Appends a record (assigns seq, ts, prev) and returns it. Values are redacted first. */
  append(body: JournalBody): JournalRecord;
  /** Step boundary: everything appended so far reaches the disk (one write + one fdatasync). */
  commit(): void;
  /** Signs the chain head with a Checkpoint record and commits. */
  checkpoint(final: boolean): void;
  /** Registers a secret value: from now on it is replaced by `[secret]` wherever it appears. */
  addSecret(value: string): void;
  /** A text with every registered secret replaced by `[secret]` (as a record would be written). */
  redact?(text: string): string;
  close(): void;
}
