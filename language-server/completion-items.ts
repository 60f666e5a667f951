/**
 * Completion items: the `Items` accumulator (one item per label and kind, ranked by `sortText`) and
 * builders for what the catalog (runtime/dsl/builtins.ts, keyword-docs.ts) knows: keywords, policy
 * verbs, catalog keys and their values, built-in functions, LLM built-ins, methods, types,
 * capabilities and snippets. Every item carries `data: { k, n }`, from which `resolveItemDocs`
 * rebuilds its documentation (completionItem/resolve has no document context).
 */
import { CompletionItem, CompletionItemKind, InsertTextFormat, MarkupContent, MarkupKind } from 'vscode-languageserver';
import {
  BUILTIN_CONSTANTS, BUILTIN_FUNCTIONS, BUILTIN_METHODS, BUILTIN_TOOLS, BUILTIN_TYPES, ENFORCED_POLICY_SETTINGS, KeyDoc, LLM_BUILTINS,
  METADATA_KEYS, TOOL_KEYS, WELL_KNOWN_CAPABILITIES, WITH_ATTRIBUTES,
} from '../runtime/dsl/builtins';
import { AGENT_ITEM_DOCS, MCP_KEYS, STATEMENT_KEYWORD_DOCS, TOP_KEYWORD_DOCS, VERB_DOCS, CONTEXT_FIELDS } from './keyword-docs';
import { fence, keyMarkdown } from './describe';

/** Ranks: lower sorts first. */
export const R = { local: 0, arg: 0, key: 0, own: 1, file: 2, builtin: 3, workspace: 4, keyword: 5, type: 6, snippet: 7, method: 8 } as const;

export type DataKind = 'fn' | 'llm' | 'method' | 'const' | 'type' | 'kw' | 'with' | 'meta' | 'toolKey' | 'mcpKey' | 'policySetting' | 'cap' | 'verb' | 'ctx' | 'builtinTool';

export const md = (value: string): MarkupContent => ({ kind: MarkupKind.Markdown, value });

/**
 * Documentation computed on resolve for items that need the document (declarations: signature,
 * binding, policy decision). Kept for the items of the latest completion request only.
 */
type LazyDoc = () => string | { detail: string; doc: string };
let lazyDocs: LazyDoc[] = [];
/** Numbers the completion requests, so a resolve for an item of an older list finds nothing rather than another item's docs. */
let generation = 0;

export function resetLazyDocs(): void { lazyDocs = []; generation++; }

/** `data` for an item whose docs are computed by `doc` when resolved. */
export function lazyDoc(doc: LazyDoc): { k: 'lazy'; id: number; gen: number } {
  lazyDocs.push(doc);
  return { k: 'lazy', id: lazyDocs.length - 1, gen: generation };
}

export function resolveLazyDoc(id: number, gen: number): ReturnType<LazyDoc> | undefined {
  return gen === generation ? lazyDocs[id]?.() : undefined;
}

export class Items {
  private readonly byKey = new Map<string, CompletionItem>();

  /** Adds an item unless one with the same label is already there (earlier adds win: inner names shadow outer ones). */
  add(item: CompletionItem, rank: number): void {
    const key = item.label;
    if (this.byKey.has(key)) return;
    item.sortText = `${String(rank).padStart(2, '0')}_${item.label}`;
    this.byKey.set(key, item);
  }

  has(label: string): boolean { return this.byKey.has(label); }

  list(): CompletionItem[] { return [...this.byKey.values()]; }
}

/** Documentation of a catalog item from its data (for resolve, and eagerly at completion). */
export function resolveItemDocs(k: DataKind, n: string): string | undefined {
  switch (k) {
    case 'fn': { const f = BUILTIN_FUNCTIONS.get(n); return f && `${fence(f.signature)}\n\n${f.doc}${f.effect ? '\n\nA journaled effect: replays return the recorded value.' : ''}`; }
    case 'llm': { const f = LLM_BUILTINS.get(n); return f && `${fence(f.signature)}\n\nLLM built-in — ${f.doc}\n\nNamed arguments: ${f.named.map((x) => `\`${x}\``).join(', ')}.`; }
    case 'method': { const m = BUILTIN_METHODS.get(n); return m && `${fence(`.${n}(...)`)}\n\nBuilt-in method — ${m}`; }
    case 'const': { const c = BUILTIN_CONSTANTS.get(n); return c && `${fence(n)}\n\n${c}`; }
    case 'type': { const t = BUILTIN_TYPES.get(n); return t && `${fence(n)}\n\nBuilt-in type — ${t}`; }
    case 'kw': { const d = STATEMENT_KEYWORD_DOCS[n] ?? TOP_KEYWORD_DOCS[n] ?? AGENT_ITEM_DOCS[n]; return d; }
    case 'verb': return VERB_DOCS[n];
    case 'with': return WITH_ATTRIBUTES[n] && keyMarkdown('`with` attribute', n, WITH_ATTRIBUTES[n]);
    case 'meta': return METADATA_KEYS[n] && keyMarkdown('Metadata key', n, METADATA_KEYS[n]);
    case 'toolKey': return TOOL_KEYS[n] && keyMarkdown('Tool key', n, TOOL_KEYS[n]);
    case 'mcpKey': return MCP_KEYS[n] && `${fence(n)}\n\nMCP server key — ${MCP_KEYS[n]}`;
    case 'policySetting': { const s = ENFORCED_POLICY_SETTINGS.get(n); return s && `${fence(n)}\n\nPolicy setting enforced by the runtime — ${s}`; }
    case 'cap': return `Capability \`${n}\`${WELL_KNOWN_CAPABILITIES.has(n) ? ' (known to the runtime)' : ''}.`;
    case 'ctx': return CONTEXT_FIELDS[n] && `${fence(`context.${n}`)}\n\n${CONTEXT_FIELDS[n]}`;
    case 'builtinTool': { const t = BUILTIN_TOOLS.get(n); return t && `Built-in tool \`${n}\` — ${t.doc}\n\nParameters: ${t.params.join(', ')} · implies capabilities ${t.capabilities.join(', ')}${t.sideEffects ? ' · side effects' : ''}.`; }
  }
}

