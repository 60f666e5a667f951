/** Blocks and statements. */
import * as A from './ast';
import { AssignOp, Colon, Comma, Eq, Identifier, LCurly, LParen, Name, RCurly, RParen, Semicolon, Word, kw } from './lexer';
import { ExprParser } from './parser-expressions';

const Kw = {
  let: kw('let'), if: kw('if'), else: kw('else'), for: kw('for'), in: kw('in'), while: kw('while'), match: kw('match'),
  try: kw('try'), catch: kw('catch'), return: kw('return'), break: kw('break'), continue: kw('continue'),
  parallel: kw('parallel'),
};

export class StmtParser extends ExprParser {
  override block = this.RULE('block', (): A.Block => {
    const start = this.here();
    const stmts: A.Stmt[] = [];
    this.CONSUME(LCurly);
    this.MANY(() => { stmts.push(this.SUBRULE(this.stmt)); });
    this.closeCurly();
    return this.range({ kind: 'Block', stmts } as A.Block, start);
  });

  stmt = this.RULE('stmt', (): A.Stmt => this.RECORDING_PHASE ? this.stmtAlternatives() : this.stmtFast());

  /** Dispatch on the first token (the same choices as `stmtAlternatives`, without allocating them). */
  private stmtFast(): A.Stmt {
    const tt = this.LA(1).tokenType;
    switch (tt) {
      case Kw.let: return this.SUBRULE(this.letStmt);
      case Kw.if: return this.SUBRULE(this.ifStmt);
      case Kw.for: return this.SUBRULE(this.forStmt);
      case Kw.while: return this.SUBRULE(this.whileStmt);
      case Kw.match: return this.SUBRULE(this.matchStmt);
      case Kw.try: return this.SUBRULE(this.tryStmt);
      case Kw.return: return this.SUBRULE(this.returnStmt);
      case Kw.break: case Kw.continue: return this.SUBRULE(this.breakStmt);
      case Kw.parallel: return this.SUBRULE(this.parallelStmt);
      case LCurly: if (!this.looksLikeRecord()) return this.SUBRULE(this.block); break;
      default: break;
    }
    return this.SUBRULE(this.exprStmt);
  }

