/**
 * A hand-written scanner that produces exactly the tokens of the Chevrotain lexer (lexer.ts), as
 * compact typed arrays: a kind, a start and an end offset per token, plus the comments. It handles
 * the ordinary case only: at anything unusual (a character that starts no token, an unterminated
 * string or block comment, non-ASCII text outside strings and comments) it returns undefined and
 * the caller uses the Chevrotain lexer, which reports the error. Token kinds are small integers
 * (`K_*`); `TOKEN_FLAGS` gives each kind's token categories.
 *
 * The rules mirror the lexer's patterns, tried in order (the first match wins, not the longest):
 * whitespace, comments, strings, `vault://` paths, durations (a number followed by a unit that
 * makes up the whole rest of the word: `30s`, `1.5h`, `6.months`), numbers, words, punctuation.
 */

/** Keywords that can never name a value (order fixes their kinds). */
export const HARD_KEYWORDS = [
  'let', 'if', 'else', 'for', 'in', 'while', 'match', 'try', 'catch', 'return', 'break', 'continue',
  'parallel', 'true', 'false', 'null', 'not',
] as const;
/** Keywords that start items but may also be used as names (`body.type`, `agent.id`, `memory = ...`). */
export const SOFT_KEYWORDS = [
  'metadata', 'agent', 'policy', 'type', 'function', 'tool', 'mcp', 'schedule', 'channel', 'memory',
  'webhook', 'capabilities', 'with', 'allow', 'deny', 'require', 'audit',
] as const;
export type Keyword = (typeof HARD_KEYWORDS)[number] | (typeof SOFT_KEYWORDS)[number];

// ---- token kinds (0 is the end of input) ----
export const K_EOF = 0;
export const K_IDENT = 1;
/** Kind of a keyword: K_KW_FIRST + its index in HARD_KEYWORDS ++ SOFT_KEYWORDS. */
export const K_KW_FIRST = 2;
export const KW_KIND: Record<Keyword, number> = {} as Record<Keyword, number>;
[...HARD_KEYWORDS, ...SOFT_KEYWORDS].forEach((w, i) => { KW_KIND[w] = K_KW_FIRST + i; });
const K_AFTER_KW = K_KW_FIRST + HARD_KEYWORDS.length + SOFT_KEYWORDS.length;
export const K_STRING = K_AFTER_KW;
export const K_VAULT = K_AFTER_KW + 1;
export const K_DURATION = K_AFTER_KW + 2;
export const K_NUMBER = K_AFTER_KW + 3;
/** Punctuation, in the order of PUNCT_IMAGES. */
export const PUNCT_IMAGES = [
  '=>', '->', '==', '!=', '<=', '>=', '&&', '||', '+=', '-=', '*=', '/=', '%=', '=', '<', '>', '+', '-', '*', '/', '%',
  '!', '?', '|', '{', '}', '(', ')', '[', ']', ',', ';', ':', '.',
] as const;
const K_P = K_AFTER_KW + 4;
export const K_FAT_ARROW = K_P, K_ARROW = K_P + 1, K_EQ_EQ = K_P + 2, K_NOT_EQ = K_P + 3, K_LT_EQ = K_P + 4, K_GT_EQ = K_P + 5;
export const K_AND_AND = K_P + 6, K_OR_OR = K_P + 7, K_PLUS_EQ = K_P + 8, K_MINUS_EQ = K_P + 9, K_STAR_EQ = K_P + 10;
export const K_SLASH_EQ = K_P + 11, K_PERCENT_EQ = K_P + 12, K_EQ = K_P + 13, K_LT = K_P + 14, K_GT = K_P + 15;
export const K_PLUS = K_P + 16, K_MINUS = K_P + 17, K_STAR = K_P + 18, K_SLASH = K_P + 19, K_PERCENT = K_P + 20;
export const K_BANG = K_P + 21, K_QUESTION = K_P + 22, K_PIPE = K_P + 23, K_LCURLY = K_P + 24, K_RCURLY = K_P + 25;
export const K_LPAREN = K_P + 26, K_RPAREN = K_P + 27, K_LBRACKET = K_P + 28, K_RBRACKET = K_P + 29, K_COMMA = K_P + 30;
export const K_SEMICOLON = K_P + 31, K_COLON = K_P + 32, K_DOT = K_P + 33;
export const KIND_COUNT = K_P + PUNCT_IMAGES.length;

