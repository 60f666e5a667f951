/**
 * The fast parser's base (see fast-parser.ts): its state over the scanner's token arrays, helpers,
 * and the rules for patterns and types. Each method mirrors the Chevrotain rule of the same name
 * (parser-*.ts): it takes the branch the Chevrotain parser takes on the same tokens and builds the
 * same nodes, with the same key order. Where the Chevrotain parser would report anything or
 * recover, it throws BAIL instead.
 */
import * as A from './ast';
import {
  F_NAME, F_WORD, K_COLON, K_COMMA, K_DURATION, K_GT, K_IDENT, K_LBRACKET, K_LCURLY, K_LPAREN, K_LT, K_MINUS,
  K_NUMBER, K_PIPE, K_QUESTION, K_RBRACKET, K_RCURLY, K_RPAREN, K_STRING, KIND_IMAGE, KW_KIND, Scan, TOKEN_FLAGS,
} from './scanner';
import { decodeDuration, decodeNumber, decodeString } from './literals';

/** Thrown to give up: the Chevrotain parser then parses the text and reports what is wrong. */
export const BAIL = { bail: true };
/** Nesting deeper than this goes to the Chevrotain parser (which reports stack exhaustion its own way). */
const MAX_DEPTH = 100;

const KW_TRUE = KW_KIND.true, KW_FALSE = KW_KIND.false, KW_NULL = KW_KIND.null;
const F = TOKEN_FLAGS;

/** First tokens of a pattern (`patternAtom`). */
export function isPatternStart(k: number): boolean {
  return k === K_STRING || k === K_NUMBER || k === K_DURATION || k === KW_TRUE || k === KW_FALSE || k === KW_NULL
    || k === K_MINUS || (F[k] & F_NAME) !== 0;
}

export abstract class FastParserBase {
  protected text = '';
  protected k: Uint8Array = new Uint8Array(0);
  protected s: Int32Array = new Int32Array(0);
  protected e: Int32Array = new Int32Array(0);
  /** Index of the next token. */
  protected p = 0;
  private depth = 0;
  /**
   * A scratch stack for the lists being built: elements are pushed here and then copied into an
   * array of the exact size (an array grown by `push` keeps room for 16 elements: more to copy
   * at each garbage collection while the tree is young).
   */
  private readonly stack: unknown[] = [];
  private sp = 0;
  /** Words seen in this document, by hash (see `word`). */
  private readonly words = new Map<number, string>();

  protected reset(text: string, scan: Scan): void {
    this.text = text;
    this.k = scan.kinds;
    this.s = scan.starts;
    this.e = scan.ends;
    this.p = 0;
    this.depth = 0;
  }

  /** Drops the references to the last document (its text, words and partial lists). */
  release(): void {
    this.text = '';
    this.stack.length = 0;
    this.sp = 0;
    this.words.clear();
  }

  /** Start of a list on the scratch stack. */
  protected mark(): number { return this.sp; }
  protected push(x: unknown): void { this.stack[this.sp++] = x; }
  /** The list pushed since `base`, as an array of its exact size. */
  protected list<T>(base: number): T[] {
    const out = this.stack.slice(base, this.sp) as T[];
    this.sp = base;
    return out;
  }

  protected enter(): void { if (++this.depth > MAX_DEPTH) throw BAIL; }
  protected leave(): void { this.depth--; }

  /** End offset of the last consumed token, never before `start` (Chevrotain `range`). */
  protected end(start: number): number {
    const e = this.p > 0 ? this.e[this.p - 1] : 0;
    return e < start ? start : e;
  }

  protected expect(kind: number): void {
    if (this.k[this.p] !== kind) throw BAIL;
    this.p++;
  }

  /** A closing `}`; end of file there is the Chevrotain parser's to report. */
  protected closeCurly(): void { this.expect(K_RCURLY); }

  protected image(i: number): string { return this.text.slice(this.s[i], this.e[i]); }

  /**
   * The text of word token `i`, one string per distinct word of the document: less to allocate and
   * to copy, and the checker's map lookups hash each name once.
   */
  protected word(i: number): string {
    const kind = this.k[i];
    if (kind !== K_IDENT) return KIND_IMAGE[kind] || this.image(i);
    const text = this.text;
    const s = this.s[i], e = this.e[i];
    let h = e - s;
    for (let x = s; x < e; x++) h = (Math.imul(h, 31) + text.charCodeAt(x)) | 0;
    const known = this.words.get(h);
    if (known !== undefined && known.length === e - s && text.startsWith(known, s)) return known;
    const w = text.slice(s, e);
    if (known === undefined) this.words.set(h, w);
    return w;
  }

  protected ident(i: number): A.Ident { return { kind: 'Ident', name: this.word(i), start: this.s[i], end: this.e[i] }; }

  /** Consumes a `Name` token and returns it as an identifier. */
  protected name(): A.Ident {
    const q = this.p;
    if (!(F[this.k[q]] & F_NAME)) throw BAIL;
    this.p++;
    return this.ident(q);
  }

  /** `{ word:` or `{ "str":` or `{}` at token `q`. */
  protected looksLikeRecord(q: number): boolean {
    const k = this.k;
    if (k[q] !== K_LCURLY) return false;
    if (k[q + 1] === K_RCURLY) return true;
    return ((F[k[q + 1]] & F_WORD) !== 0 || k[q + 1] === K_STRING) && k[q + 2] === K_COLON;
  }

  protected looksLikeNonEmptyRecord(q: number): boolean {
    const k = this.k;
    return k[q] === K_LCURLY && ((F[k[q + 1]] & F_WORD) !== 0 || k[q + 1] === K_STRING) && k[q + 2] === K_COLON;
  }

