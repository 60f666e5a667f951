/**
 * Memory stores: what a Symbiont `memory Name { ... }` block declares, kept under the workspace.
 *
 * Layout (`FileMemoryStore`), one directory per store: `<root>/.baton/memory/<name>/`
 *   records/<id>.json   one entry per file: { id, stored_at, run, record } — the store's truth;
 *                       written atomically (temp file + rename), so a write is idempotent by id
 *   markdown/<id>.md    with `store markdown`: the same entry rendered readable (front matter +
 *                       one section per field), as Symbiont's markdown store keeps its notes
 * Settings read from the block: `store` (markdown | anything else → JSON only), `retention`
 * (a duration: entries older than it are dropped when the store is opened and before every read
 * and search; the caller reports the drop), `search { vector_weight keyword_weight }` (see
 * search.ts). `path "data/knowledge"` is noted but not used: the issue puts every store under
 * `.baton/memory/<name>/`, where agents cannot write directly (the kernel's veto) — only through
 * the policy-gated `memory_*` effects.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Json, NamedSettingsIR } from '../ir/schema';
import { BatonError } from '../errors';
import { parseDuration } from '../kernel/tool-gate';

export interface MemoryEntry {
  /** Deterministic: derived from the run id and effect key of the write (see memory-effects.ts). */
  id: string;
  /** ISO time of the write (retention counts from here). */
  stored_at: string;
  /** The run that wrote it. */
  run: string;
  record: Json;
}

export interface MemorySettings {
  format: 'markdown' | 'json';
  /** Milliseconds; undefined → kept forever. */
  retentionMs?: number;
  /** The `path` setting, noted only (stores live under `.baton/memory/<name>/`). */
  declaredPath?: string;
  vectorWeight: number;
  keywordWeight: number;
}

export interface MemoryStore {
  readonly name: string;
  readonly settings: MemorySettings;
  /** Creates or replaces the entry with this id. */
  put(entry: MemoryEntry): void;
  get(id: string): MemoryEntry | undefined;
  /** Every entry, oldest first (ties by id). */
  list(): MemoryEntry[];
  /** Drops entries older than the retention at `now` (among `entries`, default all); returns their ids. */
  expire(now: number, entries?: readonly MemoryEntry[]): string[];
}

export function memorySettings(decl: NamedSettingsIR): MemorySettings {
  const s = decl.settings;
  const search = s.search && typeof s.search === 'object' && !Array.isArray(s.search) ? s.search as Record<string, Json> : {};
  const num = (v: Json | undefined, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  const retentionMs = s.retention === undefined ? undefined : parseDuration(s.retention);
  if (s.retention !== undefined && (retentionMs === undefined || retentionMs <= 0)) {
    throw new BatonError('runtime', `memory '${decl.name}' (${decl.loc[0]}:${decl.loc[1]}): retention ${JSON.stringify(s.retention)} is not a duration such as 365d`, { loc: decl.loc });
  }
  return {
    format: s.store === 'markdown' ? 'markdown' : 'json',
    ...(retentionMs !== undefined ? { retentionMs } : {}),
    ...(typeof s.path === 'string' ? { declaredPath: s.path } : {}),
    vectorWeight: num(search.vector_weight, 0),
    keywordWeight: num(search.keyword_weight, 1),
  };
}

export function memoryDir(root: string, name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new BatonError('runtime', `'${name}' is not a memory store name`);
  return path.join(root, '.baton', 'memory', name);
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

export class FileMemoryStore implements MemoryStore {
  readonly dir: string;
  private readonly records: string;
  private readonly markdown: string;

  constructor(root: string, readonly name: string, readonly settings: MemorySettings) {
    this.dir = memoryDir(root, name);
    this.records = path.join(this.dir, 'records');
    this.markdown = path.join(this.dir, 'markdown');
  }

  put(entry: MemoryEntry): void {
    if (!ID.test(entry.id)) throw new BatonError('runtime', `memory '${this.name}': '${entry.id}' is not an entry id`);
    fs.mkdirSync(this.records, { recursive: true });
    atomicWrite(path.join(this.records, `${entry.id}.json`), JSON.stringify(entry, null, 2) + '\n');
    if (this.settings.format === 'markdown') {
      fs.mkdirSync(this.markdown, { recursive: true });
      atomicWrite(path.join(this.markdown, `${entry.id}.md`), renderMarkdown(this.name, entry));
    }
  }

  get(id: string): MemoryEntry | undefined {
    if (!ID.test(id)) return undefined;
    return readEntry(path.join(this.records, `${id}.json`));
  }

  list(): MemoryEntry[] {
    let names: string[];
    try { names = fs.readdirSync(this.records); } catch { return []; }
    const out: MemoryEntry[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      const e = readEntry(path.join(this.records, n));
      if (e) out.push(e);
    }
    return out.sort((a, b) => (a.stored_at < b.stored_at ? -1 : a.stored_at > b.stored_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  expire(now: number, entries: readonly MemoryEntry[] = this.list()): string[] {
    const ms = this.settings.retentionMs;
    if (ms === undefined) return [];
    const dropped: string[] = [];
    for (const e of entries) {
      const t = Date.parse(e.stored_at);
      if (Number.isFinite(t) && now - t > ms) {
        fs.rmSync(path.join(this.records, `${e.id}.json`), { force: true });
        fs.rmSync(path.join(this.markdown, `${e.id}.md`), { force: true });
        dropped.push(e.id);
      }
    }
    return dropped;
  }
}

function readEntry(file: string): MemoryEntry | undefined {
  try {
    const e = JSON.parse(fs.readFileSync(file, 'utf8')) as MemoryEntry;
    return e && typeof e.id === 'string' && typeof e.stored_at === 'string' ? e : undefined;
  } catch { return undefined; }
}

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** An entry as a readable note: front matter, then one section per field of the record. */
export function renderMarkdown(store: string, e: MemoryEntry): string {
  const lines = ['---', `id: ${e.id}`, `store: ${store}`, `stored_at: ${e.stored_at}`, `run: ${e.run}`, '---', ''];
  const r = e.record;
  if (r && typeof r === 'object' && !Array.isArray(r)) {
    for (const [k, v] of Object.entries(r)) {
      lines.push(`## ${k}`, '');
      if (typeof v === 'string') lines.push(v);
      else if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) lines.push(...v.map((x) => `- ${String(x)}`));
      else lines.push('```json', JSON.stringify(v, null, 2), '```');
      lines.push('');
    }
  } else {
    lines.push(typeof r === 'string' ? r : ['```json', JSON.stringify(r, null, 2), '```'].join('\n'), '');
  }
  return lines.join('\n');
}
