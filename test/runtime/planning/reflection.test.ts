import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { CompletionRequest } from '../../../runtime/providers/provider';
import { cleanedRunAgent, replayAgent } from '../../helpers/run-agent';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { insightsStoreName, loadInsights } from '../../../runtime/loop/insights';
import { memoryDir } from '../../../runtime/memory/store';

const runAgent = cleanedRunAgent();
const user = (r: CompletionRequest) => r.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
const sys = (r: CompletionRequest) => r.messages.find((m) => m.role === 'system')?.content ?? '';
const json = (v: unknown) => text(JSON.stringify(v));

const AGENT = (attrs: string) => `
tool read_file(path: String) -> String { builtin = "fs.read" }
agent reviewer(task: String = "Read a.txt, then check it and report.") {
  policy p { allow: read_file }
  with ${attrs} { return reason(task, tools: [read_file]); }
}`;

describe('reflection engine', () => {
  it('pre-step adjust and skip, one corrected retry after a failed step, final insights stored and offered to the next run', async () => {
    const seen: CompletionRequest[] = [];
    const script = (req: CompletionRequest) => {
      seen.push(req);
      const u = user(req);
      if (u.includes('Decide before the step runs')) {
        return u.includes('Next step (s1)')
          ? json({ decision: 'adjust', reason: 'be precise', adjusted_goal: 'Read a.txt and quote it' })
          : json({ decision: 'skip', reason: 'nothing left to check' });
      }
      if (u.includes('The step s1 failed.')) return json({ decision: 'retry', reason: 'the tool loop ran out', corrected_goal: 'Answer from memory' });
      if (u.includes('List up to 5 short')) return json({ insights: ['Check the config first', ' '], reason: 'went fine' });
      if (u.includes('Break the goal into a plan')) return json({ steps: [{ id: 's1', goal: 'Read a.txt', tools: ['read_file'] }, { id: 's2', goal: 'Check it', depends_on: ['s1'] }] });
      if (u.includes('Your step (s1)')) return u.includes('Answer from memory') ? text('s1 ok') : toolCall('read_file', { path: 'a.txt' });
      if (u.includes('Compose the final answer')) return text(`final (${u.includes('skipped') ? 's2 skipped' : '?'})`);
      return text('unexpected');
    };
    const r = await runAgent(AGENT('planning = "multi_step", reflection = true, max_iterations = 1'), { provider: new ScriptedProvider(script), files: { 'a.txt': 'alpha' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'final (s2 skipped)');

    const refl = r.of('ReflectionMade');
    assert.deepEqual(refl.map((x) => [x.phase, x.step ?? '-', x.decision]).sort(), [
      ['correction', 's1', 'retry'], ['final', '-', 'done'], ['pre', 's1', 'adjust'], ['pre', 's2', 'skip'],
    ].sort());
    assert.equal(refl.find((x) => x.phase === 'pre' && x.step === 's1')!.adjustedGoal, 'Read a.txt and quote it');
    assert.deepEqual(refl.find((x) => x.phase === 'final')!.insights, ['Check the config first']);
    // The adjusted goal ran first (and failed: one iteration, a tool call); the corrected goal second.
    const started = r.of('PlanStepStarted').filter((s) => s.step === 's1');
    assert.deepEqual(started.map((s) => [s.attempt, s.goal]), [[1, 'Read a.txt and quote it'], [2, 'Answer from memory']]);
    assert.deepEqual(r.of('PlanStepFinished').map((f) => [f.step, f.ok, f.skipped ?? false]), [['s1', true, false], ['s2', true, true]]);
    // Every reflection is a schema-checked model call.
    const reflCalls = seen.filter((q) => /Decide|failed\.|List up to 5/.test(user(q)));
    assert.equal(reflCalls.length, 4);
    assert.ok(reflCalls.every((q) => q.responseSchema && sys(q).includes('JSON Schema')));

    assert.equal(fs.readdirSync(`${memoryDir(r.dir, insightsStoreName('reviewer'))}/records`).length, 1, 'one memory entry per final reflection');
    assert.deepEqual(loadInsights(r.dir, 'reviewer'), ['Check the config first']);

    const again = await replayAgent(r.dir, r.runId);
    assert.equal(again.result, r.result);
    assert.deepEqual(loadInsights(r.dir, 'reviewer'), ['Check the config first'], 'a replay stores nothing');

    // The next run of the same agent is offered the insight in its system prompt.
    seen.length = 0;
    const next = await runAgent(AGENT('planning = "multi_step", reflection = true, max_iterations = 1'), { dir: r.dir, provider: new ScriptedProvider(script), files: { 'a.txt': 'alpha' } });
    assert.equal(next.reason, 'Completed', next.error?.describe());
    assert.match(sys(seen[0]), /Insights from earlier runs[\s\S]*- Check the config first/);
    assert.deepEqual(next.of('EffectRecorded').filter((e) => e.effect === 'insights').map((e) => e.value), [['Check the config first']]);
  });

  it('without planning: a failed loop gets one corrected retry; giving up fails with the original error', async () => {
    const retry = new ScriptedProvider((req) => {
      const u = user(req);
      if (u.includes('failed.')) return json({ decision: 'retry', reason: 'use no tools', corrected_goal: 'Just say hi' });
      if (u.includes('List up to 5 short')) return json({ insights: [] });
      return u.includes('Just say hi') ? text('hi') : toolCall('read_file', { path: 'a.txt' });
    });
    const r = await runAgent(AGENT('reflection = true, max_iterations = 1'), { provider: retry, files: { 'a.txt': 'x' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'hi');
    assert.deepEqual(r.of('ReflectionMade').map((x) => [x.phase, x.decision]), [['correction', 'retry'], ['final', 'done']]);
    assert.equal(r.of('PlanCreated').length, 0);
    assert.deepEqual(loadInsights(r.dir, 'reviewer'), [], 'no insights, nothing stored');

    const giveUp = new ScriptedProvider((req) => (user(req).includes('failed.') ? json({ decision: 'give_up', reason: 'pointless' }) : toolCall('read_file', { path: 'a.txt' })));
    const g = await runAgent(AGENT('reflection = true, max_iterations = 1'), { provider: giveUp, files: { 'a.txt': 'x' } });
    assert.equal(g.reason, 'MaxIterations');
    assert.match(g.error!.message, /max_iterations \(1\)/);
  });

  it('a malformed reflection is repaired once, then fails clearly and is journaled', async () => {
    const provider = new ScriptedProvider((req) => {
      const u = user(req);
      if (u.includes('failed.')) return json({ decision: 'maybe', reason: 'unsure' });
      return toolCall('read_file', { path: 'a.txt' });
    });
    const r = await runAgent(AGENT('reflection = true, max_iterations = 1'), { provider, files: { 'a.txt': 'x' } });
    assert.equal(r.reason, 'Error');
    assert.equal(r.error?.code, 'model-output');
    assert.match(r.error!.message, /correction reflection is malformed, even after one retry: decision:/);
    const bad = r.of('ReflectionMade');
    assert.deepEqual(bad.map((x) => [x.phase, x.decision]), [['correction', 'invalid']]);
  });
});
