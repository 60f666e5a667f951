/**
 * The message bus: direct messages, publish/subscribe, request/response, broadcast, dead letters.
 * (A networked `MessageBus` may answer send/publish/reply/tryReceive asynchronously; the effect
 * layer awaits them. The in-process bus answers synchronously.)
 *
 * Design (the agent-facing effects are in `messaging-effects.ts`; this file is transport only):
 * - `MessageBus` is the interface a networked backend would implement; `InProcessBus` is the
 *   default, one per process (`defaultBus()`), shared by every run of the process — children of a
 *   run tree and independent runs alike. A `RunRequest.bus` replaces it for one run tree.
 * - Addresses are agent names. An agent instance registers its mailbox on its first messaging
 *   effect; a send to an agent declared in the sender's file that has not started yet creates the
 *   mailbox, so the message waits for it. Several instances of one agent share its mailbox
 *   (competing consumers), also across runs. When the last run holding a mailbox ends, it is
 *   released: what is still in it becomes dead letters (`undelivered`).
 * - Mailboxes are bounded ring buffers (`bus-mailbox.ts`), capacity 1,000 unless a `channel` block
 *   listing the agent (`agents: [...]`, `channels.ts`) says `capacity:`. A send to a full mailbox never waits: `send` returns `'full'`
 *   and the message is a dead letter (the effect layer turns that into a catchable error).
 * - Topics: `subscribe(topic, name)` adds a mailbox; `publish` puts one copy (same id) in each
 *   subscriber's mailbox, so `receive(topic)` is a filtered receive. A channel's `capacity:` bounds
 *   the copies of its topic pending in one mailbox. No subscriber → a dead letter.
 * - TTL: a channel's `ttl:` sets `expiresAt`; expired messages are dead letters, found when a
 *   receiver looks and by one unref'd sweep timer at the earliest expiry.
 * - Request/response: the request's id is the correlation id; `openRequest` creates a reply slot
 *   that holds one reply (also one that arrives before the requester waits, as after a resume);
 *   a reply with no open slot (the requester timed out) is a dead letter (`late-reply`).
 * - Receivers waiting on a mailbox are woken once, by the send that matches them: the message is
 *   handed over directly, never queued. Hot path (a send with nobody waiting, an unfiltered take):
 *   one Map lookup and a ring-buffer write/read, no promise and no closure.
 * - Delivery is at-least-once and receipt is idempotent: ids are deterministic (`<run>/<key>`), a
 *   resume re-delivers what its journal shows as sent and not received, and the effect layer drops
 *   a message whose id its journal already shows as received.
 * - Dead letters go to a `DeadLetterStore` (`dead-letters.ts`): the bus's own if given, else the
 *   sender's workspace file `<root>/.baton/dead-letters.jsonl` (`baton dlq`), redacted with the
 *   sender's journal redaction.
 */
import type { DeadLetterReason } from '../journal/records-messaging';
import { BatonError } from '../errors';
import { BusMessage, Filter, Mailbox, matches, Waiter } from './bus-mailbox';
import { DeadLetter, DeadLetterStore, FileDeadLetterStore, letterOf } from './dead-letters';

export type { BusMessage, Filter } from './bus-mailbox';

export const DEFAULT_CAPACITY = 1000;

export type SendResult = 'ok' | 'full';

export interface AddressConfig { capacity?: number; ttlMs?: number }

export interface Fanout { delivered: string[]; full: string[] }

