/**
 * `send`, `publish`, `subscribe`, `receive`, `request`, `reply`, `broadcast`: messages between
 * agents and runs, as kernel effects on both sides (the bus itself is transport: `bus.ts`).
 *
 * Each call takes the next effect key of its branch. First the journal: a resume, replay or fork
 * answers from the records of that key (MessageSent, MessageReceived, MessageDeadLettered, ...) and
 * sends nothing again. Then the policy gate (`message-gate.ts`), the channel's data classification,
 * and the live effect: the sender journals MessageSent (id `<run>/<key>`) before the bus delivers,
 * the receiver journals MessageReceived with the payload. Values an agent sees:
 * - `send(agent, msg)` → the message id; a full mailbox or an unknown agent is a catchable
 *   `message-undeliverable` error and a dead letter;
 * - `publish(topic, msg)` / `broadcast(msg)` → how many mailboxes got a copy;
 * - `receive(topic?, timeout:, from:)` → `Some({ id, from, kind, body, topic?, correlation? })`, or
 *   `None` when the timeout passes (no timeout: waits until the run's own timeout). With a topic it
 *   subscribes the agent and takes only that topic's messages; without, the next message of any kind;
 * - `subscribe(topic)` → None (journaled; re-established on resume);
 * - `request(agent, msg, timeout:)` (default 30 s) → the reply's value, or a catchable
 *   `message-timeout` error `request to 'x' timed out after 5 s` (the request is dead-lettered);
 *   a request in flight at a crash is not sent again on resume: it waits for the reply afresh;
 * - `reply(msg, value)` → true, or false if the requester stopped waiting (a dead letter).
 */
import type { Json } from '../ir/schema';
import type { EffectContext } from '../run/effect-context';
import type { MessagingBody, MessageKind } from '../journal/records-messaging';
import { BatonError } from '../errors';
import { fromJson, isRecord, Rec, Ref, show, Tagged, toJson, Value } from '../interp/values';
import { copyTo } from './bus';
import type { BusMessage, Filter } from './bus';
import { channelsOf, classify } from './channels';
import { gateMessage } from './message-gate';
import { enter, hasReceived, markReceived, message, MessagingRun, messagingRun } from './message-state';

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

type Recs = NonNullable<ReturnType<EffectContext['kernel']['lookup']>>['messaging'];

/** Not an async function (its throws are rejections): a waiting `receive()` holds no extra promise level. */
export function messagingEffect(name: string, args: Value[], ctx: EffectContext): Promise<Value> {
  try {
    switch (name) {
      case 'send': return Promise.resolve(send(args, ctx));
      case 'publish': return Promise.resolve(fanOut('publish', args, ctx));
      case 'broadcast': return Promise.resolve(fanOut('broadcast', args, ctx));
      case 'subscribe': return Promise.resolve(subscribe(args, ctx));
      case 'receive': return receive(args, ctx);
      case 'request': return Promise.resolve(request(args, ctx));
      case 'reply': return Promise.resolve(reply(args, ctx));
      default: throw new BatonError('runtime', `${name}() is not a message built-in`, { loc: ctx.call.loc, file: ctx.call.file });
    }
  } catch (e) {
    return Promise.reject(e);
  }
}

// ---- helpers ----

function fail(ctx: EffectContext, code: BatonError['code'], message: string): BatonError {
  return new BatonError(code, message, { loc: ctx.call.loc, file: ctx.call.file });
}

function address(v: Value | undefined, what: string, ctx: EffectContext): string {
  if (v instanceof Ref) return v.name;
  if (typeof v === 'string' && v !== '') return v;
  throw fail(ctx, 'runtime', `${what}: expects an agent or topic name, got ${v === undefined ? 'nothing' : show(v)}`);
}

/** The journal's records of this key, replayed (a fork copies them into its own journal). */
function recorded(ctx: EffectContext, key: string): Recs {
  const recs = ctx.kernel.lookup(key)?.messaging;
  for (const r of recs ?? []) ctx.kernel.replayed(r);
  return recs;
}

