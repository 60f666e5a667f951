/**
 * Journal writers: `MemoryJournal` (records and lines kept in memory, for tests, replay and
 * dry runs) and `FileJournal` (`.baton/runs/<run-id>.jsonl`), over one shared core.
 *
 * - `MemoryJournal` keeps only the lines and parses `records` on demand.
 * - `append` serialises at once (keys in the order v, seq, type, ts, prev, then the body's own
 *   fields; `prev` = SHA-256 hex of the previous line, ZERO_HASH for seq 0) and only buffers.
 * - `commit` is the step boundary: one `writeSync` of everything buffered and one `fdatasyncSync`;
 *   nothing buffered → nothing done.
 * - Redaction: after `addSecret(v)` (values shorter than 4 characters are ignored) every occurrence
 *   of a registered secret in any string of a record — keys and values, at any depth — becomes
 *   `[secret]` before serialisation. Fast path: the record is serialised, and only if the JSON text
 *   contains the JSON-escaped form of a secret is it redacted and serialised again. No secret
 *   registered → no cost at all. Hashes and signatures are never redacted (a short secret could
 *   otherwise corrupt them): Checkpoint records, `Started.sourceHash` / `publicKey` and
 *   `McpPinned.tools[].hash`.
 * - `checkpoint(final)` appends `{ type: 'Checkpoint', head, signature, final }`, head = hash of the
 *   previous line, signature = base64 Ed25519 over the UTF-8 of
 *   `baton-checkpoint\n<runId>\n<seq of the checkpoint>\n<head>` (`checkpointMessage`), then commits.
 *   Without a signer (memory journals only) it appends nothing.
 * - `onAppend(rec)` is called with each (redacted) record after it is appended; it must not throw
 *   (an exception propagates to the caller of `append`, but the record stays appended).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as path from 'node:path';
import { BatonError } from '../errors';
import { JOURNAL_VERSION, ZERO_HASH } from './records';
import type { JournalBody, JournalRecord, JournalWriter } from './records';
import type { Signer } from './keys';
import { readJournal } from './reader';
import type { TornTail } from './reader';

export interface JournalOptions {
  /** Called with every record after it is appended (the kernel forwards it to its event sink). */
  onAppend?: (rec: JournalRecord) => void;
  /** ISO timestamp source (default: the wall clock). `ts` is informational only. */
  now?: () => string;
}

export const SECRET_MARK = '[secret]';
const MIN_SECRET = 4;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The exact bytes a checkpoint signature covers. */
export function checkpointMessage(runId: string, seq: number, head: string): Buffer {
  return Buffer.from(`baton-checkpoint\n${runId}\n${seq}\n${head}`, 'utf8');
}

/** `crypto.hash` (node ≥ 20.12, about twice as fast as createHash for short lines), if present. */
const oneShotHash: ((algorithm: string, data: string | Buffer, encoding: 'hex') => string) | undefined =
  typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** SHA-256 hex of a line (its UTF-8 bytes, without the newline). */
