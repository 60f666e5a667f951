/**
 * What a callee name means at a position, in the order of LANGUAGE.md §3 (the checker's
 * classification in check-body.ts): a local value, a function of the agent or file, a built-in
 * function, a tool of the agent or file, an agent of the file, a function / tool / agent of another
 * workspace document, an LLM built-in, else a semantic function. `server.tool` on a declared MCP
 * server is an MCP tool; `x.method` a built-in method. Used by completion (named arguments) and
 * signature help, which work on text that may not parse.
 */
import type * as A from '../runtime/dsl/ast';
import type { DocContext } from './context';
import { BUILTIN_FUNCTIONS, BUILTIN_METHODS, LLM_BUILTINS } from '../runtime/dsl/builtins';
import { Callable, declMarkdown, paramLabel, paramsOf, signatureOf, textFor } from './describe';

export type CalleeKind = 'function' | 'tool' | 'agent' | 'builtin' | 'llm' | 'mcp' | 'method' | 'semantic' | 'value';

export interface SignatureInfo {
  label: string;
  params: Array<{ label: string; name: string }>;
}

export interface CalleeInfo {
  kind: CalleeKind;
  name: string;
  decl?: Callable;
  uri?: string;
  /** One or more signatures (built-ins like `range` have alternatives). */
  signatures: SignatureInfo[];
  /** Names accepted as `name: value`. */
  named: string[];
  /** Declared parameters (declarations only), for defaults and types. */
  params: A.Param[];
  /** Markdown description. */
  doc: string;
}

/** Splits `f(a, b: T?, c) -> R` into its parameter labels (top-level commas). */
function splitParams(sig: string): string[] {
  const open = sig.indexOf('('), close = sig.lastIndexOf(')');
  if (open < 0 || close < open) return [];
  const inner = sig.slice(open + 1, close);
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '(' || c === '[' || c === '<' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '>' || c === '}') depth--;
    else if (c === ',' && depth === 0) { out.push(inner.slice(start, i).trim()); start = i + 1; }
  }
  if (inner.trim()) out.push(inner.slice(start).trim());
  return out;
}

/** Signatures of a catalog entry: `range(end) | range(start, end, step?) -> [int]` gives two. */
export function catalogSignatures(signature: string): SignatureInfo[] {
  const parts = signature.split(/\s\|\s(?=[A-Za-z_]\w*\()/);
  const ret = /\)\s*(->.*)$/.exec(parts[parts.length - 1])?.[1];
  return parts.map((p) => {
    const label = ret && !p.includes('->') ? `${p} ${ret}` : p;
    return { label, params: splitParams(p).map((l) => ({ label: l, name: l.replace(/^\.\.\./, '').split(/[:?=\s]/)[0] })) };
  });
}

function fromDecl(ctx: DocContext, kind: CalleeKind, decl: Callable, uri?: string): CalleeInfo {
  const text = textFor(ctx, uri);
  const sig = signatureOf(decl, text);
  const params = paramsOf(decl);
  return {
    kind, name: decl.name.name, decl, uri, params,
    signatures: [{ label: sig.label, params: params.map((p) => ({ label: paramLabel(p, text), name: p.name.name })) }],
    named: params.map((p) => p.name.name),
    doc: declMarkdown(ctx, decl, uri),
  };
}

/** A callee by the text written before `(` (`name` or `a.b`), seen from `agent` (or top level). */
export function resolveCallee(ctx: DocContext, callee: string, agent: A.AgentDecl | null, isLocal: (name: string) => boolean): CalleeInfo | null {
  if (!callee) return null;
  const fs = ctx.analysis.check.symbols;
  const dot = callee.lastIndexOf('.');
  if (dot >= 0) {
    const obj = callee.slice(0, dot), prop = callee.slice(dot + 1);
    const isServer = !obj.includes('.') && !isLocal(obj) && (fs.mcp.has(obj) || findOther(ctx, 'mcp', obj));
    if (isServer) {
      return { kind: 'mcp', name: callee, signatures: [{ label: `${callee}(...)`, params: [] }], named: [], params: [],
        doc: `MCP tool \`${prop}\` of server \`${obj}\` — an effect: policy gate, approval, journal. Its parameters come from the server.` };
    }
    const m = BUILTIN_METHODS.get(prop);
    const fn = BUILTIN_FUNCTIONS.get(prop);
    return { kind: 'method', name: prop, signatures: [{ label: `.${prop}(...)`, params: [] }], named: [], params: [],
      doc: m ? `Built-in method — ${m}` : fn ? `Method form of \`${fn.signature}\` — ${fn.doc}` : `\`.${prop}(...)\` is no built-in method: the model implements it.` };
  }
  if (isLocal(callee)) return { kind: 'value', name: callee, signatures: [{ label: `${callee}(...)`, params: [] }], named: [], params: [], doc: 'A local value called as a function (a lambda).' };
  const ownFn = agent?.items.find((i): i is A.FunctionDecl => i.kind === 'Function' && i.name.name === callee);
  const fn = ownFn ?? fs.functions.get(callee);
  if (fn) return fromDecl(ctx, 'function', fn);
  const b = BUILTIN_FUNCTIONS.get(callee);
  if (b) {
    return { kind: 'builtin', name: callee, signatures: catalogSignatures(b.signature), named: b.named ?? [], params: [],
      doc: `${b.effect ? 'Built-in effect (journaled)' : 'Built-in function'} — ${b.doc}` };
  }
  const ownTool = agent?.items.find((i): i is A.ToolDecl => i.kind === 'Tool' && i.name.name === callee);
  const tool = ownTool ?? fs.tools.get(callee);
  if (tool) return fromDecl(ctx, 'tool', tool);
  const ag = fs.agents.get(callee);
  if (ag) return fromDecl(ctx, 'agent', ag);
  for (const [kind, ck] of [['functions', 'function'], ['tools', 'tool'], ['agents', 'agent']] as const) {
    const found = findOther(ctx, kind, callee);
    if (found) return fromDecl(ctx, ck, found.node as Callable, found.uri);
  }
  const llm = LLM_BUILTINS.get(callee);
  if (llm) {
    return { kind: 'llm', name: callee, signatures: catalogSignatures(llm.signature), named: llm.named, params: [],
      doc: `LLM built-in — ${llm.doc}\n\nNamed arguments: ${llm.named.map((n) => `\`${n}\``).join(', ')}.` };
  }
  const where = agent ? `agent \`${agent.name.name}\`` : 'the calling agent';
  return { kind: 'semantic', name: callee, signatures: [{ label: `${callee}(...)`, params: [] }], named: [], params: [],
    doc: `Semantic function — not declared, so it is **implemented by the model** of ${where}, with the agent's capabilities as tools and the declared return type (if any) as the output schema.` };
}

/** A declaration of another workspace document. */
export function findOther(ctx: DocContext, kind: 'agents' | 'functions' | 'tools' | 'types' | 'mcp', name: string): { uri: string; node: A.Node & { name: A.Ident } } | undefined {
  for (const uri of ctx.index.uris()) {
    if (uri === ctx.uri) continue;
    const node = ctx.index.analysis(uri)?.check.symbols[kind].get(name);
    if (node) return { uri, node };
  }
  return undefined;
}