  private stmtAlternatives(): A.Stmt {
    return this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { ALT: () => this.SUBRULE(this.letStmt) },
        { ALT: () => this.SUBRULE(this.ifStmt) },
        { ALT: () => this.SUBRULE(this.forStmt) },
        { ALT: () => this.SUBRULE(this.whileStmt) },
        { ALT: () => this.SUBRULE(this.matchStmt) },
        { ALT: () => this.SUBRULE(this.tryStmt) },
        { ALT: () => this.SUBRULE(this.returnStmt) },
        { ALT: () => this.SUBRULE(this.breakStmt) },
        { ALT: () => this.SUBRULE(this.parallelStmt) },
        { GATE: () => !this.looksLikeRecord(), ALT: () => this.SUBRULE(this.block) },
        { ALT: () => this.SUBRULE(this.exprStmt) },
      ],
    });
  }


  /** `;` ends a simple statement, unless the statement is the last one of its block. */
  private endStmt(): boolean {
    let semi = false;
    this.OPTION9(() => { this.CONSUME9(Semicolon); semi = true; });
    this.ACTION(() => {
      if (!semi && !this.is(1, RCurly)) {
        const at = this.prevEnd();
        this.report('syntax-error', "Expected ';' after this statement.", at, at);
      }
    });
    return semi;
  }

  letStmt = this.RULE('letStmt', (): A.LetStmt => {
    const start = this.here();
    this.CONSUME(Kw.let);
    const name = this.ident(this.CONSUME(Name));
    let type: A.TypeRef | null = null;
    let value: A.Expr | null = null;
    this.OPTION(() => { this.CONSUME(Colon); type = this.SUBRULE(this.typeRef); });
    this.OPTION2(() => { this.CONSUME(Eq); value = this.SUBRULE(this.expr); });
    this.endStmt();
    return this.range({ kind: 'Let', name, type, value } as A.LetStmt, start);
  });

  ifStmt = this.RULE('ifStmt', (): A.IfStmt | A.IfLetStmt => {
    const start = this.here();
    this.CONSUME(Kw.if);
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(Kw.let);
          const pattern = this.SUBRULE(this.pattern);
          this.CONSUME(Eq);
          const value = this.SUBRULE(this.expr, { ARGS: [true] });
          const then = this.SUBRULE(this.block);
          const otherwise = this.SUBRULE(this.elseClause);
          return this.range({ kind: 'IfLet', pattern, value, then, else: otherwise } as A.IfLetStmt, start);
        },
      },
      {
        ALT: () => {
          const cond = this.SUBRULE2(this.expr, { ARGS: [true] });
          const then = this.SUBRULE2(this.block);
          const otherwise = this.SUBRULE2(this.elseClause);
          return this.range({ kind: 'If', cond, then, else: otherwise } as A.IfStmt, start);
        },
      },
    ]);
  });

  elseClause = this.RULE('elseClause', (): A.IfStmt['else'] => {
    let otherwise: A.IfStmt['else'] = null;
    this.OPTION(() => {
      this.CONSUME(Kw.else);
      otherwise = this.OR([
        { ALT: () => this.SUBRULE(this.ifStmt) },
        { ALT: () => this.SUBRULE(this.block) },
      ]);
    });
    return otherwise;
  });

  forStmt = this.RULE('forStmt', (): A.ForStmt => {
    const start = this.here();
    this.CONSUME(Kw.for);
    const vars: A.Ident[] = [];
    const paren = this.OPTION(() => this.CONSUME(LParen));
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => { vars.push(this.ident(this.CONSUME(Name))); } });
    if (paren) this.CONSUME(RParen);
    this.CONSUME(Kw.in);
    const iterable = this.SUBRULE(this.expr, { ARGS: [true] });
    const body = this.SUBRULE(this.block);
    return this.range({ kind: 'For', vars, iterable, body } as A.ForStmt, start);
  });

  whileStmt = this.RULE('whileStmt', (): A.WhileStmt => {
    const start = this.here();
    this.CONSUME(Kw.while);
    const cond = this.SUBRULE(this.expr, { ARGS: [true] });
    const body = this.SUBRULE(this.block);
    return this.range({ kind: 'While', cond, body } as A.WhileStmt, start);
  });

  matchStmt = this.RULE('matchStmt', (): A.MatchExpr => {
    const m = this.SUBRULE(this.matchExpr);
    this.OPTION(() => this.CONSUME(Semicolon));
    return m;
  });

  tryStmt = this.RULE('tryStmt', (): A.TryStmt => {
    const start = this.here();
    this.CONSUME(Kw.try);
    const body = this.SUBRULE(this.block);
    let catchType: A.Ident | null = null;
    let catchName: A.Ident | null = null;
    let handler: A.Block | null = null;
    this.OPTION(() => {
      this.CONSUME(Kw.catch);
      this.OPTION2(() => {
        this.CONSUME(LParen);
        const first = this.ident(this.CONSUME(Word));
        this.OPTION3(() => { catchType = first; first.kind = 'Ident'; catchName = this.ident(this.CONSUME(Identifier)); });
        this.CONSUME(RParen);
        this.ACTION(() => { if (catchName === null) catchName = first; });
      });
      handler = this.SUBRULE2(this.block);
    });
    return this.range({ kind: 'Try', body, catchType, catchName, handler } as A.TryStmt, start);
  });

  returnStmt = this.RULE('returnStmt', (): A.ReturnStmt => {
    const start = this.here();
    this.CONSUME(Kw.return);
    let value: A.Expr | null = null;
    this.OPTION({
      GATE: () => !this.is(1, Semicolon) && !this.is(1, RCurly),
      DEF: () => { value = this.SUBRULE(this.expr); },
    });
    this.endStmt();
    return this.range({ kind: 'Return', value } as A.ReturnStmt, start);
  });

  breakStmt = this.RULE('breakStmt', (): A.BreakStmt | A.ContinueStmt => {
    const start = this.here();
    const t = this.OR([{ ALT: () => this.CONSUME(Kw.break) }, { ALT: () => this.CONSUME(Kw.continue) }]);
    this.endStmt();
    return this.range({ kind: t.image === 'continue' ? 'Continue' : 'Break' } as A.BreakStmt, start);
  });

  parallelStmt = this.RULE('parallelStmt', (): A.ParallelStmt => {
    const start = this.here();
    this.CONSUME(Kw.parallel);
    const body = this.SUBRULE(this.block);
    return this.range({ kind: 'Parallel', body } as A.ParallelStmt, start);
  });

  exprStmt = this.RULE('exprStmt', (): A.Stmt => {
    const start = this.here();
    const target = this.SUBRULE(this.expr);
    let op: string | null = null;
    let value: A.Expr | null = null;
    this.OPTION(() => {
      op = this.CONSUME(AssignOp).image;
      value = this.SUBRULE2(this.expr);
    });
    const semi = this.endStmt();
    return this.ACTION(() => {
      if (op === null) return this.range({ kind: 'ExprStmt', expr: target, semi } as A.ExprStmt, start);
      if (target.kind !== 'Name' && target.kind !== 'Member' && target.kind !== 'Index' && target.kind !== 'Error') {
        this.report('invalid-assignment', 'Only a name, a member (`a.b`) or an index (`a[i]`) can be assigned to.', target.start, target.end);
      }
      return this.range({ kind: 'Assign', target, op, value } as A.AssignStmt, start);
    });
  });
}
