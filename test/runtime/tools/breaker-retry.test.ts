/** The circuit breaker's state machine (injected clock) and retry with backoff (injected random and sleep). */
import * as assert from 'node:assert/strict';
import { BatonError } from '../../../runtime/errors';
import { CircuitBreaker, type BreakerState } from '../../../runtime/tools/circuit-breaker';
import { backoffDelay, retry } from '../../../runtime/tools/retry';
import { paramsToJsonSchema, typeToJsonSchema } from '../../../runtime/tools/json-schema';

describe('CircuitBreaker', () => {
  let t: number;
  let changes: BreakerState[];
  const make = () => new CircuitBreaker({ now: () => t, onChange: (s) => changes.push(s) });
  beforeEach(() => { t = 1_000_000; changes = []; });

  it('opens after 5 consecutive failures; a success resets the count', () => {
    const b = make();
    for (let i = 0; i < 4; i++) b.failure();
    b.success();
    for (let i = 0; i < 4; i++) b.failure();
    assert.equal(b.state, 'closed');
    assert.deepEqual(b.check(), { ok: true });
    b.failure();
    assert.equal(b.state, 'open');
    assert.deepEqual(changes, ['open']);
    t += 10_000;
    assert.deepEqual(b.check(), { ok: false, retryInMs: 20_000 });
  });

  it('half-opens after recoveryMs, lets 2 trials through, and closes when both succeed', () => {
    const b = make();
    for (let i = 0; i < 5; i++) b.failure();
    t += 29_999;
    assert.equal(b.check().ok, false);
    t += 1;
    assert.equal(b.state, 'half-open');
    assert.deepEqual(b.check(), { ok: true });
    assert.deepEqual(b.check(), { ok: true });
    const third = b.check();
    assert.equal(third.ok, false, 'a third concurrent trial is refused');
    b.success();
    assert.equal(b.state, 'half-open');
    b.success();
    assert.equal(b.state, 'closed');
    assert.deepEqual(changes, ['open', 'half-open', 'closed']);
    // Closed again: it takes 5 new failures to open.
    for (let i = 0; i < 4; i++) b.failure();
    assert.equal(b.state, 'closed');
  });

  it('a failure in half-open opens again and restarts the timer', () => {
    const b = make();
    for (let i = 0; i < 5; i++) b.failure();
    t += 30_000;
    assert.deepEqual(b.check(), { ok: true });
    t += 5_000;
    b.failure();
    assert.equal(b.state, 'open');
    assert.deepEqual(b.check(), { ok: false, retryInMs: 30_000 });
    t += 29_000;
    assert.equal(b.state, 'open');
    t += 1_000;
    assert.equal(b.state, 'half-open');
    assert.deepEqual(changes, ['open', 'half-open', 'open', 'half-open']);
  });

  it('honours custom thresholds', () => {
    const b = new CircuitBreaker({ failureThreshold: 2, recoveryMs: 100, halfOpenTrials: 1, now: () => t });
    b.failure(); b.failure();
    assert.equal(b.state, 'open');
    t += 100;
    assert.deepEqual(b.check(), { ok: true });
    assert.equal(b.check().ok, false);
    b.success();
    assert.equal(b.state, 'closed');
  });
});