/** A catalog item with its documentation attached. */
export function catalogItem(k: DataKind, n: string, kind: CompletionItemKind, detail: string, extra: Partial<CompletionItem> = {}): CompletionItem {
  const doc = resolveItemDocs(k, n);
  return { label: n, kind, detail, ...(doc ? { documentation: md(doc) } : {}), data: { k, n }, ...extra };
}

export function keywordItems(items: Items, words: readonly string[], docs: Record<string, string>, rank: number = R.keyword): void {
  for (const w of words) {
    items.add({ label: w, kind: CompletionItemKind.Keyword, detail: 'keyword', documentation: docs[w] ? md(docs[w]) : undefined, data: { k: 'kw', n: w } }, rank);
  }
}

export function verbItems(items: Items): void {
  for (const v of Object.keys(VERB_DOCS)) {
    items.add({ label: `${v}:`, filterText: v, insertText: `${v}: `, kind: CompletionItemKind.Keyword, detail: `${v} rule`, documentation: md(VERB_DOCS[v]), data: { k: 'verb', n: v } }, R.key);
  }
}

/** Keys of a catalog (`with` attributes, metadata keys, tool keys), minus those already given. */
export function keyItems(items: Items, catalog: Record<string, KeyDoc>, k: DataKind, given: ReadonlySet<string>, sep: string): void {
  for (const [key, doc] of Object.entries(catalog)) {
    if (given.has(key)) continue;
    items.add(catalogItem(k, key, CompletionItemKind.Property, `${key}${doc.type && doc.type !== 'any' ? `: ${doc.type}` : ''}`, { insertText: `${key}${sep}` }), R.key);
  }
}

/**
 * Values of a key: its documented values (quoted, or bare inside a string), booleans, built-in tool
 * ids for `builtin`, capability names for `capability`.
 */
export function valueItems(items: Items, key: string, doc: KeyDoc | undefined, inString: boolean, capabilities: Iterable<string> = []): void {
  const str = (v: string, kind: CompletionItemKind, detail: string, k?: DataKind) => {
    const item: CompletionItem = { label: inString ? v : `"${v}"`, kind, detail, filterText: inString ? v : `"${v}"` };
    const docs = k && resolveItemDocs(k, v);
    if (docs) { item.documentation = md(docs); item.data = { k, n: v }; } else if (doc) item.documentation = md(`Value of \`${key}\` — ${doc.doc}`);
    items.add(item, R.key);
  };
  if (key === 'builtin') for (const id of BUILTIN_TOOLS.keys()) str(id, CompletionItemKind.Value, 'built-in tool', 'builtinTool');
  else if (key === 'capability') for (const c of capabilities) str(c, CompletionItemKind.EnumMember, 'capability', 'cap');
  else for (const v of doc?.values ?? []) str(v, CompletionItemKind.EnumMember, `${key} value`);
  if (doc?.type === 'bool' && !inString) {
    for (const b of ['true', 'false']) items.add({ label: b, kind: CompletionItemKind.Value, detail: 'bool', documentation: md(`Value of \`${key}\` — ${doc.doc}`) }, R.key);
  }
}

export function capabilityItems(items: Items, caps: Iterable<string>, quoted: boolean, rank: number = R.builtin): void {
  for (const c of caps) {
    items.add(catalogItem('cap', c, CompletionItemKind.EnumMember, 'capability', quoted ? { label: `"${c}"`, filterText: `"${c}"` } : {}), rank);
  }
}

export function builtinFunctionItems(items: Items): void {
  for (const f of BUILTIN_FUNCTIONS.values()) {
    items.add(catalogItem('fn', f.name, CompletionItemKind.Function, f.signature, { labelDetails: { description: f.effect ? 'effect' : 'built-in' } }), R.builtin);
  }
  for (const f of LLM_BUILTINS.values()) {
    items.add(catalogItem('llm', f.name, CompletionItemKind.Function, f.signature, { labelDetails: { description: 'LLM built-in' } }), R.builtin);
  }
  for (const c of BUILTIN_CONSTANTS.keys()) items.add(catalogItem('const', c, CompletionItemKind.Constant, 'built-in'), R.builtin);
}

