/**
 * Every occurrence of a named symbol in a document, each tied to the declaration it means: the
 * shared ground of go-to-definition, find-references and rename. The checker's `refs` give locals,
 * calls and values; this module adds what the checker does not record (declaration names of items,
 * named arguments at call sites, policy rule targets, names in rule conditions, type annotations in
 * any file, `{param}` placeholders of command/http templates, the server of `mcp = "server/tool"`).
 * A symbol's identity (`key`) is the URI and offset of its declaring identifier.
 */
import * as A from '../runtime/dsl/ast';
import type { Analysis } from '../runtime/dsl/workspace';
import type { SymbolKind, Sym, FileSymbols } from '../runtime/dsl/symbols';
import { analyzeRule } from '../runtime/dsl/policy-analysis';
import { setting } from '../runtime/dsl/symbols';

export interface Occurrence {
  uri: string;
  /** Range of the name itself (inside the quotes for a name in a string). */
  start: number;
  end: number;
  name: string;
  kind: SymbolKind;
  /** `${declUri}#${declStart}`, or `builtin:${name}`. */
  key: string;
  /** Where the symbol is declared; null for built-ins. */
  decl: { uri: string; start: number; end: number } | null;
  /** This occurrence is the declaring identifier. */
  isDecl: boolean;
  /** Leads to the declaration (go-to-definition) but is not a use of the name (`server.tool`'s tool part). */
  aliasOnly?: boolean;
}

/** The documents a query may look at (the server's index, or a scratch workspace when checking a rename). */
export interface Docs {
  uris(): string[];
  analysis(uri: string): Analysis | undefined;
}

type TopKind = 'agents' | 'functions' | 'tools' | 'types' | 'mcp';
type Declared = A.Node & { name: A.Ident };

/** Memoises occurrences per document for the duration of one request. */
export class SymbolIndex {
  private readonly cache = new Map<string, Occurrence[]>();
  private readonly tops = new Map<string, { uri: string; node: Declared } | undefined>();
  constructor(readonly docs: Docs) {}

  occurrences(uri: string): Occurrence[] {
    let occ = this.cache.get(uri);
    if (!occ) {
      const a = this.docs.analysis(uri);
      occ = a ? collect(this, uri, a) : [];
      this.cache.set(uri, occ);
    }
    return occ;
  }

  /** The occurrence under the cursor (an offset touching the name's start or end counts). */
  at(uri: string, offset: number): Occurrence | undefined {
    const touching = this.occurrences(uri).filter((o) => o.start <= offset && offset <= o.end);
    // Prefer a range that contains the offset over one that ends at it (`a|.b`), and a use over an alias.
    const rank = (o: Occurrence) => (offset < o.end ? 0 : 2) + (o.aliasOnly ? 1 : 0);
    return touching.sort((x, y) => rank(x) - rank(y))[0];
  }

  /** A top-level declaration by name: this document first, then the others (like the checker). */
  findTop(kind: TopKind, name: string, fromUri: string): { uri: string; node: Declared } | undefined {
    const key = `${kind} ${name} ${fromUri}`;
    if (!this.tops.has(key)) this.tops.set(key, this.lookupTop(kind, name, fromUri));
    return this.tops.get(key);
  }

  private lookupTop(kind: TopKind, name: string, fromUri: string): { uri: string; node: Declared } | undefined {
    const own = this.docs.analysis(fromUri)?.check.symbols[kind].get(name);
    if (own) return { uri: fromUri, node: own };
    for (const u of this.docs.uris()) {
      if (u === fromUri) continue;
      const node = this.docs.analysis(u)?.check.symbols[kind].get(name);
      if (node) return { uri: u, node };
    }
    return undefined;
  }
}

const TOP_KIND_OF: Partial<Record<SymbolKind, TopKind>> = { agent: 'agents', function: 'functions', tool: 'tools', type: 'types', mcp: 'mcp' };

function keyOf(uri: string, ident: { start: number }): string { return `${uri}#${ident.start}`; }

