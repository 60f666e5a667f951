/**
 * Semantic tokens (full document). Keywords are left to the TextMate grammar; these tokens say what
 * a name *is*, from the checker's resolved references (`check.refs`) and classified call sites
 * (`check.calls`), plus what the syntax tree alone tells:
 *
 *   agent → class · tool → method · function → function · declared/built-in type → type ·
 *   MCP server, policy → namespace · memory → variable+readonly · schedule/channel/webhook → event ·
 *   parameter, named argument → parameter · let/loop/catch/pattern/lambda names → variable ·
 *   setting keys, `with` attributes, record keys and fields, members → property · method calls →
 *   method · policy verbs (allow/deny/require/audit) → keyword · capabilities → enumMember ·
 *   `vault://` references → macro · durations → number.
 *
 * Modifiers: `declaration` where a name is declared, `readonly` for memories and built-in
 * constants, `defaultLibrary` for built-in functions, methods, LLM built-ins, types and constants.
 * Tokens never span lines; each position gets one token (references first, then call sites, then
 * the tree walk).
 */
import { SemanticTokens, SemanticTokensBuilder, SemanticTokensLegend } from 'vscode-languageserver';
import type * as A from '../runtime/dsl/ast';
import type { SymbolKind as SymKind } from '../runtime/dsl/symbols';
import { BUILTIN_METHODS, BUILTIN_TYPES } from '../runtime/dsl/builtins';
import type { DocContext } from './context';
import { walk } from './ast-walk';

export const TOKEN_TYPES = [
  'namespace', 'type', 'class', 'parameter', 'variable', 'property', 'enumMember', 'event', 'function', 'method',
  'macro', 'keyword', 'number',
] as const;
export const TOKEN_MODIFIERS = ['declaration', 'readonly', 'defaultLibrary'] as const;
export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

type TokenType = typeof TOKEN_TYPES[number];
const T = Object.fromEntries(TOKEN_TYPES.map((t, i) => [t, i])) as Record<TokenType, number>;
const DECL = 1, READONLY = 2, LIB = 4;

const SYM_TYPE: Record<SymKind, [TokenType, number]> = {
  agent: ['class', 0], function: ['function', 0], tool: ['method', 0], type: ['type', 0], mcp: ['namespace', 0],
  memory: ['variable', READONLY], policy: ['namespace', 0], channel: ['event', 0], schedule: ['event', 0], webhook: ['event', 0],
  param: ['parameter', 0], let: ['variable', 0], implicit: ['variable', 0], loop: ['variable', 0], catch: ['variable', 0],
  pattern: ['variable', 0], lambda: ['parameter', 0], builtin: ['variable', READONLY | LIB],
};

const ITEM_TYPE: Record<string, [TokenType, number]> = {
  Agent: ['class', 0], Function: ['function', 0], Tool: ['method', 0], TypeDecl: ['type', 0], Mcp: ['namespace', 0],
  Memory: ['variable', READONLY], Policy: ['namespace', 0], Schedule: ['event', 0], Channel: ['event', 0], Webhook: ['event', 0],
};

