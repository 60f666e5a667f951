/**
 * Completion that knows where the cursor is. The raw text before the cursor (text-context.ts, scanned
 * from the start of the top-level item around it) says which construct is being typed — top level,
 * agent items, a `with` attribute list, metadata / tool / MCP keys and their values, policy rules and
 * their targets, statements, expressions, members, call arguments, types — and the cached analysis
 * (scope-at.ts, the checker's symbols and calls) says what can go there. Nothing is re-parsed; the
 * work per request is the scan of one item plus a walk down the tree to the cursor.
 *
 * Items carry kind, detail, markdown documentation and a `sortText` rank (completion-items.ts `R`);
 * `resolveCompletion` re-attaches catalog docs from `data` if a client dropped them.
 */
import { CompletionItem, CompletionItemKind } from 'vscode-languageserver';
import type * as A from '../runtime/dsl/ast';
import type { DocContext } from './context';
import {
  ALL_ACTIONS, ENFORCED_POLICY_SETTINGS, METADATA_KEYS, TOOL_KEYS, WELL_KNOWN_CAPABILITIES, WITH_ATTRIBUTES, KeyDoc,
} from '../runtime/dsl/builtins';
import { constValue, setting } from '../runtime/dsl/symbols';
import { AGENT_ITEM_KEYWORDS, TOP_LEVEL_KEYWORDS } from '../runtime/dsl/parser';
import { ScopeAt, scopeAt } from './scope-at';
import { cursorContext, Frame, TextContext, TextLocal, Tok } from './text-context';
import { textLocals } from './text-locals';
import {
  capabilityItems, catalogItem, DataKind, Items, keyItems, keywordItems, md, R, resetLazyDocs, resolveItemDocs, resolveLazyDoc, snippetItems, valueItems, verbItems,
} from './completion-items';
import { declaredItems, ExprEnv, expressionItems, memberItems, namedArgItems, toolNameItems, typeItems } from './completion-expr';
import { AGENT_ITEM_DOCS, MCP_KEYS, STATEMENT_KEYWORD_DOCS, TOP_KEYWORD_DOCS } from './keyword-docs';
import { fieldsOfType, findTypeDecl, typeText } from './types-at';

const STATEMENT_KEYWORDS = ['let', 'if', 'for', 'while', 'match', 'try', 'return', 'parallel'];
const EXPRESSION_KEYWORDS = ['if', 'match', 'not', 'true', 'false', 'null'];

export function completion(ctx: DocContext, offset: number): CompletionItem[] {
  const file = ctx.analysis.parse.file;
  const tc = cursorContext(file, ctx.text, offset);
  if (tc.inComment) return [];
  const scope = scopeAt(file, offset);
  addTextLocals(scope, textLocals(ctx.text, tc));
  const agent = scope.agent ?? agentFromFrames(ctx, tc);
  const env: ExprEnv = { ctx, scope, agent };
  const items = new Items();
  resetLazyDocs();
  complete(items, env, tc);
  return items.list();
}

export function resolveCompletion(item: CompletionItem): CompletionItem {
  const data = item.data as { k?: DataKind | 'lazy'; n?: string; id?: number; gen?: number } | undefined;
  if (item.documentation || !data?.k) return item;
  const doc = data.k === 'lazy' ? resolveLazyDoc(data.id ?? -1, data.gen ?? -1) : data.n ? resolveItemDocs(data.k, data.n) : undefined;
  if (typeof doc === 'string') item.documentation = md(doc);
  else if (doc) { item.detail = doc.detail; item.documentation = md(doc.doc); }
  return item;
}

/** Names the text declares that the tree lost (mid-edit bodies the parser dropped); innermost first. */
function addTextLocals(scope: ScopeAt, found: TextLocal[]): void {
  const have = new Set(scope.locals.map((l) => l.name));
  for (let i = found.length - 1; i >= 0; i--) {
    const t = found[i];
    if (have.has(t.name)) continue;
    have.add(t.name);
    const decl: A.Ident = { kind: 'Ident', name: t.name, start: t.start, end: t.end };
    const type: A.TypeRef | null = t.typeName ? { kind: 'NamedType', name: { kind: 'Ident', name: t.typeName, start: 0, end: 0 }, args: [], optional: false, start: 0, end: 0 } : null;
    scope.locals.push({ name: t.name, kind: t.kind, decl, node: decl, type, value: null });
  }
}

