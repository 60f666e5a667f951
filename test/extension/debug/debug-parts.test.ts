/**
 * The debugger's pure parts: evaluating DSL expressions without effects, statement lines and
 * breakpoint placement, hit conditions, console answer commands, and `DebugApprovals` answering
 * the same request as the editor's approval provider (whichever answers first wins).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApprovalRequest } from '../../../runtime/approvals/approval';
import type { ApprovalAnswer } from '../../../runtime/journal/records';
import { evaluate, interpolate } from '../../../extension/debug/evaluate';
import { hitMatches, nearestStatement, statementLines } from '../../../extension/debug/breakpoints';
import { DebugApprovals, parseAnswerCommand } from '../../../extension/debug/debug-services';
import { FIXTURES } from './dap-helpers';

const REQ: ApprovalRequest = { runId: 'r', key: 'main#4', agent: 'a', tool: 'greet', args: { name: 'ada' }, rule: { policy: 'p', verb: 'default', file: 'f', line: 1 }, reason: 'no rule', canAlwaysAllow: true };

describe('debugger parts', () => {
  it('evaluates DSL expressions against a snapshot, refusing effects and naming the problem', () => {
    const vars = { xs: [3, 1, 2], who: 'ada', rec: { a: { b: 7 } } };
    assert.equal(evaluate('len(xs) + rec.a.b', vars), 10);
    assert.deepEqual(evaluate('xs.map(x => x * 2)', vars), [6, 2, 4]);
    assert.equal(evaluate('"hi " + who', vars), 'hi ada');
    assert.equal(evaluate('context.agent', vars, { agent: 'counter' }), 'counter');
    assert.throws(() => evaluate('now()', vars), /without effects/);
    assert.throws(() => evaluate('nope * 2', vars), /nope/);
    assert.throws(() => evaluate('xs[', vars), /cannot evaluate 'xs\['/);
    evaluate('xs.append(9)', vars);
    assert.deepEqual(vars.xs, [3, 1, 2], 'the snapshot is never changed by an evaluation');
    assert.match(interpolate('{who} has {len(xs)} items, {bad +}', vars), /^ada has 3 items, <cannot evaluate 'bad \+': .+>$/);
  });

  it('finds statement lines and moves breakpoints to the nearest statement', () => {
    const { lines } = statementLines(fs.readFileSync(path.join(FIXTURES, 'counter.baton'), 'utf8'));
    assert.deepEqual(lines, [2, 3, 8, 9, 10, 11, 12, 14, 15]);
    assert.equal(nearestStatement(lines, 5), 8);
    assert.equal(nearestStatement(lines, 13), 14);
    assert.equal(nearestStatement(lines, 40), 15);
    assert.equal(statementLines('agent x( {').lines.length, 0);
    assert.ok(statementLines('agent x( {').error);
  });

  it('hit conditions', () => {
    assert.ok(hitMatches('3', 3) && !hitMatches('3', 2));
    assert.ok(hitMatches('>= 2', 2) && !hitMatches('>= 2', 1));
    assert.ok(hitMatches('% 2', 4) && !hitMatches('% 2', 3));
    assert.ok(hitMatches(undefined, 1));
  });

  it('parses console answers', () => {
    assert.deepEqual(parseAnswerCommand(':approve'), { key: undefined, answer: { kind: 'allow_once' } });
    assert.deepEqual(parseAnswerCommand(':deny main#4 too risky'), { key: 'main#4', answer: { kind: 'deny', reason: 'too risky' } });
    assert.deepEqual(parseAnswerCommand(':respond {"ok":true}'), { key: undefined, answer: { kind: 'respond', result: { ok: true } } });
    assert.deepEqual(parseAnswerCommand(':edit main.0.1#2 {"name":"bob"}'), { key: 'main.0.1#2', answer: { kind: 'edit', args: { name: 'bob' } } });
    assert.match((parseAnswerCommand(':edit [1]') as { error: string }).error, /JSON object/);
    assert.equal(parseAnswerCommand('x + 1'), undefined);
  });

  it('DebugApprovals: the debugger or the editor answers, whichever is first; the other is cancelled', async () => {
    let editorSignal: AbortSignal | undefined;
    const editor = { request: (_r: ApprovalRequest, s: AbortSignal) => { editorSignal = s; return new Promise<ApprovalAnswer>(() => undefined); } };
    const waiting: string[] = [];
    const a = new DebugApprovals(editor, (r) => waiting.push(r.key));
    const p = a.request(REQ, new AbortController().signal);
    assert.deepEqual(waiting, ['main#4']);
    assert.equal(a.keyFor(undefined), 'main#4');
    assert.ok(a.answer('main#4', { kind: 'deny', reason: 'no' }));
    assert.deepEqual(await p, { kind: 'deny', reason: 'no', by: 'debugger' });
    assert.ok(editorSignal?.aborted, "the editor's prompt is withdrawn");
    assert.equal(a.pending.size, 0);

    const b = new DebugApprovals({ request: async () => ({ kind: 'allow_run' }) }, () => undefined);
    assert.deepEqual(await b.request(REQ, new AbortController().signal), { kind: 'allow_run' });
    assert.equal(b.answer('main#4', { kind: 'allow_once' }), false);

    const ac = new AbortController();
    const c = new DebugApprovals(undefined, () => undefined);
    const q = c.request(REQ, ac.signal);
    ac.abort();
    await assert.rejects(q, /cancelled/);
  });
});
