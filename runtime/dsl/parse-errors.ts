/**
 * Syntax diagnostics from the Chevrotain parser's recognition errors: messages a user understands
 * (what was expected, after which token), an unclosed `{` at end of file pointing back at it, and
 * one diagnostic per position.
 */
import { IRecognitionException, IToken, tokenMatcher, EOF } from 'chevrotain';
import { LBracket, LCurly, LParen, RBracket, RCurly, RParen } from './lexer';
import { tokEnd } from './parser-base';
import { Diagnostic, diag } from './diagnostics';
import { LineIndex } from './line-index';

const OPENERS: Record<string, string> = { '{': '}', '(': ')', '[': ']' };

export function convertErrors(errors: IRecognitionException[], tokens: IToken[], text: string, lines: LineIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const e of errors) {
    const tok = e.token;
    const atEof = tok.tokenType === EOF || !(tok.startOffset >= 0);
    if (atEof) {
      const unclosed = unclosedAtEnd(tokens, text, lines);
      out.push(unclosed.code === 'unclosed-block' ? unclosed
        : diag('syntax-error', `Unexpected end of file: ${describe(e)}.`, text.length, text.length));
      continue;
    }
    const start = tok.startOffset;
    const end = tokEnd(tok);
    const found = tok.image;
    const m = /Expecting (?:token of type )?--> (.*?) <-- but found --> '(.*)' <--/s.exec(e.message);
    if (m && e.name === 'MismatchedTokenException') {
      const expected = m[1];
      const prev = (e as unknown as { previousToken?: IToken }).previousToken;
      if ((expected === "';'" || expected === "')'" || expected === "']'" || expected === "','") && prev && prev.startOffset >= 0) {
        const at = tokEnd(prev);
        out.push(diag('syntax-error', `Expected ${expected} after '${prev.image}', found '${found}'.`, at, at));
      } else {
        out.push(diag('syntax-error', `Expected ${expected}, found '${found}'.`, start, end));
      }
      continue;
    }
    out.push(diag('syntax-error', `Unexpected '${found}': ${describe(e)}.`, start, end));
  }
  return out;
}

const RULE_DESCRIPTIONS: Record<string, string> = {
  primary: 'expected an expression', expr: 'expected an expression', unaryExpr: 'expected an expression',
  postfixExpr: 'expected an expression', typeAtom: 'expected a type', typeRef: 'expected a type',
  patternAtom: 'expected a pattern', pattern: 'expected a pattern', stmt: 'expected a statement',
  capabilityRef: 'expected a capability name', recordEntry: "expected a record entry 'key: value'",
  arg: 'expected an argument', param: 'expected a parameter', setting: 'expected a setting', rule: 'expected a policy rule',
};

function describe(e: IRecognitionException): string {
  const stack = e.context?.ruleStack ?? [];
  for (let i = stack.length - 1; i >= 0; i--) {
    const d = RULE_DESCRIPTIONS[stack[i]];
    if (d) return d;
  }
  return 'this does not fit here';
}

export function unclosedAtEnd(tokens: IToken[], text: string, lines: LineIndex): Diagnostic {
  const open = findUnclosed(tokens);
  const end = text.length;
  if (!open) return diag('syntax-error', 'Unexpected end of file.', end, end);
  const close = OPENERS[open.image];
  return diag('unclosed-block',
    `Expected '${close}' to close the '${open.image}' opened on line ${lines.lineOf(open.startOffset) + 1}; the file ends first.`,
    end, end, { related: [{ start: open.startOffset, end: tokEnd(open), message: `'${open.image}' opened here` }] });
}

function findUnclosed(tokens: IToken[]): IToken | undefined {
  const stack: IToken[] = [];
  for (const t of tokens) {
    if (tokenMatcher(t, LCurly) || tokenMatcher(t, LParen) || tokenMatcher(t, LBracket)) stack.push(t);
    else if (tokenMatcher(t, RCurly) || tokenMatcher(t, RParen) || tokenMatcher(t, RBracket)) stack.pop();
  }
  return stack[stack.length - 1];
}

export function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diags.sort((a, b) => a.start - b.start || a.end - b.end)) {
    const key = `${d.start}:${d.severity}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}
