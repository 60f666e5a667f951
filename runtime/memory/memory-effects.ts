/**
 * `memory_write(store, record)`, `memory_read(store, key?)`, `memory_search(store, query, limit:)`:
 * effects over the stores of `memory` blocks (store.ts), each one a kernel tool call of a built-in,
 * runtime-implemented tool — so the whole pipeline applies: journal lookup, the policy gate
 * (tool names `memory_write` / `memory_read` / `memory_search`; capability `memory_write` for
 * writes, `memory_read` for reads and searches; parameters `store, record` / `store, key` /
 * `store, query, limit` for call-shape rules), approvals, `require:` limits, in-doubt handling,
 * journal and audit entries.
 *
 * - Writes are idempotent: the entry id is derived from the run id and the effect key
 *   (sha256 of `<run-id>/<key>`), so a resumed run that re-runs an in-doubt write replaces the
 *   same entry instead of adding a second one. A write returns `{ id, store, stored_at }`.
 * - Reads return entries `{ id, stored_at, record }`: all of them (oldest first), or the one whose
 *   id — or record field `key` / `id` — equals `key` (None if there is none).
 * - Searches return up to `limit` (default 10) entries with a `score`, best first (search.ts).
 * - Retention: expired entries are dropped before every operation (the store is opened per
 *   operation) and the drop is journaled as a `MemoryNotice` and shown as a note. So is a
 *   `vector_weight` that cannot be honoured (once per store and run).
 * - Replay answers reads and searches from the journal (the store is not touched); a fork or a
 *   resume answers the recorded prefix from the journal too.
 */
import type { EffectContext } from '../run/effect-context';
import type { Json, NamedSettingsIR, ProgramIR } from '../ir/schema';
import type { Kernel } from '../kernel/kernel';
import type { ResolvedTool } from '../kernel/tool-gate';
import { fromJson, Ref, show, toJson, Value } from '../interp/values';
import { BatonError } from '../errors';
import { sha256 } from '../cache/result-cache';
import { FileMemoryStore, MemoryEntry, memorySettings, MemorySettings } from './store';
import { rankerFor } from './search';

type Op = 'memory_write' | 'memory_read' | 'memory_search';

const PARAMS: Record<Op, string[]> = {
  memory_write: ['store', 'record'],
  memory_read: ['store', 'key'],
  memory_search: ['store', 'query', 'limit'],
};

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 1000;

export async function memoryEffect(name: string, args: Value[], ctx: EffectContext): Promise<Value> {
  if (!(name in PARAMS)) throw located(ctx, `unknown memory built-in '${name}'`);
  const op = name as Op;
  const { decl, file } = storeOf(op, args[0], ctx);
  const settings = memorySettings(decl);
  const callArgs: { [k: string]: Json } = { store: decl.name };
  if (op === 'memory_write') callArgs.record = toJson(args[1] ?? null);
  if (op === 'memory_read' && args[1] !== undefined && args[1] !== null) callArgs.key = typeof args[1] === 'string' ? args[1] : show(args[1]);
  if (op === 'memory_search') {
    callArgs.query = typeof args[1] === 'string' ? args[1] : show(args[1] ?? '');
    const limit = ctx.named.limit;
    callArgs.limit = typeof limit === 'number' ? limit : DEFAULT_LIMIT;
  }
  const tool = memoryTool(op, decl, file, settings, ctx.kernel);
  const out = await ctx.kernel.tool({ branch: ctx.call.branch, gate: ctx.host.gate, tool, args: callArgs, loc: ctx.call.loc, fromModel: false });
  if (out.ok) return fromJson(out.value);
  if (out.denied) throw new BatonError('policy-denied', `call to '${op}' on memory '${decl.name}' denied: ${out.reason}`, { data: { rule: out.rule }, loc: ctx.call.loc, file: ctx.call.file });
  throw out.error;
}

const MODEL_DESCRIPTIONS: Record<Op, string> = {
  memory_search: 'Search a memory store: up to `limit` entries (default 10) with a score, best first.',
  memory_read: 'Read a memory store: all entries, or the one whose id (or record field key / id) equals `key`.',
  memory_write: 'Store a record (any JSON value) in a memory store; returns { id, store, stored_at }.',
};