function find<T extends MessagingBody['type']>(recs: Recs, type: T): Extract<NonNullable<Recs>[number], { type: T }> | undefined {
  return recs?.find((r) => r.type === type) as never;
}

function append(ctx: EffectContext, body: MessagingBody): void { ctx.kernel.append(body); }

/**
 * The run is Waiting (message) meanwhile and gives its scheduler slot back (lifecycle.ts). A wait
 * longer than 20 ms commits the journal first (a crash during a long wait loses nothing); a quick
 * one costs no fsync.
 */
function waiting<T>(ctx: EffectContext, p: Promise<T>): Promise<T> {
  // Not an async function, and the timer let go once it fired: a waiting run holds as little as it can.
  let t: ReturnType<typeof setTimeout> | undefined = setTimeout(() => { t = undefined; ctx.kernel.commit(); }, 20);
  const ended = () => { if (t) clearTimeout(t); };
  const lc = ctx.env.lifecycle;
  return lc ? lc.waitFor('message', () => p, ctx.call.branch.signal, ended) : p.finally(ended);
}

function channelOf(ctx: EffectContext, addr: string) {
  return channelsOf(ctx.call.program).get(addr) ?? channelsOf(ctx.host.prog).get(addr);
}

/** The payload after the channel's classification; a blocked field is a journaled denial. */
function payloadFor(ctx: EffectContext, key: string, kind: MessageKind, to: string, v: Value): Json {
  const payload = toJson(v);
  const ch = channelOf(ctx, to);
  if (!ch) return payload;
  try { return classify(ch, payload); } catch (e) {
    const err = e as BatonError;
    append(ctx, { type: 'MessageDenied', key, kind, to, reason: err.message });
    throw fail(ctx, 'policy-denied', err.message);
  }
}

/** A recorded denial, or (for a single recipient) a recorded undeliverable message, raised again. */
function replayedFailure(ctx: EffectContext, recs: Recs, single: boolean): void {
  const denied = find(recs, 'MessageDenied');
  if (denied) throw fail(ctx, 'policy-denied', denied.reason);
  const dl = find(recs, 'MessageDeadLettered');
  if (single && dl && (dl.reason === 'mailbox-full' || dl.reason === 'no-recipient')) {
    throw fail(ctx, 'message-undeliverable', `message to '${dl.to}' not delivered: ${dl.detail} (it is in the dead-letter queue)`);
  }
}

function knownAgent(ctx: EffectContext, st: MessagingRun, to: string): boolean {
  return st.bus.has(to) || ctx.call.program.agents.some((a) => a.name === to) || ctx.host.prog.agents.some((a) => a.name === to);
}

/** Journals and raises an undeliverable message (the bus has dead-lettered it already, or does now). */
function undeliverable(ctx: EffectContext, st: MessagingRun, key: string, id: string, to: string, reason: 'mailbox-full' | 'no-recipient', detail: string, m?: Parameters<MessagingRun['bus']['deadLetter']>[0]): never {
  if (m) st.bus.deadLetter(m, reason, detail);
  append(ctx, { type: 'MessageDeadLettered', key, id, to, reason, detail });
  throw fail(ctx, 'message-undeliverable', `message to '${to}' not delivered: ${detail} (it is in the dead-letter queue)`);
}

// ---- send / request ----

async function send(args: Value[], ctx: EffectContext): Promise<Value> {
  const to = address(args[0], 'send', ctx);
  const key = ctx.call.branch.nextKey();
  const recs = recorded(ctx, key);
  replayedFailure(ctx, recs, true);
  const sent = find(recs, 'MessageSent');
  if (sent) return sent.id;
  const r = await deliver(ctx, key, 'direct', to, args[1] ?? null);
  return r.respond !== undefined ? fromJson(r.respond) : r.id;
}

