/**
 * Document links.
 *
 * - `vault://path` references (bare or in a string): a link with no target and a tooltip saying
 *   what it is — a secret resolved by the runtime at run time, never written to the journal.
 * - String literals that name an existing file or directory, relative to the document's folder or
 *   to a workspace folder (fs tool defaults, `cwd`, MCP `args`, command arguments...): a link to
 *   its `file://` URI. Only path-like strings are looked up (no spaces around, no URL scheme, no
 *   `{param}` template), and at most MAX_LOOKUPS per document.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DocumentLink } from 'vscode-languageserver';
import type * as A from '../runtime/dsl/ast';
import type { DocContext } from './context';
import { walk } from './ast-walk';
import { pathToUri, uriToPath } from './workspace-scan';

const MAX_LOOKUPS = 500;
const PATH_LIKE = /^(?:~?\.{0,2}\/|[\w@.-]+[\\/]|[\w@-][\w@.-]*\.[A-Za-z0-9]{1,8}$)[^\s"'`{}<>|*?]*$/;

export function vaultTooltip(p: string): string {
  return `Secret '${p}' from the vault: resolved when the agent runs; the value is never written to the journal or shown.`;
}

/** Whether a string literal's contents may be a file path worth a file system lookup. */
export function pathLike(s: string): boolean {
  if (s.length < 2 || s.length > 260 || /^[a-z][a-z0-9+.-]*:/i.test(s)) return false;
  return PATH_LIKE.test(s) && s !== './' && s !== '../';
}

function exists(p: string): boolean {
  try { fs.statSync(p); return true; } catch { return false; }
}

export function documentLinks(ctx: DocContext, roots: readonly string[]): DocumentLink[] {
  const { lines } = ctx;
  const links: DocumentLink[] = [];
  const docPath = uriToPath(ctx.uri);
  const bases = [...new Set([...(docPath ? [path.dirname(docPath)] : []), ...roots])];
  const range = (start: number, end: number) => ({ start: lines.position(start), end: lines.position(end) });
  let lookups = 0;
  const seen = new Map<string, string | null>();

  walk(ctx.analysis.parse.file, (node) => {
    if (node.kind === 'Comment') return false;
    if (node.kind === 'Vault') {
      const v = node as A.VaultRef;
      links.push({ range: range(v.start, v.end), tooltip: vaultTooltip(v.path) });
      return;
    }
    if (node.kind !== 'Literal') return;
    const lit = node as A.Literal;
    if (lit.litKind !== 'string' || typeof lit.value !== 'string') return;
    const raw = ctx.text.slice(lit.start, lit.end);
    if (!/^["']/.test(raw) || raw.length !== lit.value.length + 2) return;  // escapes or triple quotes: skip
    const value = lit.value;
    if (value.startsWith('vault://')) {
      links.push({ range: range(lit.start + 1, lit.end - 1), tooltip: vaultTooltip(value.slice(8)) });
      return;
    }
    if (!pathLike(value) || bases.length === 0) return;
    let target = seen.get(value);
    if (target === undefined) {
      if (lookups >= MAX_LOOKUPS) return;
      target = null;
      const expanded = value.startsWith('~/') ? path.join(process.env.HOME ?? '~', value.slice(2)) : value;
      const candidates = path.isAbsolute(expanded) ? [expanded] : bases.map((b) => path.resolve(b, expanded));
      for (const c of candidates) {
        lookups++;
        if (exists(c)) { target = pathToUri(c); break; }
      }
      seen.set(value, target);
    }
    if (target) links.push({ range: range(lit.start + 1, lit.end - 1), target, tooltip: 'Open ' + value });
  });
  return links;
}
