/** Finding and reading source files for the CLI, with clear errors instead of exceptions. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SOURCE_EXTENSIONS = ['.baton', '.symbi'];
const SKIP_DIRS = new Set(['node_modules', '.git', '.baton', 'dist', 'out', '.vscode-test']);

export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) { super(message); }
}

function describeFsError(p: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file or directory'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'is a directory'
    : (e as Error).message;
  return `cannot read '${p}': ${reason}`;
}

/** Expands arguments: files as given (any extension), directories recursively (.baton and .symbi). */
export function collectFiles(args: string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    let st: fs.Stats;
    try { st = fs.statSync(arg); } catch (e) { throw new CliError(describeFsError(arg, e)); }
    if (st.isDirectory()) walk(arg, out);
    else out.push(arg);
  }
  return [...new Set(out)];
}

function walk(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) { throw new CliError(describeFsError(dir, e)); }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!SKIP_DIRS.has(e.name)) walk(p, out); }
    else if (e.isFile() && SOURCE_EXTENSIONS.includes(path.extname(e.name))) out.push(p);
  }
}

export type ReadResult = { ok: true; text: string } | { ok: false; message: string };

/** Reads a source file as UTF-8 text; binary or non-UTF-8 content is refused with a reason. */
export function readSource(file: string): ReadResult {
  let buf: Buffer;
  try { buf = fs.readFileSync(file); } catch (e) { return { ok: false, message: describeFsError(file, e) }; }
  if (buf.includes(0)) return { ok: false, message: 'binary file (it contains NUL bytes), not a Baton source' };
  try {
    let text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { ok: true, text };
  } catch {
    return { ok: false, message: 'not valid UTF-8 text, not a Baton source' };
  }
}
