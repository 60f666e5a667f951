/** Types, parameters and patterns. */
import type * as A from '../ast';
import { Doc, join } from './doc';
import { printExpr, sourceOf } from './print-exprs';
import { Ctx, expandedInSource, inlineList, printList } from './print-lists';

export function printType(ctx: Ctx, t: A.TypeRef): Doc {
  switch (t.kind) {
    case 'NamedType': {
      const args = t.args.length > 0 ? ['<', join(', ', t.args.map((a) => printType(ctx, a))), '>'] : '';
      return [t.name.name, args, t.optional ? '?' : ''];
    }
    case 'ArrayType': return ['[', printType(ctx, t.element), ']', t.optional ? '?' : ''];
    case 'RecordType': return [printRecordType(ctx, t), t.optional ? '?' : ''];
    case 'UnionType': return join(' | ', t.options.map((o) => printType(ctx, o)));
    // The node keeps only the decoded value: print the literal as written (a stray `?` is ignored by the parser).
    case 'LiteralType': return sourceOf(ctx, t).replace(/\s*\?$/, '');
  }
}

function printRecordType(ctx: Ctx, t: A.RecordType): Doc {
  const close = t.optional ? ctx.text.lastIndexOf('}', t.end) : t.end - 1;
  const list = printList(ctx, t.fields, (f) => printField(ctx, f), t.start, close);
  return inlineList(ctx, list, '{', '}', { trailingComma: true, spaced: true, expand: expandedInSource(ctx, t.start) });
}

function printField(ctx: Ctx, f: A.FieldDecl): Doc {
  return [f.name.name, f.optional ? '?' : '', ': ', printType(ctx, f.type)];
}

/** `(a: T = d, ...)`; `openPos` is the offset of `(`. Returns the doc and the offset of `)`. */
export function printParams(ctx: Ctx, params: A.Param[], openPos: number): { doc: Doc; closePos: number } {
  const last = params[params.length - 1];
  const closePos = ctx.cursor.scanTo(last ? last.end : openPos + 1, ')', true);
  const list = printList(ctx, params, (p) => printParam(ctx, p), openPos, closePos);
  return { doc: inlineList(ctx, list, '(', ')', { trailingComma: true }), closePos };
}

function printParam(ctx: Ctx, p: A.Param): Doc {
  return [
    p.name.name,
    p.type ? [': ', printType(ctx, p.type)] : '',
    p.default ? [' = ', printExpr(ctx, p.default)] : '',
  ];
}

export function printPattern(ctx: Ctx, p: A.Pattern): Doc {
  switch (p.kind) {
    case 'WildcardPat': return '_';
    case 'LiteralPat': return p.literal.raw.replace(/\r\n?/g, '\n');
    case 'BindPat': return p.name.name;
    case 'CtorPat': {
      // `None` needs no parentheses; `foo()` keeps them (without, it would bind a name).
      if (p.args.length === 0 && /^[A-Z]/.test(p.name.name)) return p.name.name;
      return [p.name.name, '(', join(', ', p.args.map((a) => printPattern(ctx, a))), ')'];
    }
    case 'OrPat': return join(' | ', p.options.map((o) => printPattern(ctx, o)));
    case 'Error': return sourceOf(ctx, p);
  }
}
