/**
 * AST → document → text. Top-level items are separated by one empty line; comments before, between
 * and after them keep their place (see comments.ts for the rules).
 */
import type * as A from '../ast';
import { CommentCursor } from './comments';
import { Doc, printDoc } from './doc';
import { printItem } from './print-items';
import { Ctx, printList, verticalLines } from './print-lists';

export const PRINT_WIDTH = 100;
export const INDENT_WIDTH = 4;

export function sourceFileDoc(ctx: Ctx, file: A.SourceFile): Doc {
  const list = printList(ctx, file.items, (i) => printItem(ctx, i), -1, ctx.text.length + 1);
  return verticalLines(ctx, list, 'always').slice(1);
}

/** Prints a parsed file (LF line breaks); the result ends with exactly one newline unless empty. */
export function printSourceFile(file: A.SourceFile, text: string): string {
  const ctx: Ctx = { text, cursor: new CommentCursor(text, file.comments) };
  const out = printDoc(sourceFileDoc(ctx, file), { width: PRINT_WIDTH, indentWidth: INDENT_WIDTH });
  return out.length === 0 ? '' : out + '\n';
}
