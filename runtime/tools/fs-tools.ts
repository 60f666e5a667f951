/**
 * The file built-ins: `fs.read`, `fs.list`, `fs.search`, `fs.write`. Every path goes through
 * `confine` (workspace root, symlinks and `..` included; writes refuse `.baton/` and `.vscode/`).
 *
 * - `fs.read` returns the text of a UTF-8 file (binary → tool-error; beyond 1 MiB the first MiB
 *   and a note).
 * - `fs.list` returns sorted workspace-relative POSIX paths of the files under a directory whose
 *   path relative to that directory matches the glob; skips `.git`, `node_modules`, `.baton` and
 *   symlinked directories; at most 2000 paths, then a final note string.
 * - `fs.search` returns `[{ file, line, text }]` for lines matching a regular expression, at most
 *   200, then a final `{ note }`; binary and very large files are skipped.
 * - `fs.write` writes atomically (temporary file + rename), creating parent directories.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BatonError } from '../errors';
import type { Json } from '../ir/schema';
import { confine, isInside, relativePosix } from './confine';
import { globMatcher } from './glob';
import type { ToolContext, ToolImpl } from './tool';

export const READ_LIMIT_BYTES = 1024 * 1024;
export const LIST_LIMIT = 2000;
export const SEARCH_LIMIT = 200;
/** Files larger than this are not searched. */
const SEARCH_MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Directory entries visited at most by one list/search (a runaway tree stops with a note). */
const WALK_MAX_ENTRIES = 200_000;
const LINE_EXCERPT_CHARS = 300;
const SKIP_DIRS = new Set(['.git', 'node_modules', '.baton']);

type Args = { [k: string]: Json };

function str(args: Args, key: string, fallback?: string): string {
  const v = args[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new BatonError('tool-error', `missing argument '${key}'`);
  }
  if (typeof v !== 'string') throw new BatonError('tool-error', `argument '${key}' must be a string`);
  return v;
}

/** A readable tool-error for a failed file operation. */
export function fsError(op: string, p: string, e: unknown): BatonError {
  if (e instanceof BatonError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file or directory'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'it is a directory'
    : code === 'ENOTDIR' ? 'a component of the path is not a directory'
    : code === 'ENOSPC' ? 'no space left on the device'
    : (e as Error).message;
  return new BatonError('tool-error', `cannot ${op} '${p}': ${reason}`, { cause: e, retryable: code === 'EBUSY' || code === 'EAGAIN' || code === 'EMFILE' });
}

/** True for content that is not UTF-8 text: a NUL byte in the first 8 KiB or invalid UTF-8. */
export function looksBinary(buf: Uint8Array, complete: boolean): boolean {
  if (buf.subarray(0, 8192).includes(0)) return true;
  try {
    // `stream: true` tolerates a multi-byte character cut at the end of a partial read.
    new TextDecoder('utf-8', { fatal: true }).decode(buf, { stream: !complete });
    return false;
  } catch {
    return true;
  }
}

function decode(buf: Uint8Array, cut = false): string {
  let text = new TextDecoder('utf-8').decode(buf, { stream: cut }); // `stream` drops a character cut by the limit
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

async function readText(ctx: ToolContext, p: string): Promise<string> {
  const abs = confine(ctx.root, p);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(abs, 'r');
    const st = await handle.stat();
    if (st.isDirectory()) throw new BatonError('tool-error', `cannot read '${p}': it is a directory (use fs.list)`);
    const size = st.size;
    const buf = Buffer.alloc(Math.min(size, READ_LIMIT_BYTES));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const data = buf.subarray(0, got);
    const complete = size <= READ_LIMIT_BYTES;
    if (looksBinary(data, complete)) throw new BatonError('tool-error', `cannot read '${p}': it is a binary file, not UTF-8 text`);
    const text = decode(data, !complete);
    return complete ? text : `${text}\n[file truncated: showing the first ${READ_LIMIT_BYTES} of ${size} bytes]`;
  } catch (e) {
    throw fsError('read', p, e);
  } finally {
    await handle?.close();
  }
}

interface WalkResult { files: string[]; stoppedEarly: boolean }

/**
 * Files under `dir` (absolute, real) whose path relative to `dir` matches `glob`, as absolute paths,
 * sorted by their workspace-relative path.
 */
async function walkFiles(ctx: ToolContext, dir: string, glob: string): Promise<WalkResult> {
  const match = globMatcher(glob);
  const files: string[] = [];
  let visited = 0;
  let stoppedEarly = false;
  const visit = async (abs: string): Promise<void> => {
    if (ctx.signal.aborted) throw new BatonError('cancelled', 'cancelled');
    let entries: fs.Dirent[];
    try { entries = await fsp.readdir(abs, { withFileTypes: true }); } catch { return; }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (++visited > WALK_MAX_ENTRIES) { stoppedEarly = true; return; }
      const child = path.join(abs, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await visit(child);
      } else if (e.isFile() || e.isSymbolicLink()) {
        if (e.isSymbolicLink()) {
          // Listed only if it is a file inside the workspace (symlinked directories are not followed).
          try {
            const real = fs.realpathSync.native(child);
            if (!isInside(ctx.root, real) || !fs.statSync(real).isFile()) continue;
          } catch { continue; }
        }
        if (match(relativePosix(dir, child))) files.push(child);
      }
    }
  };
  await visit(dir);
  files.sort((a, b) => {
    const ra = relativePosix(ctx.root, a);
    const rb = relativePosix(ctx.root, b);
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  });
  return { files, stoppedEarly };
}

