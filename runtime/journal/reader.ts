/**
 * Reading journals back: a whole journal (`readJournal`), and the list of runs of a workspace
 * (`listRuns`, which reads only the first line and the last few lines of each file).
 *
 * Torn tail: the writer appends whole lines, so after a crash only the last line can be incomplete.
 * A last line without a trailing newline, or one that does not parse as a record, is a torn tail: it
 * is left out and reported as `{ offset, bytes }` (where it starts, how long it is), never an error.
 * An unparsable line anywhere else is a `journal` BatonError naming `<path>:<line>`.
 *
 * `splitLines` and `parseRecord` are shared with the auditor, which needs the exact bytes of every
 * line (the hash chain is over bytes, not over re-encoded strings).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatonError } from '../errors';
import type { JournalRecord } from './records';

export interface TornTail {
  /** Byte offset where the torn line starts (the file is whole up to here). */
  offset: number;
  /** Length in bytes of the torn part (to the end of the file). */
  bytes: number;
}

export interface JournalContents {
  records: JournalRecord[];
  /** The exact text of each record's line, without the newline. */
  lines: string[];
  tornTail?: TornTail;
}

export type StartedRecord = Extract<JournalRecord, { type: 'Started' }>;
export type TerminatedRecord = Extract<JournalRecord, { type: 'Terminated' }>;

export interface RunSummary {
  runId: string;
  path: string;
  started?: StartedRecord;
  terminated?: TerminatedRecord;
  mtime: Date;
}

const NL = 0x0a;

/** Byte ranges `[start, end)` of the newline-terminated lines of `buf`, and what follows the last newline. */
export function splitLines(buf: Buffer): { starts: number[]; ends: number[]; rest?: TornTail } {
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (;;) {
    const nl = buf.indexOf(NL, at);
    if (nl < 0) break;
    starts.push(at);
    ends.push(nl);
    at = nl + 1;
  }
  return at < buf.length ? { starts, ends, rest: { offset: at, bytes: buf.length - at } } : { starts, ends };
}

/** Parses one line into a record; throws an Error saying why it is not one. */
export function parseRecord(text: string): JournalRecord {
  const r: unknown = JSON.parse(text);
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error('not a JSON object');
  const o = r as Record<string, unknown>;
  if (typeof o.seq !== 'number' || !Number.isInteger(o.seq)) throw new Error('no integer "seq"');
  if (typeof o.type !== 'string') throw new Error('no "type"');
  if (typeof o.prev !== 'string') throw new Error('no "prev"');
  if (typeof o.v !== 'number') throw new Error('no "v"');
  return r as JournalRecord;
}

function readFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new BatonError('journal', `${file}: cannot read journal: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Parsed lines of a journal buffer. `onBad(lineIndex, error)` is called for an unparsable line that
 * is not the last one; the last line is a torn tail if it has no newline or does not parse.
 */
export function parseJournalBuffer(
  buf: Buffer,
  onBad: (index: number, error: Error) => never,
): { records: JournalRecord[]; lines: string[]; starts: number[]; ends: number[]; tornTail?: TornTail } {
  const { starts, ends, rest } = splitLines(buf);
  const records: JournalRecord[] = [];
  const lines: string[] = [];
  let tornTail = rest;
  for (let i = 0; i < starts.length; i++) {
    const text = buf.toString('utf8', starts[i], ends[i]);
    let rec: JournalRecord;
    try {
      rec = parseRecord(text);
    } catch (e) {
      if (i === starts.length - 1 && !rest) {
        tornTail = { offset: starts[i], bytes: buf.length - starts[i] };
        starts.pop();
        ends.pop();
        break;
      }
      onBad(i, e as Error);
    }
    records.push(rec);
    lines.push(text);
  }
  return tornTail ? { records, lines, starts, ends, tornTail } : { records, lines, starts, ends };
}

/** Reads a journal: every complete record, its exact line, and the torn tail if there is one. */
export function readJournal(file: string): JournalContents {
  const buf = readFile(file);
  const { records, lines, tornTail } = parseJournalBuffer(buf, (i, e) => {
    throw new BatonError('journal', `${file}:${i + 1}: unreadable journal record: ${e.message}`, { file, cause: e });
  });
  return tornTail ? { records, lines, tornTail } : { records, lines };
}

const CHUNK = 64 * 1024;

/** The first newline-terminated line of an open file (undefined if there is none). */
function firstLine(fd: number, size: number): string | undefined {
  const parts: Buffer[] = [];
  for (let pos = 0; pos < size; pos += CHUNK) {
    const b = Buffer.alloc(Math.min(CHUNK, size - pos));
    const n = fs.readSync(fd, b, 0, b.length, pos);
    const nl = b.subarray(0, n).indexOf(NL);
    if (nl >= 0) {
      parts.push(b.subarray(0, nl));
      return Buffer.concat(parts).toString('utf8');
    }
    parts.push(b.subarray(0, n));
    if (n < b.length) break;
  }
  return undefined;
}

/** Up to `count` last newline-terminated lines of an open file, last first (a torn tail is skipped). */
function lastLines(fd: number, size: number, count: number): string[] {
  let pos = size;
  let tail = Buffer.alloc(0);
  for (;;) {
    let newlines = 0;
    for (let i = 0; i < tail.length; i++) if (tail[i] === NL) newlines++;
    if (pos === 0 || newlines > count) break;
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const b = Buffer.alloc(len);
    fs.readSync(fd, b, 0, len, pos);
    tail = Buffer.concat([b, tail]);
  }
  const end = tail.lastIndexOf(NL);
  if (end < 0) return [];
  const texts = tail.subarray(0, end).toString('utf8').split('\n');
  if (pos > 0) texts.shift(); // may be a partial line
  return texts.reverse().slice(0, count);
}

function tryParse(text: string | undefined): JournalRecord | undefined {
  if (text === undefined) return undefined;
  try {
    return parseRecord(text);
  } catch {
    return undefined;
  }
}

/** One run's summary, reading only the first line and the last few. */
function summarize(file: string): RunSummary | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined; // removed meanwhile, or unreadable: not listed
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    const out: RunSummary = { runId: path.basename(file, '.jsonl'), path: file, mtime: st.mtime };
    const first = tryParse(firstLine(fd, st.size));
    if (first?.type === 'Started') out.started = first;
    // The run ends `Terminated`, then a final Checkpoint; a torn or unparsable last line may follow.
    for (const text of lastLines(fd, st.size, 3)) {
      const r = tryParse(text);
      if (r?.type === 'Terminated') {
        out.terminated = r;
        break;
      }
      if (r && r.type !== 'Checkpoint') break;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** The runs under `<root>/.baton/runs/*.jsonl`, newest (by modification time) first. */
export function listRuns(root: string): RunSummary[] {
  const dir = path.join(root, '.baton', 'runs');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new BatonError('journal', `${dir}: cannot list runs: ${(e as Error).message}`, { cause: e });
  }
  const out: RunSummary[] = [];
  for (const n of names) {
    const s = summarize(path.join(dir, n));
    if (s) out.push(s);
  }
  return out.sort((a, b) => b.mtime.getTime() - a.mtime.getTime() || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
}
