/**
 * The fast parser's expressions (see fast-parser.ts). Each method mirrors the Chevrotain rule of the
 * same name in parser-expressions.ts, including its runtime fast path `primaryFast`; where the
 * Chevrotain parser would report anything or recover, it throws BAIL.
 */
import * as A from './ast';
import { BAIL, FastParserBase, isPatternStart } from './fast-base';
import {
  BINARY_PRECEDENCE, F_EXPR, F_NAME, F_STMT, F_UNARY, F_WORD, K_COLON, K_COMMA, K_DOT, K_DURATION, K_EQ,
  K_FAT_ARROW, K_IDENT, K_LBRACKET, K_LCURLY, K_LPAREN, K_NUMBER, K_RBRACKET, K_RCURLY, K_RPAREN, K_STRING,
  K_VAULT, KIND_IMAGE, KW_KIND, TOKEN_FLAGS,
} from './scanner';
import { decodeString } from './literals';

const KW_TRUE = KW_KIND.true, KW_FALSE = KW_KIND.false, KW_NULL = KW_KIND.null, KW_IF = KW_KIND.if;
const KW_ELSE = KW_KIND.else, KW_MATCH = KW_KIND.match;
const F = TOKEN_FLAGS;

/** First tokens of a call argument (`callArgs`: an expression or `name:`/`name =`). */
const F_ARG = F_WORD | F_EXPR;

export abstract class FastExprParser extends FastParserBase {
  /** A `{ stmt* }` block; defined by the statements (fast-statements.ts). */
  abstract block(): A.Block;

  // ---- expressions ----

  /**
   * Binary operators by precedence climbing: the same tree as the Chevrotain parser's flat read
   * and `groupByPrecedence` (every operator is left-associative), without the intermediate lists.
   */
  expr(ns: boolean): A.Expr {
    this.enter();
    const e = this.binary(this.unaryExpr(ns), 1, ns);
    this.leave();
    return e;
  }

  private binary(left: A.Expr, minPrec: number, ns: boolean): A.Expr {
    for (;;) {
      const op = this.k[this.p];
      const prec = BINARY_PRECEDENCE[op];
      if (prec < minPrec || prec === 0) return left;
      this.p++;
      let right = this.unaryExpr(ns);
      for (;;) {
        const next = BINARY_PRECEDENCE[this.k[this.p]];
        if (next <= prec) break;
        right = this.binary(right, prec + 1, ns);
      }
      left = { kind: 'Binary', op: KIND_IMAGE[op] as A.BinaryOperator, left, right, start: left.start, end: right.end };
    }
  }

  private unaryExpr(ns: boolean): A.Expr {
    const kind = this.k[this.p];
    const f = F[kind];
    if (f & F_UNARY) {
      this.enter();
      const start = this.s[this.p];
      this.p++;
      const operand = this.unaryExpr(ns);
      this.leave();
      return { kind: 'Unary', op: KIND_IMAGE[kind] as A.UnaryOperator, operand, start, end: this.end(start) };
    }
    if (!(f & F_EXPR)) throw BAIL;
    return this.postfixExpr(ns);
  }

  private postfixExpr(ns: boolean): A.Expr {
    const start = this.s[this.p];
    let e = this.primary(ns);
    for (;;) {
      const kind = this.k[this.p];
      if (kind === K_DOT) {
        const q = ++this.p;
        if (!(F[this.k[q]] & F_WORD)) throw BAIL;
        this.p++;
        e = { kind: 'Member', object: e, property: this.ident(q), start, end: this.end(start) } as A.Member;
      } else if (kind === K_LPAREN) {
        const args = this.callArgs();
        e = { kind: 'Call', callee: e, args, start, end: this.end(start) } as A.Call;
      } else if (kind === K_LBRACKET) {
        this.p++;
        const index = this.expr(false);
        this.expect(K_RBRACKET);
        e = { kind: 'Index', object: e, index, start, end: this.end(start) } as A.Index;
      } else return e;
    }
  }

