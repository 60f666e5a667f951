/**
 * Document and range formatting with the runtime's formatter (`runtime/dsl/format`), which fixes
 * its own style (4-space indent, width 100): the client's tab size is not used. A file with syntax
 * errors, or one the formatter declines to change, gets no edit.
 *
 * Document formatting returns one edit: the changed span between the old and the formatted text
 * (common prefix and suffix trimmed), so the cursor and folding outside it stay put.
 *
 * Range formatting formats the whole document, then takes from the result only the top-level
 * items (agent, tool, type, ...) the range touches — an item is the smallest unit the formatter
 * prints on its own — and returns, for each, the edit trimmed to its changed part. Text between
 * items (comments, blank lines) is left as it is.
 */
import { Range, TextEdit } from 'vscode-languageserver';
import { format } from '../runtime/dsl/format';
import { parse } from '../runtime/dsl/parser';
import type { LineIndex } from '../runtime/dsl/line-index';

/** The smallest single edit turning `before` into `after` (within `[from, to)` of `before`, if given). */
export function minimalEdit(before: string, after: string, lines: LineIndex, from = 0, to = before.length, afterFrom = from, afterTo = after.length - (before.length - to)): TextEdit | null {
  const lenBefore = to - from, lenAfter = afterTo - afterFrom;
  let s = 0;
  while (s < lenBefore && s < lenAfter && before.charCodeAt(from + s) === after.charCodeAt(afterFrom + s)) s++;
  let e = 0;
  while (e < lenBefore - s && e < lenAfter - s && before.charCodeAt(to - 1 - e) === after.charCodeAt(afterTo - 1 - e)) e++;
  // Keep a CRLF pair whole.
  while (s > 0 && before.charCodeAt(from + s - 1) === 13 && (from + s < to && before.charCodeAt(from + s) === 10)) s--;
  const oldStart = from + s, oldEnd = to - e;
  const newText = after.slice(afterFrom + s, afterTo - e);
  if (oldStart === oldEnd && newText === '') return null;
  return TextEdit.replace({ start: lines.position(oldStart), end: lines.position(oldEnd) }, newText);
}

export function formatDocument(text: string, lines: LineIndex): TextEdit[] {
  const r = format(text);
  if (r.error || !r.changed) return [];
  const edit = minimalEdit(text, r.text, lines);
  return edit ? [edit] : [];
}

/** Start of the line of `offset` when only blanks precede it on that line, else `offset`. */
function lineStartIfBlank(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i === 0 || text[i - 1] === '\n' || text[i - 1] === '\r' ? i : offset;
}

export function formatRange(text: string, lines: LineIndex, range: Range): TextEdit[] {
  const r = format(text);
  if (r.error || !r.changed) return [];
  const before = parse(text).file.items;
  const after = parse(r.text).file.items;
  if (before.length !== after.length) return formatDocument(text, lines);
  const from = lines.offset(range.start);
  const to = lines.offset(range.end);
  const edits: TextEdit[] = [];
  for (let i = 0; i < before.length; i++) {
    const b = before[i];
    if (b.end < from || b.start > to || (b.end === from && from !== to)) continue;
    const a = after[i];
    const edit = minimalEdit(text, r.text, lines, lineStartIfBlank(text, b.start), b.end, lineStartIfBlank(r.text, a.start), a.end);
    if (edit) edits.push(edit);
  }
  return edits;
}