function collect(index: SymbolIndex, uri: string, a: Analysis): Occurrence[] {
  const out: Occurrence[] = [];
  const taken = new Set<number>();
  const push = (o: Omit<Occurrence, 'uri'>) => {
    if (taken.has(o.start)) return;
    taken.add(o.start);
    out.push({ uri, ...o });
  };
  const toDecl = (kind: SymbolKind, declUri: string, ident: A.Ident, at: { start: number; end: number }, extra: Partial<Occurrence> = {}) =>
    push({ start: at.start, end: at.end, name: ident.name, kind, key: keyOf(declUri, ident),
      decl: { uri: declUri, start: ident.start, end: ident.end }, isDecl: declUri === uri && at.start === ident.start, ...extra });

  const file = a.parse.file;
  // 1. Declaring identifiers of items (the checker records only uses of them).
  for (const item of file.items) {
    if (item.kind === 'Metadata' || item.kind === 'Error') continue;
    toDecl(itemKind(item), uri, item.name, item.name);
    if (item.kind === 'Tool') toolParams(item, uri, toDecl);
    if (item.kind !== 'Agent') continue;
    for (const it of item.items) {
      if (it.kind === 'Function' || it.kind === 'Tool' || it.kind === 'Policy') toDecl(itemKind(it), uri, it.name, it.name);
      if (it.kind === 'Tool') toolParams(it, uri, toDecl);
    }
  }
  // 2. Everything the checker resolved.
  for (const r of a.check.refs) {
    const sym = r.sym;
    if (!sym.decl) {
      push({ start: r.node.start, end: r.node.end, name: sym.name, kind: 'builtin', key: `builtin:${sym.name}`, decl: null, isDecl: false });
      continue;
    }
    toDecl(sym.kind, symUri(index, uri, a.check.symbols, sym), sym.decl, r.node);
  }
  // 3. Named arguments of calls to declared functions, tools and agents; the tool part of `server.tool(...)`.
  for (const site of a.check.calls) {
    if (site.mcp && site.call.callee.kind === 'Member') {
      const server = index.findTop('mcp', site.mcp.server, uri);
      if (server) toDecl('mcp', server.uri, server.node.name, site.call.callee.property, { aliasOnly: true, isDecl: false });
    }
    const decl = site.decl as A.FunctionDecl | A.ToolDecl | A.AgentDecl | undefined;
    if (!decl || !(decl.kind === 'Function' || decl.kind === 'Tool' || decl.kind === 'Agent')) continue;
    const params = decl.params ?? [];
    for (const arg of site.call.args) {
      const p = arg.name && params.find((x) => x.name.name === arg.name!.name);
      if (p) toDecl('param', site.uri ?? uri, p.name, arg.name!);
    }
  }
  // 4. What only a walk of the tree finds.
  for (const item of file.items) {
    const agent = item.kind === 'Agent' ? item : null;
    walk(item, (n) => {
      switch (n.kind) {
        case 'NamedType': typeName(index, uri, (n as A.NamedType).name, toDecl); break;
        case 'TypedRecord': typeName(index, uri, (n as A.TypedRecord).type, toDecl); break;
        case 'Try': { const t = (n as A.TryStmt).catchType; if (t) typeName(index, uri, t, toDecl); break; }
        case 'Policy': policyNames(index, uri, n as A.PolicyDecl, agent, toDecl); break;
        case 'Tool': toolTemplates(index, uri, a.text, n as A.ToolDecl, toDecl); break;
        default: break;
      }
    });
  }
  return out.sort((x, y) => x.start - y.start);
}

type ToDecl = (kind: SymbolKind, declUri: string, ident: A.Ident, at: { start: number; end: number }, extra?: Partial<Occurrence>) => void;

/** A tool's parameters (the checker declares those of functions and agents, not of tools: they have no body). */
function toolParams(tool: A.ToolDecl, uri: string, toDecl: ToDecl): void {
  for (const p of tool.params) toDecl('param', uri, p.name, p.name);
}

function itemKind(item: A.Item | A.AgentItem): SymbolKind {
  switch (item.kind) {
    case 'Agent': return 'agent';
    case 'Function': return 'function';
    case 'Tool': return 'tool';
    case 'TypeDecl': return 'type';
    case 'Mcp': return 'mcp';
    case 'Memory': return 'memory';
    case 'Policy': return 'policy';
    case 'Channel': return 'channel';
    case 'Schedule': return 'schedule';
    default: return 'webhook';
  }
}

/**
 * The document declaring a resolved symbol. The checker sets `uri` for most symbols of other files,
 * but not for an MCP server of another file reached through `server.tool(...)`: a top-level symbol
 * not declared in this file is looked up by name in the others.
 */
function symUri(index: SymbolIndex, uri: string, fs: FileSymbols, sym: Sym): string {
  if (sym.uri) return sym.uri;
  const top = TOP_KIND_OF[sym.kind];
  if (!top || fs[top].get(sym.name) === sym.node || sym.node && isAgentLocal(index, uri, sym.node)) return uri;
  return index.findTop(top, sym.name, uri)?.uri ?? uri;
}

function isAgentLocal(index: SymbolIndex, uri: string, node: A.Node): boolean {
  const file = index.docs.analysis(uri)?.parse.file;
  return !!file?.items.some((it) => it.kind === 'Agent' && it.items.includes(node as A.AgentItem));
}

function typeName(index: SymbolIndex, uri: string, ident: A.Ident, toDecl: ToDecl): void {
  const found = index.findTop('types', ident.name, uri);
  if (found) toDecl('type', found.uri, found.node.name, ident);
}

/** A tool or agent named by a rule: the agent's own tools, then the file's and the workspace's. */
function ruleTarget(index: SymbolIndex, uri: string, agent: A.AgentDecl | null, name: string): { uri: string; node: Declared; kind: SymbolKind } | undefined {
  const local = agent?.items.find((it): it is A.ToolDecl => it.kind === 'Tool' && it.name.name === name);
  if (local) return { uri, node: local, kind: 'tool' };
  const tool = index.findTop('tools', name, uri);
  const own = index.docs.analysis(uri)?.check.symbols;
  if (tool && (tool.uri === uri || !own?.agents.has(name))) return { ...tool, kind: 'tool' };
  const ag = index.findTop('agents', name, uri);
  if (ag) return { ...ag, kind: 'agent' };
  return tool && { ...tool, kind: 'tool' };
}

