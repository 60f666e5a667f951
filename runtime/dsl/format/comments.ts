/**
 * Comment placement for the formatter. Comments are consumed in source order through a cursor:
 * list printers take the comments that precede each element (leading), those that end the line an
 * element ends (trailing), and those left before a closing delimiter (dangling). A comment in a
 * position no list owns (inside an expression, say) is picked up by the next list element printed,
 * so it moves a little but is never lost.
 */
import type { Comment } from '../ast';
import { Doc, hardline } from './doc';

export interface Span { start: number; end: number }

export class CommentCursor {
  private next = 0;
  private readonly byStart = new Map<number, Comment>();

  constructor(readonly text: string, private readonly comments: readonly Comment[]) {
    for (const c of comments) this.byStart.set(c.start, c);
  }

  /** Consumes every comment that starts before `pos`. */
  takeBefore(pos: number): Comment[] {
    const out: Comment[] = [];
    while (this.next < this.comments.length && this.comments[this.next].start < pos) {
      out.push(this.comments[this.next++]);
    }
    return out;
  }

  /**
   * Consumes the comments that follow `end` on the same line (past only spaces, `,` and `;`) when
   * nothing but whitespace follows them on that line.
   */
  takeTrailing(end: number): Comment[] {
    const found: Comment[] = [];
    let p = end;
    for (let i = this.next; i < this.comments.length; i++) {
      const c = this.comments[i];
      if (c.start < p || !isSameLineGap(this.text, p, c.start)) break;
      found.push(c);
      p = c.end;
    }
    if (found.length === 0 || !restOfLineIsBlank(this.text, p)) return [];
    this.next += found.length;
    return found;
  }

  /** Whether any comment is left before `pos`. */
  hasBefore(pos: number): boolean {
    return this.next < this.comments.length && this.comments[this.next].start < pos;
  }

  /** Whether the source has an empty line in the whitespace right before `pos`. */
  blankBefore(pos: number): boolean {
    let newlines = 0;
    for (let i = pos - 1; i >= 0; i--) {
      const ch = this.text.charCodeAt(i);
      if (ch === 10) newlines++;
      else if (ch !== 32 && ch !== 9 && ch !== 13) break;
    }
    return newlines >= 2;
  }

  /** Whether the source has a line break between `from` and the next token or comment. */
  newlineAfter(from: number): boolean {
    for (let i = from; i < this.text.length; i++) {
      const ch = this.text.charCodeAt(i);
      if (ch === 10 || ch === 13) return true;
      if (ch !== 32 && ch !== 9) return false;
    }
    return true;
  }

  /**
   * The offset of `ch`, the next thing after `from` other than whitespace and comments (and commas
   * when `skipCommas`), or -1 if something else comes first.
   */
  scanTo(from: number, ch: string, skipCommas = false): number {
    let i = from;
    while (i < this.text.length) {
      const c = this.text[i];
      if (c === ch) return i;
      const comment = this.byStart.get(i);
      if (comment) { i = comment.end; continue; }
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || (skipCommas && c === ',')) { i++; continue; }
      return -1;
    }
    return -1;
  }
}

function isSameLineGap(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c !== ' ' && c !== '\t' && c !== ',' && c !== ';') return false;
  }
  return true;
}

function restOfLineIsBlank(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') return true;
    if (c !== ' ' && c !== '\t') return false;
  }
  return true;
}

/** The printed text of a comment: line comments lose trailing spaces, CRLF becomes LF. */
export function commentText(c: Comment): string {
  return c.style === '/*' ? c.text.replace(/\r\n?/g, '\n') : c.text.trimEnd();
}

/** Trailing comments, after two spaces; they always end the line. */
export function trailingDoc(comments: Comment[]): Doc {
  if (comments.length === 0) return '';
  return ['  ', comments.map(commentText).join(' '), breakMarker];
}

/**
 * Forces the enclosing group to break without printing anything itself: a hard line inside an
 * `ifBreak` whose flat side is empty would print nothing flat, so it is expressed as a
 * zero-width group already broken.
 */
export const breakMarker: Doc = { type: 'group', contents: '', break: true };

/**
 * Leading comments, each on its own line (a block comment followed by code on its line stays
 * inline), with the source's blank lines between them and before the element (at most one).
 */
export function leadingDocs(cursor: CommentCursor, comments: Comment[], elementStart: number): Doc[] {
  const out: Doc[] = [];
  comments.forEach((c, i) => {
    if (i > 0 && cursor.blankBefore(c.start)) out.push(hardline);
    out.push(commentText(c));
    const inline = c.style === '/*' && !cursor.newlineAfter(c.end) && !c.text.includes('\n');
    out.push(inline ? ' ' : hardline);
  });
  if (comments.length > 0 && out[out.length - 1] === hardline && cursor.blankBefore(elementStart)) out.push(hardline);
  return out;
}
