/**
 * The text edits behind the quick fixes of code-actions.ts: a tool stub declared from a call, a
 * capability added to an agent, an `allow:` rule added to an agent's policy, a rule removed with its
 * line. Each returns offset-based edits (minimal insertions or deletions) that keep the indentation
 * of the surrounding code.
 */
import * as A from '../runtime/dsl/ast';
import type { Analysis } from '../runtime/dsl/workspace';
import { walk } from './symbol-index';

export interface OffsetEdit { start: number; end: number; newText: string }

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function lineStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

export function lineEnd(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}

/** The white space that starts the line of `offset`. */
export function indentAt(text: string, offset: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, offset)))![0];
}

/** Whether only white space precedes `offset` on its line. */
function startsLine(text: string, offset: number): boolean {
  return text.slice(lineStart(text, offset), offset).trim() === '';
}

/** One indentation step: the difference between an agent's line and its first item's, else two spaces. */
function indentStep(text: string, outer: number, inner: number | undefined): string {
  if (inner !== undefined && startsLine(text, inner)) {
    const a = indentAt(text, outer), b = indentAt(text, inner);
    if (b.length > a.length && b.startsWith(a)) return b.slice(a.length);
  }
  return '  ';
}

function eol(text: string): string { return text.includes('\r\n') ? '\r\n' : '\n'; }

// ---- declare a tool for an undeclared call ----

/**
 * `tool name(p: T, ...) -> R { description = "..." command = ["TODO"] }`, placed after the file's
 * last tool, or else before the item holding `anchor` (the call or rule that names the tool).
 */
export function declareTool(a: Analysis, name: string, params: string[], returns: string, anchor: number): OffsetEdit {
  const text = a.text;
  const nl = eol(text);
  const stub = `tool ${name}(${params.join(', ')}) -> ${returns} {${nl}`
    + `  description = "TODO: what ${name} does"${nl}  command = ["TODO"]${nl}}`;
  const tools = a.parse.file.items.filter((it): it is A.ToolDecl => it.kind === 'Tool');
  if (tools.length) {
    const last = tools[tools.length - 1];
    const at = lineEnd(text, last.end);
    return { start: at, end: at, newText: `${nl}${nl}${stub}` };
  }
  const item = a.parse.file.items.find((it) => it.start <= anchor && anchor < it.end);
  const at = attachedCommentsStart(a, item?.start ?? 0);
  return { start: at, end: at, newText: `${stub}${nl}${nl}` };
}

/** Parameters (named after named arguments or variables, typed after literals and declarations) and return type of a call. */
export function callSignature(a: Analysis, call: A.Call): { params: string[]; returns: string } {
  return { params: inferParams(a, call), returns: returnType(a, call) };
}

/** Where an item begins counting the comment lines right above it (a doc comment stays with its item). */
function attachedCommentsStart(a: Analysis, itemStart: number): number {
  const text = a.text;
  let start = lineStart(text, itemStart);
  for (let i = a.parse.file.comments.length - 1; i >= 0; i--) {
    const c = a.parse.file.comments[i];
    if (c.end > start) continue;
    const between = text.slice(c.end, start);
    if (!/^[ \t]*(\r\n|\n|\r)[ \t]*$/.test(between) || !startsLine(text, c.start)) break;
    start = lineStart(text, c.start);
  }
  return start;
}

function inferParams(a: Analysis, call: A.Call): string[] {
  const used = new Set<string>();
  const out: string[] = [];
  call.args.forEach((arg, i) => {
    let name = arg.name?.name
      ?? (arg.value.kind === 'Name' ? arg.value.name : arg.value.kind === 'Member' ? arg.value.property.name : `arg${i + 1}`);
    if (!IDENT.test(name)) name = `arg${i + 1}`;
    let unique = name;
    for (let n = 2; used.has(unique); n++) unique = `${name}${n}`;
    used.add(unique);
    out.push(`${unique}: ${typeOf(a, arg.value)}`);
  });
  return out;
}

/** The type of an argument: a literal's, or the declared type of a parameter or typed `let` it names; else Any. */
function typeOf(a: Analysis, e: A.Expr, depth = 0): string {
  if (depth > 8) return 'Any';
  switch (e.kind) {
    case 'Literal':
      switch (e.litKind) {
        case 'string': return 'String';
        case 'number': return typeof e.value === 'number' && Number.isInteger(e.value) && !/[.eE]/.test(e.raw) ? 'int' : 'float';
        case 'bool': return 'bool';
        case 'duration': return 'Duration';
        default: return 'Any';
      }
    case 'Array': {
      const types = new Set(e.elements.map((x) => typeOf(a, x, depth + 1)));
      return types.size === 1 ? `[${[...types][0]}]` : '[Any]';
    }
    case 'Record': return 'Record';
    case 'TypedRecord': return e.type.name;
    case 'Binary':
      if (['==', '!=', '<', '>', '<=', '>=', '&&', '||', 'in'].includes(e.op)) return 'bool';
      return e.op === '+' && (typeOf(a, e.left, depth + 1) === 'String' || typeOf(a, e.right, depth + 1) === 'String') ? 'String' : 'Any';
    case 'Name': {
      // A parameter or `let` with a declared type; an untyped `let` of a literal (a few steps deep at most).
      const ref = a.check.refs.find((r) => r.node.start === e.start && r.node.end === e.end);
      const node = ref?.sym.node as A.Param | A.LetStmt | undefined;
      if (node?.kind !== 'Param' && node?.kind !== 'Let') return 'Any';
      if (node.type) return a.text.slice(node.type.start, node.type.end);
      return node.kind === 'Let' && node.value && depth < 4 ? typeOf(a, node.value, depth + 1) : 'Any';
    }
    default: return 'Any';
  }
}

