/**
 * Lists with comments: vertical lists (items, statements, settings, rules, match arms), one element
 * per line, and inline lists (arguments, arrays, records, parameters), which stay on one line when
 * they fit and put one element per line otherwise.
 */
import type { Comment } from '../ast';
import { CommentCursor, Span, breakMarker, commentText, leadingDocs, trailingDoc } from './comments';
import { Doc, group, hardline, ifBreak, indent, line, softline } from './doc';

export interface Ctx {
  readonly text: string;
  readonly cursor: CommentCursor;
}

/** One printed list element with its comments. */
export interface Entry {
  leading: Doc[];
  body: Doc;
  trailing: Doc;
  /** The source had an empty line before the element (or before its first leading comment). */
  blank: boolean;
  hasComments: boolean;
}

export interface PrintedList {
  entries: Entry[];
  /** Comments after the last element, before the closing delimiter. */
  dangling: Comment[];
  /** Comments at the end of the opening delimiter's line. */
  afterOpen: Doc;
}

/**
 * Prints the elements of a list in source order, taking the comments around each of them.
 * `openPos` is the offset of the opening delimiter (-1 if none) and `closePos` that of the closing one.
 */
export function printList<T extends Span>(
  ctx: Ctx, items: readonly T[], print: (item: T) => Doc, openPos: number, closePos: number,
): PrintedList {
  const { cursor } = ctx;
  // Comments left over from before the opening delimiter go with the first element.
  let early = openPos >= 0 ? cursor.takeBefore(openPos) : [];
  const openTrailing = openPos >= 0 ? cursor.takeTrailing(openPos + 1) : [];
  const entries = items.map((item) => {
    const entry = printEntry(ctx, item, print, early);
    early = [];
    return entry;
  });
  const dangling = [...early, ...cursor.takeBefore(closePos)];
  return { entries, dangling, afterOpen: trailingDoc(openTrailing) };
}

function printEntry<T extends Span>(ctx: Ctx, item: T, print: (item: T) => Doc, early: Comment[]): Entry {
  const { cursor } = ctx;
  const lead = [...early, ...cursor.takeBefore(item.start)];
  const blank = cursor.blankBefore(lead.length > 0 ? lead[0].start : item.start);
  const body = print(item);
  const inner = cursor.takeBefore(item.end);
  const trail = cursor.takeTrailing(item.end);
  const leading = leadingDocs(cursor, [...lead, ...inner], item.start);
  return {
    leading, body, trailing: trailingDoc(trail), blank,
    hasComments: lead.length + inner.length + trail.length > 0,
  };
}

export function listHasComments(list: PrintedList): boolean {
  return list.dangling.length > 0 || list.afterOpen !== '' || list.entries.some((e) => e.hasComments);
}

export type BlankLines = 'preserve' | 'always';

/**
 * The lines of a vertical list, each preceded by a line break (the caller indents them and
 * closes the list). With `always`, elements are separated by one empty line.
 */
export function verticalLines(ctx: Ctx, list: PrintedList, blanks: BlankLines): Doc[] {
  const parts: Doc[] = [];
  list.entries.forEach((e, i) => {
    parts.push(hardline);
    if (i > 0 && (blanks === 'always' || e.blank)) parts.push(hardline);
    parts.push(e.leading, e.body, e.trailing);
  });
  pushDangling(ctx, parts, list);
  return parts;
}

function pushDangling(ctx: Ctx, parts: Doc[], list: PrintedList): void {
  list.dangling.forEach((c, i) => {
    parts.push(hardline);
    const somethingBefore = i > 0 || list.entries.length > 0;
    if (somethingBefore && ctx.cursor.blankBefore(c.start)) parts.push(hardline);
    parts.push(commentText(c), breakMarker);
  });
}

/** `{` + indented lines + `}` on its own line (an empty body still closes on the next line). */
export function verticalBlock(ctx: Ctx, list: PrintedList, blanks: BlankLines, open = '{', close = '}'): Doc {
  const lines = verticalLines(ctx, list, blanks);
  return group([open, list.afterOpen, indent(lines), hardline, close]);
}

export interface InlineOptions {
  trailingComma: boolean;
  /** Break even if it fits (a record that was expanded in the source). */
  expand?: boolean;
  /** Spaces inside the delimiters when flat: `{ a: 1 }`. */
  spaced?: boolean;
}

/** The elements of an inline list separated by `,` + line, with comments; no delimiters. */
export function inlineParts(ctx: Ctx, list: PrintedList, trailingComma: boolean): Doc[] {
  const parts: Doc[] = [];
  const last = list.entries.length - 1;
  list.entries.forEach((e, i) => {
    if (i > 0) {
      if (e.blank) parts.push(ifBreak(hardline));
      parts.push(line);
    }
    parts.push(e.leading, e.body);
    if (i < last) parts.push(',');
    else if (trailingComma) parts.push(ifBreak(','));
    parts.push(e.trailing);
  });
  list.dangling.forEach((c, i) => {
    const somethingBefore = i > 0 || list.entries.length > 0;
    if (somethingBefore) {
      if (ctx.cursor.blankBefore(c.start)) parts.push(ifBreak(hardline));
      parts.push(line);
    }
    parts.push(commentText(c), breakMarker);
  });
  return parts;
}

/** `open` elements `close`: on one line if it fits, else one element per line, indented. */
export function inlineList(ctx: Ctx, list: PrintedList, open: string, close: string, opts: InlineOptions): Doc {
  if (list.entries.length === 0 && list.dangling.length === 0 && list.afterOpen === '') return open + close;
  const parts = inlineParts(ctx, list, opts.trailingComma);
  const edge = opts.spaced ? line : softline;
  return group([open, list.afterOpen, indent([edge, parts]), edge, close], opts.expand === true);
}

/** Whether the source has a line break between an opening delimiter and the first thing after it. */
export function expandedInSource(ctx: Ctx, openPos: number): boolean {
  return openPos >= 0 && ctx.cursor.newlineAfter(openPos + 1);
}
