/** KeywordIndex (BM25 with field weights) and the hybrid-settings notice. */
import * as assert from 'node:assert/strict';
import type { Json } from '../../../runtime/ir/schema';
import { KeywordIndex, rankerFor, tokenize } from '../../../runtime/memory/search';
import { memorySettings } from '../../../runtime/memory/store';

const entry = (id: string, record: Json, at = '2026-01-01T00:00:00.000Z') => ({ id, stored_at: at, run: 'r', record });

describe('memory search ranking', () => {
  it('tokenizes case-folded, without stop words, folding plurals', () => {
    assert.deepEqual(tokenize('The Deploys of the RELEASE-tools, 2026!'), ['deploy', 'release', 'tool', '2026']);
  });

  it('ranks rarer terms and heavier fields higher; only matches; at most limit', () => {
    const idx = new KeywordIndex();
    const es = [
      entry('body', { title: 'Notes', content: 'the kubernetes upgrade went fine' }),
      entry('title', { title: 'Kubernetes upgrade', content: 'it went fine' }),
      entry('none', { title: 'Lunch', content: 'pizza on friday' }),
      entry('common', { title: 'Upgrade', content: 'upgrade upgrade' }),
    ];
    const hits = idx.search(es, 'Kubernetes upgrades', 10);
    assert.deepEqual(hits.map((h) => h.id), ['title', 'body', 'common']);
    assert.ok(hits.every((h, i) => i === 0 || hits[i - 1].score >= h.score));
    assert.deepEqual(idx.search(es, 'kubernetes', 1).map((h) => h.id), ['title']);
    assert.deepEqual(idx.search(es, 'the of', 10), [], 'stop words alone match nothing');
    assert.deepEqual(idx.search(es, 'zebra', 10), []);
  });

  it('ties go to the newer entry', () => {
    const es = [entry('a', { content: 'same words' }, '2026-01-01T00:00:00.000Z'), entry('b', { content: 'same words' }, '2026-02-01T00:00:00.000Z')];
    assert.deepEqual(new KeywordIndex().search(es, 'words', 10).map((h) => h.id), ['b', 'a']);
  });

  it('reports hybrid settings it cannot honour instead of ignoring them', () => {
    const hybrid = memorySettings({ name: 'k', settings: { search: { vector_weight: 0.6, keyword_weight: 0.4 } }, policies: [], loc: [1, 1, 1, 1] });
    const r = rankerFor('k', hybrid);
    assert.equal(r.index.kind, 'keyword');
    assert.match(r.notice ?? '', /vector search is not available .*vector_weight 0.6.*keywords only/);
    assert.equal(rankerFor('k', memorySettings({ name: 'k', settings: {}, policies: [], loc: [1, 1, 1, 1] })).notice, undefined);
  });

  it('rejects a retention that is not a duration, naming the store', () => {
    assert.throws(() => memorySettings({ name: 'k', settings: { retention: 'forever' }, policies: [], loc: [3, 1, 5, 2] }), /memory 'k' \(3:1\): retention "forever"/);
  });
});