export function semanticTokens(ctx: DocContext): SemanticTokens {
  const { analysis, lines, text } = ctx;
  const tokens = new Map<number, [number, number, number]>();  // start → [length, type, modifiers]
  const put = (start: number, end: number, type: TokenType, mods = 0) => {
    if (end <= start || tokens.has(start)) return;
    tokens.set(start, [end - start, T[type], mods]);
  };

  for (const r of analysis.check.refs) {
    const [type, mods] = SYM_TYPE[r.sym.kind] ?? ['variable', 0];
    const isDecl = !r.sym.uri && r.sym.decl !== null && r.sym.decl.start === r.node.start;
    put(r.node.start, r.node.end, type, mods | (isDecl ? DECL : 0));
  }
  for (const c of analysis.check.calls) {
    const callee = c.call.callee;
    if (c.kind === 'builtin' || c.kind === 'llm') put(callee.start, callee.end, 'function', LIB);
    else if (c.kind === 'semantic') put(callee.start, callee.end, 'function');
    else if (callee.kind === 'Member' && (c.kind === 'method' || c.kind === 'tool')) {
      put(callee.property.start, callee.property.end, 'method', c.kind === 'method' && BUILTIN_METHODS.has(c.name) ? LIB : 0);
    }
  }

  walk(analysis.parse.file, (node) => {
    switch (node.kind) {
      case 'Comment': return false;
      case 'Agent': case 'Function': case 'Tool': case 'TypeDecl': case 'Mcp': case 'Memory': case 'Policy':
      case 'Schedule': case 'Channel': case 'Webhook': {
        const [type, mods] = ITEM_TYPE[node.kind];
        const name = (node as A.Node & { name: A.Ident }).name;
        if (name) put(name.start, name.end, type, mods | DECL);
        return;
      }
      case 'Param': { const p = node as A.Param; put(p.name.start, p.name.end, 'parameter', DECL); return; }
      case 'Let': { const n = (node as A.LetStmt).name; put(n.start, n.end, 'variable', DECL); return; }
      case 'For': for (const v of (node as A.ForStmt).vars) put(v.start, v.end, 'variable', DECL); return;
      case 'Lambda': for (const v of (node as A.Lambda).params) put(v.start, v.end, 'parameter', DECL); return;
      case 'BindPat': { const n = (node as A.BindPat).name; put(n.start, n.end, 'variable', DECL); return; }
      case 'Try': { const n = (node as A.TryStmt).catchName; if (n) put(n.start, n.end, 'variable', DECL); return; }
      case 'Setting': { const k = (node as A.Setting).key; put(k.start, k.end, 'property'); return; }
      case 'WithAttr': { const k = (node as A.WithAttr).key; put(k.start, k.end, 'property'); return; }
      case 'RecordEntry': { const k = (node as A.RecordEntry).key; put(k.start, k.end, 'property'); return; }
      case 'Field': { const k = (node as A.FieldDecl).name; put(k.start, k.end, 'property', DECL); return; }
      case 'Member': { const p = (node as A.Member).property; put(p.start, p.end, 'property'); return; }
      case 'Arg': { const n = (node as A.Arg).name; if (n) put(n.start, n.end, 'parameter'); return; }
      case 'NamedType': {
        const n = (node as A.NamedType).name;
        put(n.start, n.end, 'type', BUILTIN_TYPES.has(n.name) ? LIB : 0);
        return;
      }
      case 'TypedRecord': { const n = (node as A.TypedRecord).type; put(n.start, n.end, 'type'); return; }
      case 'Rule': { const r = node as A.Rule; put(r.start, r.start + r.verb.length, 'keyword'); return; }
      case 'Capability': {
        const c = node as A.CapabilityRef;
        const q = c.quoted ? 1 : 0;
        put(c.start + q, c.end - q, 'enumMember');
        return;
      }
      case 'Vault': put(node.start, node.end, 'macro'); return;
      case 'Literal': {
        const l = node as A.Literal;
        if (l.litKind === 'duration') put(l.start, l.end, 'number');
        else if (l.litKind === 'string' && typeof l.value === 'string' && l.value.startsWith('vault://')) put(l.start + 1, l.end - 1, 'macro');
        return;
      }
      default: return;
    }
  });

  const builder = new SemanticTokensBuilder();
  const starts = [...tokens.keys()].sort((a, b) => a - b);
  let lastEnd = 0;
  for (const start of starts) {
    const [length, type, mods] = tokens.get(start)!;
    if (start < lastEnd) continue;  // overlapping: keep the earlier token
    const p = lines.position(start);
    const e = lines.position(start + length);
    if (e.line !== p.line) continue;
    if (text.charCodeAt(start) === 34 /* " */ && type !== T.macro) continue;
    builder.push(p.line, p.character, length, type, mods);
    lastEnd = start + length;
  }
  return builder.build();
}