/** The declared type of the `let` whose value the call is, else Any. */
function returnType(a: Analysis, call: A.Call): string {
  const item = a.parse.file.items.find((it) => it.start <= call.start && call.end <= it.end);
  let found = 'Any';
  if (item) {
    walk(item, (n) => {
      const l = n as A.LetStmt;
      if (l.kind === 'Let' && l.value === call && l.type) found = a.text.slice(l.type.start, l.type.end);
    });
  }
  return found;
}

// ---- add a capability ----

export function addCapability(text: string, agent: A.AgentDecl, capability: string): OffsetEdit | undefined {
  const caps = agent.items.find((it): it is A.Capabilities => it.kind === 'Capabilities');
  if (caps) {
    const last = caps.items[caps.items.length - 1];
    const quoted = !last || last.quoted || !IDENT.test(capability);
    const item = quoted ? JSON.stringify(capability) : capability;
    if (last) return { start: last.end, end: last.end, newText: `, ${item}` };
    const open = text.indexOf('[', caps.start);
    return open >= 0 && open < caps.end ? { start: open + 1, end: open + 1, newText: item } : undefined;
  }
  return insertAgentItem(text, agent, `capabilities = [${JSON.stringify(capability)}]`);
}

/** Inserts a line at the top of an agent's body (after its capabilities when `afterCapabilities`). */
function insertAgentItem(text: string, agent: A.AgentDecl, line: string, afterCapabilities = false): OffsetEdit | undefined {
  const nl = eol(text);
  const first = agent.items.find((it) => it.kind !== 'Error');
  const step = indentStep(text, agent.start, first?.start);
  const caps = afterCapabilities ? agent.items.find((it) => it.kind === 'Capabilities') : undefined;
  if (caps && startsLine(text, caps.start)) {
    const at = lineEnd(text, caps.end);
    return { start: at, end: at, newText: `${nl}${indentLines(line, indentAt(text, caps.start), nl)}` };
  }
  const next = caps ? agent.items[agent.items.indexOf(caps) + 1] : first;
  if (next && startsLine(text, next.start)) {
    const at = lineStart(text, next.start);
    return { start: at, end: at, newText: `${indentLines(line, indentAt(text, next.start), nl)}${nl}` };
  }
  if (next) return { start: next.start, end: next.start, newText: `${line.replace(/\n\s*/g, ' ')} ` };
  const open = bodyOpen(text, agent);
  if (open < 0) return undefined;
  const indent = indentAt(text, agent.start);
  return { start: open + 1, end: open + 1, newText: `${nl}${indentLines(line, indent + step, nl)}${nl}${indent}` };
}

/** Indents every line of a (possibly multi-line) snippet. */
function indentLines(snippet: string, indent: string, nl: string): string {
  return snippet.split('\n').map((l) => indent + l).join(nl);
}

/** The `{` of an agent's body: the first brace after its header (its parameters and return type skipped). */
function bodyOpen(text: string, agent: A.AgentDecl): number {
  let from = agent.name.end;
  if (agent.returns) from = agent.returns.end;
  else if (agent.params?.length) from = agent.params[agent.params.length - 1].end;
  const i = text.indexOf('{', from);
  return i >= 0 && i < agent.end ? i : -1;
}

// ---- allow a tool ----

/** `allow: tool` as the last rule of the agent's first policy, or a new policy holding it. */
export function addAllowRule(text: string, agent: A.AgentDecl, tool: string): { edit: OffsetEdit; policy: string | null } | undefined {
  const nl = eol(text);
  const rule = `allow: ${tool}`;
  const policy = agent.items.find((it): it is A.PolicyDecl => it.kind === 'Policy');
  if (!policy) {
    const step = indentStep(text, agent.start, agent.items[0]?.start);
    const edit = insertAgentItem(text, agent, `policy access {\n${step}${rule}\n}`, true);
    return edit && { edit, policy: null };
  }
  const last = policy.rules[policy.rules.length - 1];
  if (last && startsLine(text, last.start)) {
    const at = lineEnd(text, last.end);
    return { edit: { start: at, end: at, newText: `${nl}${indentAt(text, last.start)}${rule}` }, policy: policy.name.name };
  }
  if (last) return { edit: { start: last.end, end: last.end, newText: `, ${rule}` }, policy: policy.name.name };
  const open = text.indexOf('{', policy.name.end);
  const close = policy.end - 1;
  if (open < 0 || text[close] !== '}') return undefined;
  const indent = indentAt(text, policy.start);
  const step = indentStep(text, agent.start, policy.start);
  return { edit: { start: open + 1, end: close, newText: `${nl}${indent}${step}${rule}${nl}${indent}` }, policy: policy.name.name };
}

// ---- remove a rule ----

/** Deletes a rule: its whole line when it is alone there, else the rule and a separator after it. */
export function removeRule(text: string, rule: { start: number; end: number }): OffsetEdit {
  let end = rule.end;
  const rest = /^[ \t]*[,;]?[ \t]*/.exec(text.slice(end))![0];
  end += rest.length;
  if (startsLine(text, rule.start) && (end >= text.length || text[end] === '\n' || text[end] === '\r')) {
    const start = lineStart(text, rule.start);
    const afterEol = text.startsWith('\r\n', end) ? end + 2 : end < text.length ? end + 1 : end;
    return { start, end: afterEol, newText: '' };
  }
  return { start: rule.start, end, newText: '' };
}
