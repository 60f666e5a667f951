/**
 * Completion inside expressions: names in scope (locals from scope-at.ts, then declarations of the
 * agent, the file and the workspace, then built-ins), members after `x.` (record fields when the
 * type of `x` is known, MCP tools after a server name, `context.` fields, else built-in methods),
 * named arguments of the callee inside a call, tool names (for `tools: [...]` and policy rules),
 * and type names.
 */
import { CompletionItemKind } from 'vscode-languageserver';
import type * as A from '../runtime/dsl/ast';
import type { DocContext } from './context';
import type { ScopeAt } from './scope-at';
import type { Frame, TextContext, Tok } from './text-context';
import { constValue, setting } from '../runtime/dsl/symbols';
import { Callable, declMarkdown, shortBinding, signatureOf, textFor } from './describe';
import { builtinFunctionItems, builtinTypeItems, contextFieldItems, Items, lazyDoc, md, methodItems, R } from './completion-items';
import { resolveCallee } from './callee';
import { fieldsOfType, TypeReader, typeText } from './types-at';
import { actionOfTool, explainAction, gateSummary } from './gate-explain';

export interface ExprEnv { ctx: DocContext; scope: ScopeAt; agent: A.AgentDecl | null }

const KIND = {
  Tool: CompletionItemKind.Method, Function: CompletionItemKind.Function, Agent: CompletionItemKind.Class, TypeDecl: CompletionItemKind.Struct,
  Mcp: CompletionItemKind.Module, Memory: CompletionItemKind.Variable,
} as const;

type DeclKind = keyof typeof KIND;

/** Declarations (own agent's, the file's, other documents'), of the given kinds. */
export function declaredItems(items: Items, env: ExprEnv, kinds: readonly DeclKind[]): void {
  const { ctx, agent } = env;
  const want = new Set(kinds);
  const add = (node: A.Node & { name: A.Ident }, rank: number, uri?: string) => {
    const k = node.kind as DeclKind;
    if (!want.has(k)) return;
    const text = textFor(ctx, uri);
    let detail = k === 'Tool' || k === 'Function' || k === 'Agent' ? signatureOf(node as Callable, text).label : `${k === 'TypeDecl' ? 'type' : k.toLowerCase()} ${node.name.name}`;
    const binding = k === 'Tool' ? shortBinding(node as A.ToolDecl) : undefined;
    if (binding) detail += ` — ${binding}`;
    const doc = () => {
      let out = declMarkdown(ctx, node, uri);
      if (k === 'Tool' && agent) {
        const e = explainAction(ctx, agent.name.name, actionOfTool(node.name.name, node as A.ToolDecl, uri));
        if (e) out += `\n\nPolicy in agent \`${agent.name.name}\`: **${gateSummary(e)}**`;
      }
      return out;
    };
    if (items.has(node.name.name)) return;
    items.add({ label: node.name.name, kind: KIND[k], detail, data: lazyDoc(doc), labelDetails: { description: binding ?? (uri ? 'workspace' : k === 'TypeDecl' ? 'type' : k.toLowerCase()) } }, rank);
  };
  if (agent) for (const it of agent.items) if (it.kind === 'Tool' || it.kind === 'Function') add(it, R.own);
  const fs = ctx.analysis.check.symbols;
  for (const m of [fs.tools, fs.functions, fs.agents, fs.types, fs.mcp, fs.memories] as Array<Map<string, A.Node & { name: A.Ident }>>) {
    for (const node of m.values()) add(node, R.file);
  }
  for (const uri of ctx.index.uris()) {
    if (uri === ctx.uri) continue;
    const s = ctx.index.analysis(uri)?.check.symbols;
    if (!s) continue;
    for (const m of [s.tools, s.functions, s.agents, s.types, s.mcp] as Array<Map<string, A.Node & { name: A.Ident }>>) {
      for (const node of m.values()) add(node, R.workspace, uri);
    }
  }
}

