/**
 * Tokens and the lexer of the Baton language (a superset of the Symbiont DSL).
 *
 * Every word is lexed as an `Identifier` and then re-typed to its keyword token by a map lookup
 * (one regex instead of forty, and keywords stay usable as member names and record keys).
 * Keywords carry the categories `Word` (any word: keys, members) and, for the soft ones, `Name`
 * (words that may also name a variable, like `agent` or `type`).
 * `lex` uses the hand-written scanner (scanner.ts, the same tokens, several times faster) and falls
 * back to the Chevrotain lexer for text the scanner leaves to it (lexing errors, rare constructs).
 */
import { createToken, Lexer, TokenType, IToken, ILexingError } from 'chevrotain';
import {
  CROSS_CHECK, HARD_KEYWORDS, K_DURATION, K_IDENT, K_NUMBER, K_STRING, K_VAULT, KIND_COUNT, KIND_IMAGE, KW_KIND, Keyword, PUNCT_IMAGES,
  Scan, scan, SOFT_KEYWORDS,
} from './scanner';

/** Any word, keyword or not. */
export const Word = createToken({ name: 'Word', pattern: Lexer.NA, label: 'a name' });
/** A word usable as a name in an expression: identifiers and soft keywords. */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA, categories: [Word], label: 'a name' });
/** Every token that is not a word or a curly brace (used to skip junk after an error). */
export const Punct = createToken({ name: 'Punct', pattern: Lexer.NA, label: 'a symbol' });

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: 'comments', line_breaks: true });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: 'comments' });
export const HashComment = createToken({ name: 'HashComment', pattern: /#[^\n\r]*/, group: 'comments' });
export const StringLit = createToken({ name: 'String', pattern: /"(?:[^"\\]|\\[\s\S])*"/, categories: [Punct], line_breaks: true });
/** A string with no closing quote on its line: reported by the parser, never a crash. */
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\n\r]|\\.)*/, categories: [Punct] });
export const Vault = createToken({ name: 'Vault', pattern: /vault:\/\/[A-Za-z0-9_\-./]*/, categories: [Punct], start_chars_hint: ['v'] });

const UNITS_LONG = 'milliseconds|millisecond|seconds|second|minutes|minute|hours|hour|days|day|weeks|week|months|month|years|year';
const UNITS_SHORT = `${UNITS_LONG}|ms|mo|sec|min|hr|s|m|h|d|w|y`;
export const Duration = createToken({
  name: 'Duration',
  pattern: new RegExp(`\\d[\\d_]*(?:(?:\\.\\d[\\d_]*)?(?:${UNITS_SHORT})|\\.(?:${UNITS_LONG}))(?![A-Za-z0-9_])`),
  categories: [Punct],
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
});
export const NumberLit = createToken({ name: 'Number', pattern: /\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?/, categories: [Punct] });
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [Name], label: 'a name' });