export function hashLine(line: string | Buffer): string {
  return oneShotHash ? oneShotHash('sha256', line, 'hex') : (typeof line === 'string' ? crypto.createHash('sha256').update(line, 'utf8') : crypto.createHash('sha256').update(line)).digest('hex');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The registered secrets, and how to find and replace them. */
class Secrets {
  private readonly values: string[] = [];
  private re: RegExp | undefined;
  /** JSON-escaped forms to look for in a serialised line; undefined → always do the deep walk. */
  private needles: string[] | undefined = [];

  get any(): boolean { return this.re !== undefined; }

  add(value: string): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET || this.values.includes(value)) return;
    this.values.push(value);
    const all = [...this.values].sort((a, b) => b.length - a.length);
    this.re = new RegExp(all.map(escapeRegExp).join('|'), 'g');
    // A lone surrogate is escaped when alone but not when it pairs with a neighbour: no fast path then.
    this.needles = all.some((v) => LONE_SURROGATE.test(v)) ? undefined : all.map((v) => JSON.stringify(v).slice(1, -1));
  }

  /** Whether a serialised line may contain a secret (false → it certainly does not). */
  mayOccurIn(line: string): boolean {
    if (!this.needles) return true;
    for (const n of this.needles) if (line.includes(n)) return true;
    return false;
  }

  str(s: string): string {
    const re = this.re!;
    re.lastIndex = 0;
    return re.test(s) ? s.replace(re, SECRET_MARK) : s;
  }

  /** A deep copy of `v` with every secret replaced, in keys and values. */
  value(v: unknown, keep?: (key: string) => boolean): unknown {
    if (typeof v === 'string') return this.str(v);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const y = keep?.(k) ? x : this.value(x);
      if (k === '__proto__') Object.defineProperty(out, k, { value: y, enumerable: true, writable: true, configurable: true });
      else out[this.str(k)] = y;
    }
    return out;
  }

  /** A redacted copy of a body, leaving hashes and signatures alone. */
  body(b: JournalBody): JournalBody {
    switch (b.type) {
      case 'Checkpoint':
        return b;
      case 'Started':
        return this.value(b, (k) => k === 'sourceHash' || k === 'publicKey' || k === 'type') as JournalBody;
      case 'McpPinned':
        return {
          ...(this.value({ ...b, tools: [] }) as object),
          tools: b.tools.map((t) => ({ name: this.str(t.name), hash: t.hash })),
        } as JournalBody;
      default:
        return { ...(this.value(b) as object), type: b.type } as JournalBody;
    }
  }
}

/** The wall clock as an ISO string, one string per millisecond for every journal of the process. */
let lastMs = -1;
let lastTs = '';
function wallClock(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastTs = new Date(ms).toISOString();
  }
  return lastTs;
}

/** The shared core: seq, the hash chain, redaction, checkpoints. Subclasses store the lines. */
export abstract class JournalCore implements JournalWriter {
  private seq = 0;
  private prev = ZERO_HASH;
  /** Created by the first `addSecret` (most memory journals never get one). */
  private secrets: Secrets | undefined;
  private readonly onAppend: ((rec: JournalRecord) => void) | undefined;
  private readonly now: () => string;
  protected closed = false;

  protected constructor(readonly runId: string, protected readonly signer: Signer | undefined, opts: JournalOptions, start?: { seq: number; prev: string }) {
    this.onAppend = opts.onAppend;
    this.now = opts.now ?? wallClock;
    if (start) {
      this.seq = start.seq;
      this.prev = start.prev;
    }
  }

  /** The seq the next record gets. */
  get nextSeq(): number { return this.seq; }

  /** SHA-256 of the last line (ZERO_HASH before the first record): the chain head. */
  get head(): string { return this.prev; }

  /** Stores one serialised line (without newline) and its record. */
  protected abstract store(line: string, rec: JournalRecord): void;

  append(body: JournalBody): JournalRecord {
    if (this.closed) throw new BatonError('journal', `journal of run ${this.runId} is closed`);
    let rec = this.build(body);
    let line = JSON.stringify(rec);
    if (this.secrets?.any && body.type !== 'Checkpoint' && this.secrets.mayOccurIn(line)) {
      rec = this.build(this.secrets.body(body));
      line = JSON.stringify(rec);
    }
    this.store(line, rec);
    this.seq++;
    this.prev = hashLine(line);
    this.onAppend?.(rec);
    return rec;
  }

  private build(body: JournalBody): JournalRecord {
    const rec = Object.assign({ v: JOURNAL_VERSION, seq: this.seq, type: body.type, ts: this.now(), prev: this.prev }, body) as JournalRecord;
    // The base fields win over any stray ones in the body (their positions stay first).
    rec.v = JOURNAL_VERSION;
    rec.seq = this.seq;
    rec.prev = this.prev;
    return rec;
  }

