/** Top-level items, agent items, settings blocks and policies. */
import type * as A from '../ast';
import { Doc, group, indent, line } from './doc';
import { printExpr, sourceOf } from './print-exprs';
import { Ctx, expandedInSource, inlineList, inlineParts, printList, verticalBlock } from './print-lists';
import { printBlock } from './print-stmts';
import { printParams, printType } from './print-types';

export function printItem(ctx: Ctx, item: A.Item | A.AgentItem): Doc {
  switch (item.kind) {
    case 'Metadata': return ['metadata ', printSettings(ctx, item.body)];
    case 'Agent': return printAgent(ctx, item);
    case 'Policy': return printPolicy(ctx, item);
    case 'TypeDecl': return ['type ', item.name.name, ' = ', printType(ctx, item.type)];
    case 'Function': return printFunction(ctx, item);
    case 'Tool': return printTool(ctx, item);
    case 'Mcp': return ['mcp ', item.name.name, ' ', printSettings(ctx, item.body)];
    case 'Schedule': case 'Channel': case 'Memory': case 'Webhook':
      return [item.kind.toLowerCase(), ' ', item.name.name, ' ', printSettings(ctx, item.body)];
    case 'Capabilities': return printCapabilities(ctx, item);
    case 'With': return printWith(ctx, item);
    case 'Error': return sourceOf(ctx, item);
  }
}

/** `{ key = value`, `key: value,`, `key value`, `key { ... }`, `policy P { ... } }`, one entry per line. */
export function printSettings(ctx: Ctx, s: A.Settings): Doc {
  const list = printList(ctx, s.entries, (e) => printSettingEntry(ctx, e), s.start, s.end - 1);
  return verticalBlock(ctx, list, 'preserve');
}

function printSettingEntry(ctx: Ctx, e: A.Setting | A.PolicyDecl | A.ErrorNode): Doc {
  if (e.kind === 'Policy') return printPolicy(ctx, e);
  if (e.kind === 'Error') return sourceOf(ctx, e);
  const key = e.key.name;
  if (e.block) return [key, ' ', printSettings(ctx, e.block)];
  const value = e.value ? printExpr(ctx, e.value) : '';
  if (e.sep === '=') return [key, ' = ', value];
  if (e.sep === ':') return [key, ': ', value, ','];
  return [key, ' ', value];
}

/** Parameters after a name, or nothing when there is no `(`; returns the offset after the header. */
function printHeaderParams(ctx: Ctx, params: A.Param[] | null, nameEnd: number): { doc: Doc; end: number } {
  const open = params === null ? -1 : ctx.cursor.scanTo(nameEnd, '(');
  if (params === null || open < 0) return { doc: '', end: nameEnd };
  const { doc, closePos } = printParams(ctx, params, open);
  return { doc, end: closePos + 1 };
}

function printReturns(ctx: Ctx, returns: A.TypeRef | null): Doc {
  return returns ? [' -> ', printType(ctx, returns)] : '';
}

function printAgent(ctx: Ctx, a: A.AgentDecl): Doc {
  const params = printHeaderParams(ctx, a.params, a.name.end);
  const returns = printReturns(ctx, a.returns);
  const open = ctx.cursor.scanTo(a.returns ? a.returns.end : params.end, '{');
  const list = printList(ctx, a.items, (i) => printItem(ctx, i), open, a.end - 1);
  return ['agent ', a.name.name, params.doc, returns, ' ', verticalBlock(ctx, list, 'always')];
}

function printFunction(ctx: Ctx, f: A.FunctionDecl): Doc {
  const params = printHeaderParams(ctx, f.params, f.name.end);
  return ['function ', f.name.name, params.doc, printReturns(ctx, f.returns), ' ', printBlock(ctx, f.body)];
}

function printTool(ctx: Ctx, t: A.ToolDecl): Doc {
  const params = printHeaderParams(ctx, t.params, t.name.end);
  return ['tool ', t.name.name, params.doc, printReturns(ctx, t.returns), ' ', printSettings(ctx, t.body)];
}

export function printPolicy(ctx: Ctx, p: A.PolicyDecl): Doc {
  const open = ctx.cursor.scanTo(p.name.end, '{');
  const list = printList(ctx, p.rules, (r) => printRule(ctx, r), open, p.end - 1);
  return ['policy ', p.name.name, ' ', verticalBlock(ctx, list, 'preserve')];
}

/**
 * `verb: pattern if condition`; a condition that does not fit after the pattern's last line, or
 * that spans lines anyway, goes to the next line, indented. The choice depends only on the
 * pattern's last line, which a second formatting pass prints the same way (a pattern broken for
 * width comes back expanded in the source), so formatting is idempotent.
 */
function printRule(ctx: Ctx, r: A.Rule): Doc {
  const pattern = printExpr(ctx, r.pattern);
  if (!r.condition) return [r.verb, ': ', pattern];
  const condition = printExpr(ctx, r.condition);
  return [r.verb, ': ', pattern, group(indent([line, 'if ', condition]), mustBreak(condition))];
}

/** Whether a document holds a hard line anywhere, including in any layout of a conditional group. */
function mustBreak(doc: Doc): boolean {
  if (typeof doc === 'string') return false;
  if (Array.isArray(doc)) return doc.some(mustBreak);
  switch (doc.type) {
    case 'line': return doc.hard;
    case 'indent': return mustBreak(doc.contents);
    case 'ifBreak': return mustBreak(doc.breakContents);
    case 'group': return doc.break || mustBreak(doc.contents) || (doc.expandedStates ?? []).some(mustBreak);
  }
}

function printCapabilities(ctx: Ctx, c: A.Capabilities): Doc {
  const sepPos = ctx.cursor.scanTo(c.start + 'capabilities'.length, c.sep);
  const open = sepPos < 0 ? -1 : ctx.cursor.scanTo(sepPos + 1, '[');
  const close = ctx.text.lastIndexOf(']', c.end - 1);
  const list = printList(ctx, c.items, (i) => (i.quoted ? sourceOf(ctx, i) : i.name), open, close);
  const items = inlineList(ctx, list, '[', ']', { trailingComma: true, expand: expandedInSource(ctx, open) });
  return ['capabilities', c.sep === ':' ? ': ' : ' = ', items];
}

/**
 * `with a = 1, b = 2 {` when it fits; otherwise one attribute per line, indented, and the `{` on
 * its own line at the indentation of `with`.
 */
function printWith(ctx: Ctx, w: A.WithBlock): Doc {
  if (w.attrs.length === 0 && !ctx.cursor.hasBefore(w.body.start)) return ['with ', printBlock(ctx, w.body)];
  const list = printList(ctx, w.attrs, (a) => printWithAttr(ctx, a), -1, w.body.start);
  const header = group(['with', indent([line, inlineParts(ctx, list, false)]), line]);
  return [header, printBlock(ctx, w.body)];
}

/** The AST does not keep the separator of a `with` attribute: it is read from the source. */
function printWithAttr(ctx: Ctx, a: A.WithAttr): Doc {
  const sep = ctx.cursor.scanTo(a.key.end, ':') >= 0 ? ': ' : ' = ';
  return [a.key.name, sep, printExpr(ctx, a.value)];
}
