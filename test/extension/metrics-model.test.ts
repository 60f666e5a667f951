/** metrics-model: per-run digests and per-agent aggregates (success rate, duration percentiles, counts) over journal records. */
import * as assert from 'node:assert/strict';
import type { JournalRecord } from '../../runtime/journal/records';
import { aggregate, describeMetrics, detailMetrics, digestRun, percentile, type RunDigest } from '../../extension/metrics-model';

let seq = 0;
function rec(ts: number, body: Record<string, unknown>): JournalRecord {
  return { seq: seq++, ts: new Date(ts).toISOString(), prev: '', ...body } as unknown as JournalRecord;
}
function run(agent: string, t0: number, ms: number | undefined, reason = 'Completed'): JournalRecord[] {
  const out = [
    rec(t0, { type: 'Started', agent, file: 'a.baton', run: 'r' }),
    rec(t0 + 1, { type: 'ReasoningComplete', key: 'main#1', usage: { inputTokens: 10, outputTokens: 5 }, toolCalls: [] }),
    rec(t0 + 2, { type: 'ToolStarted', key: 'main#2', tool: 'read', attempt: 1 }),
    rec(t0 + 3, { type: 'ToolStarted', key: 'main#2', tool: 'read', attempt: 2 }),
    rec(t0 + 4, { type: 'ApprovalDecided', key: 'main#3', tool: 'write', answer: { kind: 'deny' }, by: 'x' }),
    rec(t0 + 5, { type: 'ToolDenied', key: 'main#3', tool: 'write', reason: 'no' }),
  ];
  if (ms !== undefined) out.push(rec(t0 + ms, { type: 'Terminated', reason, usage: { inputTokens: 20, outputTokens: 10 }, steps: 3 }));
  return out;
}

describe('metrics-model', () => {
  it('digests one run', () => {
    const d = digestRun('r1', run('a', 1000, 3100))!;
    assert.deepEqual(d, { runId: 'r1', agent: 'a', startedAt: 1000, reason: 'Completed', ms: 3100, tokens: 30, toolCalls: 1, denials: 1, approvals: 1, cacheHits: 0 });
  });
  it('an unfinished run counts its model tokens and has no duration', () => {
    const d = digestRun('r2', run('a', 0, undefined))!;
    assert.equal(d.reason, undefined);
    assert.equal(d.ms, undefined);
    assert.equal(d.tokens, 15);
  });
  it('no Started record: no digest', () => {
    assert.equal(digestRun('x', []), undefined);
  });
  it('percentile is nearest rank', () => {
    assert.equal(percentile([], 50), undefined);
    assert.equal(percentile([5], 95), 5);
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 95), 95);
  });
  it('aggregates per agent: ok rate over finished runs, p50/p95, sums', () => {
    const ds: RunDigest[] = [];
    for (let i = 0; i < 11; i++) ds.push(digestRun(`a${i}`, run('alpha', i * 10_000, 1000 * (i + 1)))!);
    ds.push(digestRun('a-fail', run('alpha', 200_000, 500, 'Error'))!);
    ds.push(digestRun('a-open', run('alpha', 300_000, undefined))!);
    ds.push(digestRun('b', run('beta', 0, 250))!);
    const m = aggregate(ds);
    assert.deepEqual([...m.keys()], ['alpha', 'beta']);
    const a = m.get('alpha')!;
    assert.equal(a.runs, 13);
    assert.equal(a.finished, 12);
    assert.equal(a.completed, 11);
    assert.equal(a.p50Ms, 5000); // 12 finished: 500, 1000 … 11000
    assert.equal(a.p95Ms, 11000);
    assert.equal(a.toolCalls, 13);
    assert.equal(a.denials, 13);
    assert.equal(a.approvals, 13);
    assert.equal(a.cacheHits, 0);
    assert.equal(a.recent.at(-1), 'Error');
    assert.equal(describeMetrics(a), '13 runs · 92% ok · p50 5.0 s');
    assert.equal(describeMetrics(m.get('beta')!), '1 run · 100% ok · p50 250 ms');
    assert.match(detailMetrics(a).join('\n'), /cache hits 0/);
  });
  it('an agent with only unfinished runs shows just the count', () => {
    const m = aggregate([digestRun('x', run('c', 0, undefined))!]);
    assert.equal(describeMetrics(m.get('c')!), '1 run');
  });
});
