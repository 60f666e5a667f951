/**
 * The Chevrotain parser (built once, on first use, and reused) and the public `parse` entry point.
 * Parsing never throws: it returns the tree plus every lexing and parsing diagnostic. Items that
 * parse cleanly take the fast path (fast-parser.ts), which gives the same tree; the Chevrotain
 * parser parses the items with errors and is the only source of syntax diagnostics.
 */
import { IToken, EOF } from 'chevrotain';
import * as A from './ast';
import { Identifier, lex, LineComment, HashComment } from './lexer';
import { ItemParser } from './parser-items';
import { tokEnd } from './parser-base';
import { Diagnostic, diag } from './diagnostics';
import { LineIndex } from './line-index';
import { convertErrors, dedupe, unclosedAtEnd } from './parse-errors';
import { C_BLOCK, C_HASH, C_LINE, CROSS_CHECK, Scan, scan } from './scanner';
import { FastParse, fastParse } from './fast-parser';

export { AGENT_ITEM_KEYWORDS, RULE_VERBS, TOP_LEVEL_KEYWORDS } from './parser-items';

class BatonParser extends ItemParser {
  constructor() {
    super();
    this.performSelfAnalysis();
  }

  /**
   * Parses `text`, or with `from` only its tokens from index `from` on: the start of a top-level item,
   * where a parse of the whole text is in the same state (the items before it parsed without error).
   * With `scanned` (a scan of `text`), the fast path parses the items between those with errors.
   */
  run(text: string, scanned?: Scan, from = 0): { items: A.Item[]; tokens: IToken[]; commentTokens: IToken[]; lexDiags: Diagnostic[] } {
    const lexed = lex(text, scanned, from);
    this.resetState(text);
    this.input = lexed.tokens;
    this.items = [];
    this.text = text;
    this.scanned = scanned;
    this.scanOffset = from;
    let items: A.Item[];
    try {
      items = this.sourceFile() ?? this.items;
    } finally {
      this.text = '';
      this.scanned = undefined;
    }
    const lexDiags = lexed.errors.map((e) =>
      diag('lex-error', `Unexpected character '${text.substr(e.offset, e.length || 1)}'.`, e.offset, e.offset + (e.length || 1)));
    if (this.fileEndedInsideBlock && !this.errors.some((e) => e.token.tokenType === EOF)) {
      lexDiags.push(unclosedAtEnd(lexed.tokens, text, this.lines));
    }
    return { items, tokens: lexed.tokens, commentTokens: lexed.comments, lexDiags };
  }

  get ownDiagnostics(): Diagnostic[] { return this.extraDiags; }

  /** The line index of the text parsed last. */
  get lineIndex(): LineIndex { return this.lines; }
}

let shared: BatonParser | undefined;
function parser(): BatonParser {
  return (shared ??= new BatonParser());
}

export interface ParseResult {
  file: A.SourceFile;
  /** Lexing and parsing diagnostics, sorted by position. */
  diagnostics: Diagnostic[];
  lines: LineIndex;
}

/**
 * Parses a document. Never throws. The fast path (scanner.ts, fast-parser.ts) parses every item it
 * can; the Chevrotain parser the items with errors (or anything the fast path is unsure of), and
 * all of a text with lexing errors.
 */
export function parse(text: string): ParseResult {
  const scanned = scan(text);
  if (!scanned) return chevrotainParse(text);
  const fast = fastParse(text, scanned, 0);
  let result: ParseResult;
  if (fast.resumeAt < 0) {
    const comments = commentsOfScan(text, scanned);
    result = { file: { kind: 'SourceFile', items: fast.items, comments, start: 0, end: text.length }, diagnostics: [], lines: new LineIndex(text) };
  } else {
    // The Chevrotain parser takes over at the first item the fast path gave up on (and hands the
    // items between errors back to it).
    result = chevrotainParse(text, scanned, fast);
  }
  if (CROSS_CHECK) crossCheck(text, result);
  return result;
}

/** With BATON_PARSER_CROSSCHECK=1 (scanner.ts), the fast path's result must be the Chevrotain parser's. */
function crossCheck(text: string, fast: ParseResult): void {
  const slow = parseWithChevrotain(text);
  if (JSON.stringify(slow.diagnostics) !== JSON.stringify(fast.diagnostics) || JSON.stringify(slow.file) !== JSON.stringify(fast.file)) {
    throw new Error(`The fast parser disagrees with the Chevrotain parser on ${JSON.stringify(text.slice(0, 300))}`);
  }
}

const COMMENT_STYLES: A.Comment['style'][] = [];
COMMENT_STYLES[C_LINE] = '//';
COMMENT_STYLES[C_HASH] = '#';
COMMENT_STYLES[C_BLOCK] = '/*';

function commentsOfScan(text: string, s: Scan): A.Comment[] {
  const out: A.Comment[] = [];
  const c = s.comments;
  for (let i = 0; i < c.length; i += 3) {
    out.push({ kind: 'Comment', start: c[i], end: c[i + 1], text: text.slice(c[i], c[i + 1]), style: COMMENT_STYLES[c[i + 2]] });
  }
  return out;
}

/** The Chevrotain parser alone: the reference the fast path must agree with (tests compare them). */
export function parseWithChevrotain(text: string): ParseResult {
  return chevrotainParse(text);
}

/**
 * The Chevrotain parser, where `parse` needs it. With `scanned` (a scan of `text`) the fast path
 * parses the items between those with errors; `prefix` holds the items it parsed before the first
 * one it gave up on (token `resumeAt`), where this parser starts.
 */
function chevrotainParse(text: string, scanned?: Scan, prefix?: FastParse): ParseResult {
  const p = parser();
  let lines: LineIndex | undefined;
  let items: A.Item[] = [];
  let diagnostics: Diagnostic[] = [];
  let comments: A.Comment[] = [];
  try {
    const r = p.run(text, scanned, prefix?.resumeAt);
    lines = p.lineIndex;
    items = r.items.filter((i) => i && typeof i === 'object');
    if (prefix) items = [...prefix.items, ...items];
    comments = r.commentTokens.map((t) => ({
      kind: 'Comment', start: t.startOffset, end: tokEnd(t), text: t.image,
      style: t.tokenType === LineComment ? '//' : t.tokenType === HashComment ? '#' : '/*',
    }));
    diagnostics = [...r.lexDiags, ...p.ownDiagnostics, ...convertErrors(p.errors, r.tokens, text, p.lineIndex)];
  } catch (e) {
    // The parser must not throw; if it ever does, report it instead of crashing the caller.
    diagnostics = [e instanceof RangeError
      ? diag('nesting-too-deep', 'This file nests expressions or blocks too deeply to parse.', 0, Math.min(1, text.length))
      : diag('syntax-error', `Internal parser error: ${(e as Error).message}`, 0, Math.min(1, text.length))];
  }
  diagnostics = dedupe(diagnostics);
  return { file: { kind: 'SourceFile', items, comments, start: 0, end: text.length }, diagnostics, lines: lines ?? new LineIndex(text) };
}

export { Identifier };