function policyNames(index: SymbolIndex, uri: string, policy: A.PolicyDecl, agent: A.AgentDecl | null, toDecl: ToDecl): void {
  for (const rule of policy.rules) {
    const info = analyzeRule(rule, policy);
    for (const t of info.targetNodes) {
      const quoted = isStringAt(rule.pattern, t.start) ? 1 : 0;
      const sep = t.name.search(/[./]/);
      if (sep > 0) {
        // `server.tool` or "server/tool": the server part names an MCP server.
        const server = index.findTop('mcp', t.name.slice(0, sep), uri);
        if (!server) continue;
        toDecl('mcp', server.uri, server.node.name, { start: t.start + quoted, end: t.start + quoted + sep });
        toDecl('mcp', server.uri, server.node.name, { start: t.start + quoted + sep + 1, end: t.end - quoted }, { aliasOnly: true, isDecl: false });
        continue;
      }
      if (quoted && t.end - t.start !== t.name.length + 2) continue; // escapes inside the string
      const target = ruleTarget(index, uri, agent, t.name);
      if (target) toDecl(target.kind, target.uri, target.node.name, { start: t.start + quoted, end: t.end - quoted });
    }
    // Names bound by a call shape (`read_logs(service) if service == ...`), and the agent's inputs, in the condition.
    const bound = new Map<string, A.Ident>();
    if (rule.pattern.kind === 'Call' && !info.isApprovalRequirement) {
      for (const arg of rule.pattern.args) {
        if (arg.value.kind !== 'Name' || info.bound.indexOf(arg.value.name) < 0) continue;
        const ident: A.Ident = { kind: 'Ident', name: arg.value.name, start: arg.value.start, end: arg.value.end };
        if (!bound.has(ident.name)) bound.set(ident.name, ident);
        toDecl('pattern', uri, bound.get(ident.name)!, ident);
      }
    }
    if (!rule.condition) continue;
    walk(rule.condition, (n) => {
      if (n.kind !== 'Name') return;
      const name = (n as A.NameRef).name;
      const b = bound.get(name);
      if (b) { toDecl('pattern', uri, b, n); return; }
      const p = agent?.params?.find((x) => x.name.name === name);
      if (p) toDecl('param', uri, p.name, n);
    });
  }
}

/** Whether the pattern element at `start` is a string literal (its name is inside the quotes). */
function isStringAt(pattern: A.Expr, start: number): boolean {
  let found = false;
  walk(pattern, (n) => { if (n.start === start && n.kind === 'Literal') found = true; });
  return found;
}

/** `{param}` placeholders of `command = [...]` and `http = "..."`; the server of `mcp = "server/tool"`. */
function toolTemplates(index: SymbolIndex, uri: string, text: string, tool: A.ToolDecl, toDecl: ToDecl): void {
  const strings: A.Literal[] = [];
  const command = setting(tool.body, 'command')?.value;
  if (command?.kind === 'Array') for (const e of command.elements) if (e.kind === 'Literal' && e.litKind === 'string') strings.push(e);
  const http = setting(tool.body, 'http')?.value;
  if (http?.kind === 'Literal' && http.litKind === 'string') strings.push(http);
  for (const lit of strings) {
    const raw = text.slice(lit.start + 1, lit.end - 1);
    if (raw !== lit.value) continue; // escapes: offsets in the value are not offsets in the text
    for (const m of raw.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      const p = tool.params.find((x) => x.name.name === m[1]);
      const at = lit.start + 1 + m.index! + 1;
      if (p) toDecl('param', uri, p.name, { start: at, end: at + m[1].length });
    }
  }
  const mcp = setting(tool.body, 'mcp')?.value;
  if (mcp?.kind === 'Literal' && typeof mcp.value === 'string' && text.slice(mcp.start + 1, mcp.end - 1) === mcp.value) {
    const name = mcp.value.split('/')[0];
    const server = name && index.findTop('mcp', name, uri);
    if (server) toDecl('mcp', server.uri, server.node.name, { start: mcp.start + 1, end: mcp.start + 1 + name.length });
  }
}

/** Visits every node below `root` (iteratively: deep files must not exhaust the stack). */
export function walk(root: A.Node, visit: (n: A.Node) => void): void {
  const stack: unknown[] = [root];
  while (stack.length) {
    const n = stack.pop() as A.Node;
    visit(n);
    for (const key in n) {
      if (key === 'comments') continue;
      const v = (n as unknown as Record<string, unknown>)[key];
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) if (v[i] && typeof v[i] === 'object' && 'kind' in v[i]) stack.push(v[i]);
      } else if (v && typeof v === 'object' && 'kind' in v) stack.push(v);
    }
  }
}