  addSecret(value: string): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET) return;
    (this.secrets ??= new Secrets()).add(value);
  }

  redact(text: string): string {
    return this.secrets?.any ? this.secrets.str(text) : text;
  }

  checkpoint(final: boolean): void {
    if (!this.signer) return;
    const head = this.prev;
    const signature = crypto.sign(null, checkpointMessage(this.runId, this.seq, head), this.signer.privateKey).toString('base64');
    this.append({ type: 'Checkpoint', head, signature, final });
    this.commit();
  }

  abstract commit(): void;
  abstract close(): void;
}

/**
 * A journal kept in memory: its exact `lines` only (what a file journal would hold, and what the
 * hash chain covers). `records` parses them on demand — a fresh array of fresh objects each time, so
 * nothing a reader does to them can change the journal — and a waiting run keeps each record once.
 */
export class MemoryJournal extends JournalCore {
  readonly lines: string[] = [];
  /** How many commits had something to commit (for tests). */
  commits = 0;
  private dirty = false;

  constructor(runId: string, opts: JournalOptions & { signer?: Signer } = {}) {
    super(runId, opts.signer, opts);
  }

  /** The records, parsed from `lines`. */
  get records(): JournalRecord[] {
    return this.lines.map((l) => JSON.parse(l) as JournalRecord);
  }

  protected store(line: string): void {
    this.lines.push(line);
    this.dirty = true;
  }

  commit(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.commits++;
  }

  /** The journal as file text (each line with its newline). */
  text(): string {
    return this.lines.length ? this.lines.join('\n') + '\n' : '';
  }

  close(): void {
    this.closed = true;
  }
}

function ioError(file: string, what: string, e: unknown): BatonError {
  return new BatonError('journal', `${file}: cannot ${what}: ${(e as Error).message}`, { file, cause: e });
}

/** Creates the directory of a journal (0700) if needed. */
function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Lock files this process holds (`<journal>.lock`, holding the writer's pid). */
const heldLocks = new Set<string>();

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * Takes `<file>.lock` for this process, or throws a `journal` error naming the process that has it.
 * A lock whose process is gone (a crash, kill -9) is stale and taken over.
 */
function lockJournal(file: string): void {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lock, 'wx', 0o600);
      try { fs.writeSync(fd, String(process.pid)); } finally { fs.closeSync(fd); }
      heldLocks.add(lock);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(lock, 'lock journal', e);
    }
    let pid = NaN;
    try { pid = Number(fs.readFileSync(lock, 'utf8').trim()); } catch { /* removed meanwhile: try again */ }
    const mine = pid === process.pid;
    if (Number.isInteger(pid) && pid > 0 && ((mine && heldLocks.has(lock)) || (!mine && pidAlive(pid)))) {
      throw new BatonError('journal', `${file}: the run is in use by ${mine ? 'this process' : `process ${pid}`} (it is still running or being resumed); if that process is gone, remove ${lock}`, { file });
    }
    try { fs.rmSync(lock); } catch { /* somebody else took it over: try again */ }
  }
  throw new BatonError('journal', `${file}: cannot lock the journal (${lock} keeps changing)`, { file });
}

function unlockJournal(file: string): void {
  const lock = `${file}.lock`;
  if (!heldLocks.delete(lock)) return;
  try { fs.rmSync(lock, { force: true }); } catch { /* gone already */ }
}

/** A journal file, appended to with group commit. */
export class FileJournal extends JournalCore {
  private pending = '';
  private broken: BatonError | undefined;
  /** What `openExisting` read (the records before this session, and the torn tail it cut off). */
  readonly recovered: { records: JournalRecord[]; tornTail?: TornTail };