function punct(name: string, text: string, extra: TokenType[] = []): TokenType {
  return createToken({ name, pattern: text, label: `'${text}'`, categories: [Punct, ...extra] });
}
/** Every binary operator (the parser reads operator sequences flat and applies precedence itself). */
export const BinaryOp = createToken({ name: 'BinaryOp', pattern: Lexer.NA, label: 'an operator' });
/** Operator classes, one per precedence level. */
export const OrOp = createToken({ name: 'OrOp', pattern: Lexer.NA, categories: [BinaryOp] });
export const AndOp = createToken({ name: 'AndOp', pattern: Lexer.NA, categories: [BinaryOp] });
export const EqualityOp = createToken({ name: 'EqualityOp', pattern: Lexer.NA, categories: [BinaryOp] });
export const RelOp = createToken({ name: 'RelOp', pattern: Lexer.NA, categories: [BinaryOp] });
export const AddOp = createToken({ name: 'AddOp', pattern: Lexer.NA, categories: [BinaryOp] });
export const MulOp = createToken({ name: 'MulOp', pattern: Lexer.NA, categories: [BinaryOp] });
export const UnaryOp = createToken({ name: 'UnaryOp', pattern: Lexer.NA });
export const FatArrow = punct('FatArrow', '=>');
export const Arrow = punct('Arrow', '->');
export const EqEq = punct('EqEq', '==', [EqualityOp]);
export const NotEq = punct('NotEq', '!=', [EqualityOp]);
export const LtEq = punct('LtEq', '<=', [RelOp]);
export const GtEq = punct('GtEq', '>=', [RelOp]);
export const AndAnd = punct('AndAnd', '&&', [AndOp]);
export const OrOr = punct('OrOr', '||', [OrOp]);
/** Compound assignment operators share a category. */
export const AssignOp = createToken({ name: 'AssignOp', pattern: Lexer.NA });
export const PlusEq = punct('PlusEq', '+=', [AssignOp]);
export const MinusEq = punct('MinusEq', '-=', [AssignOp]);
export const StarEq = punct('StarEq', '*=', [AssignOp]);
export const SlashEq = punct('SlashEq', '/=', [AssignOp]);
export const PercentEq = punct('PercentEq', '%=', [AssignOp]);
export const Eq = punct('Eq', '=', [AssignOp]);
export const Lt = punct('Lt', '<', [RelOp]);
export const Gt = punct('Gt', '>', [RelOp]);
export const Plus = punct('Plus', '+', [AddOp]);
export const Minus = punct('Minus', '-', [AddOp, UnaryOp]);
export const Star = punct('Star', '*', [MulOp]);
export const Slash = punct('Slash', '/', [MulOp]);
export const Percent = punct('Percent', '%', [MulOp]);
export const Bang = punct('Bang', '!', [UnaryOp]);
export const Question = punct('Question', '?');
export const Pipe = punct('Pipe', '|');
export const LCurly = createToken({ name: 'LCurly', pattern: '{', label: "'{'" });
export const RCurly = createToken({ name: 'RCurly', pattern: '}', label: "'}'" });
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const LBracket = punct('LBracket', '[');
export const RBracket = punct('RBracket', ']');
export const Comma = punct('Comma', ',');
export const Semicolon = punct('Semicolon', ';');
export const Colon = punct('Colon', ':');
export const Dot = punct('Dot', '.');

export { HARD_KEYWORDS, SOFT_KEYWORDS } from './scanner';

export const KEYWORD_TOKENS = new Map<string, TokenType>();
const KEYWORD_CATEGORIES: Record<string, TokenType[]> = { in: [EqualityOp], not: [UnaryOp] };
for (const kw of HARD_KEYWORDS) {
  const categories = [Word, ...(KEYWORD_CATEGORIES[kw] ?? [])];
  KEYWORD_TOKENS.set(kw, createToken({ name: `Kw_${kw}`, pattern: Lexer.NA, label: `'${kw}'`, categories }));
}
for (const kw of SOFT_KEYWORDS) {
  KEYWORD_TOKENS.set(kw, createToken({ name: `Kw_${kw}`, pattern: Lexer.NA, label: `'${kw}'`, categories: [Name] }));
}
export function kw(word: Keyword): TokenType {
  return KEYWORD_TOKENS.get(word)!;
}

/** Order matters: the first pattern that matches wins. */
export const LEXED_TOKENS: TokenType[] = [
  WhiteSpace, BlockComment, LineComment, HashComment, StringLit, UnterminatedString, Vault, Duration, NumberLit,
  Identifier, FatArrow, Arrow, EqEq, NotEq, LtEq, GtEq, AndAnd, OrOr, PlusEq, MinusEq, StarEq, SlashEq, PercentEq,
  Eq, Lt, Gt, Plus, Minus, Star, Slash, Percent, Bang, Question, Pipe, LCurly, RCurly, LParen, RParen, LBracket,
  RBracket, Comma, Semicolon, Colon, Dot,
];
/** Everything the parser knows about, including categories and keywords. */
export const ALL_TOKENS: TokenType[] = [
  Word, Name, Punct, AssignOp, BinaryOp, OrOp, AndOp, EqualityOp, RelOp, AddOp, MulOp, UnaryOp, ...LEXED_TOKENS, ...KEYWORD_TOKENS.values(),
];

