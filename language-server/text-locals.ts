/**
 * Local names visible at the cursor according to the text alone — a fallback for bodies the parser
 * dropped while they are being edited (scope-at.ts reads the tree; completion merges both).
 * Reads the open frames of text-context.ts: parameters of the enclosing agent / function header,
 * `let`s and implicit `x = ...` of completed statements (kept by the scanner as `decls`), `for`
 * variables, `catch` names, and lambda / match-arm parameters of the current expression.
 */
import { segmentStart, TextContext, TextLocal, Tok } from './text-context';

/** Parameter names of a parenthesised list `(a: T, b: U = 1)` in the text of a group token. */
function groupNames(text: string, g: Tok, typed: boolean): Array<{ name: string; start: number; typeName?: string }> {
  const out: Array<{ name: string; start: number; typeName?: string }> = [];
  const re = typed ? /(?:^|,)\s*([A-Za-z_]\w*)\s*(?::\s*([A-Za-z_]\w*))?/g : /(?:^|[(,\s])([A-Za-z_]\w*)\s*(?=[,)]|$)/g;
  const inner = text.slice(g.start + 1, g.end - 1);
  for (const m of inner.matchAll(re)) out.push({ name: m[1], start: g.start + 1 + m.index! + m[0].indexOf(m[1]), typeName: m[2] });
  return out;
}

/**
 * Local names visible at the cursor according to the text alone (a fallback for bodies the parser
 * dropped): parameters of the enclosing agent / function, `let`s and implicit `x = ...` of completed
 * statements of the open blocks, `for` variables, `catch` names and lambda / match-arm parameters of
 * the current expression. Innermost last.
 */
export function textLocals(text: string, tc: TextContext): TextLocal[] {
  const out: TextLocal[] = [];
  const add = (name: string, kind: TextLocal['kind'], start: number, typeName?: string) => out.push({ name, kind, start, end: start + name.length, typeName });
  tc.frames.forEach((f, k) => {
    const h = f.header;
    const kw = h.findIndex((t) => t.type === 'word' && (t.text === 'agent' || t.text === 'function'));
    if ((f.kind === 'agent' || f.kind === 'body') && kw >= 0 && h[kw + 2]?.type === 'group' && h[kw + 2].text === '()') {
      for (const p of groupNames(text, h[kw + 2], true)) add(p.name, 'param', p.start, p.typeName);
    }
    if (f.kind === 'body' && h[0]?.text === 'for') {
      for (let i = 1; i < h.length && h[i].text !== 'in'; i++) if (h[i].type === 'word') add(h[i].text, 'loop', h[i].start);
    }
    if (f.kind === 'body' && h[0]?.text === 'catch' && h[1]?.type === 'group') {
      const names = groupNames(text, h[1], false);
      const last = names[names.length - 1];
      if (last) add(last.name, 'catch', last.start);
    }
    const toks = f.toks;
    const current = k === tc.frames.length - 1 ? toks.length - tc.segment.length : segmentStart(f.kind, toks);
    for (const d of f.decls ?? []) out.push(d);
    // Lambda / arm parameters of the expression the cursor is in: `x =>`, `(a, b) =>`.
    for (let i = Math.max(current, 0); i < toks.length - 1; i++) {
      if (toks[i + 1].text !== '=>') continue;
      const t = toks[i];
      if (t.type === 'word') add(t.text, 'lambda', t.start);
      else if (t.type === 'group' && t.text === '()') for (const p of groupNames(text, t, false)) add(p.name, 'lambda', p.start);
    }
  });
  return out;
}