  private constructor(
    readonly path: string, private readonly fd: number, runId: string, signer: Signer, opts: JournalOptions,
    start?: { seq: number; prev: string; recovered: FileJournal['recovered'] },
  ) {
    super(runId, signer, opts, start);
    this.recovered = start?.recovered ?? { records: [] };
  }

  /** Starts a new journal at `file` (its directories 0700, the file 0600); it must not exist yet. */
  static create(file: string, runId: string, signer: Signer, opts: JournalOptions = {}): FileJournal {
    let fd: number;
    try {
      ensureDir(path.dirname(file));
      fd = fs.openSync(file, 'ax', 0o600);
      fs.fchmodSync(fd, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new BatonError('journal', `${file}: journal already exists`, { file, cause: e });
      throw ioError(file, 'create journal', e);
    }
    try {
      lockJournal(file);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    return new FileJournal(file, fd, runId, signer, opts);
  }

  /**
   * Continues an existing journal: reads it, cuts a torn tail off the file (truncating it to the
   * last complete line), and continues seq and the hash chain. `recovered` holds what was read.
   * Refuses a journal without a Started record, one signed with another key, or one that ended with
   * a final checkpoint.
   */
  static openExisting(file: string, signer: Signer, opts: JournalOptions = {}): FileJournal {
    // One writer at a time: two resumes of the same run (or a resume while the run still goes) would
    // both run its effects and interleave two hash chains.
    lockJournal(file);
    try {
      return FileJournal.openLocked(file, signer, opts);
    } catch (e) {
      unlockJournal(file);
      throw e;
    }
  }

  private static openLocked(file: string, signer: Signer, opts: JournalOptions): FileJournal {
    const { records, lines, tornTail } = readJournal(file);
    const started = records[0];
    if (started?.type !== 'Started') throw new BatonError('journal', `${file}: not a journal (no Started record)`, { file });
    const last = records[records.length - 1];
    if (last.seq !== records.length - 1) throw new BatonError('journal', `${file}: record ${last.seq} is at position ${records.length - 1}; run \`baton verify\``, { file });
    if (last.type === 'Checkpoint' && last.final) throw new BatonError('journal', `${file}: run ${started.run} already ended (final checkpoint)`, { file });
    if (started.publicKey !== signer.publicKey) {
      throw new BatonError('journal', `${file}: run ${started.run} was signed with another key; it can only be continued on the machine that started it`, { file });
    }
    let fd: number;
    try {
      fd = fs.openSync(file, 'a');
      if (tornTail) {
        fs.ftruncateSync(fd, tornTail.offset);
        fs.fdatasyncSync(fd);
      }
    } catch (e) {
      throw ioError(file, 'open journal', e);
    }
    const recovered = tornTail ? { records, tornTail } : { records };
    return new FileJournal(file, fd, started.run, signer, opts, { seq: records.length, prev: hashLine(lines[lines.length - 1]), recovered });
  }

  protected store(line: string): void {
    if (this.broken) throw this.broken;
    this.pending += line + '\n';
  }

  /** fdatasync calls of this journal and the time they took (for benchmarks and diagnostics). */
  readonly syncs = { count: 0, ms: 0 };

  commit(): void {
    if (this.broken) throw this.broken;
    if (this.pending === '' || this.closed) return;
    const data = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    try {
      let off = 0;
      while (off < data.length) off += fs.writeSync(this.fd, data, off, data.length - off);
      const t0 = performance.now();
      fs.fdatasyncSync(this.fd);
      this.syncs.count++;
      this.syncs.ms += performance.now() - t0;
    } catch (e) {
      // Part of the batch may be on disk: nothing more can be appended safely.
      this.broken = ioError(this.path, 'write journal', e);
      throw this.broken;
    }
  }

  /** Commits what is buffered and closes the file (idempotent). */
  close(): void {
    if (this.closed) return;
    try {
      if (!this.broken) this.commit();
    } finally {
      this.closed = true;
      unlockJournal(this.path);
      fs.closeSync(this.fd);
    }
  }
}
