/**
 * Document symbols (the outline) and workspace symbols.
 *
 * Outline: agents (with their capabilities, policies and rules, functions, tools and `with` block),
 * top-level tools, functions, types, MCP servers, memories, schedules, channels, webhooks,
 * policies and metadata. `detail` shows signatures as written.
 *
 * Workspace symbols: every declaration of every known document (agents' inner functions, tools
 * and policies included), matched against the query as a case-insensitive subsequence and ranked:
 * exact name, prefix, word-start (`fl` → `fetch_logs`), then by how tight the match is.
 */
import { DocumentSymbol, Location, SymbolInformation, SymbolKind } from 'vscode-languageserver';
import type * as A from '../runtime/dsl/ast';
import type { Analysis } from '../runtime/dsl/workspace';
import type { LineIndex } from '../runtime/dsl/line-index';
import type { DocContext, WorkspaceIndex } from './context';

const KIND: Record<string, SymbolKind> = {
  Agent: SymbolKind.Class, Function: SymbolKind.Function, Tool: SymbolKind.Method, TypeDecl: SymbolKind.Struct,
  Mcp: SymbolKind.Module, Memory: SymbolKind.Object, Schedule: SymbolKind.Event, Channel: SymbolKind.Interface,
  Webhook: SymbolKind.Event, Policy: SymbolKind.Namespace, Metadata: SymbolKind.Namespace, With: SymbolKind.Constructor,
  Capabilities: SymbolKind.Array, Rule: SymbolKind.Key,
};

const slice = (text: string, n: { start: number; end: number } | null | undefined) => (n ? text.slice(n.start, n.end) : '');
const oneLine = (s: string, max = 80) => { const t = s.replace(/\s+/g, ' ').trim(); return t.length > max ? t.slice(0, max - 1) + '…' : t; };

function signature(text: string, params: A.Param[] | null, returns: A.TypeRef | null): string {
  const ps = params ? `(${params.map((p) => oneLine(slice(text, p))).join(', ')})` : '';
  return oneLine(ps + (returns ? ` -> ${slice(text, returns)}` : ''), 120);
}

function sym(lines: LineIndex, name: string, kind: SymbolKind, node: A.Node, sel: A.Node, detail?: string, children?: DocumentSymbol[]): DocumentSymbol {
  const range = { start: lines.position(node.start), end: lines.position(node.end) };
  const selectionRange = { start: lines.position(sel.start), end: lines.position(sel.end) };
  const out: DocumentSymbol = { name: name || '?', kind, range, selectionRange };
  if (detail) out.detail = detail;
  if (children?.length) out.children = children;
  return out;
}

function policySymbol(text: string, lines: LineIndex, p: A.PolicyDecl): DocumentSymbol {
  const rules = p.rules.map((r) => sym(lines, r.verb, KIND.Rule, r, r, oneLine(slice(text, r.pattern))));
  return sym(lines, p.name.name, KIND.Policy, p, p.name, 'policy', rules);
}

function itemSymbol(text: string, lines: LineIndex, item: A.Item | A.AgentItem): DocumentSymbol | undefined {
  switch (item.kind) {
    case 'Agent': {
      const children: DocumentSymbol[] = [];
      for (const it of item.items) { const s = itemSymbol(text, lines, it); if (s) children.push(s); }
      return sym(lines, item.name.name, KIND.Agent, item, item.name, signature(text, item.params, item.returns) || 'agent', children);
    }
    case 'Function': case 'Tool':
      return sym(lines, item.name.name, KIND[item.kind], item, item.name, signature(text, item.params, item.returns));
    case 'TypeDecl': return sym(lines, item.name.name, KIND.TypeDecl, item, item.name, oneLine(slice(text, item.type)));
    case 'Mcp': case 'Memory': case 'Schedule': case 'Channel': case 'Webhook':
      return sym(lines, item.name.name, KIND[item.kind], item, item.name, item.kind.toLowerCase());
    case 'Policy': return policySymbol(text, lines, item);
    case 'Metadata': return sym(lines, 'metadata', KIND.Metadata, item, item, undefined);
    case 'With': return sym(lines, 'with', KIND.With, item, item, oneLine(item.attrs.map((a) => slice(text, a)).join(', ')) || undefined);
    case 'Capabilities': return sym(lines, 'capabilities', KIND.Capabilities, item, item, oneLine(item.items.map((c) => c.name).join(', ')));
    default: return undefined;
  }
}

export function documentSymbols(ctx: DocContext): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const item of ctx.analysis.parse.file.items) {
    const s = itemSymbol(ctx.text, ctx.lines, item);
    if (s) out.push(s);
  }
  return out;
}

// ---- workspace symbols ----

interface Flat { name: string; kind: SymbolKind; start: number; end: number; container?: string }
const flatCache = new WeakMap<Analysis, Flat[]>();

/** Named declarations of a document, agents' inner items with the agent as container. */
function flatten(a: Analysis): Flat[] {
  let out = flatCache.get(a);
  if (out) return out;
  out = [];
  const named = (n: { name: A.Ident; kind: string }, container?: string) => {
    if (n.name?.name) out!.push({ name: n.name.name, kind: KIND[n.kind] ?? SymbolKind.Variable, start: n.name.start, end: n.name.end, container });
  };
  for (const item of a.parse.file.items) {
    if (item.kind === 'Error' || item.kind === 'Metadata') continue;
    named(item);
    if (item.kind === 'Agent') {
      for (const it of item.items) if (it.kind === 'Function' || it.kind === 'Tool' || it.kind === 'Policy') named(it, item.name.name);
    }
  }
  flatCache.set(a, out);
  return out;
}

/** Match score of `query` in `name` (higher is better), or -1. */
export function fuzzyScore(query: string, name: string): number {
  if (!query) return 1;
  const q = query.toLowerCase(), n = name.toLowerCase();
  if (n === q) return 1000;
  if (n.startsWith(q)) return 900 - n.length;
  let score = 0, qi = 0, prev = -2;
  for (let i = 0; i < n.length && qi < q.length; i++) {
    if (n[i] !== q[qi]) continue;
    const wordStart = i === 0 || n[i - 1] === '_' || n[i - 1] === '.' || (name[i] >= 'A' && name[i] <= 'Z' && name[i - 1] >= 'a' && name[i - 1] <= 'z');
    score += wordStart ? 10 : prev === i - 1 ? 5 : 1;
    prev = i;
    qi++;
  }
  if (qi < q.length) return -1;
  return score * 5 - (n.length - q.length);
}

export function workspaceSymbols(index: WorkspaceIndex, query: string, limit = 500): SymbolInformation[] {
  const hits: Array<{ score: number; info: SymbolInformation }> = [];
  for (const uri of index.uris()) {
    const a = index.analysis(uri);
    if (!a) continue;
    for (const f of flatten(a)) {
      const score = fuzzyScore(query, f.name);
      if (score < 0) continue;
      const range = { start: a.parse.lines.position(f.start), end: a.parse.lines.position(f.end) };
      const info: SymbolInformation = { name: f.name, kind: f.kind, location: Location.create(uri, range) };
      if (f.container) info.containerName = f.container;
      hits.push({ score, info });
    }
  }
  hits.sort((x, y) => y.score - x.score || x.info.name.localeCompare(y.info.name));
  return hits.slice(0, limit).map((h) => h.info);
}