export function localItems(items: Items, env: ExprEnv): void {
  let reader: TypeReader | undefined;
  for (const l of env.scope.locals) {
    if (items.has(l.name)) continue;
    const kind = l.kind === 'implicit' ? 'let' : l.kind;
    // The declared type is in the detail; an inferred one (which may need a lookup) on resolve.
    const declared = l.type ? typeText(env.ctx, { ref: l.type }) : '';
    const doc = () => {
      const t = declared || typeText(env.ctx, (reader ??= new TypeReader(env.ctx, env.scope)).typeOfLocal(l));
      return { detail: `${kind} ${l.name}${t ? `: ${t}` : ''}`, doc: '```baton\n' + `${kind} ${l.name}${t ? `: ${t}` : ''}` + '\n```' };
    };
    items.add({ label: l.name, kind: CompletionItemKind.Variable, detail: `${kind} ${l.name}${declared ? `: ${declared}` : ''}`, data: lazyDoc(doc) }, R.local);
  }
}

/** Everything an expression may name. */
export function expressionItems(items: Items, env: ExprEnv): void {
  localItems(items, env);
  declaredItems(items, env, ['Tool', 'Function', 'Agent', 'Mcp', 'Memory', 'TypeDecl']);
  builtinFunctionItems(items);
}

/** The expression chain before a `.` at the end of `toks`: `a.b.` → ['a', 'b']; `f(x).` → call ending at that group. */
function chainBefore(toks: readonly Tok[]): { names: string[]; callEnd?: number } | null {
  let i = toks.length - 1;
  if (i < 0 || toks[i].text !== '.') return null;
  const names: string[] = [];
  i--;
  while (i >= 0) {
    const t = toks[i];
    if (t.type === 'word') {
      names.unshift(t.text);
      if (i >= 1 && toks[i - 1].text === '.') { i -= 2; continue; }
      return { names };
    }
    if (t.type === 'group' && t.text === '()') return { names, callEnd: t.end };
    return names.length ? { names } : null;
  }
  return names.length ? { names } : null;
}

function findCallEndingAt(file: A.SourceFile, end: number, env: ExprEnv): A.Call | undefined {
  let found: A.Call | undefined;
  const visit = (n: unknown): void => {
    if (found || !n || typeof n !== 'object') return;
    const node = n as A.Node;
    if (typeof node.start === 'number' && (node.start > end || node.end < end)) return;
    if (node.kind === 'Call' && node.end === end) { found = node as A.Call; return; }
    for (const k in node) {
      if (k === 'comments') continue;
      const v = (node as unknown as Record<string, unknown>)[k];
      if (Array.isArray(v)) v.forEach(visit); else if (v && typeof v === 'object') visit(v);
    }
  };
  visit(env.scope.item ?? file);
  return found;
}

/** Members after `x.`. */
export function memberItems(items: Items, env: ExprEnv, tc: TextContext): void {
  const { ctx } = env;
  const chain = chainBefore(tc.frame.toks);
  if (!chain) { methodItems(items); return; }
  const reader = new TypeReader(ctx, env.scope);
  let expr: A.Expr | null;
  let members: string[];
  if (chain.callEnd !== undefined) {
    expr = findCallEndingAt(ctx.analysis.parse.file, chain.callEnd, env) ?? null;
    members = chain.names;
  } else {
    const [root, ...rest] = chain.names;
    if (rest.length === 0 && !reader.local(root)) {
      if (root === 'context') { contextFieldItems(items); return; }
      if (mcpServer(ctx, root)) { mcpToolItems(items, ctx, root); return; }
    }
    expr = { kind: 'Name', name: root, start: 0, end: 0 };
    members = rest;
  }
  for (const p of members) {
    if (!expr) break;
    expr = { kind: 'Member', object: expr, property: { kind: 'Ident', name: p, start: 0, end: 0 }, start: 0, end: 0 };
  }
  const fields = expr ? reader.fieldsOf(expr) : null;
  if (!fields) { methodItems(items); return; }
  for (const f of fields) {
    const t = typeText(ctx, f.type);
    items.add({ label: f.name, kind: CompletionItemKind.Field, detail: `${f.name}${f.optional ? '?' : ''}${t ? `: ${t}` : ''}`,
      documentation: md('```baton\n' + `${f.name}${t ? `: ${t}` : ''}` + '\n```') }, R.local);
  }
}