describe('retry', () => {
  const retryable = (msg = 'flaky', retryAfterMs?: number) =>
    new BatonError('tool-error', msg, { retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

  it('retries retryable errors with exponential backoff and full jitter', async () => {
    const delays: number[] = [];
    const attempts: number[] = [];
    const r = await retry(async (attempt) => {
      attempts.push(attempt);
      if (attempt < 3) throw retryable();
      return 'ok';
    }, { random: () => 0.5, sleep: async (ms) => { delays.push(ms); } });
    assert.equal(r, 'ok');
    assert.deepEqual(attempts, [0, 1, 2, 3]);
    assert.deepEqual(delays, [100, 200, 400]);
  });

  it('bounds delays by random() * min(maxMs, baseMs * 2^n)', () => {
    for (let n = 1; n <= 10; n++) {
      const cap = Math.min(10_000, 200 * 2 ** (n - 1));
      assert.equal(backoffDelay(n, new Error('x'), { random: () => 0 }), 0);
      assert.equal(backoffDelay(n, new Error('x'), { random: () => 0.999999 }), Math.round(0.999999 * cap));
    }
    assert.equal(backoffDelay(20, new Error('x'), { random: () => 1, maxMs: 1000 }), 1000);
  });

  it('gives up after `retries` retries and throws the last error', async () => {
    let calls = 0;
    await assert.rejects(retry(async () => { calls++; throw retryable(`fail ${calls}`); }, { retries: 2, sleep: async () => {} }), /fail 3/);
    assert.equal(calls, 3);
  });

  it('does not retry non-retryable errors', async () => {
    let calls = 0;
    await assert.rejects(retry(async () => { calls++; throw new BatonError('tool-error', 'bad request'); }, { sleep: async () => {} }), /bad request/);
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(retry(async () => { calls++; throw new Error('plain'); }, { sleep: async () => {} }), /plain/);
    assert.equal(calls, 1);
  });

  it('waits at least retryAfterMs, capped at maxMs * 3', async () => {
    const seen: Array<[number, number]> = [];
    const fn = (after: number) => async (attempt: number) => { if (attempt === 0) throw retryable('429', after); return attempt; };
    const opts = { random: () => 0.1, sleep: async () => {}, onRetry: (a: number, d: number) => { seen.push([a, d]); } };
    await retry(fn(7000), opts);
    await retry(fn(60_000), opts);
    await retry(fn(50), opts);
    assert.deepEqual(seen, [[1, 7000], [1, 30_000], [1, 50]]);
  });

  it('an abort during the wait throws cancelled (real timer)', async () => {
    const ac = new AbortController();
    let calls = 0;
    const started = Date.now();
    const p = retry(async () => { calls++; throw retryable(); }, { baseMs: 10_000, random: () => 1, signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    await assert.rejects(p, (e: unknown) => e instanceof BatonError && e.code === 'cancelled');
    assert.equal(calls, 1);
    assert.ok(Date.now() - started < 2000);
  });

  it('does not start when already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    let calls = 0;
    await assert.rejects(retry(async () => { calls++; return 1; }, { signal: ac.signal }), (e: unknown) => e instanceof BatonError && e.code === 'cancelled');
    assert.equal(calls, 0);
  });
});

describe('TypeIR → JSON Schema', () => {
  const named = (name: string, ...args: Parameters<typeof typeToJsonSchema>[0][]) => ({ t: 'named' as const, name, args: args.filter((a) => a !== undefined) });
  const loc: [number, number, number, number] = [1, 1, 1, 1];

  it('maps scalar, array, map, record, optional, union and literal types', () => {
    assert.deepEqual(typeToJsonSchema(named('String')), { type: 'string' });
    assert.deepEqual(typeToJsonSchema(named('int')), { type: 'integer' });
    assert.deepEqual(typeToJsonSchema(named('float')), { type: 'number' });
    assert.deepEqual(typeToJsonSchema(named('bool')), { type: 'boolean' });
    assert.deepEqual(typeToJsonSchema(named('List', named('int'))), { type: 'array', items: { type: 'integer' } });
    assert.deepEqual(typeToJsonSchema({ t: 'array', element: named('String') }), { type: 'array', items: { type: 'string' } });
    assert.deepEqual(typeToJsonSchema(named('Map', named('String'), named('float'))), { type: 'object', additionalProperties: { type: 'number' } });
    assert.deepEqual(typeToJsonSchema({ t: 'record', fields: [{ name: 'a', type: named('int') }, { name: 'b', type: named('String'), optional: true }] }),
      { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'string' } }, required: ['a'] });
    assert.deepEqual(typeToJsonSchema(named('Optional', named('String'))), { type: ['string', 'null'] });
    assert.deepEqual(typeToJsonSchema({ t: 'union', options: [{ t: 'lit', value: 'low' }, { t: 'lit', value: 'high' }] }), { enum: ['low', 'high'] });
    assert.deepEqual(typeToJsonSchema(named('Finding')), {});
    assert.deepEqual(typeToJsonSchema(named('Finding'), { types: { Finding: { t: 'record', fields: [{ name: 'x', type: named('int') }] } } }),
      { type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] });
  });

  it('builds tool parameters: defaults and optional types are not required', () => {
    assert.deepEqual(paramsToJsonSchema([
      { name: 'path', type: named('String'), loc },
      { name: 'n', type: named('int'), default: { k: 'lit', value: 10, loc }, loc },
      { name: 'since', type: named('Option', named('String')), loc },
      { name: 'any', loc },
    ]), {
      type: 'object',
      properties: { path: { type: 'string' }, n: { type: 'integer' }, since: { type: ['string', 'null'] }, any: {} },
      required: ['path', 'any'],
      additionalProperties: false,
    });
  });
});