/**
 * The memory built-ins offered to a model in a reasoning loop (agents without a body, `reason(...)`,
 * semantic functions): `memory_search` and `memory_read` if the agent's capabilities include
 * `memory_read`, `memory_write` if they include `memory_write`, over the `memory` blocks of its
 * file (none declared: none offered). The model names the store by argument; each call is the
 * same kernel tool call the DSL built-in makes (same name, capability and gate).
 */
export function memoryModelTools(program: ProgramIR, capabilities: readonly string[], kernel: Kernel): ResolvedTool[] {
  if (program.memories.length === 0) return [];
  const caps = new Set(capabilities);
  const ops: Op[] = [];
  if (caps.has('memory_read')) ops.push('memory_search', 'memory_read');
  if (caps.has('memory_write')) ops.push('memory_write');
  return ops.map((op) => modelTool(op, program, kernel));
}

function modelTool(op: Op, program: ProgramIR, kernel: Kernel): ResolvedTool {
  const stores = program.memories.map((m) => m.name);
  const perStore = new Map<string, ResolvedTool>();
  const toolOf = (store: string): ResolvedTool | undefined => {
    let t = perStore.get(store);
    const decl = program.memories.find((m) => m.name === store);
    if (!t && decl) { t = memoryTool(op, decl, program.source, memorySettings(decl), kernel); perStore.set(store, t); }
    return t;
  };
  const write = op === 'memory_write';
  const properties: { [k: string]: Json } = { ...memoryProperties(op), store: { type: 'string', enum: stores, description: 'The memory store.' } };
  if (write) properties.record = { description: 'The record to store (any JSON value).' };
  return {
    name: op, capabilities: [write ? 'memory_write' : 'memory_read'], params: PARAMS[op], approval: 'policy',
    idempotent: true, sideEffects: write, loc: { file: program.source, line: program.memories[0].loc[0] },
    ...(op === 'memory_search' ? { defaults: { limit: DEFAULT_LIMIT } } : {}),
    validate: (a) => (typeof a.store === 'string' && !stores.includes(a.store) ? `no memory store '${a.store}' is declared (stores: ${stores.join(', ')})` : validateArgs(op, a)),
    impl: {
      name: op, idempotent: true, sideEffects: write,
      description: `${MODEL_DESCRIPTIONS[op]} Stores: ${stores.join(', ')}.`,
      parameters: { type: 'object', properties, required: op === 'memory_read' ? ['store'] : PARAMS[op].slice(0, 2) },
      execute: async (a, tctx) => {
        const t = toolOf(String(a.store));
        if (!t) throw new BatonError('tool-error', `${op}: no memory store '${String(a.store)}' is declared (stores: ${stores.join(', ')})`);
        return t.impl.execute(a, tctx);
      },
    },
  };
}

function located(ctx: EffectContext, message: string): BatonError {
  return new BatonError('runtime', message, { loc: ctx.call.loc, file: ctx.call.file });
}

/** The `memory` block the first argument names (this file's first, then the agent's file). */
function storeOf(op: Op, v: Value | undefined, ctx: EffectContext): { decl: NamedSettingsIR; file: string } {
  const name = v instanceof Ref && v.kind === 'memory' ? v.name : typeof v === 'string' ? v : undefined;
  if (!name) throw located(ctx, `${op}: the first argument must be a memory store declared with \`memory Name { ... }\`, got ${v === undefined ? 'nothing' : show(v)}`);
  for (const p of [ctx.call.program, ctx.host.prog]) {
    const decl = p.memories.find((m) => m.name === name);
    if (decl) return { decl, file: p.source };
  }
  throw located(ctx, `${op}: no memory store '${name}' is declared (declare it with \`memory ${name} { store markdown }\`)`);
}

/** Stores whose missing vector index was already reported, per kernel (once per run). */
const vectorReported = new WeakMap<Kernel, Set<string>>();