/** Built on first use: most documents never need it (see `lex`). */
let lexer: Lexer | undefined;

export interface LexResult {
  tokens: IToken[];
  comments: IToken[];
  errors: ILexingError[];
}

/** The token type of each scanner kind (scanner.ts). */
export const KIND_TYPES: TokenType[] = new Array<TokenType>(KIND_COUNT);
{
  KIND_TYPES[K_IDENT] = Identifier;
  for (const w of [...HARD_KEYWORDS, ...SOFT_KEYWORDS]) KIND_TYPES[KW_KIND[w]] = KEYWORD_TOKENS.get(w)!;
  KIND_TYPES[K_STRING] = StringLit;
  KIND_TYPES[K_VAULT] = Vault;
  KIND_TYPES[K_DURATION] = Duration;
  KIND_TYPES[K_NUMBER] = NumberLit;
  const byImage = new Map<string, TokenType>();
  for (const t of LEXED_TOKENS) if (typeof t.PATTERN === 'string') byImage.set(t.PATTERN, t);
  PUNCT_IMAGES.forEach((p, i) => { KIND_TYPES[K_NUMBER + 1 + i] = byImage.get(p)!; });
}
const COMMENT_TYPES = [LineComment, HashComment, BlockComment];

/**
 * Lexes a document. Never throws; unknown characters become lexing errors. The scanner does the
 * work when it can (the same tokens, see scanner.ts); the Chevrotain lexer otherwise. A scan of the
 * same text can be passed in to reuse it, and `from` skips that scan's first tokens (the comments
 * are always all of them).
 */
export function lex(text: string, scanned?: Scan, from = 0): LexResult {
  const s = scanned ?? scan(text);
  if (!s) return chevrotainLex(text);
  const result = tokensOfScan(text, s, from);
  if (CROSS_CHECK) {
    const reference = chevrotainLex(text);
    reference.tokens = reference.tokens.slice(from);
    if (fingerprint(result) !== fingerprint(reference)) {
      throw new Error(`The scanner disagrees with the Chevrotain lexer on ${JSON.stringify(text.slice(0, 300))}`);
    }
  }
  return result;
}

function fingerprint(r: LexResult): string {
  const tok = (t: IToken) => [t.image, t.startOffset, t.tokenType.name, t.tokenTypeIdx];
  return JSON.stringify([r.tokens.map(tok), r.comments.map(tok), r.errors]);
}

/** The Chevrotain lexer, with every word re-typed to its keyword. */
export function chevrotainLex(text: string): LexResult {
  lexer ??= new Lexer(LEXED_TOKENS, { positionTracking: 'onlyOffset', ensureOptimizations: true });
  const result = lexer.tokenize(text);
  const tokens = result.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.tokenType === Identifier) {
      const k = KEYWORD_TOKENS.get(t.image);
      if (k !== undefined) {
        t.tokenType = k;
        t.tokenTypeIdx = k.tokenTypeIdx!;
      }
    }
  }
  return { tokens, comments: result.groups.comments ?? [], errors: result.errors };
}

/** Chevrotain tokens (the same objects its lexer makes with positionTracking 'onlyOffset') from a scan. */
function tokensOfScan(text: string, s: Scan, from: number): LexResult {
  const tokens: IToken[] = new Array<IToken>(s.n - from);
  for (let i = from; i < s.n; i++) {
    const kind = s.kinds[i];
    const type = KIND_TYPES[kind];
    const start = s.starts[i];
    // Keywords and punctuation share one image string each.
    const image = KIND_IMAGE[kind] || text.slice(start, s.ends[i]);
    tokens[i - from] = { image, startOffset: start, tokenTypeIdx: type.tokenTypeIdx!, tokenType: type } as IToken;
  }
  const comments: IToken[] = [];
  const c = s.comments;
  for (let i = 0; i < c.length; i += 3) {
    const type = COMMENT_TYPES[c[i + 2]];
    comments.push({ image: text.slice(c[i], c[i + 1]), startOffset: c[i], tokenTypeIdx: type.tokenTypeIdx!, tokenType: type } as IToken);
  }
  return { tokens, comments, errors: [] };
}
