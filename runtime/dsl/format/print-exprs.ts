/** Expressions: literals printed from their source text, operators spaced, lists grouped. */
import type * as A from '../ast';
import { Doc, conditionalGroup, group, indent, line, softline, willBreak } from './doc';
import { Ctx, expandedInSource, inlineList, inlineParts, listHasComments, printList } from './print-lists';
import { printBlock, printIfChain, printMatch } from './print-stmts';

/** Source text of a node, line breaks normalised to `\n`. */
export function sourceOf(ctx: Ctx, node: { start: number; end: number }): string {
  return ctx.text.slice(node.start, node.end).replace(/\r\n?/g, '\n');
}

export function printExpr(ctx: Ctx, e: A.Expr): Doc {
  switch (e.kind) {
    case 'Literal': return e.raw.replace(/\r\n?/g, '\n');
    case 'Vault': return sourceOf(ctx, e);
    case 'Name': return e.name;
    case 'Array': return printArray(ctx, e);
    case 'Record': return printRecordEntries(ctx, e.entries, e.start, e.end - 1);
    case 'TypedRecord': return [e.type.name, ' ', printRecordEntries(ctx, e.entries, ctx.cursor.scanTo(e.type.end, '{'), e.end - 1)];
    case 'Lambda': return printLambda(ctx, e);
    case 'Unary': return [e.op === 'not' ? 'not ' : e.op, printExpr(ctx, e.operand)];
    case 'Binary': return printBinary(ctx, e);
    case 'Member': return [printExpr(ctx, e.object), '.', e.property.name];
    case 'Index': return [printExpr(ctx, e.object), '[', printExpr(ctx, e.index), ']'];
    case 'Call': return printCall(ctx, e);
    case 'IfExpr': return printIfChain(ctx, e);
    case 'Match': return printMatch(ctx, e);
    case 'Paren': return ['(', printExpr(ctx, e.expr), ')'];
    case 'Error': return sourceOf(ctx, e);
  }
}

function printArray(ctx: Ctx, e: A.ArrayLit): Doc {
  const list = printList(ctx, e.elements, (x) => printExpr(ctx, x), e.start, e.end - 1);
  return inlineList(ctx, list, '[', ']', { trailingComma: true, expand: expandedInSource(ctx, e.start) });
}

/** `{ key: value, ... }`: stays expanded if the source put a line break after `{`. */
export function printRecordEntries(ctx: Ctx, entries: A.RecordEntry[], openPos: number, closePos: number): Doc {
  const list = printList(ctx, entries, (x) => printRecordEntry(ctx, x), openPos, closePos);
  return inlineList(ctx, list, '{', '}', { trailingComma: true, spaced: true, expand: expandedInSource(ctx, openPos) });
}

function printRecordEntry(ctx: Ctx, entry: A.RecordEntry): Doc {
  const key = entry.quoted ? sourceOf(ctx, entry.key) : entry.key.name;
  return [key, ': ', printExpr(ctx, entry.value)];
}

function printLambda(ctx: Ctx, e: A.Lambda): Doc {
  const names = e.params.map((p) => p.name);
  const params = names.length === 1 ? names[0] : `(${names.join(', ')})`;
  const body = e.body.kind === 'Block' ? printBlock(ctx, e.body) : printExpr(ctx, e.body);
  return [params, ' => ', body];
}

const PRECEDENCE: Record<A.BinaryOperator, number> = {
  '||': 1, '&&': 2, '==': 3, '!=': 3, 'in': 3, '<': 4, '>': 4, '<=': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6,
};

/** A chain of same-precedence operators breaks after each operator, continuation lines indented. */
function printBinary(ctx: Ctx, e: A.Binary): Doc {
  const level = PRECEDENCE[e.op];
  const chain: A.Binary[] = [];
  let left: A.Expr = e;
  while (left.kind === 'Binary' && PRECEDENCE[left.op] === level) {
    chain.unshift(left);
    left = left.left;
  }
  const rest: Doc[] = chain.map((b) => [' ', b.op, line, printExpr(ctx, b.right)]);
  return group([printExpr(ctx, left), indent(rest)]);
}

/** `f(a, name: b)`; a last argument that is a record, an array or a lambda hugs the parentheses. */
function printCall(ctx: Ctx, e: A.Call): Doc {
  const callee = printExpr(ctx, e.callee);
  const openPos = ctx.cursor.scanTo(e.callee.end, '(');
  const list = printList(ctx, e.args, (a) => printArg(ctx, a), openPos, e.end - 1);
  const lastArg = e.args[e.args.length - 1];
  const bodies = list.entries.map((x) => x.body);
  const canHug = lastArg !== undefined && isHuggable(lastArg.value) && !listHasComments(list)
    && !bodies.slice(0, -1).some(willBreak);
  // As in prettier: arguments that will break anyway put every argument on its own line.
  if (!canHug) return [callee, inlineList(ctx, list, '(', ')', { trailingComma: true, expand: bodies.some(willBreak) })];
  const others = bodies.slice(0, -1).map((b) => [b, ', ']);
  const last = bodies[bodies.length - 1];
  return [callee, conditionalGroup([
    ['(', others, last, ')'],
    ['(', others, group(last, true), ')'],
    group(['(', indent([softline, inlineParts(ctx, list, true)]), softline, ')'], true),
  ])];
}

function isHuggable(e: A.Expr): boolean {
  switch (e.kind) {
    case 'Record': case 'TypedRecord': return e.entries.length > 0;
    case 'Array': return e.elements.length > 0;
    case 'Lambda': return true;
    default: return false;
  }
}

function printArg(ctx: Ctx, a: A.Arg): Doc {
  const value = printExpr(ctx, a.value);
  if (!a.name) return value;
  return [a.name.name, a.sep === '=' ? ' = ' : ': ', value];
}