/** The agent whose body the text frames are in, when the parser dropped it. */
function agentFromFrames(ctx: DocContext, tc: TextContext): A.AgentDecl | null {
  for (const f of tc.frames) {
    if (f.kind !== 'agent') continue;
    const k = f.header.findIndex((t) => t.text === 'agent');
    const name = k >= 0 ? f.header[k + 1]?.text : undefined;
    return (name && ctx.analysis.check.symbols.agents.get(name)) || null;
  }
  return null;
}

const last = (toks: readonly Tok[]) => toks[toks.length - 1];
const atItemStart = (tc: TextContext) => !tc.inString && (tc.segment.length === 0 || tc.lineStart);

function complete(items: Items, env: ExprEnv, tc: TextContext): void {
  const f = tc.frame;
  const seg = tc.segment;
  switch (f.kind) {
    case 'top':
      if (tc.inString) return;
      if (last(seg)?.text === '->' || (seg[0]?.text === 'type' && last(seg)?.text === '=')) return typeItems(items, env);
      if (atItemStart(tc)) {
        keywordItems(items, TOP_LEVEL_KEYWORDS, TOP_KEYWORD_DOCS, R.key);
        snippetItems(items, ['agent', 'tool', 'toolcmd', 'policy', 'mcp', 'type', 'function']);
      }
      return;
    case 'agent': return agentBody(items, env, tc);
    case 'params': case 'typeRecord':
      if (tc.inString) return;
      if (last(seg)?.text === ':' || last(seg)?.text === '->' || last(seg)?.text === '<') return typeItems(items, env);
      if (f.kind === 'params' && seg.some((t) => t.text === '=')) return expressionItems(items, env);
      return;
    case 'metadata': return settingsEntry(items, env, tc, METADATA_KEYS, 'meta');
    case 'tool': return settingsEntry(items, env, tc, TOOL_KEYS, 'toolKey');
    case 'mcp': return settingsEntry(items, env, tc, mcpCatalog(), 'mcpKey');
    case 'policyRecord': return settingsEntry(items, env, tc, policySettingsCatalog(), 'policySetting');
    case 'policy': return policyRule(items, env, tc);
    case 'policyList': if (!tc.inString) policyTargets(items, env); return;
    case 'policyCall': if (f.callee === 'approval' && !tc.inString) policyTargets(items, env); return;
    case 'capabilities': return capabilityItems(items, capabilityNames(env), !tc.inString, R.key);
    case 'settings': case 'unknown': return;
    default: return expression(items, env, tc);
  }
}

function agentBody(items: Items, env: ExprEnv, tc: TextContext): void {
  const seg = tc.segment;
  const w = seg.findIndex((t) => t.type === 'word' && t.text === 'with');
  if (w >= 0) return withAttributes(items, seg.slice(w + 1), tc);
  if (seg[0]?.text === 'capabilities' && !tc.lineStart) return capabilityItems(items, capabilityNames(env), false, R.key);
  if (!atItemStart(tc)) return;
  keywordItems(items, AGENT_ITEM_KEYWORDS, AGENT_ITEM_DOCS, R.key);
  snippetItems(items, ['policy', 'with', 'tool', 'toolcmd', 'function']);
}

/** After `with` or a `,` of its attribute list: attribute names; after `attr =`: its values. */
function withAttributes(items: Items, toks: Tok[], tc: TextContext): void {
  const parts: Tok[][] = [[]];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.text === ',') { parts.push([]); continue; }
    let cur = parts[parts.length - 1];
    // `a = 1 b = 2`: a missing comma still starts a new attribute.
    if (cur.length >= 3 && t.type === 'word' && toks[i + 1]?.text === '=') parts.push((cur = []));
    cur.push(t);
  }
  const given = new Set(parts.map((p) => p[0]?.text).filter((x): x is string => !!x));
  const cur = parts[parts.length - 1];
  if (cur.length === 2 && (cur[1].text === '=' || cur[1].text === ':')) return valueItems(items, cur[0].text, WITH_ATTRIBUTES[cur[0].text], !!tc.inString);
  if (tc.inString) return;
  if (cur.length === 0 || cur.length >= 3) keyItems(items, WITH_ATTRIBUTES, 'with', given, ' = ');
}