async function confineDir(ctx: ToolContext, p: string): Promise<string> {
  const abs = confine(ctx.root, p);
  let st: fs.Stats;
  try { st = await fsp.stat(abs); } catch (e) { throw fsError('list', p, e); }
  if (!st.isDirectory()) throw new BatonError('tool-error', `'${p}' is not a directory`);
  return abs;
}

async function listFiles(ctx: ToolContext, p: string, glob: string): Promise<Json> {
  const dir = await confineDir(ctx, p);
  const { files, stoppedEarly } = await walkFiles(ctx, dir, glob);
  const out: Json[] = files.slice(0, LIST_LIMIT).map((f) => relativePosix(ctx.root, f));
  if (files.length > LIST_LIMIT) out.push(`[list truncated: ${LIST_LIMIT} of ${files.length} files shown; narrow the path or the glob]`);
  else if (stoppedEarly) out.push(`[list incomplete: stopped after ${WALK_MAX_ENTRIES} directory entries; narrow the path or the glob]`);
  return out;
}

function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw new BatonError('tool-error', `invalid regular expression '${pattern}': ${(e as Error).message}`);
  }
}

async function searchFiles(ctx: ToolContext, pattern: string, p: string, glob: string): Promise<Json> {
  const re = compilePattern(pattern);
  const dir = await confineDir(ctx, p);
  const { files, stoppedEarly } = await walkFiles(ctx, dir, glob);
  const out: Json[] = [];
  let more = false;
  for (const file of files) {
    if (ctx.signal.aborted) throw new BatonError('cancelled', 'cancelled');
    let buf: Buffer;
    try {
      const st = await fsp.stat(file);
      if (st.size > SEARCH_MAX_FILE_BYTES) continue;
      buf = await fsp.readFile(file);
    } catch { continue; }
    if (looksBinary(buf, true)) continue;
    const lines = decode(buf).split(/\r?\n/);
    const rel = relativePosix(ctx.root, file);
    for (let i = 0; i < lines.length; i++) {
      re.lastIndex = 0;
      if (!re.test(lines[i]!)) continue;
      if (out.length >= SEARCH_LIMIT) { more = true; break; }
      const line = lines[i]!;
      const text = line.length > LINE_EXCERPT_CHARS ? `${line.slice(0, LINE_EXCERPT_CHARS)}…` : line;
      out.push({ file: rel, line: i + 1, text });
    }
    if (more) break;
  }
  if (more) out.push({ note: `[search truncated: first ${SEARCH_LIMIT} matches shown; narrow the pattern, path or glob]` });
  else if (stoppedEarly) out.push({ note: `[search incomplete: stopped after ${WALK_MAX_ENTRIES} directory entries; narrow the path or the glob]` });
  return out;
}

