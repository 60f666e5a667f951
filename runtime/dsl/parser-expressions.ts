/** Expressions and patterns (types are in parser-types.ts). */
import { IToken, ParserMethod, tokenMatcher } from 'chevrotain';
import * as A from './ast';
import {
  Arrow, BinaryOp, Colon, Comma, Dot, Duration, Eq, FatArrow, Identifier, LBracket, LCurly,
  LParen, Minus, Name, NumberLit, Pipe, RBracket, RParen, StringLit,
  UnaryOp, UnterminatedString, Vault, Word, kw,
} from './lexer';
import { tokEnd } from './parser-base';
import { TypeParser } from './parser-types';
import { decodeDuration, decodeNumber, decodeString } from './literals';

const NS_ARGS = { ARGS: [true] as [boolean] };
const STRUCT_ARGS = { ARGS: [false] as [boolean] };
/** Shared rule-argument objects (no allocation per call). */
const nsArgs = (ns: boolean | undefined) => (ns ? NS_ARGS : STRUCT_ARGS);

const Kw = {
  true: kw('true'), false: kw('false'), null: kw('null'), if: kw('if'), else: kw('else'), match: kw('match'),
  not: kw('not'), in: kw('in'),
};

export class ExprParser extends TypeParser {
  /**
   * `ns` ("no struct"): inside an `if`/`while`/`match` head, `Name {` starts the block, not a record.
   * Operands and operators are read flat, then grouped by precedence (one rule call per operand
   * instead of one per precedence level).
   */
  expr = this.RULE('expr', (ns?: boolean): A.Expr => {
    const first = this.SUBRULE(this.unaryExpr, nsArgs(ns));
    let operands: A.Expr[] | undefined;
    let ops: IToken[] | undefined;
    this.MANY(() => {
      const op = this.CONSUME(BinaryOp);
      const right = this.SUBRULE2(this.unaryExpr, nsArgs(ns));
      (ops ??= []).push(op);
      (operands ??= [first]).push(right);
    });
    return ops && operands ? this.ACTION(() => groupByPrecedence(operands!, ops!)) : first;
  }, {
    recoveryValueFunc: () => this.errorNode('expected an expression'),
  });

  unaryExpr = this.RULE('unaryExpr', (ns?: boolean): A.Expr => this.OR([
    {
      ALT: () => {
        const start = this.here();
        const op = this.CONSUME(UnaryOp);
        const operand = this.SUBRULE(this.unaryExpr, nsArgs(ns));
        return this.range({ kind: 'Unary', op: op.image as A.UnaryOperator, operand } as A.Unary, start);
      },
    },
    { ALT: () => this.SUBRULE(this.postfixExpr, nsArgs(ns)) },
  ]));

  postfixExpr = this.RULE('postfixExpr', (ns?: boolean): A.Expr => {
    const start = this.here();
    let e = this.SUBRULE(this.primary, nsArgs(ns));
    this.MANY(() => this.OR([
      {
        ALT: () => {
          this.CONSUME(Dot);
          const p = this.CONSUME(Word);
          e = this.range({ kind: 'Member', object: e, property: this.ident(p) } as A.Member, start);
        },
      },
      {
        ALT: () => {
          const args = this.SUBRULE(this.callArgs);
          e = this.range({ kind: 'Call', callee: e, args } as A.Call, start);
        },
      },
      {
        ALT: () => {
          this.CONSUME(LBracket);
          const index = this.SUBRULE(this.expr);
          this.CONSUME(RBracket);
          e = this.range({ kind: 'Index', object: e, index } as A.Index, start);
        },
      },
    ]));
    return e;
  });