export interface MessageBus {
  /** An agent instance of run `run` registers its mailbox (several runs may share one name). */
  register(name: string, run: string): void;
  /** The run ended: mailboxes no other run holds are released, what they still hold becomes dead letters. */
  release(run: string): void;
  /**
   * The run stopped but stays resumable (in doubt, a journal error, a shutdown): it gives up its
   * mailboxes without dead-lettering anything. Messages its own journal will re-deliver on resume
   * (sent by this run) are dropped; messages from other runs stay for the resume.
   */
  unregister(run: string): void;
  /** Whether a mailbox of this name exists. */
  has(name: string): boolean;
  /** Registered mailbox names. */
  mailboxes(): string[];
  /** Capacity and TTL of an address (a mailbox or a topic), from a `channel` block. */
  configure(address: string, config: AddressConfig): void;
  config(address: string): AddressConfig | undefined;
  /** Direct delivery into `m.to` (created if missing); a full mailbox → `'full'` and a dead letter. */
  send(m: BusMessage): SendResult | Promise<SendResult>;
  subscribe(topic: string, name: string): void;
  subscribers(topic: string): readonly string[];
  /** One copy per subscriber (`to` set per copy); full subscribers get none and are dead-lettered. */
  publish(m: BusMessage): Fanout | Promise<Fanout>;
  /** The oldest matching message of `name`'s mailbox, expired ones dead-lettered on the way. */
  tryReceive(name: string, filter?: Filter): BusMessage | undefined | Promise<BusMessage | undefined>;
  /** Waits up to `timeoutMs` (Infinity: no limit) for a matching message; undefined on timeout. */
  receive(name: string, filter: Filter | undefined, timeoutMs: number, signal?: AbortSignal): Promise<BusMessage | undefined>;
  /** Removes a pending message (a request that timed out before anyone took it). */
  cancel(to: string, id: string): BusMessage | undefined;
  openRequest(correlation: string): void;
  /** Forgets a request (it could not be delivered): a reply to it is late. */
  closeRequest(correlation: string): void;
  /** Hands a reply to its requester; false (and a dead letter) if nobody waits for it any more. */
  reply(m: BusMessage): boolean | Promise<boolean>;
  awaitReply(correlation: string, timeoutMs: number, signal?: AbortSignal): Promise<BusMessage | undefined>;
  deadLetter(m: BusMessage, reason: DeadLetterReason, detail: string): void;
}

interface ReplySlot { waiter?: (m: BusMessage | undefined) => void; buffered?: BusMessage }

/**
 * A `receive` waiting in a mailbox: one object (its own abort listener, via `handleEvent`) rather
 * than a few closures, as 100,000 runs may wait at once.
 */
class PendingReceive implements Waiter {
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly filter: Filter | undefined,
    private readonly box: Mailbox,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (m: BusMessage | undefined) => void,
    private readonly reject: (e: BatonError) => void,
  ) {}

  deliver(m: BusMessage | undefined): void { this.done(); this.resolve(m); }

  /** The signal aborted. */
  handleEvent(): void { this.done(); this.reject(new BatonError('cancelled', 'cancelled')); }

  private done(): void {
    if (this.timer) clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this);
    const i = this.box.waiters.indexOf(this);
    if (i >= 0) this.box.waiters.splice(i, 1);
  }
}

function timedOut(w: PendingReceive): void { w.deliver(undefined); }

