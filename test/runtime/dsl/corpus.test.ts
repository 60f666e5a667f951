import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeText } from '../../../runtime/dsl/workspace';
import { corpusDir, corpusFiles } from '../../helpers/paths';

/** Line of the mistake in each invalid Symbiont sample (1-based). */
const INVALID_LINES: Record<string, number[]> = {
  'samples__invalid_malformed_metadata.dsl': [2],
  'samples__invalid_missing_brace.dsl': [3],
  'samples__invalid_unknown_keywords.dsl': [1, 6, 8],
};

describe('Symbiont corpus', () => {
  const files = corpusFiles();

  it('has the expected files', () => {
    assert.ok(files.length >= 19, `only ${files.length} corpus files`);
    for (const f of Object.keys(INVALID_LINES)) assert.ok(files.includes(f), `missing ${f}`);
  });

  for (const f of files) {
    const text = () => fs.readFileSync(path.join(corpusDir(), f), 'utf8');
    if (f.includes('invalid_')) {
      it(`${f} fails with an error at the faulty line`, () => {
        const a = analyzeText(text(), f);
        const errors = a.diagnostics.filter((d) => d.severity === 'error');
        assert.ok(errors.length > 0, 'expected errors');
        const lines = errors.map((d) => a.parse.lines.position(d.start).line + 1);
        assert.strictEqual(lines[0], INVALID_LINES[f][0], `first error at line ${lines[0]}: ${errors[0].message}`);
        for (const l of INVALID_LINES[f]) assert.ok(lines.includes(l), `no error on line ${l}; errors on ${lines.join(', ')}`);
        for (const d of errors) assert.ok(d.message.length > 10 && !/-->|<--/.test(d.message), `unclear message: ${d.message}`);
      });
    } else {
      it(`${f} parses and checks with no errors`, () => {
        const a = analyzeText(text(), f);
        const errors = a.diagnostics.filter((d) => d.severity === 'error');
        assert.deepStrictEqual(errors.map((d) => `${a.parse.lines.position(d.start).line + 1}: ${d.message}`), []);
        assert.ok(a.parse.file.items.length > 0, 'no items parsed');
      });
    }
  }

  it('classifies the calls of the corpus agents (LANGUAGE.md §3)', () => {
    const a = analyzeText(fs.readFileSync(path.join(corpusDir(), 'agents__hitl_devops.symbi'), 'utf8'));
    const kinds = new Map(a.check.calls.map((c) => [c.name, c.kind]));
    assert.strictEqual(kinds.get('read_logs'), 'semantic');
    assert.strictEqual(kinds.get('format'), 'builtin');
    assert.strictEqual(kinds.get('log'), 'builtin');
    assert.strictEqual(kinds.get('error'), 'builtin');
    const k = analyzeText(fs.readFileSync(path.join(corpusDir(), 'agents__knowledge_curator.symbi'), 'utf8'));
    const memoryWrite = k.check.calls.find((c) => c.name === 'memory_write');
    assert.ok(memoryWrite && memoryWrite.kind === 'builtin' && memoryWrite.effect, 'memory_write is an effect built-in');
    // `knowledge_store` resolves to the memory block.
    const ref = k.check.refs.find((r) => r.node.kind === 'Name' && (r.node as { name: string }).name === 'knowledge_store');
    assert.strictEqual(ref?.sym.kind, 'memory');
  });

  it('keeps every comment of every file with its exact text', () => {
    for (const f of files) {
      const t = fs.readFileSync(path.join(corpusDir(), f), 'utf8');
      const a = analyzeText(t, f);
      const expected = t.split('\n').map((l) => l.match(/(?<![:/])(\/\/.*|#.*)$/)?.[0]).filter((x): x is string => !!x && !x.startsWith('#ops'));
      for (const c of expected) {
        if (/"[^"]*$/.test(t.split('\n').find((l) => l.includes(c))!.split(c)[0])) continue; // inside a string
        assert.ok(a.parse.file.comments.some((k) => k.text === c.trimEnd()), `${f}: comment lost: ${c}`);
      }
      for (const c of a.parse.file.comments) assert.strictEqual(t.slice(c.start, c.end), c.text);
    }
  });
});
