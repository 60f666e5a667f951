/**
 * Workspace confinement of file paths (RUNTIME.md "Tools": file tools never leave the workspace
 * root, symlinks and `..` included).
 *
 * - `confine(root, p)` resolves `p` against the workspace root and returns the absolute *real*
 *   path it designates, after following every symlink of the longest existing prefix (and any
 *   dangling symlink in the rest). A path that ends up outside `root` throws `path-escape`;
 *   tools then operate on the returned path, never on the path as written.
 * - With `{ write: true }`, a path under `<root>/.baton/` or `<root>/.vscode/` throws
 *   `protected-path`: the runtime's own state (journals, approvals) and the editor's settings and
 *   tasks are never writable by an agent.
 * - `mentionsProtectedPath` looks at a command's argv (also `--opt=path` forms) so the kernel can
 *   deny a command that names a protected directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatonError } from '../errors';

/** Top-level directories of the workspace an agent may never write. */
export const PROTECTED_DIRS: readonly string[] = ['.baton', '.vscode'];

const MAX_SYMLINK_HOPS = 40;

function escape(p: string, detail?: string): BatonError {
  return new BatonError('path-escape', `path '${p}' leaves the workspace${detail ? ` (${detail})` : ''}`, { data: { path: p } });
}

/** True if `abs` is `root` itself or lies below it (both absolute, normalized). */
export function isInside(root: string, abs: string): boolean {
  if (abs === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return abs.startsWith(prefix);
}

/**
 * Real path of `abs`, which may not exist (yet): the realpath of its longest existing prefix joined
 * with the rest. Dangling symlinks in the path are followed by hand (writing through one would
 * create its target). Throws the errno error for loops and unreadable components.
 */
export function realPathOf(abs: string, hops = 0): string {
  if (hops > MAX_SYMLINK_HOPS) throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' });
  let cur = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = fs.realpathSync.native(cur);
      return rest.length ? path.join(real, ...rest) : real;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      let st: fs.Stats | undefined;
      try { st = fs.lstatSync(cur); } catch { st = undefined; }
      if (st?.isSymbolicLink()) {
        // A dangling link: continue from its target, resolved against the link's real directory.
        const base = realPathOf(path.dirname(cur), hops + 1);
        const target = path.resolve(base, fs.readlinkSync(cur));
        return realPathOf(rest.length ? path.join(target, ...rest) : target, hops + 1);
      }
      const parent = path.dirname(cur);
      if (parent === cur) return rest.length ? path.join(cur, ...rest) : cur;
      rest.unshift(path.basename(cur));
      cur = parent;
    }
  }
}

/** True for `<root>/.baton`, `<root>/.vscode` and everything below them (case-insensitively). */
export function isProtectedPath(root: string, abs: string): boolean {
  return protectedDirOf(root, abs) !== undefined;
}

function protectedDirOf(root: string, abs: string): string | undefined {
  const rel = path.relative(root, path.resolve(root, abs));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const first = rel.split(path.sep)[0]!.toLowerCase();
  return PROTECTED_DIRS.find((d) => d === first);
}

function protectedError(dir: string, p: string): BatonError {
  const why = dir === '.baton'
    ? "the runtime's own state (journals, approvals) is never writable by an agent"
    : "the editor's settings, tasks and launch configurations could run code outside the policy";
  return new BatonError('protected-path', `writing under ${dir}/ is not allowed: ${why}`, { data: { path: p } });
}

/**
 * Absolute real path of `p` (relative to `root`, or absolute inside it). `root` must be an absolute
 * real path. Throws `path-escape` when the path (after symlinks) leaves the root, and with
 * `write: true` throws `protected-path` for `.baton/` and `.vscode/`.
 */
export function confine(root: string, p: string, opts: { write?: boolean } = {}): string {
  if (typeof p !== 'string') throw new BatonError('tool-error', `a path must be a string, got ${p === null ? 'null' : typeof p}`);
  if (p.includes('\0')) throw new BatonError('path-escape', `path '${p.replace(/\0/g, '\\0')}' contains a NUL byte`, { data: { path: p } });
  const lexical = path.resolve(root, p === '' ? '.' : p);
  if (!isInside(root, lexical)) throw escape(p);
  let real: string;
  try {
    real = realPathOf(lexical);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw escape(p, 'a symbolic link loop');
    throw new BatonError('tool-error', `cannot resolve path '${p}': ${(e as Error).message}`, { cause: e });
  }
  if (!isInside(root, real)) throw escape(p, 'through a symbolic link');
  if (opts.write) {
    const dir = protectedDirOf(root, real) ?? protectedDirOf(root, lexical);
    if (dir) throw protectedError(dir, p);
  }
  return real;
}

/** `a/b/c` for display: `abs` relative to `root`, with forward slashes (`.` for the root). */
export function relativePosix(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}

/**
 * The first argv element that, resolved against `cwd`, lies under a protected directory of `root`
 * (`.baton/`, `.vscode/`), also as the value of `--opt=path` / `-o=path`; or undefined. Symlinks of
 * the existing prefix are followed, so a link to `.baton` is caught too.
 */
export function mentionsProtectedPath(root: string, cwd: string, argv: string[]): string | undefined {
  const base = path.resolve(root, cwd);
  for (const arg of argv) {
    if (typeof arg !== 'string' || arg === '' || arg.includes('\0')) continue;
    const candidates = [arg];
    const eq = /^-{1,2}[^=\s]+=(.+)$/s.exec(arg);
    if (eq) candidates.push(eq[1]!);
    for (const c of candidates) {
      const abs = path.resolve(base, c);
      if (isProtectedPath(root, abs)) return arg;
      let real: string | undefined;
      try { real = realPathOf(abs); } catch { real = undefined; }
      if (real !== undefined && isProtectedPath(root, real)) return arg;
    }
  }
  return undefined;
}