  callArgs = this.RULE('callArgs', (): A.Arg[] => {
    const args: A.Arg[] = [];
    this.CONSUME(LParen);
    this.OPTION(() => {
      args.push(this.SUBRULE(this.arg));
      this.MANY({
        GATE: () => !this.is(2, RParen),
        DEF: () => { this.CONSUME(Comma); args.push(this.SUBRULE2(this.arg)); },
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RParen);
    return args;
  });

  arg = this.RULE('arg', (): A.Arg => {
    const start = this.here();
    if (!this.RECORDING_PHASE && !(this.is(1, Word) && (this.is(2, Colon) || this.is(2, Eq)))) {
      const value = this.SUBRULE2(this.expr);
      return this.range({ kind: 'Arg', name: null, sep: null, value } as A.Arg, start);
    }
    return this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.is(1, Word) && (this.is(2, Colon) || this.is(2, Eq)),
          ALT: () => {
            const n = this.CONSUME(Word);
            const sep = this.OR2([{ ALT: () => this.CONSUME(Colon) }, { ALT: () => this.CONSUME(Eq) }]);
            const value = this.SUBRULE(this.expr);
            return this.range({ kind: 'Arg', name: this.ident(n), sep: sep.image as ':' | '=', value } as A.Arg, start);
          },
        },
        {
          ALT: () => {
            const value = this.SUBRULE2(this.expr);
            return this.range({ kind: 'Arg', name: null, sep: null, value } as A.Arg, start);
          },
        },
      ],
    });
  });

  primary = this.RULE('primary', (ns?: boolean): A.Expr => {
    const start = this.here();
    if (!this.RECORDING_PHASE) {
      const fast = this.primaryFast(ns, start);
      if (fast) return fast;
    }
    return this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { ALT: () => this.literalToken(this.CONSUME(StringLit), 'string') },
        {
          ALT: () => {
            const t = this.CONSUME(UnterminatedString);
            this.ACTION(() => this.report('unterminated-string', 'This string has no closing quote (`"`).', t.startOffset, tokEnd(t)));
            return this.literalToken(t, 'string');
          },
        },
        { ALT: () => this.literalToken(this.CONSUME(NumberLit), 'number') },
        { ALT: () => this.literalToken(this.CONSUME(Duration), 'duration') },
        { ALT: () => this.literalToken(this.CONSUME(Kw.true), 'bool') },
        { ALT: () => this.literalToken(this.CONSUME(Kw.false), 'bool') },
        { ALT: () => this.literalToken(this.CONSUME(Kw.null), 'null') },
        {
          ALT: () => {
            const t = this.CONSUME(Vault);
            return { kind: 'Vault', path: t.image.slice('vault://'.length), start: t.startOffset, end: tokEnd(t) } as A.VaultRef;
          },
        },
        { ALT: () => this.SUBRULE(this.arrayLit) },
        { GATE: () => !ns, ALT: () => this.SUBRULE(this.recordLit) },
        { ALT: () => this.SUBRULE(this.ifExpr) },
        { ALT: () => this.SUBRULE(this.matchExpr) },
        { GATE: () => this.isParenLambda(), ALT: () => this.SUBRULE(this.lambda) },
        {
          ALT: () => {
            this.CONSUME(LParen);
            const expr = this.SUBRULE(this.expr);
            this.CONSUME(RParen);
            return this.range({ kind: 'Paren', expr } as A.Paren, start);
          },
        },
        { GATE: () => !ns && this.is(2, FatArrow), ALT: () => this.SUBRULE2(this.lambda) },
        { GATE: () => !ns && this.looksLikeNonEmptyRecord(2), ALT: () => this.SUBRULE(this.typedRecord) },
        {
          ALT: () => {
            const t = this.CONSUME(Name);
            return { kind: 'Name', name: t.image, start: t.startOffset, end: tokEnd(t) } as A.NameRef;
          },
        },
      ],
    });
  });

  /**
   * The same choices as `primary`'s OR, dispatched on the next token without allocating the
   * alternatives (Chevrotain's OR with gates allocates on every call: the hottest path of parsing).
   * Returns undefined where the OR must decide (and report a syntax error).
   */
  private primaryFast(ns: boolean | undefined, start: number): A.Expr | undefined {
    const t = this.LA(1);
    const tt = t.tokenType;
    if (tt === StringLit) return this.literalToken(this.CONSUME(StringLit), 'string');
    if (tt === NumberLit) return this.literalToken(this.CONSUME(NumberLit), 'number');
    if (tt === Duration) return this.literalToken(this.CONSUME(Duration), 'duration');
    if (tt === Kw.true) return this.literalToken(this.CONSUME(Kw.true), 'bool');
    if (tt === Kw.false) return this.literalToken(this.CONSUME(Kw.false), 'bool');
    if (tt === Kw.null) return this.literalToken(this.CONSUME(Kw.null), 'null');
    if (tt === LBracket) return this.SUBRULE(this.arrayLit);
    if (tt === LCurly) return ns ? undefined : this.SUBRULE(this.recordLit);
    if (tt === Kw.if) return this.SUBRULE(this.ifExpr);
    if (tt === Kw.match) return this.SUBRULE(this.matchExpr);
    if (tt === LParen) {
      if (this.isParenLambda()) return this.SUBRULE(this.lambda);
      this.CONSUME(LParen);
      const expr = this.SUBRULE(this.expr);
      this.CONSUME(RParen);
      return this.range({ kind: 'Paren', expr } as A.Paren, start);
    }
    if (tokenMatcher(t, Name)) {
      if (!ns && this.is(2, FatArrow)) return this.SUBRULE2(this.lambda);
      if (!ns && this.looksLikeNonEmptyRecord(2)) return this.SUBRULE(this.typedRecord);
      const n = this.CONSUME(Name);
      return { kind: 'Name', name: n.image, start: n.startOffset, end: tokEnd(n) } as A.NameRef;
    }
    return undefined;
  }

  private literalToken(t: IToken, litKind: A.LiteralKind): A.Literal {
    const raw = t.image;
    let value: A.Literal['value'] = null;
    if (litKind === 'string') value = decodeString(raw);
    else if (litKind === 'number') value = decodeNumber(raw);
    else if (litKind === 'duration') value = decodeDuration(raw);
    else if (litKind === 'bool') value = raw === 'true';
    return { kind: 'Literal', litKind, value, raw, start: t.startOffset, end: tokEnd(t) };
  }

  /** `( a, b ) =>` — scans to the matching parenthesis. */
  protected isParenLambda(): boolean {
    if (!this.is(1, LParen)) return false;
    let i = 2;
    for (;;) {
      if (this.is(i, RParen)) return this.is(i + 1, FatArrow);
      if (!this.is(i, Identifier)) return false;
      i++;
      if (this.is(i, Comma)) i++;
      if (i > 64) return false;
    }
  }

  lambda = this.RULE('lambda', (): A.Lambda => {
    const start = this.here();
    const params: A.Ident[] = [];
    this.OR([
      { ALT: () => { params.push(this.ident(this.CONSUME(Identifier))); } },
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.MANY_SEP({ SEP: Comma, DEF: () => { params.push(this.ident(this.CONSUME2(Identifier))); } });
          this.CONSUME(RParen);
        },
      },
    ]);
    this.CONSUME(FatArrow);
    const body = this.SUBRULE(this.blockOrExpr);
    return this.range({ kind: 'Lambda', params, body } as A.Lambda, start);
  });

  /** The body of a lambda or match arm: a block unless `{` starts a record literal. */
  blockOrExpr = this.RULE('blockOrExpr', (): A.Expr | A.Block => this.OR({
    IGNORE_AMBIGUITIES: true,
    DEF: [
      { GATE: () => this.is(1, LCurly) && !this.looksLikeRecord(), ALT: () => this.SUBRULE(this.block) },
      { ALT: () => this.SUBRULE(this.expr) },
    ],
  }));

  arrayLit = this.RULE('arrayLit', (): A.ArrayLit => {
    const start = this.here();
    const elements: A.Expr[] = [];
    this.CONSUME(LBracket);
    this.OPTION(() => {
      elements.push(this.SUBRULE(this.expr));
      this.MANY({
        GATE: () => !this.is(2, RBracket),
        DEF: () => { this.CONSUME(Comma); elements.push(this.SUBRULE2(this.expr)); },
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBracket);
    return this.range({ kind: 'Array', elements } as A.ArrayLit, start);
  });

  recordEntries = this.RULE('recordEntries', (): A.RecordEntry[] => {
    const entries: A.RecordEntry[] = [];
    this.CONSUME(LCurly);
    this.MANY(() => {
      entries.push(this.SUBRULE(this.recordEntry));
      this.OPTION(() => this.CONSUME(Comma));
    });
    this.closeCurly();
    return entries;
  });

  recordEntry = this.RULE('recordEntry', (): A.RecordEntry => {
    const start = this.here();
    let quoted = false;
    const key = this.OR([
      { ALT: () => this.ident(this.CONSUME(Word)) },
      {
        ALT: () => {
          const t = this.CONSUME(StringLit);
          quoted = true;
          const id = this.ident(t);
          id.name = decodeString(t.image ?? '""');
          return id;
        },
      },
    ]);
    this.CONSUME(Colon);
    const value = this.SUBRULE(this.expr);
    return this.range({ kind: 'RecordEntry', key, quoted, value } as A.RecordEntry, start);
  });

  recordLit = this.RULE('recordLit', (): A.RecordLit => {
    const start = this.here();
    const entries = this.SUBRULE(this.recordEntries);
    return this.range({ kind: 'Record', entries } as A.RecordLit, start);
  });

  typedRecord = this.RULE('typedRecord', (): A.TypedRecord => {
    const start = this.here();
    const type = this.ident(this.CONSUME(Name));
    const entries = this.SUBRULE(this.recordEntries);
    return this.range({ kind: 'TypedRecord', type, entries } as A.TypedRecord, start);
  });

  ifExpr = this.RULE('ifExpr', (): A.IfExpr => {
    const start = this.here();
    this.CONSUME(Kw.if);
    const cond = this.SUBRULE(this.expr, NS_ARGS);
    const then = this.SUBRULE(this.block);
    let otherwise: A.IfExpr['else'] = null;
    this.OPTION(() => {
      this.CONSUME(Kw.else);
      otherwise = this.OR([
        { ALT: () => this.SUBRULE(this.ifExpr) },
        { ALT: () => this.SUBRULE2(this.block) },
      ]);
    });
    return this.range({ kind: 'IfExpr', cond, then, else: otherwise } as A.IfExpr, start);
  });

  matchExpr = this.RULE('matchExpr', (): A.MatchExpr => {
    const start = this.here();
    this.CONSUME(Kw.match);
    const subject = this.SUBRULE(this.expr, NS_ARGS);
    const arms: A.MatchArm[] = [];
    this.CONSUME(LCurly);
    this.MANY(() => {
      arms.push(this.SUBRULE(this.matchArm));
      this.OPTION(() => this.CONSUME(Comma));
    });
    this.closeCurly();
    return this.range({ kind: 'Match', subject, arms } as A.MatchExpr, start);
  });

  matchArm = this.RULE('matchArm', (): A.MatchArm => {
    const start = this.here();
    const pattern = this.SUBRULE(this.pattern);
    let guard: A.Expr | null = null;
    this.OPTION(() => { this.CONSUME(Kw.if); guard = this.SUBRULE(this.expr, NS_ARGS); });
    this.CONSUME(FatArrow);
    const body = this.SUBRULE(this.blockOrExpr);
    return this.range({ kind: 'MatchArm', pattern, guard, body } as A.MatchArm, start);
  });

  pattern = this.RULE('pattern', (): A.Pattern => {
    const start = this.here();
    const options: A.Pattern[] = [this.SUBRULE(this.patternAtom)];
    this.MANY(() => { this.CONSUME(Pipe); options.push(this.SUBRULE2(this.patternAtom)); });
    return options.length === 1 ? options[0] : this.range({ kind: 'OrPat', options } as A.OrPat, start);
  }, { recoveryValueFunc: () => this.errorNode('expected a pattern') });

  patternAtom = this.RULE('patternAtom', (): A.Pattern => {
    const start = this.here();
    return this.OR([
      { ALT: () => this.litPat(this.literalToken(this.CONSUME(StringLit), 'string')) },
      { ALT: () => this.litPat(this.literalToken(this.CONSUME(NumberLit), 'number')) },
      { ALT: () => this.litPat(this.literalToken(this.CONSUME(Duration), 'duration')) },
      { ALT: () => this.litPat(this.literalToken(this.CONSUME(Kw.true), 'bool')) },
      { ALT: () => this.litPat(this.literalToken(this.CONSUME(Kw.false), 'bool')) },
      { ALT: () => this.litPat(this.literalToken(this.CONSUME(Kw.null), 'null')) },
      {
        ALT: () => {
          this.CONSUME(Minus);
          const lit = this.literalToken(this.CONSUME2(NumberLit), 'number');
          lit.value = -(lit.value as number);
          lit.raw = '-' + lit.raw;
          lit.start = start;
          return this.litPat(lit);
        },
      },
      {
        ALT: () => {
          const name = this.ident(this.CONSUME(Name));
          let args: A.Pattern[] | null = null;
          this.OPTION(() => {
            args = [];
            this.CONSUME(LParen);
            this.MANY_SEP({ SEP: Comma, DEF: () => { args!.push(this.SUBRULE(this.pattern)); } });
            this.CONSUME(RParen);
          });
          return this.ACTION(() => {
            if (args === null && name.name === '_') return { kind: 'WildcardPat', start: name.start, end: name.end } as A.WildcardPat;
            if (args === null && !/^[A-Z]/.test(name.name)) return { kind: 'BindPat', name, start: name.start, end: name.end } as A.BindPat;
            return this.range({ kind: 'CtorPat', name, args: args ?? [] } as A.CtorPat, start);
          });
        },
      },
    ]);
  });

  private litPat(literal: A.Literal): A.LiteralPat {
    return { kind: 'LiteralPat', literal, start: literal.start, end: literal.end };
  }

  /** A `{ stmt* }` block (its last expression without `;` is its value); defined by the statement parser. */
  declare block: ParserMethod<[], A.Block>;

}

export { Arrow, tokenMatcher };

const PRECEDENCE: Record<string, number> = {
  '||': 1, '&&': 2, '==': 3, '!=': 3, in: 3, '<': 4, '>': 4, '<=': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6,
};

/** Shunting-yard over `a op b op c ...`: all operators are left-associative. */
function groupByPrecedence(operands: A.Expr[], ops: IToken[]): A.Expr {
  const out: A.Expr[] = [operands[0]];
  const pending: IToken[] = [];
  const reduce = () => {
    const right = out.pop()!;
    const left = out.pop()!;
    const op = pending.pop()!;
    out.push({ kind: 'Binary', op: op.image as A.BinaryOperator, left, right, start: left.start, end: right.end });
  };
  for (let i = 0; i < ops.length; i++) {
    const p = PRECEDENCE[ops[i].image] ?? 0;
    while (pending.length && (PRECEDENCE[pending[pending.length - 1].image] ?? 0) >= p) reduce();
    pending.push(ops[i]);
    out.push(operands[i + 1]);
  }
  while (pending.length) reduce();
  return out[0];
}
