/**
 * Journal records of the message bus (runtime/orchestration/bus.ts). Each carries the `key` of the
 * effect that wrote it, so a resume or replay answers `send`/`receive`/... from the journal.
 *
 * - `MessageSent`: in the sender's journal; `id` is `<run-id>/<key>` (never random), `to` the
 *   mailboxes it was delivered to (a publish or broadcast fans out; the same id for every copy).
 * - `MessageReceived`: in the receiver's journal, with the payload; `id: null` + `timedOut` when a
 *   `receive(timeout:)` got nothing (it answers `None` again on replay).
 * - `MessageDeadLettered`: a message that could not be delivered (full mailbox, unknown recipient,
 *   no subscribers, request timeout, late reply) — also in `<root>/.baton/dead-letters.jsonl`.
 * - `MessageDenied`: the policy gate or a channel's data classification refused the message.
 * - `MessageSubscribed`: `subscribe(topic)` (re-established on resume).
 */
import type { Json } from '../ir/schema';
import type { RuleRef } from './records';

export type MessageKind = 'direct' | 'publish' | 'request' | 'reply' | 'broadcast';

export type DeadLetterReason = 'mailbox-full' | 'no-recipient' | 'no-subscribers' | 'expired' | 'timeout' | 'late-reply' | 'undelivered';

export type MessagingBody =
  | { type: 'MessageSent'; key: string; id: string; kind: MessageKind; from: string; to: string[]; topic?: string; correlation?: string; payload: Json }
  | { type: 'MessageReceived'; key: string; id: string | null; by: string; from?: string; kind?: MessageKind; topic?: string; correlation?: string; payload?: Json; timedOut?: boolean }
  | { type: 'MessageDeadLettered'; key: string; id: string; to: string; reason: DeadLetterReason; detail: string }
  | { type: 'MessageDenied'; key: string; kind: MessageKind; to: string; reason: string; rule?: RuleRef }
  | { type: 'MessageSubscribed'; key: string; by: string; topic: string };

export type MessagingRecordType = MessagingBody['type'];

export const MESSAGING_RECORD_TYPES: ReadonlySet<string> = new Set<MessagingRecordType>(['MessageSent', 'MessageReceived', 'MessageDeadLettered', 'MessageDenied', 'MessageSubscribed']);