function mcpServer(ctx: DocContext, name: string): boolean {
  if (ctx.analysis.check.symbols.mcp.has(name)) return true;
  return ctx.index.uris().some((u) => u !== ctx.uri && !!ctx.index.analysis(u)?.check.symbols.mcp.has(name));
}

/** Tools of an MCP server known statically: tools bound with `mcp = "server/x"`, and `server.x(...)` calls. */
function mcpToolItems(items: Items, ctx: DocContext, server: string): void {
  for (const t of ctx.analysis.check.symbols.tools.values()) {
    const v = constValue(setting(t.body, 'mcp')?.value);
    if (typeof v === 'string' && v.startsWith(`${server}/`)) {
      const tool = v.slice(server.length + 1);
      items.add({ label: tool, kind: CompletionItemKind.Method, detail: `MCP tool ${server}/${tool}`, documentation: md(`MCP tool \`${tool}\` of server \`${server}\` (also bound as tool \`${t.name.name}\`).`) }, R.local);
    }
  }
  for (const c of ctx.analysis.check.calls) {
    if (c.mcp?.server === server) items.add({ label: c.mcp.tool, kind: CompletionItemKind.Method, detail: `MCP tool ${server}/${c.mcp.tool}`, documentation: md(`MCP tool \`${c.mcp.tool}\` of server \`${server}\`.`) }, R.local);
  }
}

/** `name: ` items for the parameters of the callee of a call frame not yet given. */
export function namedArgItems(items: Items, env: ExprEnv, frame: Frame): void {
  const reader = new TypeReader(env.ctx, env.scope);
  const info = resolveCallee(env.ctx, frame.callee ?? '', env.agent, (n) => !!reader.local(n));
  if (!info || info.named.length === 0) return;
  // Arguments already written: named ones by name, positional ones by position.
  const given = new Set<string>();
  let positional = 0, segStart = 0;
  const toks = frame.toks;
  for (let i = 0; i <= toks.length; i++) {
    if (i < toks.length && !(toks[i].type === 'punct' && toks[i].text === ',')) continue;
    if (i > segStart) {
      const a = toks[segStart], b = toks[segStart + 1];
      if (a.type === 'word' && b && (b.text === ':' || b.text === '=')) given.add(a.text); else positional++;
    }
    segStart = i + 1;
  }
  const declared = new Map(info.params.map((p) => [p.name.name, p]));
  const text = textFor(env.ctx, info.uri);
  info.named.forEach((name, i) => {
    if (given.has(name) || (info.params.length && i < positional)) return;
    const p = declared.get(name);
    const detail = p ? `${name}${p.type ? `: ${text.slice(p.type.start, p.type.end)}` : ''}${p.default ? ` = ${text.slice(p.default.start, p.default.end)}` : ''}` : `${name} (named argument of ${info.name})`;
    items.add({ label: `${name}:`, filterText: name, insertText: `${name}: `, kind: CompletionItemKind.Field, detail,
      documentation: md(`Argument \`${name}\` of \`${info.name}\` (${info.kind}).`) }, R.arg);
  });
}

/** Tools an agent can use (own, file, workspace; MCP tools called in the file), for `tools: [...]` and policy targets. */
export function toolNameItems(items: Items, env: ExprEnv, rank: number = R.local): void {
  const { ctx, agent } = env;
  const sub = new Items();
  declaredItems(sub, env, ['Tool']);
  for (const it of sub.list()) {
    const r = it.sortText!.startsWith(String(R.workspace).padStart(2, '0')) ? rank + 1 : rank;
    it.sortText = undefined;
    items.add(it, r);
  }
  for (const c of ctx.analysis.check.calls) {
    if (c.kind === 'tool' && c.mcp && (!agent || c.agent === agent.name.name)) {
      items.add({ label: c.name, kind: CompletionItemKind.Method, detail: `MCP tool ${c.mcp.server}/${c.mcp.tool}`, documentation: md(`MCP tool \`${c.mcp.tool}\` of server \`${c.mcp.server}\`.`) }, rank);
    }
  }
}

export function typeItems(items: Items, env: ExprEnv): void {
  declaredItems(items, env, ['TypeDecl']);
  builtinTypeItems(items);
}

export { fieldsOfType };
