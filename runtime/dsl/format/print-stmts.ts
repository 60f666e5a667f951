/** Blocks and statements (and the block-shaped expressions `if` and `match`). */
import type * as A from '../ast';
import { Doc } from './doc';
import { printExpr, sourceOf } from './print-exprs';
import { Ctx, printList, verticalBlock } from './print-lists';
import { printPattern, printType } from './print-types';

/** `{`, one statement per line (at most one empty line kept between them), `}`. */
export function printBlock(ctx: Ctx, block: A.Block): Doc {
  const list = printList(ctx, block.stmts, (s) => printStmt(ctx, s), block.start, block.end - 1);
  return verticalBlock(ctx, list, 'preserve');
}

export function printStmt(ctx: Ctx, s: A.Stmt): Doc {
  switch (s.kind) {
    case 'Let': return printLet(ctx, s);
    case 'Assign': return [printExpr(ctx, s.target), ' ', s.op, ' ', printExpr(ctx, s.value), ';'];
    case 'If': case 'IfLet': return printIfChain(ctx, s);
    case 'For': return printFor(ctx, s);
    case 'While': return ['while ', printExpr(ctx, s.cond), ' ', printBlock(ctx, s.body)];
    case 'Match': return printMatch(ctx, s);
    case 'Try': return printTry(ctx, s);
    case 'Return': return s.value ? ['return ', printExpr(ctx, s.value), ';'] : 'return;';
    case 'Break': return 'break;';
    case 'Continue': return 'continue;';
    case 'ExprStmt': return [printExpr(ctx, s.expr), s.semi ? ';' : ''];
    case 'Parallel': return ['parallel ', printBlock(ctx, s.body)];
    case 'Block': return printBlock(ctx, s);
    case 'Error': return sourceOf(ctx, s);
  }
}

function printLet(ctx: Ctx, s: A.LetStmt): Doc {
  return [
    'let ', s.name.name,
    s.type ? [': ', printType(ctx, s.type)] : '',
    s.value ? [' = ', printExpr(ctx, s.value)] : '',
    ';',
  ];
}

function printFor(ctx: Ctx, s: A.ForStmt): Doc {
  const names = s.vars.map((v) => v.name);
  const vars = names.length === 1 ? names[0] : `(${names.join(', ')})`;
  return ['for ', vars, ' in ', printExpr(ctx, s.iterable), ' ', printBlock(ctx, s.body)];
}

/** `if c { } else if d { } else { }`, also for `if let` and `if` expressions. */
export function printIfChain(ctx: Ctx, s: A.IfStmt | A.IfLetStmt | A.IfExpr): Doc {
  const head = s.kind === 'IfLet'
    ? ['if let ', printPattern(ctx, s.pattern), ' = ', printExpr(ctx, s.value)]
    : ['if ', printExpr(ctx, s.cond)];
  const then = printBlock(ctx, s.then);
  if (!s.else) return [head, ' ', then];
  const otherwise = s.else.kind === 'Block' ? printBlock(ctx, s.else) : printIfChain(ctx, s.else);
  return [head, ' ', then, ' else ', otherwise];
}

function printTry(ctx: Ctx, s: A.TryStmt): Doc {
  const body = printBlock(ctx, s.body);
  if (!s.handler) return ['try ', body];
  let clause = '';
  if (s.catchType && s.catchName) clause = `(${s.catchType.name} ${s.catchName.name}) `;
  else if (s.catchName) clause = `(${s.catchName.name}) `;
  return ['try ', body, ' catch ', clause, printBlock(ctx, s.handler)];
}

/** `match x { pattern [if guard] => body, ... }`: one arm per line, each followed by a comma. */
export function printMatch(ctx: Ctx, m: A.MatchExpr): Doc {
  const subject = printExpr(ctx, m.subject);
  const open = ctx.cursor.scanTo(m.subject.end, '{');
  const list = printList(ctx, m.arms, (a) => printArm(ctx, a), open, m.end - 1);
  return ['match ', subject, ' ', verticalBlock(ctx, list, 'preserve')];
}

function printArm(ctx: Ctx, a: A.MatchArm): Doc {
  const guard = a.guard ? [' if ', printExpr(ctx, a.guard)] : '';
  const body = a.body.kind === 'Block' ? printBlock(ctx, a.body) : printExpr(ctx, a.body);
  return [printPattern(ctx, a.pattern), guard, ' => ', body, ','];
}