function memoryTool(op: Op, decl: NamedSettingsIR, file: string, settings: MemorySettings, kernel: Kernel): ResolvedTool {
  const write = op === 'memory_write';
  const params = PARAMS[op];
  const properties = memoryProperties(op);
  return {
    name: op, capabilities: [write ? 'memory_write' : 'memory_read'], params, approval: 'policy',
    idempotent: true, sideEffects: write, loc: { file, line: decl.loc[0] },
    validate: (a) => validateArgs(op, a),
    impl: {
      name: op, description: `${op} on memory store '${decl.name}'`, idempotent: true, sideEffects: write,
      parameters: { type: 'object', properties, required: op === 'memory_read' ? ['store'] : params.slice(0, 2) },
      execute: async (a, tctx) => {
        const slash = tctx.effectId.indexOf('/');
        const runId = tctx.effectId.slice(0, slash);
        const key = tctx.effectId.slice(slash + 1);
        const store = new FileMemoryStore(tctx.root, decl.name, settings);
        const listed = op === 'memory_write' ? undefined : store.list();
        const dropped = store.expire(Date.now(), listed);
        const gone = new Set(dropped);
        const live = () => (listed ?? store.list()).filter((e) => !gone.has(e.id));
        if (dropped.length) {
          const message = `memory '${decl.name}': ${dropped.length} entr${dropped.length === 1 ? 'y' : 'ies'} older than the retention dropped`;
          kernel.append({ type: 'MemoryNotice', key, store: decl.name, notice: 'retention', message, dropped });
          kernel.emit({ kind: 'note', message });
        }
        switch (op) {
          case 'memory_write': {
            const entry: MemoryEntry = { id: `m${sha256(tctx.effectId).slice(0, 24)}`, stored_at: new Date().toISOString(), run: runId, record: a.record };
            store.put(entry);
            return { id: entry.id, store: decl.name, stored_at: entry.stored_at };
          }
          case 'memory_read': {
            if (typeof a.key !== 'string') return live().map(view);
            const k = a.key;
            const keyed = (r: Json) => r !== null && typeof r === 'object' && !Array.isArray(r) && (r.key === k || r.id === k);
            const e = live().find((x) => x.id === k) ?? live().find((x) => keyed(x.record));
            return e ? view(e) : null;
          }
          case 'memory_search': {
            const { index, notice } = rankerFor(decl.name, settings);
            if (notice) {
              let seen = vectorReported.get(kernel);
              if (!seen) { seen = new Set(); vectorReported.set(kernel, seen); }
              if (!seen.has(decl.name)) {
                seen.add(decl.name);
                kernel.append({ type: 'MemoryNotice', key, store: decl.name, notice: 'vector-unavailable', message: notice });
                kernel.emit({ kind: 'note', message: notice });
              }
            }
            const entries = live();
            const byId = new Map(entries.map((e) => [e.id, e]));
            const limit = typeof a.limit === 'number' ? a.limit : DEFAULT_LIMIT;
            return index.search(entries, String(a.query ?? ''), limit).map((h) => ({ ...view(byId.get(h.id)!), score: h.score }));
          }
        }
      },
    },
  };
}

/** The JSON Schema properties of a memory built-in's arguments. */
function memoryProperties(op: Op): { [k: string]: Json } {
  const properties: { [k: string]: Json } = { store: { type: 'string' } };
  if (op === 'memory_write') properties.record = {};
  if (op === 'memory_read') properties.key = { type: 'string' };
  if (op === 'memory_search') { properties.query = { type: 'string' }; properties.limit = { type: 'integer', minimum: 1, maximum: MAX_LIMIT }; }
  return properties;
}

function view(e: MemoryEntry): { [k: string]: Json } {
  return { id: e.id, stored_at: e.stored_at, record: e.record };
}

function validateArgs(op: Op, a: { [k: string]: Json }): string | undefined {
  const extra = Object.keys(a).filter((k) => !PARAMS[op].includes(k));
  if (extra.length) return `unknown argument${extra.length > 1 ? 's' : ''} ${extra.map((x) => `'${x}'`).join(', ')} (parameters: ${PARAMS[op].join(', ')})`;
  if (typeof a.store !== 'string') return 'store must be the name of a memory store';
  if (op === 'memory_write' && (a.record === null || a.record === undefined)) return 'record must be a value to store, got None';
  if (op === 'memory_read' && a.key !== undefined && typeof a.key !== 'string') return 'key must be a String';
  if (op === 'memory_search') {
    if (typeof a.query !== 'string') return 'query must be a String';
    if (typeof a.limit !== 'number' || !Number.isInteger(a.limit) || a.limit < 1 || a.limit > MAX_LIMIT) return `limit must be an int from 1 to ${MAX_LIMIT}, got ${JSON.stringify(a.limit)}`;
  }
  return undefined;
}