// ---- categories ----
/** Any word (lexer category `Word`). */
export const F_WORD = 1;
/** A word usable as a name: identifiers and soft keywords (`Name`). */
export const F_NAME = 2;
/** `Punct`: every token but words and curly braces. */
export const F_PUNCT = 4;
/** `UnaryOp`: `-`, `!`, `not`. */
export const F_UNARY = 8;
/** `BinaryOp`. */
export const F_BINARY = 16;
/** `AssignOp`. */
export const F_ASSIGN = 32;
/** Can start an expression (the first set of the `unaryExpr` rule). */
export const F_EXPR = 64;
/** Can start a statement (the first set of the `stmt` rule). */
export const F_STMT = 128;

export const TOKEN_FLAGS = new Uint8Array(KIND_COUNT);
/** Binary operator precedence by kind (0: not a binary operator). */
export const BINARY_PRECEDENCE = new Uint8Array(KIND_COUNT);
/** The fixed image of punctuation and keyword kinds. */
export const KIND_IMAGE: string[] = new Array(KIND_COUNT).fill('');
{
  const F = TOKEN_FLAGS;
  F[K_IDENT] = F_WORD | F_NAME | F_EXPR | F_STMT;
  HARD_KEYWORDS.forEach((w) => { F[KW_KIND[w]] = F_WORD; KIND_IMAGE[KW_KIND[w]] = w; });
  SOFT_KEYWORDS.forEach((w) => { F[KW_KIND[w]] = F_WORD | F_NAME | F_EXPR | F_STMT; KIND_IMAGE[KW_KIND[w]] = w; });
  PUNCT_IMAGES.forEach((p, i) => { F[K_P + i] = F_PUNCT; KIND_IMAGE[K_P + i] = p; });
  F[K_LCURLY] = F[K_RCURLY] = 0;
  for (const k of [K_STRING, K_VAULT, K_DURATION, K_NUMBER]) F[k] = F_PUNCT;
  for (const k of [K_MINUS, K_BANG, KW_KIND.not]) F[k] |= F_UNARY;
  for (const k of [K_PLUS_EQ, K_MINUS_EQ, K_STAR_EQ, K_SLASH_EQ, K_PERCENT_EQ, K_EQ]) F[k] |= F_ASSIGN;
  const prec: Array<[number, number]> = [
    [K_OR_OR, 1], [K_AND_AND, 2], [K_EQ_EQ, 3], [K_NOT_EQ, 3], [KW_KIND.in, 3], [K_LT, 4], [K_GT, 4], [K_LT_EQ, 4], [K_GT_EQ, 4],
    [K_PLUS, 5], [K_MINUS, 5], [K_STAR, 6], [K_SLASH, 6], [K_PERCENT, 6],
  ];
  for (const [k, p] of prec) { F[k] |= F_BINARY; BINARY_PRECEDENCE[k] = p; }
  const exprStarts = [
    K_MINUS, K_BANG, KW_KIND.not, K_STRING, K_NUMBER, K_DURATION, KW_KIND.true, KW_KIND.false, KW_KIND.null, K_VAULT,
    K_LBRACKET, K_LCURLY, KW_KIND.if, KW_KIND.match, K_LPAREN,
  ];
  for (const k of exprStarts) F[k] |= F_EXPR | F_STMT;
  for (const w of ['let', 'for', 'while', 'try', 'return', 'break', 'continue', 'parallel'] as const) F[KW_KIND[w]] |= F_STMT;
}

/**
 * BATON_PARSER_CROSSCHECK=1 (for test runs): every scan and every fast parse is compared with the
 * Chevrotain lexer's and parser's result, and a difference throws (lexer.ts `lex`, parser.ts `parse`).
 */
export const CROSS_CHECK = typeof process !== 'undefined' && process.env?.BATON_PARSER_CROSSCHECK === '1';

/** Comment styles, as stored in `Scan.comments`. */
export const C_LINE = 0, C_HASH = 1, C_BLOCK = 2;

export interface Scan {
  /** Number of tokens. Kinds past the end read as K_EOF (a few sentinels), and `starts[n]` is the text length. */
  n: number;
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  /** Comments as triples: start, end, style (C_LINE, C_HASH, C_BLOCK). */
  comments: number[];
}

/** Sentinel kinds kept past the last token, so that lookahead never reads outside the arrays. */
export const LOOKAHEAD_PAD = 80;

let kindsBuf = new Uint8Array(1024);
let startsBuf = new Int32Array(1024);
let endsBuf = new Int32Array(1024);

const UNITS_LONG = new Set('milliseconds|millisecond|seconds|second|minutes|minute|hours|hour|days|day|weeks|week|months|month|years|year'.split('|'));
const UNITS_SHORT = new Set([...UNITS_LONG, ...'ms|mo|sec|min|hr|s|m|h|d|w|y'.split('|')]);