  private callArgs(): A.Arg[] {
    const base = this.mark();
    this.p++; // (
    if (F[this.k[this.p]] & F_ARG) {
      this.push(this.arg());
      while (this.k[this.p] === K_COMMA && (F[this.k[this.p + 1]] & F_ARG)) {
        this.p++;
        this.push(this.arg());
      }
      if (this.k[this.p] === K_COMMA) this.p++;
    }
    this.expect(K_RPAREN);
    return this.list(base);
  }

  private arg(): A.Arg {
    const q = this.p;
    const start = this.s[q];
    const sep = this.k[q + 1];
    if ((F[this.k[q]] & F_WORD) && (sep === K_COLON || sep === K_EQ)) {
      this.p += 2;
      const value = this.expr(false);
      return { kind: 'Arg', name: this.ident(q), sep: sep === K_COLON ? ':' : '=', value, start, end: this.end(start) };
    }
    const value = this.expr(false);
    return { kind: 'Arg', name: null, sep: null, value, start, end: this.end(start) };
  }

  private primary(ns: boolean): A.Expr {
    const q = this.p;
    const kind = this.k[q];
    switch (kind) {
      case K_STRING: this.p++; return this.literal(q, 'string');
      case K_NUMBER: this.p++; return this.literal(q, 'number');
      case K_DURATION: this.p++; return this.literal(q, 'duration');
      case KW_TRUE: case KW_FALSE: this.p++; return this.literal(q, 'bool');
      case KW_NULL: this.p++; return this.literal(q, 'null');
      case K_VAULT:
        this.p++;
        return { kind: 'Vault', path: this.text.slice(this.s[q] + 8, this.e[q]), start: this.s[q], end: this.e[q] };
      case K_LBRACKET: return this.arrayLit();
      case K_LCURLY: if (ns) throw BAIL; return this.recordLit();
      case KW_IF: return this.ifExpr();
      case KW_MATCH: return this.matchExpr();
      case K_LPAREN: {
        if (this.isParenLambda()) return this.lambda();
        const start = this.s[q];
        this.p++;
        const expr = this.expr(false);
        this.expect(K_RPAREN);
        return { kind: 'Paren', expr, start, end: this.end(start) };
      }
      default: break;
    }
    if (!(F[kind] & F_NAME)) throw BAIL;
    if (!ns && this.k[q + 1] === K_FAT_ARROW) {
      if (kind !== K_IDENT) throw BAIL;
      return this.lambda();
    }
    if (!ns && this.looksLikeNonEmptyRecord(q + 1)) return this.typedRecord();
    this.p++;
    return { kind: 'Name', name: this.word(q), start: this.s[q], end: this.e[q] };
  }

  /** `( a, b ) =>` — the same scan as the Chevrotain parser's `isParenLambda`. */
  private isParenLambda(): boolean {
    const k = this.k;
    const p = this.p;
    let i = p + 1;
    for (;;) {
      if (k[i] === K_RPAREN) return k[i + 1] === K_FAT_ARROW;
      if (k[i] !== K_IDENT) return false;
      i++;
      if (k[i] === K_COMMA) i++;
      if (i > p + 63) return false;
    }
  }

  private lambda(): A.Lambda {
    const start = this.s[this.p];
    const params: A.Ident[] = [];
    if (this.k[this.p] === K_IDENT) {
      params.push(this.ident(this.p++));
    } else {
      this.expect(K_LPAREN);
      if (this.k[this.p] === K_IDENT) {
        params.push(this.ident(this.p++));
        while (this.k[this.p] === K_COMMA) {
          this.p++;
          if (this.k[this.p] !== K_IDENT) throw BAIL;
          params.push(this.ident(this.p++));
        }
      }
      this.expect(K_RPAREN);
    }
    this.expect(K_FAT_ARROW);
    const body = this.blockOrExpr();
    return { kind: 'Lambda', params, body, start, end: this.end(start) };
  }

