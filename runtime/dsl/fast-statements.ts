/**
 * The fast parser's blocks and statements (see fast-parser.ts). Each method mirrors the Chevrotain
 * rule of the same name in parser-statements.ts, including its runtime fast path `stmtFast`; where
 * the Chevrotain parser would report anything (a missing `;`, an invalid assignment target) or
 * recover, it throws BAIL.
 */
import * as A from './ast';
import { BAIL } from './fast-base';
import { FastExprParser } from './fast-expressions';
import {
  F_ASSIGN, F_EXPR, F_STMT, F_WORD, K_COLON, K_COMMA, K_EQ, K_IDENT, K_LCURLY, K_LPAREN, K_RCURLY, K_RPAREN,
  K_SEMICOLON, KIND_IMAGE, KW_KIND, TOKEN_FLAGS,
} from './scanner';

const F = TOKEN_FLAGS;
const KW = KW_KIND;

export abstract class FastStmtParser extends FastExprParser {
  block(): A.Block {
    this.enter();
    const start = this.s[this.p];
    this.expect(K_LCURLY);
    const base = this.mark();
    while (F[this.k[this.p]] & F_STMT) this.push(this.stmt());
    this.closeCurly();
    const stmts = this.list<A.Stmt>(base);
    this.leave();
    return { kind: 'Block', stmts, start, end: this.end(start) };
  }

  private stmt(): A.Stmt {
    switch (this.k[this.p]) {
      case KW.let: return this.letStmt();
      case KW.if: return this.ifStmt();
      case KW.for: return this.forStmt();
      case KW.while: return this.whileStmt();
      case KW.match: {
        const m = this.matchExpr();
        if (this.k[this.p] === K_SEMICOLON) this.p++;
        return m;
      }
      case KW.try: return this.tryStmt();
      case KW.return: return this.returnStmt();
      case KW.break: case KW.continue: return this.breakStmt();
      case KW.parallel: {
        const start = this.s[this.p++];
        const body = this.block();
        return { kind: 'Parallel', body, start, end: this.end(start) };
      }
      case K_LCURLY: if (!this.looksLikeRecord(this.p)) return this.block(); break;
      default: break;
    }
    return this.exprStmt();
  }

  /** `;` ends a simple statement, unless it is the last one of its block (else Chevrotain reports it). */
  private endStmt(): boolean {
    const kind = this.k[this.p];
    if (kind === K_SEMICOLON) { this.p++; return true; }
    if (kind !== K_RCURLY) throw BAIL;
    return false;
  }

  private letStmt(): A.LetStmt {
    const start = this.s[this.p++];
    const name = this.name();
    let type: A.TypeRef | null = null;
    let value: A.Expr | null = null;
    if (this.k[this.p] === K_COLON) { this.p++; type = this.typeRef(); }
    if (this.k[this.p] === K_EQ) { this.p++; value = this.expr(false); }
    this.endStmt();
    return { kind: 'Let', name, type, value, start, end: this.end(start) };
  }

  private ifStmt(): A.IfStmt | A.IfLetStmt {
    this.enter();
    const start = this.s[this.p++];
    let node: A.IfStmt | A.IfLetStmt;
    if (this.k[this.p] === KW.let) {
      this.p++;
      const pattern = this.pattern();
      this.expect(K_EQ);
      const value = this.expr(true);
      const then = this.block();
      const otherwise = this.elseClause();
      node = { kind: 'IfLet', pattern, value, then, else: otherwise, start, end: this.end(start) };
    } else {
      if (!(F[this.k[this.p]] & F_EXPR)) throw BAIL;
      const cond = this.expr(true);
      const then = this.block();
      const otherwise = this.elseClause();
      node = { kind: 'If', cond, then, else: otherwise, start, end: this.end(start) };
    }
    this.leave();
    return node;
  }

  private elseClause(): A.IfStmt['else'] {
    if (this.k[this.p] !== KW.else) return null;
    this.p++;
    const kind = this.k[this.p];
    if (kind === KW.if) return this.ifStmt();
    if (kind === K_LCURLY) return this.block();
    throw BAIL;
  }

  private forStmt(): A.ForStmt {
    const start = this.s[this.p++];
    const vars: A.Ident[] = [];
    const paren = this.k[this.p] === K_LPAREN;
    if (paren) this.p++;
    vars.push(this.name());
    while (this.k[this.p] === K_COMMA) { this.p++; vars.push(this.name()); }
    if (paren) this.expect(K_RPAREN);
    this.expect(KW.in);
    const iterable = this.expr(true);
    const body = this.block();
    return { kind: 'For', vars, iterable, body, start, end: this.end(start) };
  }

  private whileStmt(): A.WhileStmt {
    const start = this.s[this.p++];
    const cond = this.expr(true);
    const body = this.block();
    return { kind: 'While', cond, body, start, end: this.end(start) };
  }

  private tryStmt(): A.TryStmt {
    const start = this.s[this.p++];
    const body = this.block();
    let catchType: A.Ident | null = null;
    let catchName: A.Ident | null = null;
    let handler: A.Block | null = null;
    if (this.k[this.p] === KW.catch) {
      this.p++;
      if (this.k[this.p] === K_LPAREN) {
        this.p++;
        if (!(F[this.k[this.p]] & F_WORD)) throw BAIL;
        const first = this.ident(this.p++);
        if (this.k[this.p] === K_IDENT) { catchType = first; catchName = this.ident(this.p++); }
        this.expect(K_RPAREN);
        if (catchName === null) catchName = first;
      }
      handler = this.block();
    }
    return { kind: 'Try', body, catchType, catchName, handler, start, end: this.end(start) };
  }

  private returnStmt(): A.ReturnStmt {
    const start = this.s[this.p++];
    let value: A.Expr | null = null;
    if (F[this.k[this.p]] & F_EXPR) value = this.expr(false);
    this.endStmt();
    return { kind: 'Return', value, start, end: this.end(start) };
  }

  private breakStmt(): A.BreakStmt | A.ContinueStmt {
    const start = this.s[this.p];
    const kind = this.k[this.p++] === KW.continue ? 'Continue' : 'Break';
    this.endStmt();
    return { kind, start, end: this.end(start) } as A.BreakStmt | A.ContinueStmt;
  }

  private exprStmt(): A.Stmt {
    const start = this.s[this.p];
    const target = this.expr(false);
    const opKind = this.k[this.p];
    if (F[opKind] & F_ASSIGN) {
      this.p++;
      const value = this.expr(false);
      this.endStmt();
      if (target.kind !== 'Name' && target.kind !== 'Member' && target.kind !== 'Index') throw BAIL;
      return { kind: 'Assign', target, op: KIND_IMAGE[opKind] as A.AssignOperator, value, start, end: this.end(start) };
    }
    const semi = this.endStmt();
    return { kind: 'ExprStmt', expr: target, semi, start, end: this.end(start) };
  }
}