async function writeFile(ctx: ToolContext, p: string, content: string): Promise<Json> {
  const abs = confine(ctx.root, p, { write: true });
  if (abs === ctx.root) throw new BatonError('tool-error', `cannot write '${p}': it is the workspace root`);
  const dir = path.dirname(abs);
  const tmp = path.join(dir, `.${path.basename(abs)}.baton-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const data = Buffer.from(content, 'utf8');
  try {
    await fsp.mkdir(dir, { recursive: true });
    let mode: number | undefined;
    try {
      const st = await fsp.stat(abs);
      if (st.isDirectory()) throw new BatonError('tool-error', `cannot write '${p}': it is a directory`);
      mode = st.mode & 0o7777;
    } catch (e) {
      if (e instanceof BatonError) throw e;
    }
    await fsp.writeFile(tmp, data, mode !== undefined ? { mode } : {});
    await fsp.rename(tmp, abs);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw fsError('write', p, e);
  }
  return { path: relativePosix(ctx.root, abs), bytes: data.length };
}

const pathProp = (doc: string): Json => ({ type: 'string', description: doc });

export const fsRead: ToolImpl = {
  name: 'fs.read',
  description: 'Reads a UTF-8 text file inside the workspace (the first 1 MiB of a larger file).',
  parameters: {
    type: 'object',
    properties: { path: pathProp('File path, relative to the workspace root.') },
    required: ['path'],
    additionalProperties: false,
  },
  idempotent: true,
  sideEffects: false,
  execute: (args, ctx) => readText(ctx, str(args, 'path')),
};

export const fsList: ToolImpl = {
  name: 'fs.list',
  description: 'Lists files under a workspace directory (recursively), as sorted workspace-relative paths. Skips .git, node_modules and .baton.',
  parameters: {
    type: 'object',
    properties: {
      path: pathProp('Directory, relative to the workspace root (default ".").'),
      glob: { type: 'string', description: 'Glob over paths relative to the directory (default "**/*"); a pattern without "/" matches file names at any depth.' },
    },
    additionalProperties: false,
  },
  idempotent: true,
  sideEffects: false,
  execute: (args, ctx) => listFiles(ctx, str(args, 'path', '.'), str(args, 'glob', '**/*')),
};

export const fsSearch: ToolImpl = {
  name: 'fs.search',
  description: 'Searches workspace text files for lines matching a regular expression; returns [{file, line, text}].',
  parameters: {
    type: 'object',
    properties: {
      pattern: { type: 'string', description: 'JavaScript regular expression.' },
      path: pathProp('Directory to search, relative to the workspace root (default ".").'),
      glob: { type: 'string', description: 'Glob over paths relative to the directory (default "**/*").' },
    },
    required: ['pattern'],
    additionalProperties: false,
  },
  idempotent: true,
  sideEffects: false,
  execute: (args, ctx) => searchFiles(ctx, str(args, 'pattern'), str(args, 'path', '.'), str(args, 'glob', '**/*')),
};

export const fsWrite: ToolImpl = {
  name: 'fs.write',
  description: 'Writes a UTF-8 text file inside the workspace (creating parent directories); returns {path, bytes}.',
  parameters: {
    type: 'object',
    properties: {
      path: pathProp('File path, relative to the workspace root.'),
      content: { type: 'string', description: 'The whole new content of the file.' },
    },
    required: ['path', 'content'],
    additionalProperties: false,
  },
  idempotent: false,
  sideEffects: true,
  execute: (args, ctx) => writeFile(ctx, str(args, 'path'), str(args, 'content')),
};
