/**
 * A bounded mailbox: a ring buffer of messages (power-of-two slots, grown on demand up to the
 * capacity) plus the receivers waiting on it. The hot path — `push` with nobody waiting, `shift`
 * with no filter — allocates nothing but the slot array growth.
 */
import type { Json } from '../ir/schema';
import type { MessageKind } from '../journal/records-messaging';

export interface BusMessage {
  /** Deterministic: `<run-id>/<effect key>` for messages sent by agents. */
  id: string;
  kind: MessageKind;
  from: string;
  /** The mailbox it was addressed to (for a publish/broadcast: this copy's recipient). */
  to: string;
  topic?: string;
  /** A request's id (on the request and on its reply). */
  correlation?: string;
  payload: Json;
  /** Epoch ms after which it is a dead letter; 0 = never. */
  expiresAt: number;
  /** The sender's run and workspace root (dead letters go to `<root>/.baton/dead-letters.jsonl`). */
  run?: string;
  root?: string;
  /** The sender's journal redaction: dead letters never hold a secret either. */
  redact?: (text: string) => string;
}

/** What a receiver waits for: any message, or one of a topic / from a sender. */
export interface Filter { topic?: string; from?: string }

export interface Waiter {
  filter: Filter | undefined;
  deliver: (m: BusMessage | undefined) => void;
}

export function matches(m: BusMessage, f: Filter | undefined): boolean {
  if (!f) return true;
  if (f.topic !== undefined && m.topic !== f.topic) return false;
  if (f.from !== undefined && m.from !== f.from) return false;
  return true;
}

export class Mailbox {
  private slots: Array<BusMessage | undefined> = new Array(16);
  private head = 0;
  size = 0;
  /** Receivers waiting, oldest first. */
  readonly waiters: Waiter[] = [];
  /** Pending messages per topic, for topics with their own capacity. */
  topicCounts?: Map<string, number>;
  /** The runs that registered it (or created it by sending to it first); released when the last one ends. */
  readonly owners = new Set<string>();

  constructor(readonly name: string, public capacity: number) {}

  get full(): boolean { return this.size >= this.capacity; }

  push(m: BusMessage): void {
    if (this.size === this.slots.length) this.grow();
    this.slots[(this.head + this.size) & (this.slots.length - 1)] = m;
    this.size++;
    if (m.topic !== undefined && this.topicCounts?.has(m.topic)) this.topicCounts.set(m.topic, this.topicCounts.get(m.topic)! + 1);
  }

  /** The oldest message matching `f`, removed; undefined if none. */
  take(f?: Filter): BusMessage | undefined {
    if (this.size === 0) return undefined;
    if (!f || (f.topic === undefined && f.from === undefined)) return this.shift();
    const mask = this.slots.length - 1;
    for (let i = 0; i < this.size; i++) {
      const m = this.slots[(this.head + i) & mask]!;
      if (matches(m, f)) { this.removeAt(i); return m; }
    }
    return undefined;
  }

  /** Removes the message with this id (a timed-out request nobody took). */
  remove(id: string): BusMessage | undefined {
    const mask = this.slots.length - 1;
    for (let i = 0; i < this.size; i++) {
      const m = this.slots[(this.head + i) & mask]!;
      if (m.id === id) { this.removeAt(i); return m; }
    }
    return undefined;
  }

  /** Removes and returns the messages whose expiry is past. */
  expired(now: number): BusMessage[] {
    const out: BusMessage[] = [];
    const mask = this.slots.length - 1;
    for (let i = 0; i < this.size;) {
      const m = this.slots[(this.head + i) & mask]!;
      if (m.expiresAt !== 0 && m.expiresAt <= now) { this.removeAt(i); out.push(m); } else i++;
    }
    return out;
  }

  /** Earliest expiry of a pending message (0: none expires). */
  nextExpiry(): number {
    let next = 0;
    const mask = this.slots.length - 1;
    for (let i = 0; i < this.size; i++) {
      const e = this.slots[(this.head + i) & mask]!.expiresAt;
      if (e !== 0 && (next === 0 || e < next)) next = e;
    }
    return next;
  }

  /** Everything pending, removed (a mailbox released at the end of its run). */
  drain(): BusMessage[] {
    const out: BusMessage[] = [];
    while (this.size > 0) out.push(this.shift());
    return out;
  }

  private shift(): BusMessage {
    const m = this.slots[this.head]!;
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.size--;
    this.counted(m);
    return m;
  }

  private removeAt(i: number): void {
    const mask = this.slots.length - 1;
    const m = this.slots[(this.head + i) & mask]!;
    for (let j = i; j < this.size - 1; j++) this.slots[(this.head + j) & mask] = this.slots[(this.head + j + 1) & mask];
    this.slots[(this.head + this.size - 1) & mask] = undefined;
    this.size--;
    this.counted(m);
  }

  private counted(m: BusMessage): void {
    if (m.topic !== undefined && this.topicCounts?.has(m.topic)) this.topicCounts.set(m.topic, this.topicCounts.get(m.topic)! - 1);
  }

  private grow(): void {
    const old = this.slots;
    const next: Array<BusMessage | undefined> = new Array(old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.slots = next;
    this.head = 0;
  }
}