/** Gate, classify, journal MessageSent, deliver into `to`'s mailbox. */
async function deliver(ctx: EffectContext, key: string, kind: 'direct' | 'request', to: string, body: Value): Promise<{ id: string; respond?: Json }> {
  const builtin = kind === 'direct' ? 'send' : 'request';
  const payload = payloadFor(ctx, key, kind, to, body);
  const g = await gateMessage(ctx, key, builtin, { to, message: payload }, ['to', 'message'], to, channelOf(ctx, to));
  const id = `${ctx.kernel.runId}/${key}`;
  if (g) return { id, respond: g.respond };
  ctx.kernel.live(`${builtin}()`, key);
  const st = messagingRun(ctx);
  const me = enter(st, ctx);
  const m = message(st, { id, kind, from: me, to, payload, ...(kind === 'request' ? { correlation: id } : {}) }, to);
  if (!knownAgent(ctx, st, to)) undeliverable(ctx, st, key, id, to, 'no-recipient', `no agent '${to}' to deliver to`, m);
  if (kind === 'request') st.bus.openRequest(id);
  append(ctx, { type: 'MessageSent', key, id, kind, from: me, to: [to], payload, ...(kind === 'request' ? { correlation: id } : {}) });
  if ((await st.bus.send(m)) === 'full') {
    if (kind === 'request') st.bus.closeRequest(id);
    undeliverable(ctx, st, key, id, to, 'mailbox-full', `the mailbox of '${to}' is full (capacity ${st.bus.config(to)?.capacity ?? 'default'})`);
  }
  return { id };
}

async function request(args: Value[], ctx: EffectContext): Promise<Value> {
  const to = address(args[0], 'request', ctx);
  const t = ctx.named.timeout;
  const timeoutMs = typeof t === 'number' && t >= 0 ? t : DEFAULT_REQUEST_TIMEOUT_MS;
  const key = ctx.call.branch.nextKey();
  const recs = recorded(ctx, key);
  replayedFailure(ctx, recs, true);
  const got = find(recs, 'MessageReceived');
  if (got) return fromJson(got.payload ?? null);
  const timedOut = find(recs, 'MessageDeadLettered');
  if (timedOut?.reason === 'timeout') throw fail(ctx, 'message-timeout', timedOut.detail);
  let id = find(recs, 'MessageSent')?.id;
  if (!id) {
    const r = await deliver(ctx, key, 'request', to, args[1] ?? null);
    if (r.respond !== undefined) return fromJson(r.respond);
    id = r.id;
  }
  // Sent (now, or before a crash: the resume re-opened the request and re-delivered any reply).
  ctx.kernel.live('a reply to request()', key);
  const st = messagingRun(ctx);
  const me = enter(st, ctx);
  st.bus.openRequest(id);
  const rep = await waiting(ctx, st.bus.awaitReply(id, timeoutMs, ctx.call.branch.signal));
  if (rep) {
    markReceived(st, rep.id, me);
    append(ctx, { type: 'MessageReceived', key, id: rep.id, by: me, from: rep.from, kind: 'reply', correlation: id, payload: rep.payload });
    return fromJson(rep.payload);
  }
  const detail = `request to '${to}' timed out after ${timeoutMs / 1000} s`;
  const pending = st.bus.cancel(to, id);
  st.bus.deadLetter(pending ?? message(st, { id, kind: 'request', from: me, to, payload: toJson(args[1] ?? null), correlation: id }, to), 'timeout', detail);
  append(ctx, { type: 'MessageDeadLettered', key, id, to, reason: 'timeout', detail });
  throw fail(ctx, 'message-timeout', detail);
}