export class InProcessBus implements MessageBus {
  private readonly boxes = new Map<string, Mailbox>();
  private readonly topics = new Map<string, string[]>();
  private readonly configs = new Map<string, AddressConfig>();
  private readonly replies = new Map<string, ReplySlot>();
  private readonly stores = new Map<string, FileDeadLetterStore>();
  private sweepAt = 0;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: { deadLetters?: DeadLetterStore; defaultCapacity?: number } = {}) {}

  // ---- mailboxes ----

  /** The mailbox of `name`; created for `owner` (the run that registers it, or the first sender's run) if missing. */
  private box(name: string, owner?: string): Mailbox {
    let b = this.boxes.get(name);
    if (!b) {
      b = new Mailbox(name, this.configs.get(name)?.capacity ?? this.o.defaultCapacity ?? DEFAULT_CAPACITY);
      if (owner !== undefined) b.owners.add(owner);
      this.boxes.set(name, b);
    }
    return b;
  }

  register(name: string, run: string): void {
    this.box(name, run).owners.add(run);
  }

  release(run: string): void {
    for (const [name, b] of this.boxes) {
      if (!b.owners.delete(run) || b.owners.size > 0) continue;
      this.boxes.delete(name);
      for (const m of b.drain()) this.deadLetter(m, 'undelivered', `'${name}' did not receive it before its run ${run} ended`);
      for (const w of b.waiters.splice(0)) w.deliver(undefined);
      for (const [t, subs] of this.topics) {
        const i = subs.indexOf(name);
        if (i >= 0) subs.splice(i, 1);
        if (subs.length === 0) this.topics.delete(t);
      }
    }
  }

  unregister(run: string): void {
    for (const [name, b] of this.boxes) {
      if (!b.owners.delete(run) || b.owners.size > 0) continue;
      for (const m of b.drain()) if (m.run !== run) b.push(m);
      for (const w of b.waiters.splice(0)) w.deliver(undefined);
      if (b.size === 0 && ![...this.topics.values()].some((subs) => subs.includes(name))) this.boxes.delete(name);
    }
  }

  has(name: string): boolean { return this.boxes.has(name); }
  mailboxes(): string[] { return [...this.boxes.keys()]; }

  configure(address: string, config: AddressConfig): void {
    this.configs.set(address, config);
    const b = this.boxes.get(address);
    if (b && config.capacity !== undefined) b.capacity = config.capacity;
  }

  config(address: string): AddressConfig | undefined { return this.configs.get(address); }

  // ---- sending ----

  send(m: BusMessage): SendResult {
    const b = this.boxes.get(m.to) ?? this.box(m.to, m.run);
    if (b.waiters.length !== 0 && this.handOver(b, m)) return 'ok';
    if (b.size >= b.capacity) {
      this.deadLetter(m, 'mailbox-full', `mailbox of '${m.to}' is full (capacity ${b.capacity})`);
      return 'full';
    }
    b.push(m);
    if (m.expiresAt !== 0) this.scheduleSweep(m.expiresAt);
    return 'ok';
  }

  private handOver(b: Mailbox, m: BusMessage): boolean {
    for (let i = 0; i < b.waiters.length; i++) {
      const w = b.waiters[i];
      if (!matches(m, w.filter)) continue;
      b.waiters.splice(i, 1);
      w.deliver(m);
      return true;
    }
    return false;
  }

  subscribe(topic: string, name: string): void {
    this.box(name);
    const subs = this.topics.get(topic);
    if (!subs) this.topics.set(topic, [name]);
    else if (!subs.includes(name)) subs.push(name);
  }

  subscribers(topic: string): readonly string[] { return this.topics.get(topic) ?? []; }

  publish(m: BusMessage): Fanout {
    const delivered: string[] = [];
    const full: string[] = [];
    const subs = this.topics.get(m.topic ?? '');
    const cap = m.topic !== undefined ? this.configs.get(m.topic)?.capacity : undefined;
    for (const name of subs ?? []) {
      const copy = copyTo(m, name);
      const b = this.box(name, m.run);
      if (cap !== undefined && b.waiters.length === 0) {
        const counts = (b.topicCounts ??= new Map());
        if (!counts.has(m.topic!)) counts.set(m.topic!, 0);
        if (counts.get(m.topic!)! >= cap) {
          this.deadLetter(copy, 'mailbox-full', `'${name}' already holds ${cap} messages of topic '${m.topic}' (its channel's capacity)`);
          full.push(name);
          continue;
        }
      }
      if (this.send(copy) === 'ok') delivered.push(name); else full.push(name);
    }
    return { delivered, full };
  }

  // ---- receiving ----

  tryReceive(name: string, filter?: Filter): BusMessage | undefined {
    const b = this.boxes.get(name);
    if (!b) return undefined;
    for (;;) {
      const m = b.take(filter);
      if (!m) return undefined;
      if (m.expiresAt === 0 || m.expiresAt > Date.now()) return m;
      this.deadLetter(m, 'expired', `expired before '${name}' received it`);
    }
  }

  receive(name: string, filter: Filter | undefined, timeoutMs: number, signal?: AbortSignal): Promise<BusMessage | undefined> {
    const now = this.tryReceive(name, filter);
    if (now || timeoutMs <= 0) return Promise.resolve(now);
    if (signal?.aborted) return Promise.reject(new BatonError('cancelled', 'cancelled'));
    const b = this.box(name);
    return new Promise((resolve, reject) => {
      const w = new PendingReceive(filter, b, signal, resolve, reject);
      b.waiters.push(w);
      if (Number.isFinite(timeoutMs)) w.timer = setTimeout(timedOut, timeoutMs, w);
      signal?.addEventListener('abort', w, { once: true });
    });
  }

  cancel(to: string, id: string): BusMessage | undefined { return this.boxes.get(to)?.remove(id); }

  // ---- request / response ----

  openRequest(correlation: string): void {
    if (!this.replies.has(correlation)) this.replies.set(correlation, {});
  }

  closeRequest(correlation: string): void { this.replies.delete(correlation); }

  reply(m: BusMessage): boolean {
    const slot = m.correlation !== undefined ? this.replies.get(m.correlation) : undefined;
    if (!slot || slot.buffered) {
      this.deadLetter(m, 'late-reply', `'${m.to}' no longer waits for the reply to request ${m.correlation}`);
      return false;
    }
    if (slot.waiter) { this.replies.delete(m.correlation!); slot.waiter(m); } else slot.buffered = m;
    return true;
  }

  awaitReply(correlation: string, timeoutMs: number, signal?: AbortSignal): Promise<BusMessage | undefined> {
    let slot = this.replies.get(correlation);
    if (!slot) { slot = {}; this.replies.set(correlation, slot); }
    if (slot.buffered) { this.replies.delete(correlation); return Promise.resolve(slot.buffered); }
    if (signal?.aborted) return Promise.reject(new BatonError('cancelled', 'cancelled'));
    const s = slot;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => { done(); this.replies.delete(correlation); reject(new BatonError('cancelled', 'cancelled')); };
      const done = () => { if (timer) clearTimeout(timer); signal?.removeEventListener('abort', onAbort); s.waiter = undefined; };
      s.waiter = (m) => { done(); resolve(m); };
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => { done(); this.replies.delete(correlation); resolve(undefined); }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---- dead letters and expiry ----

  deadLetter(m: BusMessage, reason: DeadLetterReason, detail: string): void {
    let letter: DeadLetter = letterOf(m, reason, detail);
    if (m.redact) letter = JSON.parse(m.redact(JSON.stringify(letter))) as DeadLetter;
    try { this.storeFor(m.root)?.add(letter); } catch (e) {
      process.emitWarning(`baton: could not write a dead letter (${letter.id}): ${(e as Error).message}`);
    }
  }

  /** The store of a workspace (or the bus's own). */
  storeFor(root: string | undefined): DeadLetterStore | undefined {
    if (this.o.deadLetters) return this.o.deadLetters;
    if (!root) return undefined;
    let s = this.stores.get(root);
    if (!s) { s = new FileDeadLetterStore(root); this.stores.set(root, s); }
    return s;
  }

  private scheduleSweep(at: number): void {
    if (this.sweepTimer && this.sweepAt <= at) return;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepAt = at;
    this.sweepTimer = setTimeout(() => this.sweep(), Math.max(0, at - Date.now()) + 1);
    this.sweepTimer.unref?.();
  }

  private sweep(): void {
    this.sweepTimer = undefined;
    const now = Date.now();
    let next = 0;
    for (const b of this.boxes.values()) {
      for (const m of b.expired(now)) this.deadLetter(m, 'expired', `expired in the mailbox of '${b.name}'`);
      const n = b.nextExpiry();
      if (n !== 0 && (next === 0 || n < next)) next = n;
    }
    if (next !== 0) this.scheduleSweep(next);
  }
}

/** A copy of a message for one recipient (one object shape for every copy: fast fan-out). */
export function copyTo(m: BusMessage, to: string): BusMessage {
  return { id: m.id, kind: m.kind, from: m.from, to, topic: m.topic, correlation: m.correlation, payload: m.payload, expiresAt: m.expiresAt, run: m.run, root: m.root, redact: m.redact };
}

let shared: InProcessBus | undefined;

/** The process-wide bus used when a run is given none. */
export function defaultBus(): MessageBus {
  return (shared ??= new InProcessBus());
}