function mcpCatalog(): Record<string, KeyDoc> {
  return Object.fromEntries(Object.entries(MCP_KEYS).map(([k, doc]) => [k, { doc }]));
}

function policySettingsCatalog(): Record<string, KeyDoc> {
  return Object.fromEntries([...ENFORCED_POLICY_SETTINGS].map(([k, doc]) => [k, { doc }]));
}

/** A `key = value` / `key: value` / `key value` entry of metadata, a tool, an MCP server or a policy record. */
function settingsEntry(items: Items, env: ExprEnv, tc: TextContext, catalog: Record<string, KeyDoc>, k: DataKind): void {
  const seg = tc.segment;
  if (seg.length === 0) {
    if (tc.inString) return;
    const given = new Set<string>();
    for (let i = 0; i < tc.frame.toks.length; i++) {
      const t = tc.frame.toks[i];
      if (t.type === 'word' && (t.nl || tc.frame.toks[i - 1]?.text === ',' || i === 0)) given.add(t.text);
    }
    const sep = k === 'mcpKey' ? ' ' : k === 'policySetting' ? ': ' : ' = ';
    return keyItems(items, catalog, k, given, sep);
  }
  const key = seg[0];
  if (key.type !== 'word' || seg.length > 2 || (seg.length === 2 && seg[1].text !== '=' && seg[1].text !== ':')) return;
  if (k === 'mcpKey' || k === 'policySetting') return;
  valueItems(items, key.text, catalog[key.text], !!tc.inString, capabilityNames(env));
}

/** Capability names: well-known ones, the agent's (or every agent's) declared ones, and those tools need. */
function capabilityNames(env: ExprEnv): string[] {
  const out = new Set<string>();
  const fs = env.ctx.analysis.check.symbols;
  const agents = env.agent ? [env.agent] : [...fs.agents.values()];
  for (const a of agents) for (const it of a.items) if (it.kind === 'Capabilities') for (const c of it.items) out.add(c.name);
  for (const t of fs.tools.values()) {
    const c = constValue(setting(t.body, 'capability')?.value);
    if (typeof c === 'string') out.add(c);
  }
  for (const c of WELL_KNOWN_CAPABILITIES) out.add(c);
  return [...out];
}

function policyRule(items: Items, env: ExprEnv, tc: TextContext): void {
  const seg = tc.segment;
  if (tc.inString) return;
  if (seg.length === 0 || tc.lineStart) return verbItems(items);
  const ifAt = seg.findIndex((t) => t.type === 'word' && t.text === 'if');
  if (ifAt >= 0) return ruleCondition(items, env, tc, seg.slice(0, ifAt));
  if (seg.length === 2 && seg[1].text === ':') {
    policyTargets(items, env);
    if (seg[0].text === 'require') {
      items.add({ label: 'approval', kind: CompletionItemKind.Keyword, insertText: 'approval(', detail: 'require: approval(tool, ...)', documentation: md('The named tools or capabilities ask a human before they run.') }, R.local);
    }
  }
}

/** Tools and capabilities a rule may name; `all_operations`. */
function policyTargets(items: Items, env: ExprEnv): void {
  toolNameItems(items, env, R.local);
  capabilityItems(items, capabilityNames(env), false, R.file);
  declaredItems(items, env, ['Agent']);
  for (const w of ['all_operations']) {
    if (ALL_ACTIONS.has(w)) items.add({ label: w, kind: CompletionItemKind.Constant, detail: 'matches every action', documentation: md('Matches every action.') }, R.builtin);
  }
}