/** Keywords by first letter: [word, kind] pairs. */
const KW_BY_FIRST: Array<Array<[string, number]>> = [];
for (const w of [...HARD_KEYWORDS, ...SOFT_KEYWORDS]) (KW_BY_FIRST[w.charCodeAt(0)] ??= []).push([w, KW_KIND[w]]);

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }
function isLetter(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90); }
function isWordChar(c: number): boolean { return isLetter(c) || isDigit(c) || c === 95; }

/** ASCII character classes: whitespace, word start (letter, `_`), digit. */
const CC_WS = 1, CC_WORD = 2, CC_DIGIT = 3;
const CHAR_CLASS = new Uint8Array(128);
/** [A-Za-z0-9_] */
const WORD_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c === 32 || (c >= 9 && c <= 13)) CHAR_CLASS[c] = CC_WS;
  else if (isLetter(c) || c === 95) CHAR_CLASS[c] = CC_WORD;
  else if (isDigit(c)) CHAR_CLASS[c] = CC_DIGIT;
  WORD_CHAR[c] = isWordChar(c) ? 1 : 0;
}

/** The keyword kind of text[i, j), or K_IDENT. */
function wordKind(text: string, i: number, j: number, c: number): number {
  const cands = KW_BY_FIRST[c];
  if (cands === undefined) return K_IDENT;
  const wl = j - i;
  outer: for (let q = 0; q < cands.length; q++) {
    const w = cands[q][0];
    if (w.length !== wl) continue;
    for (let x = 1; x < wl; x++) if (w.charCodeAt(x) !== text.charCodeAt(i + x)) continue outer;
    return cands[q][1];
  }
  return K_IDENT;
}

/**
 * Scans `text`. The result shares module-level buffers: it is valid until the next call. Returns
 * undefined where the Chevrotain lexer must decide (see the file comment).
 */
