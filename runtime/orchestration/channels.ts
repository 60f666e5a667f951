/**
 * `channel Name { ... }` blocks: configuration of the topic `Name` and of the mailboxes of the
 * agents it lists in `agents: [...]` (or `default_agent: "x"`; a channel cannot share an agent's name):
 * - `capacity: n` — mailbox capacity (or, for a topic, copies pending per subscriber);
 * - `ttl: 30s` — messages older than that become dead letters;
 * - `default_deny: true` — a message on it that no rule allows is denied (strict mode);
 * - `policy P { allow: ...; deny: ... }` — rules over the message action (tool = the built-in name,
 *   `send`/`publish`/`request`/`reply`/`broadcast`, capability `messaging`; call shapes bind
 *   `send(to, message)`, `publish(topic, message)`). The compiler keeps a call shape's name only,
 *   so `invoke("x")` matches every message on the channel; use a condition to tell targets apart:
 *   `allow: send(to) if to == "x"`;
 * - `data_classification { label: redact | block | allow }` — a payload field named `label` (at
 *   any depth) is replaced with "[redacted]", or the message is refused.
 */
import type { Json, NamedSettingsIR, ProgramIR } from '../ir/schema';
import { parseDurationText } from '../dsl/literals';
import { BatonError } from '../errors';

export interface Channel {
  name: string;
  capacity?: number;
  ttlMs?: number;
  defaultDeny: boolean;
  ir: NamedSettingsIR;
  /** Agents whose mailboxes it configures (`agents: [...]`, `default_agent`). */
  agents: string[];
  /** label → action (`redact`, `block`, ...). */
  classification: Map<string, string>;
}

const cache = new WeakMap<ProgramIR, Map<string, Channel>>();

/** The channels of a program by address: its topic name and each agent it lists (read once per program). */
export function channelsOf(program: ProgramIR): Map<string, Channel> {
  let m = cache.get(program);
  if (m) return m;
  m = new Map();
  for (const c of program.channels ?? []) {
    const ch = channelOf(c, program.source);
    m.set(c.name, ch);
    for (const a of ch.agents) if (!m.has(a)) m.set(a, ch);
  }
  cache.set(program, m);
  return m;
}

function channelOf(c: NamedSettingsIR, file: string): Channel {
  const s = c.settings;
  const where = `channel ${c.name} (${file}:${c.loc[0]})`;
  const capacity = s.capacity ?? s.max_queue ?? s.queue_size;
  if (capacity !== undefined && (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1)) {
    throw new BatonError('runtime', `${where}: capacity must be a positive integer, got ${JSON.stringify(capacity)}`);
  }
  let ttlMs: number | undefined;
  const ttl = s.ttl ?? s.message_ttl;
  if (ttl !== undefined) {
    ttlMs = typeof ttl === 'number' ? ttl : typeof ttl === 'string' ? parseDurationText(ttl) : NaN;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new BatonError('runtime', `${where}: ttl must be a duration such as 30s, got ${JSON.stringify(ttl)}`);
  }
  const classification = new Map<string, string>();
  const dc = s.data_classification;
  if (dc && typeof dc === 'object' && !Array.isArray(dc)) {
    for (const [label, action] of Object.entries(dc)) classification.set(label, String(action));
  }
  const agents = [...(Array.isArray(s.agents) ? s.agents : []), ...(typeof s.default_agent === 'string' ? [s.default_agent] : [])].map(String);
  return { name: c.name, agents, ...(capacity !== undefined ? { capacity: capacity as number } : {}), ...(ttlMs !== undefined ? { ttlMs } : {}), defaultDeny: s.default_deny === true, ir: c, classification };
}

/**
 * The payload with the channel's classification applied: `redact` fields replaced, a `block`
 * field refused (the error names the field and the channel).
 */
export function classify(ch: Channel, payload: Json): Json {
  if (ch.classification.size === 0) return payload;
  const walk = (v: Json, path: string): Json => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (v === null || typeof v !== 'object') return v;
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) {
      const action = ch.classification.get(k);
      const p = path ? `${path}.${k}` : k;
      if (action === 'block') {
        throw new BatonError('policy-denied', `message blocked by channel ${ch.name}: field '${p}' is classified '${k}: block' (${ch.ir.loc ? `line ${ch.ir.loc[0]}` : 'data_classification'})`);
      }
      out[k] = action === 'redact' ? '[redacted]' : walk(x, p);
    }
    return out;
  };
  return walk(payload, '');
}