export function methodItems(items: Items, rank: number = R.local): void {
  for (const m of BUILTIN_METHODS.keys()) items.add(catalogItem('method', m, CompletionItemKind.Method, `.${m}(...)`), rank);
}

export function builtinTypeItems(items: Items): void {
  for (const t of BUILTIN_TYPES.keys()) items.add(catalogItem('type', t, CompletionItemKind.Interface, 'built-in type'), R.own);
}

export function contextFieldItems(items: Items): void {
  for (const f of Object.keys(CONTEXT_FIELDS)) items.add(catalogItem('ctx', f, CompletionItemKind.Field, `context.${f}`), R.local);
}

const SNIPPETS: Record<string, { label: string; filter: string; body: string; detail: string }> = {
  agent: { label: 'agent block', filter: 'agent', detail: 'agent with capabilities, a policy and a with body',
    body: 'agent ${1:name}(${2:input}: ${3:String}) -> ${4:String} {\n\tcapabilities = [${5:"read"}]\n\n\tpolicy ${6:guard} {\n\t\tallow: ${7:read_file}\n\t}\n\n\twith max_iterations = ${8:10} {\n\t\treturn reason($2, tools: [${7}]);$0\n\t}\n}' },
  tool: { label: 'tool block', filter: 'tool', detail: 'tool bound to a built-in',
    body: 'tool ${1:read_file}(${2:path}: ${3:String}) -> ${4:String} {\n\tdescription = "${5:Reads a text file}"\n\tbuiltin = "${6|fs.read,fs.list,fs.search,fs.write,process.run,http.fetch|}"\n\tcapability = "${7:read}"\n}$0' },
  toolcmd: { label: 'tool command block', filter: 'tool', detail: 'tool bound to an argv command template',
    body: 'tool ${1:git_log}(${2:count}: ${3:int} = ${4:10}) -> String {\n\tdescription = "${5:Shows recent commits}"\n\tcommand = ["${6:git}", "${7:log}", "-n", "{$2}"]\n\tcapability = "${8:read}"\n\tapproval = "${9|policy,always,never|}"\n}$0' },
  policy: { label: 'policy block', filter: 'policy', detail: 'policy with allow / deny / require rules',
    body: 'policy ${1:name} {\n\tallow: ${2:read_logs}\n\tdeny: ${3:restart(s)} if ${4:not context.has_human_approval}\n\trequire: approval(${5:deploy})\n}$0' },
  with: { label: 'with block', filter: 'with', detail: '`with` attributes and body',
    body: 'with model = "${1:gpt-4o-mini}", max_iterations = ${2:10} {\n\t$0\n}' },
  mcp: { label: 'mcp server', filter: 'mcp', detail: 'MCP server (stdio)',
    body: 'mcp ${1:github} {\n\tcommand "${2:npx}"\n\targs [${3:"-y", "@modelcontextprotocol/server-github"}]\n\tenv {\n\t\t${4:GITHUB_TOKEN} "vault://${5:github/token}"\n\t}\n}$0' },
  type: { label: 'type record', filter: 'type', detail: 'record type', body: 'type ${1:Name} = {\n\t${2:field}: ${3:String},\n}$0' },
  function: { label: 'function block', filter: 'function', detail: 'function', body: 'function ${1:name}(${2:x}: ${3:String}) -> ${4:String} {\n\t$0\n}' },
  reason: { label: 'reason loop', filter: 'reason', detail: 'observe → reason → gate → act loop over tools',
    body: 'let ${1:answer} = reason(\n\t"${2:goal}",\n\ttools: [${3}],\n\tmax_iterations: ${4:10},\n);$0' },
  for: { label: 'for loop', filter: 'for', detail: 'for x in items { }', body: 'for ${1:item} in ${2:items} {\n\t$0\n}' },
  match: { label: 'match block', filter: 'match', detail: 'match value { pattern => ... }', body: 'match ${1:value} {\n\t${2:"a"} => ${3:1},\n\t_ => ${4:0},\n}$0' },
  try: { label: 'try/catch', filter: 'try', detail: 'try { } catch (e) { }', body: 'try {\n\t$1\n} catch (${2:e}) {\n\t$0\n}' },
};

export function snippetItems(items: Items, names: readonly string[]): void {
  for (const n of names) {
    const s = SNIPPETS[n];
    items.add({
      label: s.label, filterText: s.filter, kind: CompletionItemKind.Snippet, detail: s.detail, insertText: s.body,
      insertTextFormat: InsertTextFormat.Snippet, documentation: md(fence(s.body.replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1').replace(/\$\{\d+:?([^}]*)\}/g, '$1').replace(/\$\d/g, ''))),
    }, R.snippet);
  }
}