  protected literal(q: number, litKind: A.LiteralKind): A.Literal {
    const raw = KIND_IMAGE[this.k[q]] || this.image(q); // `true`, `false`, `null`: shared strings
    let value: A.Literal['value'] = null;
    if (litKind === 'string') value = decodeString(raw);
    else if (litKind === 'number') value = decodeNumber(raw);
    else if (litKind === 'duration') value = decodeDuration(raw);
    else if (litKind === 'bool') value = raw === 'true';
    return { kind: 'Literal', litKind, value, raw, start: this.s[q], end: this.e[q] };
  }

  // ---- patterns ----

  protected pattern(): A.Pattern {
    this.enter();
    const start = this.s[this.p];
    const first = this.patternAtom();
    if (this.k[this.p] !== K_PIPE) { this.leave(); return first; }
    const options: A.Pattern[] = [first];
    while (this.k[this.p] === K_PIPE) { this.p++; options.push(this.patternAtom()); }
    this.leave();
    return { kind: 'OrPat', options, start, end: this.end(start) };
  }

  private patternAtom(): A.Pattern {
    const q = this.p;
    const start = this.s[q];
    const kind = this.k[q];
    switch (kind) {
      case K_STRING: this.p++; return litPat(this.literal(q, 'string'));
      case K_NUMBER: this.p++; return litPat(this.literal(q, 'number'));
      case K_DURATION: this.p++; return litPat(this.literal(q, 'duration'));
      case KW_TRUE: case KW_FALSE: this.p++; return litPat(this.literal(q, 'bool'));
      case KW_NULL: this.p++; return litPat(this.literal(q, 'null'));
      case K_MINUS: {
        if (this.k[q + 1] !== K_NUMBER) throw BAIL;
        this.p += 2;
        const lit = this.literal(q + 1, 'number');
        lit.value = -(lit.value as number);
        lit.raw = '-' + lit.raw;
        lit.start = start;
        return litPat(lit);
      }
      default: break;
    }
    const name = this.name();
    let args: A.Pattern[] | null = null;
    if (this.k[this.p] === K_LPAREN) {
      args = [];
      this.p++;
      if (isPatternStart(this.k[this.p])) {
        args.push(this.pattern());
        while (this.k[this.p] === K_COMMA) { this.p++; args.push(this.pattern()); }
      }
      this.expect(K_RPAREN);
    }
    if (args === null && name.name === '_') return { kind: 'WildcardPat', start: name.start, end: name.end };
    if (args === null && !/^[A-Z]/.test(name.name)) return { kind: 'BindPat', name, start: name.start, end: name.end };
    return { kind: 'CtorPat', name, args: args ?? [], start, end: this.end(start) };
  }

  // ---- types ----

  protected typeRef(): A.TypeRef {
    this.enter();
    const start = this.s[this.p];
    const first = this.typeAtom();
    if (this.k[this.p] !== K_PIPE) { this.leave(); return first; }
    const options: A.TypeRef[] = [first];
    while (this.k[this.p] === K_PIPE) { this.p++; options.push(this.typeAtom()); }
    this.leave();
    return { kind: 'UnionType', options, start, end: this.end(start) };
  }

  private typeAtom(): A.TypeRef {
    const q = this.p;
    const start = this.s[q];
    const kind = this.k[q];
    this.p++;
    if (F[kind] & F_WORD) {
      const name = this.ident(q);
      const base = this.mark();
      if (this.k[this.p] === K_LT) {
        this.p++;
        const first = this.k[this.p];
        if (!((F[first] & F_WORD) || first === K_LBRACKET || first === K_LCURLY || first === K_STRING || first === K_NUMBER)) throw BAIL;
        this.push(this.typeRef());
        while (this.k[this.p] === K_COMMA) { this.p++; this.push(this.typeRef()); }
        this.expect(K_GT);
      }
      const args = this.list<A.TypeRef>(base);
      const optional = this.questionMark();
      return { kind: 'NamedType', name, args, optional, start, end: this.end(start) };
    }
    switch (kind) {
      case K_LBRACKET: {
        const element = this.typeRef();
        this.expect(K_RBRACKET);
        const optional = this.questionMark();
        return { kind: 'ArrayType', element, optional, start, end: this.end(start) };
      }
      case K_LCURLY: {
        const base = this.mark();
        while (F[this.k[this.p]] & F_WORD) {
          const fieldStart = this.s[this.p];
          const fieldName = this.ident(this.p++);
          let optional = false;
          if (this.k[this.p] === K_QUESTION) { this.p++; optional = true; }
          this.expect(K_COLON);
          const type = this.typeRef();
          this.push({ kind: 'Field', name: fieldName, type, optional, start: fieldStart, end: this.end(fieldStart) });
          if (this.k[this.p] === K_COMMA) this.p++;
        }
        this.closeCurly();
        const fields = this.list<A.FieldDecl>(base);
        const optional = this.questionMark();
        return { kind: 'RecordType', fields, optional, start, end: this.end(start) };
      }
      case K_STRING: case K_NUMBER: {
        const raw = this.image(q);
        const value = kind === K_STRING ? decodeString(raw) : decodeNumber(raw);
        this.questionMark();
        return { kind: 'LiteralType', value, start, end: this.end(start) };
      }
      default: throw BAIL;
    }
  }

  private questionMark(): boolean {
    if (this.k[this.p] !== K_QUESTION) return false;
    this.p++;
    return true;
  }
}

function litPat(literal: A.Literal): A.LiteralPat {
  return { kind: 'LiteralPat', literal, start: literal.start, end: literal.end };
}
