/**
 * Text and markdown for declarations and built-ins, shared by completion, hover and signature help:
 * signatures rebuilt from the source (`tool read_logs(service: String, lines: int = 200) -> String`),
 * a tool's binding (built-in id, argv, MCP server/tool, HTTP endpoint), leading `//` comments as
 * descriptions, and the catalog entries of runtime/dsl/builtins.ts. Code is fenced as ```baton.
 */
import type * as A from '../runtime/dsl/ast';
import type { DocContext } from './context';
import { BUILTIN_TOOLS, KeyDoc } from '../runtime/dsl/builtins';
import { constValue, setting } from '../runtime/dsl/symbols';
import { lastStartingAtOrBefore } from './scope-at';

export const fence = (code: string) => '```baton\n' + code + '\n```';
export const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
export const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The text of the document declaring a node: `uri` (another document) or the current one. */
export function textFor(ctx: DocContext, uri?: string): string {
  return uri && uri !== ctx.uri ? ctx.index.text(uri) ?? '' : ctx.text;
}

export function slice(text: string, n: A.Node | null | undefined): string {
  return n ? oneLine(text.slice(n.start, n.end)) : '';
}

export function paramLabel(p: A.Param, text: string): string {
  const ty = p.type ? `: ${slice(text, p.type)}` : '';
  const def = p.default ? ` = ${clip(slice(text, p.default), 40)}` : '';
  return `${p.name.name}${ty}${def}`;
}

export type Callable = A.AgentDecl | A.ToolDecl | A.FunctionDecl;

export function paramsOf(d: Callable): A.Param[] {
  return d.kind === 'Agent' ? d.params ?? [] : d.params;
}

/** `tool name(a: T, b: U = 1) -> R` (keyword first), with each parameter's label. */
export function signatureOf(d: Callable, text: string): { label: string; params: string[] } {
  const kw = d.kind === 'Agent' ? 'agent' : d.kind === 'Tool' ? 'tool' : 'function';
  const params = paramsOf(d).map((p) => paramLabel(p, text));
  const ret = d.returns ? ` -> ${slice(text, d.returns)}` : '';
  return { label: `${kw} ${d.name.name}(${params.join(', ')})${ret}`, params };
}

/** One line naming a tool's binding: built-in id and doc, argv, MCP server/tool, HTTP endpoint. */
export function toolBinding(tool: A.ToolDecl): string {
  const get = (k: string) => constValue(setting(tool.body, k)?.value);
  const builtin = get('builtin');
  if (typeof builtin === 'string') {
    const b = BUILTIN_TOOLS.get(builtin);
    return `built-in tool \`${builtin}\`${b ? ` — ${b.doc}` : ' (unknown built-in)'}`;
  }
  const command = get('command');
  if (Array.isArray(command)) return `command \`${command.map((x) => (/[\s"]/.test(String(x)) ? JSON.stringify(x) : String(x))).join(' ')}\` (argv, no shell)`;
  const mcp = get('mcp');
  if (typeof mcp === 'string') return `MCP tool \`${mcp.split('/')[1] ?? mcp}\` of server \`${mcp.split('/')[0]}\``;
  const http = get('http');
  if (typeof http === 'string') return `HTTP \`${http}\``;
  return 'no binding (the checker reports it)';
}

/** The binding in a few words: `builtin fs.read`, `command kubectl`, `mcp github/list_issues`, `http GET https://…`. */
export function shortBinding(tool: A.ToolDecl): string {
  for (const k of ['builtin', 'command', 'mcp', 'http'] as const) {
    const v = constValue(setting(tool.body, k)?.value);
    if (v === undefined) continue;
    if (Array.isArray(v)) return `command ${clip(v.map(String).join(' '), 32)}`;
    return `${k} ${clip(String(v), 40)}`;
  }
  return 'no binding';
}

