/**
 * Finding the agent files of the workspace folders on disk: `*.baton` and `*.symbi`, skipping
 * `node_modules`, `.git`, `.baton`, `out`, `dist` (and symbolic links, which could loop). Files are
 * read with bounded concurrency. Used by the initial index and by watched-file events.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git', '.baton', 'out', 'dist']);
const READ_CONCURRENCY = 32;
/** Files larger than this are not indexed (a generated blob is no agent file). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export function isAgentFile(p: string): boolean {
  return p.endsWith('.baton') || p.endsWith('.symbi');
}

/** File system path of a `file:` URI, or undefined for other schemes. */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try { return fileURLToPath(uri); } catch { return undefined; }
}

export function pathToUri(p: string): string { return pathToFileURL(p).href; }

/** Whether a path lies in a skipped directory below one of the roots. */
export function inSkippedDir(p: string, roots: readonly string[]): boolean {
  for (const root of roots) {
    const rel = path.relative(root, p);
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    return rel.split(path.sep).slice(0, -1).some((part) => SKIPPED_DIRS.has(part));
  }
  return false;
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries: fs.Dirent[];
  try { entries = await fs.promises.readdir(dir, { withFileTypes: true }); } catch { return; }
  const subdirs: Promise<void>[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!SKIPPED_DIRS.has(e.name)) subdirs.push(walk(p, out)); }
    else if (e.isFile() && isAgentFile(e.name)) out.push(p);
  }
  await Promise.all(subdirs);
}

/** Reads a file as text; undefined when it is missing, unreadable or too large. */
export async function readAgentFile(p: string): Promise<string | undefined> {
  try {
    const st = await fs.promises.stat(p);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
    return await fs.promises.readFile(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** Every agent file under the folders (paths), with its text, in a stable order. */
export async function scanFolders(folders: readonly string[]): Promise<Array<{ uri: string; text: string }>> {
  const paths: string[] = [];
  await Promise.all(folders.map((f) => walk(f, paths)));
  const unique = [...new Set(paths)].sort();
  const out: Array<{ uri: string; text: string } | undefined> = new Array(unique.length);
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const i = next++;
      const text = await readAgentFile(unique[i]);
      out[i] = text === undefined ? undefined : { uri: pathToUri(unique[i]), text };
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, unique.length) }, worker));
  return out.filter((x): x is { uri: string; text: string } => x !== undefined);
}
