/**
 * The debug adapter over real DAP (`node dist/debug-adapter.js` on stdio, @vscode/debugadapter-testsupport):
 * breakpoints (moved to statements, conditions, hit counts, logpoints), stepping both ways,
 * variables and evaluate, on test/fixtures/debug/counter.baton with its recorded model answer.
 *
 * counter.baton: 2 `let y = x * 2` (function double) · 8 `let total = 0` · 9 `let i = 0` ·
 * 10 `while i < n` · 11 `total = total + double(i)` · 12 `i = i + 1` · 14 `let answer = ask(...)` · 15 `return`.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { client, evaluate, launchTo, scope, stopAfter, workspace } from './dap-helpers';

describe('debug adapter (DAP): breakpoints and stepping', function () {
  this.timeout(60_000);
  let dir: string;
  let dc: DebugClient;
  let program: string;
  const launch = (extra: Record<string, unknown> = {}) => ({ program, cwd: dir, cassette: path.join(dir, 'counter.cassette.json'), ...extra });

  beforeEach(async () => {
    dir = workspace();
    program = path.join(dir, 'counter.baton');
    dc = client(dir);
    await dc.start();
  });
  afterEach(async () => {
    await dc.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const setBps = (lines: Array<{ line: number; condition?: string; hitCondition?: string; logMessage?: string }>) =>
    dc.setBreakpointsRequest({ source: { path: program }, breakpoints: lines });

  it('moves a breakpoint on a blank line to the next statement, verifies it and stops there', async () => {
    let verified: Array<{ line?: number; verified: boolean }> = [];
    const w = await launchTo(dc, launch(), async () => { verified = (await setBps([{ line: 5 }, { line: 11 }])).body.breakpoints; });
    assert.deepEqual(verified.map((b) => [b.line, b.verified]), [[8, true], [11, true]]);
    assert.equal(w.reason, 'breakpoint');
    assert.equal(w.line, 8);
    assert.match(w.frames[0].name, /agent counter/);
    const next = await stopAfter(dc, () => dc.continueRequest({ threadId: w.threadId }));
    assert.equal(next.line, 11);
    assert.equal((await scope(dc, next.frames[0].id, 'Locals')).i, '0');
  });

  it('conditional and hit-count breakpoints stop on the right iteration; logpoints print and do not stop', async () => {
    const logged: string[] = [];
    dc.on('output', (e) => { if (/^i is /.test(e.body.output)) logged.push(e.body.output.trim()); });
    const w = await launchTo(dc, launch(), () => setBps([{ line: 11, condition: 'i == 2' }, { line: 12, logMessage: 'i is {i}, total {total}' }]));
    assert.equal(w.line, 11);
    assert.equal((await scope(dc, w.frames[0].id, 'Locals')).i, '2');
    assert.deepEqual(logged, ['i is 0, total 0', 'i is 1, total 2']);

    await setBps([{ line: 12, hitCondition: '3' }]);
    // The hit count covers the hits before the breakpoint was set: line 12 ran twice already.
    const h = await stopAfter(dc, () => dc.continueRequest({ threadId: w.threadId }));
    assert.equal(h.line, 12);
    assert.equal((await scope(dc, h.frames[0].id, 'Locals')).i, '2');
    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: w.threadId });
    await ended;
  });

  it('steps over, into and out; the call stack is agent → function → statement', async () => {
    const entry = await launchTo(dc, launch({ stopOnEntry: true }));
    assert.equal(entry.reason, 'entry');
    assert.equal(entry.line, 8);
    let w = await stopAfter(dc, () => dc.nextRequest({ threadId: entry.threadId }));
    assert.deepEqual([w.reason, w.line], ['step', 9]);
    w = await stopAfter(dc, () => dc.nextRequest({ threadId: entry.threadId }));
    assert.equal(w.line, 10);
    w = await stopAfter(dc, () => dc.nextRequest({ threadId: entry.threadId }));
    assert.equal(w.line, 11);
    w = await stopAfter(dc, () => dc.stepInRequest({ threadId: entry.threadId }));
    assert.equal(w.line, 2);
    assert.deepEqual(w.frames.map((f) => [f.name.split(' · ')[0], f.line]), [['function double', 2], ['agent counter', 11]]);
    assert.equal((await scope(dc, w.frames[0].id, 'Locals')).x, '0');
    w = await stopAfter(dc, () => dc.stepOutRequest({ threadId: entry.threadId }));
    assert.equal(w.line, 12);
    assert.equal(w.frames.length, 1);
  });

  it('steps back and reverse-continues through history, then forward again without re-running anything', async () => {
    const w0 = await launchTo(dc, launch(), () => setBps([{ line: 12 }]));
    const t = w0.threadId;
    let w = await stopAfter(dc, () => dc.continueRequest({ threadId: t }));
    w = await stopAfter(dc, () => dc.continueRequest({ threadId: t }));
    assert.equal((await scope(dc, w.frames[0].id, 'Locals')).i, '2');
    assert.equal((await scope(dc, w.frames[0].id, 'Locals')).total, '6');

    w = await stopAfter(dc, () => dc.stepBackRequest({ threadId: t }));
    assert.deepEqual([w.reason, w.line], ['step', 11]);
    assert.equal((await scope(dc, w.frames[0].id, 'Locals')).total, '2', 'the locals are those of that earlier moment');
    w = await stopAfter(dc, () => dc.stepBackRequest({ threadId: t }));
    assert.equal(w.line, 12, 'the previous iteration (a while statement is reached once)');
    assert.equal((await scope(dc, w.frames[0].id, 'Locals')).i, '1');

    w = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: t }));
    assert.equal((await scope(dc, w.frames[0].id, 'Locals')).i, '0');
    w = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: t }));
    assert.deepEqual([w.reason, w.line], ['entry', 8], 'back at the first statement');

    // Forward again: history is re-walked (the breakpoint on 12 hits again with i = 0, 1, 2), then the run goes on live.
    for (const i of ['0', '1', '2']) {
      w = await stopAfter(dc, () => dc.continueRequest({ threadId: t }));
      assert.equal((await scope(dc, w.frames[0].id, 'Locals')).i, i);
    }
    w = await stopAfter(dc, () => dc.nextRequest({ threadId: t }));
    assert.equal(w.line, 14, 'past the loop, live');
    await setBps([{ line: 15 }]);
    w = await stopAfter(dc, () => dc.continueRequest({ threadId: t }));
    assert.equal(w.line, 15);
    assert.equal((await scope(dc, w.frames[0].id, 'Locals')).answer, '"cats are great"');

    // Stepping past the end stops once more at the end of the run, from where one can still go back.
    w = await stopAfter(dc, () => dc.nextRequest({ threadId: t }));
    assert.equal(w.reason, 'step');
    assert.match(w.frames[0].name, /end of run — Completed → \{"total":6,"answer":"cats are great"\}/);
    w = await stopAfter(dc, () => dc.stepBackRequest({ threadId: t }));
    assert.equal(w.line, 15);
    w = await stopAfter(dc, () => dc.continueRequest({ threadId: t }));
    assert.match(w.frames[0].name, /end of run/);
    const ended = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: t });
    await ended;
  });

  it('shows Locals, Inputs, Context and Budget left; evaluates DSL expressions without effects', async () => {
    const w = await launchTo(dc, launch({ inputs: { n: 2, topic: 'dogs' } }), () => setBps([{ line: 12 }]));
    const f = w.frames[0].id;
    assert.deepEqual(await scope(dc, f, 'Inputs'), { n: '2', topic: '"dogs"' });
    assert.equal((await scope(dc, f, 'Locals')).total, '0');
    assert.match((await scope(dc, f, 'Context')).agent, /counter/);
    const budget = await scope(dc, f, 'Budget left');
    assert.equal(budget.tokens, '100000');
    assert.equal(budget.iterations, '25');

    assert.equal(await evaluate(dc, 'total + i * 10', f), '0');
    assert.equal(await evaluate(dc, 'len(topic) + n', f), '6');
    assert.equal(await evaluate(dc, '"hi " + topic', f, 'repl'), '"hi dogs"');
    await assert.rejects(evaluate(dc, 'double(3)', f), /without effects/);
    await assert.rejects(evaluate(dc, 'nope + 1', f), /nope/);
  });
});