async function reply(args: Value[], ctx: EffectContext): Promise<Value> {
  const msg = args[0] instanceof Tagged ? args[0].value : args[0];
  const correlation = isRecord(msg) && typeof msg.correlation === 'string' ? msg.correlation : undefined;
  const requester = isRecord(msg) && typeof msg.from === 'string' ? msg.from : undefined;
  if (!correlation || !requester) throw fail(ctx, 'runtime', `reply: expects a request received with receive(), got ${show(args[0] ?? null)}`);
  const key = ctx.call.branch.nextKey();
  const recs = recorded(ctx, key);
  replayedFailure(ctx, recs, false);
  if (find(recs, 'MessageSent')) return !find(recs, 'MessageDeadLettered');
  const payload = payloadFor(ctx, key, 'reply', requester, args[1] ?? null);
  const g = await gateMessage(ctx, key, 'reply', { to: requester, message: payload }, ['to', 'message'], requester, channelOf(ctx, requester));
  if (g) return fromJson(g.respond);
  ctx.kernel.live('reply()', key);
  const st = messagingRun(ctx);
  const me = enter(st, ctx);
  const id = `${ctx.kernel.runId}/${key}`;
  append(ctx, { type: 'MessageSent', key, id, kind: 'reply', from: me, to: [requester], correlation, payload });
  if (await st.bus.reply(message(st, { id, kind: 'reply', from: me, to: requester, correlation, payload }, requester))) return true;
  append(ctx, { type: 'MessageDeadLettered', key, id, to: requester, reason: 'late-reply', detail: `'${requester}' no longer waits for this reply` });
  return false;
}

// ---- publish / broadcast / subscribe ----

async function fanOut(kind: 'publish' | 'broadcast', args: Value[], ctx: EffectContext): Promise<Value> {
  const topic = kind === 'publish' ? address(args[0], 'publish', ctx) : undefined;
  const body = (kind === 'publish' ? args[1] : args[0]) ?? null;
  const key = ctx.call.branch.nextKey();
  const recs = recorded(ctx, key);
  replayedFailure(ctx, recs, false);
  const sent = find(recs, 'MessageSent');
  if (sent) return sent.to.length - (recs ?? []).filter((r) => r.type === 'MessageDeadLettered').length;
  if (find(recs, 'MessageDeadLettered')) return 0;
  const ch = topic !== undefined ? channelOf(ctx, topic) : undefined;
  const payload = topic !== undefined ? payloadFor(ctx, key, kind, topic, body) : toJson(body);
  const g = await gateMessage(ctx, key, kind, topic !== undefined ? { topic, message: payload } : { message: payload }, topic !== undefined ? ['topic', 'message'] : ['message'], topic ?? 'every mailbox', ch);
  if (g) return fromJson(g.respond);
  ctx.kernel.live(`${kind}()`, key);
  const st = messagingRun(ctx);
  const me = enter(st, ctx);
  const id = `${ctx.kernel.runId}/${key}`;
  const to = topic !== undefined ? [...st.bus.subscribers(topic)] : st.bus.mailboxes().filter((n) => n !== me);
  const m = message(st, { id, kind, from: me, to: topic ?? '*', payload, ...(topic !== undefined ? { topic } : {}) }, topic ?? me);
  if (to.length === 0) {
    const detail = topic !== undefined ? `no subscriber to topic '${topic}'` : 'no other mailbox to broadcast to';
    st.bus.deadLetter(m, 'no-subscribers', detail);
    append(ctx, { type: 'MessageDeadLettered', key, id, to: topic ?? '*', reason: 'no-subscribers', detail });
    return 0;
  }
  append(ctx, { type: 'MessageSent', key, id, kind, from: me, to, payload, ...(topic !== undefined ? { topic } : {}) });
  let full: string[];
  if (topic !== undefined) full = (await st.bus.publish(m)).full;
  else {
    full = [];
    for (const name of to) if ((await st.bus.send(copyTo(m, name))) === 'full') full.push(name);
  }
  for (const name of full) append(ctx, { type: 'MessageDeadLettered', key, id, to: name, reason: 'mailbox-full', detail: `the mailbox of '${name}' is full` });
  return to.length - full.length;
}

