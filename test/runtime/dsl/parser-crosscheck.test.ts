/**
 * The front end has two parsers: a hand-written fast path for items without errors, and the
 * Chevrotain parser (error recovery, every syntax diagnostic). They must agree exactly: same AST,
 * same diagnostics. This compares `parse` with `parseWithChevrotain` on the corpus, the examples,
 * every single-token deletion of each example (valid and broken items side by side, so the fast
 * path hands over to Chevrotain and back mid-file), and random mixes of their top-level items.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parse, parseWithChevrotain } from '../../../runtime/dsl/parser';
import { corpusDir, corpusFiles, repoRoot } from '../../helpers/paths';

function sources(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const f of corpusFiles()) out.push([f, fs.readFileSync(path.join(corpusDir(), f), 'utf8')]);
  const ex = path.join(repoRoot(), 'examples');
  for (const f of fs.readdirSync(ex).filter((x) => x.endsWith('.baton'))) out.push([`examples/${f}`, fs.readFileSync(path.join(ex, f), 'utf8')]);
  return out;
}

function same(text: string, label: string): void {
  const fast = parse(text);
  const slow = parseWithChevrotain(text);
  assert.deepEqual(fast.diagnostics, slow.diagnostics, `${label}: diagnostics differ`);
  assert.deepEqual(fast.file, slow.file, `${label}: ASTs differ`);
}

/** Top-level chunks: text from one line starting at column 0 with a word to the next. */
function items(text: string): string[] {
  const starts = [...text.matchAll(/^[A-Za-z]/gm)].map((m) => m.index!);
  return starts.map((s, i) => text.slice(s, starts[i + 1] ?? text.length));
}

describe('fast parser agrees with the Chevrotain parser', () => {
  const all = sources();

  it('on every corpus file and example', () => {
    for (const [name, text] of all) same(text, name);
  });

  it('on every single-token deletion of each example (broken items between valid ones)', function () {
    this.timeout(120_000);
    for (const [name, text] of all.filter(([n]) => n.startsWith('examples/'))) {
      const tokens = [...text.matchAll(/[A-Za-z_][A-Za-z0-9_]*|\d+|"(?:[^"\\\n]|\\.)*"|\S/g)];
      const step = Math.max(1, Math.floor(tokens.length / 150));
      for (let i = 0; i < tokens.length; i += step) {
        const t = tokens[i];
        same(text.slice(0, t.index!) + text.slice(t.index! + t[0].length), `${name} without token ${i} '${t[0]}'`);
      }
    }
  });

  it('on random mixes of top-level items, some cut short', () => {
    const chunks = all.flatMap(([, text]) => items(text));
    const arb = fc.array(fc.tuple(fc.nat(chunks.length - 1), fc.option(fc.nat(400), { freq: 4 })), { minLength: 1, maxLength: 8 });
    fc.assert(fc.property(arb, (picks) => {
      const text = picks.map(([i, cut]) => (cut === null ? chunks[i] : chunks[i].slice(0, cut) + '\n')).join('\n');
      same(text, 'mix');
    }), { seed: 20261121, numRuns: 300 });
  });
});