/** Details of a tool: binding, description, capability, approval, idempotence. */
export function toolDetails(tool: A.ToolDecl): string[] {
  const get = (k: string) => constValue(setting(tool.body, k)?.value);
  const binding = toolBinding(tool);
  const out = [`Tool — ${binding}${binding.endsWith('.') ? '' : '.'}`];
  const desc = get('description');
  if (typeof desc === 'string') out.push(desc);
  const facts: string[] = [];
  const cap = get('capability');
  if (typeof cap === 'string') facts.push(`needs capability \`${cap}\``);
  const builtin = get('builtin');
  const implied = typeof builtin === 'string' ? BUILTIN_TOOLS.get(builtin)?.capabilities : undefined;
  if (implied?.length) facts.push(`implies ${implied.map((c) => `\`${c}\``).join(', ')}`);
  const approval = get('approval');
  if (typeof approval === 'string') facts.push(`approval \`${approval}\``);
  if (get('idempotent') === true) facts.push('idempotent');
  if (facts.length) out.push(facts.join(' · '));
  return out;
}

/** Leading `//` / `#` comments right above a node (its description), joined. */
export function leadingComment(file: A.SourceFile, text: string, node: A.Node): string {
  const cs = file.comments;
  let i = lastStartingAtOrBefore(cs, node.start - 1);
  const lines: string[] = [];
  let edge = node.start;
  while (i >= 0) {
    const c = cs[i];
    if (c.end > edge || !/^[ \t]*\r?\n?[ \t]*$/.test(text.slice(c.end, edge))) break;
    // Only whole-line comments: nothing but spaces between the line start and the comment.
    const lineStart = text.lastIndexOf('\n', c.start - 1) + 1;
    if (text.slice(lineStart, c.start).trim() !== '') break;
    lines.unshift(c.text.replace(/^(\/\/|#|\/\*)\s?/, '').replace(/\*\/$/, '').trim());
    edge = c.start;
    i--;
  }
  return lines.join(' ').trim();
}

/** Markdown for a declaration (agent, tool, function, type, MCP server, memory, ...). */
export function declMarkdown(ctx: DocContext, node: A.Node, uri?: string): string {
  const text = textFor(ctx, uri);
  const file = uri && uri !== ctx.uri ? ctx.index.analysis(uri)?.parse.file : ctx.analysis.parse.file;
  const parts: string[] = [];
  const n = node as A.Item;
  switch (n.kind) {
    case 'Agent': case 'Tool': case 'Function': {
      parts.push(fence(signatureOf(n, text).label));
      if (n.kind === 'Tool') parts.push(...toolDetails(n));
      if (n.kind === 'Agent') {
        const caps = n.items.flatMap((it) => (it.kind === 'Capabilities' ? it.items.map((c) => `\`${c.name}\``) : []));
        parts.push(`Agent — a call runs it as a child run with its own policies (the caller's gate checks capability \`invoke_agent\`).${caps.length ? ` Capabilities: ${caps.join(', ')}.` : ''}`);
      }
      if (n.kind === 'Function') parts.push('Function — interpreted, no policy gate.');
      break;
    }
    case 'TypeDecl': parts.push(fence(clip(text.slice(n.start, n.end), 1200))); break;
    case 'Mcp': parts.push(fence(`mcp ${n.name.name}`), `MCP server (stdio): its tools are called as \`${n.name.name}.tool(...)\` or bound with \`mcp = "${n.name.name}/tool"\`.`); break;
    case 'Memory': case 'Schedule': case 'Channel': case 'Webhook': parts.push(fence(`${n.kind.toLowerCase()} ${n.name.name}`)); break;
    case 'Policy': parts.push(fence(`policy ${n.name.name}`), `Policy with ${n.rules.length} rule${n.rules.length === 1 ? '' : 's'}.`); break;
    default: parts.push(fence(clip(slice(text, node), 200)));
  }
  const comment = file ? leadingComment(file, text, node) : '';
  if (comment) parts.push(comment);
  if (uri && uri !== ctx.uri) parts.push(`_Declared in ${uri.split('/').pop()}._`);
  return parts.join('\n\n');
}

/** Markdown for a catalog key (metadata key, `with` attribute, tool key). */
export function keyMarkdown(what: string, key: string, doc: KeyDoc): string {
  const values = doc.values ? `\n\nValues: ${doc.values.map((v) => `\`"${v}"\``).join(', ')}` : '';
  const type = doc.type && doc.type !== 'any' ? ` (${doc.type})` : '';
  return `${fence(key)}\n\n${what}${type} — ${doc.doc}${values}`;
}