/** After `if` in a rule: names bound by the call shape, the agent's inputs, `args`, `context`. */
function ruleCondition(items: Items, env: ExprEnv, tc: TextContext, head: Tok[]): void {
  if (tc.afterDot) return memberItems(items, env, tc);
  // Names bound by a call shape `restart(s)`: read from the text, the rule may not parse yet.
  const shape = head.findIndex((t) => t.type === 'group' && t.text === '()');
  if (shape > 0 && head[shape - 1].type === 'word') {
    const g = head[shape];
    const pattern = `${head[shape - 1].text}${env.ctx.text.slice(g.start, g.end)}`;
    for (const m of env.ctx.text.slice(g.start + 1, g.end - 1).split(',')) {
      const name = m.trim();
      if (!/^[A-Za-z_]\w*$/.test(name) || ALL_ACTIONS.has(name) || name === '_') continue;
      items.add({ label: name, kind: CompletionItemKind.Variable, detail: `bound by ${pattern}`, documentation: md(`An argument of the action, bound by the rule's call shape \`${pattern}\`.`) }, R.local);
    }
  }
  for (const p of env.agent?.params ?? []) items.add({ label: p.name.name, kind: CompletionItemKind.Variable, detail: `input ${p.name.name}`, documentation: md('An input of the agent.') }, R.own);
  items.add(catalogItem('const', 'context', CompletionItemKind.Constant, 'run context'), R.own);
  items.add({ label: 'args', kind: CompletionItemKind.Variable, detail: 'the action\'s arguments', documentation: md('The arguments of the action, by parameter name.') }, R.own);
  keywordItems(items, ['not', 'true', 'false'], STATEMENT_KEYWORD_DOCS);
}

function expression(items: Items, env: ExprEnv, tc: TextContext): void {
  const f = tc.frame, seg = tc.segment;
  if (tc.inString) return;
  if (tc.afterDot) return memberItems(items, env, tc);
  const prev = last(seg);
  if (seg[0]?.text === 'let' && prev?.text === ':' && seg.length === 3) return typeItems(items, env);
  if (f.kind === 'typedRecord' || f.kind === 'record') {
    const keyPos = seg.length === 0;
    if (keyPos && f.kind === 'typedRecord') return typedRecordFields(items, env, f);
    if (keyPos) return;
  }
  if (f.kind === 'call' && seg.length === 0) namedArgItems(items, env, f);
  if (f.kind === 'array' && isToolsArray(tc)) return toolNameItems(items, env, R.arg);
  const stmtStart = f.kind === 'body' && (seg.length === 0 || (tc.lineStart && endsStatement(prev)));
  if (stmtStart) {
    keywordItems(items, inLoop(tc) ? [...STATEMENT_KEYWORDS, 'break', 'continue'] : STATEMENT_KEYWORDS, STATEMENT_KEYWORD_DOCS);
    snippetItems(items, ['reason', 'for', 'match', 'try']);
  } else keywordItems(items, EXPRESSION_KEYWORDS, STATEMENT_KEYWORD_DOCS);
  if (f.kind === 'match' && seg.length === 0) items.add({ label: '_', kind: CompletionItemKind.Keyword, detail: 'matches anything', documentation: md('The wildcard pattern: matches any value.') }, R.keyword);
  expressionItems(items, env);
}

function endsStatement(t: Tok | undefined): boolean {
  return !t || t.text === ';' || (t.type === 'group' && t.text === '{}');
}

/** `reason(goal, tools: [|])` and other `tools:` lists. */
function isToolsArray(tc: TextContext): boolean {
  const h = tc.frame.header;
  return h.length >= 2 && h[h.length - 1].text === ':' && h[h.length - 2].text === 'tools';
}

function inLoop(tc: TextContext): boolean {
  return tc.frames.some((f) => f.kind === 'body' && f.header.some((t) => t.type === 'word' && (t.text === 'for' || t.text === 'while')));
}

/** Fields of `Name { | }` not given yet. */
function typedRecordFields(items: Items, env: ExprEnv, f: Frame): void {
  const given = new Set<string>();
  f.toks.forEach((t, i) => { if (t.type === 'word' && f.toks[i + 1]?.text === ':' && (i === 0 || f.toks[i - 1].text === ',')) given.add(t.text); });
  const found = findTypeDecl(env.ctx, f.typeName ?? '');
  const fields = found ? fieldsOfType(env.ctx, { ref: found.decl.type, uri: found.uri }) : null;
  for (const fd of fields ?? []) {
    if (given.has(fd.name)) continue;
    const ty = typeText(env.ctx, fd.type);
    items.add({ label: fd.name, kind: CompletionItemKind.Field, insertText: `${fd.name}: `, detail: `${fd.name}${fd.optional ? '?' : ''}: ${ty}`,
      documentation: md(`Field of \`${found!.decl.name.name}\`.`) }, R.local);
  }
}