async function subscribe(args: Value[], ctx: EffectContext): Promise<Value> {
  const topic = address(args[0], 'subscribe', ctx);
  const key = ctx.call.branch.nextKey();
  const recs = recorded(ctx, key);
  if (ctx.kernel.replayOnly && find(recs, 'MessageSubscribed')) return null;
  if (!find(recs, 'MessageSubscribed')) ctx.kernel.live('subscribe()', key);
  const st = messagingRun(ctx);
  const me = enter(st, ctx);
  st.bus.subscribe(topic, me);
  if (!find(recs, 'MessageSubscribed')) append(ctx, { type: 'MessageSubscribed', key, by: me, topic });
  return null;
}

// ---- receive ----

/** Not an async function itself (its throws become rejections of the async `messagingEffect`): only the loop below, with few registers, stays suspended while a run waits. */
function receive(args: Value[], ctx: EffectContext): Promise<Value> {
  const topicArg = args[0] ?? ctx.named.topic;
  const topic = topicArg === undefined || topicArg === null ? undefined : address(topicArg, 'receive', ctx);
  const fromArg = ctx.named.from;
  const from = fromArg === undefined || fromArg === null ? undefined : address(fromArg, 'receive', ctx);
  const t = ctx.named.timeout ?? args[1];
  const timeoutMs = typeof t === 'number' && t >= 0 ? t : Infinity;
  const key = ctx.call.branch.nextKey();
  const got = find(recorded(ctx, key), 'MessageReceived');
  if (got) return Promise.resolve(got.id === null ? null : new Tagged('Some', messageValue(got)));
  ctx.kernel.live('receive()', key);
  const st = messagingRun(ctx);
  const me = enter(st, ctx);
  if (topic !== undefined) st.bus.subscribe(topic, me);
  const filter = topic !== undefined || from !== undefined ? { ...(topic !== undefined ? { topic } : {}), ...(from !== undefined ? { from } : {}) } : undefined;
  return receiveLoop(ctx, st, me, key, topic, filter, Date.now() + timeoutMs);
}

/**
 * Not an async function either: a waiting run holds one promise reaction (a closure over the
 * arguments), not a suspended frame. Takes the oldest matching message, or waits for one until
 * `until`; a re-delivery of a message this run already has is skipped and the loop goes on.
 */
function receiveLoop(ctx: EffectContext, st: MessagingRun, me: string, key: string, topic: string | undefined, filter: Filter | undefined, until: number): Promise<Value> {
  const took = (m: BusMessage | undefined): Value | Promise<Value> => {
    if (!m) {
      append(ctx, { type: 'MessageReceived', key, id: null, by: me, timedOut: true, ...(topic !== undefined ? { topic } : {}) });
      return null;
    }
    if (hasReceived(st, m.id, me)) return receiveLoop(ctx, st, me, key, topic, filter, until); // a re-delivery of a message this run already has
    markReceived(st, m.id, me);
    const rec: MessagingBody & { type: 'MessageReceived' } = {
      type: 'MessageReceived', key, id: m.id, by: me, from: m.from, kind: m.kind, payload: m.payload,
      ...(m.topic !== undefined ? { topic: m.topic } : {}), ...(m.correlation ? { correlation: m.correlation } : {}),
    };
    append(ctx, rec);
    return new Tagged('Some', messageValue(rec));
  };
  return Promise.resolve(st.bus.tryReceive(me, filter)).then((m) => {
    if (m) return took(m);
    const left = Number.isFinite(until) ? Math.max(0, until - Date.now()) : Infinity;
    return left > 0 ? waiting(ctx, st.bus.receive(me, filter, left, ctx.call.branch.signal)).then(took) : took(undefined);
  });
}

function messageValue(r: Extract<MessagingBody, { type: 'MessageReceived' }>): Rec {
  return {
    id: r.id, from: r.from ?? null, kind: r.kind ?? 'direct', body: fromJson(r.payload ?? null),
    ...(r.topic !== undefined ? { topic: r.topic } : {}), ...(r.correlation ? { correlation: r.correlation } : {}),
  };
}