  /** The body of a lambda or match arm: a block unless `{` starts a record literal. */
  private blockOrExpr(): A.Expr | A.Block {
    if (this.k[this.p] === K_LCURLY && !this.looksLikeRecord(this.p)) {
      const next = this.k[this.p + 1];
      if ((F[next] & F_STMT) || next === K_RCURLY) return this.block();
      throw BAIL;
    }
    return this.expr(false);
  }

  private arrayLit(): A.ArrayLit {
    const start = this.s[this.p];
    this.p++; // [
    const base = this.mark();
    if (F[this.k[this.p]] & F_EXPR) {
      this.push(this.expr(false));
      while (this.k[this.p] === K_COMMA && (F[this.k[this.p + 1]] & F_EXPR)) {
        this.p++;
        this.push(this.expr(false));
      }
      if (this.k[this.p] === K_COMMA) this.p++;
    }
    this.expect(K_RBRACKET);
    const elements = this.list<A.Expr>(base);
    return { kind: 'Array', elements, start, end: this.end(start) };
  }

  private recordEntries(): A.RecordEntry[] {
    const base = this.mark();
    this.expect(K_LCURLY);
    for (;;) {
      const q = this.p;
      const kind = this.k[q];
      let key: A.Ident;
      let quoted = false;
      if (F[kind] & F_WORD) key = this.ident(q);
      else if (kind === K_STRING) {
        key = { kind: 'Ident', name: decodeString(this.image(q)), start: this.s[q], end: this.e[q] };
        quoted = true;
      } else break;
      this.p++;
      this.expect(K_COLON);
      const value = this.expr(false);
      this.push({ kind: 'RecordEntry', key, quoted, value, start: this.s[q], end: this.end(this.s[q]) });
      if (this.k[this.p] === K_COMMA) this.p++;
    }
    this.closeCurly();
    return this.list(base);
  }

  private recordLit(): A.RecordLit {
    const start = this.s[this.p];
    const entries = this.recordEntries();
    return { kind: 'Record', entries, start, end: this.end(start) };
  }

  private typedRecord(): A.TypedRecord {
    const start = this.s[this.p];
    const type = this.ident(this.p++);
    const entries = this.recordEntries();
    return { kind: 'TypedRecord', type, entries, start, end: this.end(start) };
  }

  private ifExpr(): A.IfExpr {
    this.enter();
    const start = this.s[this.p];
    this.p++; // if
    const cond = this.expr(true);
    const then = this.block();
    let otherwise: A.IfExpr['else'] = null;
    if (this.k[this.p] === KW_ELSE) {
      this.p++;
      const kind = this.k[this.p];
      if (kind === KW_IF) otherwise = this.ifExpr();
      else if (kind === K_LCURLY) otherwise = this.block();
      else throw BAIL;
    }
    this.leave();
    return { kind: 'IfExpr', cond, then, else: otherwise, start, end: this.end(start) };
  }

  protected matchExpr(): A.MatchExpr {
    const start = this.s[this.p];
    this.p++; // match
    const subject = this.expr(true);
    const base = this.mark();
    this.expect(K_LCURLY);
    while (isPatternStart(this.k[this.p])) {
      const armStart = this.s[this.p];
      const pattern = this.pattern();
      let guard: A.Expr | null = null;
      if (this.k[this.p] === KW_IF) { this.p++; guard = this.expr(true); }
      this.expect(K_FAT_ARROW);
      const body = this.blockOrExpr();
      this.push({ kind: 'MatchArm', pattern, guard, body, start: armStart, end: this.end(armStart) });
      if (this.k[this.p] === K_COMMA) this.p++;
    }
    this.closeCurly();
    const arms = this.list<A.MatchArm>(base);
    return { kind: 'Match', subject, arms, start, end: this.end(start) };
  }
}