export function scan(text: string): Scan | undefined {
  const len = text.length;
  const comments: number[] = [];
  let kinds = kindsBuf, starts = startsBuf, ends = endsBuf;
  let cap = kinds.length - LOOKAHEAD_PAD - 1;
  let n = 0;
  let i = 0;
  // Next `"`, `\`, newline and carriage return at or after the current position (or `len`), found by
  // `indexOf` and reused until passed: strings and comments are skipped without a loop per character.
  let nextQuote = -1, nextBackslash = -1, nextNL = -1, nextCR = -1;
  while (i < len) {
    let c = text.charCodeAt(i);
    if (c === 32) {
      do c = text.charCodeAt(++i); while (c === 32);
      if (i >= len) break;
    }
    const cc = c < 128 ? CHAR_CLASS[c] : 0;
    // whitespace: [ \t\r\n\f\v\u00a0\ufeff]
    if (cc === CC_WS || c === 0xa0 || c === 0xfeff) { i++; continue; }
    let kind: number;
    let j = i + 1;
    if (cc === CC_WORD) {
      for (; j < len; j++) {
        const d = text.charCodeAt(j);
        if (d >= 128 || WORD_CHAR[d] === 0) break;
      }
      if (c === 118 /* v */ && text.startsWith('vault://', i)) {
        j = i + 8;
        for (; j < len; j++) {
          const d = text.charCodeAt(j);
          if (!(isWordChar(d) || d === 45 || d === 46 || d === 47)) break;
        }
        kind = K_VAULT;
      } else kind = wordKind(text, i, j, c);
    } else if (cc === CC_DIGIT) {
      while (j < len && (isDigit(text.charCodeAt(j)) || text.charCodeAt(j) === 95)) j++;
      const dur = durationEnd(text, j);
      if (dur > 0) { kind = K_DURATION; j = dur; } else { kind = K_NUMBER; j = numberEnd(text, j); }
    } else {
      const d = j < len ? text.charCodeAt(j) : 0;
      switch (c) {
        case 34: { // "  the next quote not escaped by a backslash; none: unterminated
          for (;;) {
            if (nextQuote < j) nextQuote = indexOrEnd(text, '"', j);
            if (nextBackslash < j) nextBackslash = indexOrEnd(text, '\\', j);
            if (nextQuote < nextBackslash) { j = nextQuote + 1; break; }
            if (nextBackslash + 1 >= len) return undefined;
            j = nextBackslash + 2;
          }
          kind = K_STRING;
          break;
        }
        case 35: // #
        case 47: // /
          if (c === 47 && d === 42) {
            const close = text.indexOf('*/', i + 2);
            if (close < 0) return undefined;
            comments.push(i, close + 2, C_BLOCK);
            i = close + 2;
            continue;
          }
          if (d === 47 || c === 35) {
            if (nextNL < i) nextNL = indexOrEnd(text, '\n', i);
            if (nextCR < i) nextCR = indexOrEnd(text, '\r', i);
            const e = nextNL < nextCR ? nextNL : nextCR;
            comments.push(i, e, c === 35 ? C_HASH : C_LINE);
            i = e;
            continue;
          }
          if (d === 61) { kind = K_SLASH_EQ; j++; } else kind = K_SLASH;
          break;
        case 61: if (d === 62) { kind = K_FAT_ARROW; j++; } else if (d === 61) { kind = K_EQ_EQ; j++; } else kind = K_EQ; break;
        case 45: if (d === 62) { kind = K_ARROW; j++; } else if (d === 61) { kind = K_MINUS_EQ; j++; } else kind = K_MINUS; break;
        case 33: if (d === 61) { kind = K_NOT_EQ; j++; } else kind = K_BANG; break;
        case 60: if (d === 61) { kind = K_LT_EQ; j++; } else kind = K_LT; break;
        case 62: if (d === 61) { kind = K_GT_EQ; j++; } else kind = K_GT; break;
        case 38: if (d === 38) { kind = K_AND_AND; j++; } else return undefined; break;
        case 124: if (d === 124) { kind = K_OR_OR; j++; } else kind = K_PIPE; break;
        case 43: if (d === 61) { kind = K_PLUS_EQ; j++; } else kind = K_PLUS; break;
        case 42: if (d === 61) { kind = K_STAR_EQ; j++; } else kind = K_STAR; break;
        case 37: if (d === 61) { kind = K_PERCENT_EQ; j++; } else kind = K_PERCENT; break;
        case 63: kind = K_QUESTION; break;
        case 123: kind = K_LCURLY; break;
        case 125: kind = K_RCURLY; break;
        case 40: kind = K_LPAREN; break;
        case 41: kind = K_RPAREN; break;
        case 91: kind = K_LBRACKET; break;
        case 93: kind = K_RBRACKET; break;
        case 44: kind = K_COMMA; break;
        case 59: kind = K_SEMICOLON; break;
        case 58: kind = K_COLON; break;
        case 46: kind = K_DOT; break;
        default: return undefined;
      }
    }
    if (n === cap) {
      const size = kinds.length * 2;
      const k2 = new Uint8Array(size); k2.set(kinds); kinds = kindsBuf = k2;
      const s2 = new Int32Array(size); s2.set(starts); starts = startsBuf = s2;
      const e2 = new Int32Array(size); e2.set(ends); ends = endsBuf = e2;
      cap = size - LOOKAHEAD_PAD - 1;
    }
    kinds[n] = kind;
    starts[n] = i;
    ends[n] = j;
    n++;
    i = j;
  }
  kinds.fill(K_EOF, n, n + LOOKAHEAD_PAD);
  starts.fill(len, n, n + LOOKAHEAD_PAD);
  ends.fill(len, n, n + LOOKAHEAD_PAD);
  return { n, kinds, starts, ends, comments };
}

function indexOrEnd(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at < 0 ? text.length : at;
}

/** End of the number starting before `j` (its integer part ends at `j`): fraction, exponent. */
function numberEnd(text: string, j: number): number {
  if (text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1))) {
    j += 2;
    while (isDigit(text.charCodeAt(j)) || text.charCodeAt(j) === 95) j++;
  }
  const e = text.charCodeAt(j);
  if (e === 101 || e === 69) {
    let k = j + 1;
    const s = text.charCodeAt(k);
    if (s === 43 || s === 45) k++;
    if (isDigit(text.charCodeAt(k))) {
      while (isDigit(text.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}

/**
 * End of a duration whose integer part ends at `j`, or 0. The unit must be the whole rest of the
 * word (the lexer's pattern ends with a negative lookahead for word characters).
 */
function durationEnd(text: string, j: number): number {
  const c = text.charCodeAt(j);
  if (c === 46) {
    const d = text.charCodeAt(j + 1);
    if (isDigit(d)) {
      let f = j + 2;
      while (isDigit(text.charCodeAt(f)) || text.charCodeAt(f) === 95) f++;
      return unitEnd(text, f, UNITS_SHORT);
    }
    return isLetter(d) ? unitEnd(text, j + 1, UNITS_LONG) : 0;
  }
  return isLetter(c) ? unitEnd(text, j, UNITS_SHORT) : 0;
}

function unitEnd(text: string, from: number, units: Set<string>): number {
  let w = from;
  while (w < text.length && isWordChar(text.charCodeAt(w))) w++;
  return w > from && units.has(text.slice(from, w)) ? w : 0;
}
