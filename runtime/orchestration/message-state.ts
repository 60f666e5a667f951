/**
 * The messaging state of one run tree (one kernel): its bus, the receipts its journal holds, the
 * agent instances registered — and, on resume or fork, the re-delivery of what the journal shows
 * as sent and not yet received (so a crash loses no message and duplicates none: the receiver
 * drops an id its journal already shows as received).
 */
import type { Kernel } from '../kernel/kernel';
import type { EffectContext } from '../run/effect-context';
import type { AgentExecution } from '../run/agent-host';
import type { BusMessage, MessageBus } from './bus';
import { defaultBus } from './bus';
import { channelsOf } from './channels';
import { FileDeadLetterStore } from './dead-letters';

export interface MessagingRun {
  bus: MessageBus;
  runId: string;
  root: string;
  redact?: (text: string) => string;
  /** `<id>><receiver>` of every message this run tree received (journal and live); created by the first. */
  received?: Set<string>;
  /** Agent instances whose mailbox is registered: the first one, then (child runs) a set of the others. */
  registered?: AgentExecution;
  registeredMore?: WeakSet<AgentExecution>;
  /** Programs whose channels were configured on the bus (one per file: few). */
  configured?: object[];
}

/** Whether the run tree already has message `id` for `receiver`. */
export function hasReceived(st: MessagingRun, id: string, receiver: string): boolean {
  return st.received?.has(`${id}>${receiver}`) ?? false;
}

export function markReceived(st: MessagingRun, id: string, receiver: string): void {
  (st.received ??= new Set()).add(`${id}>${receiver}`);
}

const runs = new WeakMap<Kernel, MessagingRun>();

/** The state of the kernel's run tree, created (and the journal scanned) on its first message effect. */
export function messagingRun(ctx: EffectContext): MessagingRun {
  const k = ctx.kernel;
  let st = runs.get(k);
  if (!st) {
    const journal = k.o.journal;
    st = {
      bus: ctx.env.bus ?? defaultBus(), runId: k.runId, root: k.o.root,
      ...(journal.redact ? { redact: journal.redact.bind(journal) } : {}),

    };
    runs.set(k, st);
    if (!k.replayOnly) {
      recover(k, st);
      redeliverRetried(st);
    }
  }
  return st;
}

/** Registers the agent instance's mailbox and its file's channels (once each). */
export function enter(st: MessagingRun, ctx: EffectContext): string {
  const me = ctx.host.agentIR.name;
  if (ctx.kernel.replayOnly) return me;
  for (const p of [ctx.host.prog, ctx.call.program]) {
    if (st.configured?.includes(p)) continue;
    if (st.configured) st.configured.push(p); else st.configured = [p];
    for (const [address, ch] of channelsOf(p)) {
      if (ch.capacity !== undefined || ch.ttlMs !== undefined) st.bus.configure(address, { ...(ch.capacity !== undefined ? { capacity: ch.capacity } : {}), ...(ch.ttlMs !== undefined ? { ttlMs: ch.ttlMs } : {}) });
    }
  }
  if (st.registered !== ctx.host && !st.registeredMore?.has(ctx.host)) {
    if (st.registered === undefined) st.registered = ctx.host;
    else (st.registeredMore ??= new WeakSet()).add(ctx.host);
    st.bus.register(me, st.runId);
  }
  return me;
}

/** A message of this run: deterministic id, expiry from the address's channel ttl. */
export function message(st: MessagingRun, m: Omit<BusMessage, 'expiresAt' | 'run' | 'root' | 'redact'>, address: string): BusMessage {
  const ttl = st.bus.config(address)?.ttlMs;
  return { ...m, expiresAt: ttl ? Date.now() + ttl : 0, run: st.runId, root: st.root, ...(st.redact ? { redact: st.redact } : {}) };
}

/**
 * The run ended: its mailboxes are released (leftovers become dead letters). A run that stays
 * resumable (`resumable`) only unregisters them: nothing is dead-lettered, its resume re-delivers.
 */
export function releaseMessaging(kernel: Kernel, resumable = false): void {
  const st = runs.get(kernel);
  if (!st) return;
  runs.delete(kernel);
  if (kernel.replayOnly) return;
  if (resumable) st.bus.unregister(st.runId);
  else st.bus.release(st.runId);
}

/**
 * Resume / fork: re-subscribe, re-open requests still waiting for a reply, and re-deliver every
 * copy journaled as sent that no receipt and no dead letter in this journal accounts for.
 */
function recover(k: Kernel, st: MessagingRun): void {
  const recs = k.o.replay && !k.o.replay.diverged ? k.o.replay.messages : [];
  if (recs.length === 0) return;
  const dead = new Set<string>();
  const answered = new Set<string>();
  for (const r of recs) {
    if (r.type === 'MessageReceived') { if (r.id !== null) markReceived(st, r.id, r.by); answered.add(r.key); }
    else if (r.type === 'MessageDeadLettered') { dead.add(`${r.id}>${r.to}`); answered.add(r.key); }
    else if (r.type === 'MessageSubscribed') { st.bus.register(r.by, st.runId); st.bus.subscribe(r.topic, r.by); }
  }
  const open = new Set<string>();
  for (const r of recs) {
    if (r.type === 'MessageSent' && r.kind === 'request' && !answered.has(r.key)) { st.bus.openRequest(r.id); open.add(r.id); }
  }
  for (const r of recs) {
    if (r.type !== 'MessageSent') continue;
    for (const to of r.to) {
      if (hasReceived(st, r.id, to) || dead.has(`${r.id}>${to}`)) continue;
      const m = message(st, { id: r.id, kind: r.kind, from: r.from, to, payload: r.payload, ...(r.topic !== undefined ? { topic: r.topic } : {}), ...(r.correlation ? { correlation: r.correlation } : {}) }, r.topic ?? to);
      if (r.kind === 'reply') { if (r.correlation && open.has(r.correlation)) void st.bus.reply(m); } else void st.bus.send(m);
    }
  }
}

/** Dead letters retried with `baton dlq retry` are delivered by the next run in their workspace. */
function redeliverRetried(st: MessagingRun): void {
  const store = new FileDeadLetterStore(st.root);
  for (const l of store.pendingRetries()) {
    const m = l.message;
    store.markRedelivered(l.id);
    void st.bus.send({ id: m.id, kind: m.kind, from: m.from, to: m.to, payload: m.payload, ...(m.topic !== undefined ? { topic: m.topic } : {}), ...(m.correlation ? { correlation: m.correlation } : {}), expiresAt: 0, run: st.runId, root: st.root });
  }
}
