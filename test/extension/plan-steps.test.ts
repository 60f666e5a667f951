import { restoreVscode } from './plan-steps-vscode';
import * as assert from 'node:assert/strict';
import type { CompletionRequest } from '../../runtime/providers/provider';
import { recordSummary, stepsOf } from '../../extension/views/run-model';
import { cleanedRunAgent } from '../helpers/run-agent';
import { ScriptedProvider, text, toolCall } from '../../runtime/providers/scripted';

restoreVscode();
const runAgent = cleanedRunAgent();
const user = (r: CompletionRequest) => r.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
const json = (v: unknown) => text(JSON.stringify(v));

describe('Runs view: plan steps', () => {
  it('shows the plan, each plan step with its status, reflections and insights, from a real run\'s journal', async () => {
    const provider = new ScriptedProvider((req) => {
      const u = user(req);
      if (u.includes('Decide before the step runs')) return u.includes('Next step (s2)') ? json({ decision: 'skip', reason: 'not needed' }) : json({ decision: 'proceed', reason: 'ok' });
      if (u.includes('List up to 5 short')) return json({ insights: ['Read before writing'] });
      if (u.includes('Break the goal into a plan')) return json({ steps: [{ id: 's1', goal: 'Read a.txt', tools: ['read_file'] }, { id: 's2', goal: 'Summarize', depends_on: ['s1'], checkpoint: true }] });
      if (u.includes('Your step (s1)')) return req.messages[req.messages.length - 1].role === 'tool' ? text('alpha') : toolCall('read_file', { path: 'a.txt' });
      return text('done');
    });
    const r = await runAgent(`
tool read_file(path: String) -> String { builtin = "fs.read" }
agent viewer(task: String = "Read a.txt, then summarize it.") {
  policy p { allow: read_file }
  with planning = "multi_step", reflection = true { return reason(task, tools: [read_file]); }
}`, { provider, files: { 'a.txt': 'alpha' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());

    const steps = stepsOf(r.records, false);
    const plan = steps.filter((s) => s.kind === 'plan');
    assert.deepEqual(plan.map((s) => [s.label, s.description]), [
      ['plan', '2 steps'],
      ['step s1: Read a.txt', 'done · 2 iterations'],
      ['step s2', 'skipped'],
    ]);
    assert.deepEqual(plan[0].details.map((d) => d.label), ['s1: Read a.txt', 's2: Summarize', 'reflection (final): done', 'insight: Read before writing']);
    assert.equal(plan[0].details[1].description, 'after s1 · checkpoint');
    assert.deepEqual(plan[1].details.map((d) => d.label), ['reflection (pre): proceed', 'result: alpha']);
    assert.deepEqual(plan[2].details.map((d) => d.label), ['reflection (pre): skip']);
    // Plan steps sit among the model and tool steps in journal order.
    const seqs = steps.map((s) => s.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.ok(steps.some((s) => s.kind === 'tool' && s.label.startsWith('read_file(')));

    const created = r.of('PlanCreated')[0];
    assert.match(recordSummary(created), /#\d+ s1, s2$/);
    assert.equal(recordSummary(r.of('PlanStepFinished').find((f) => f.step === 's2')!), 's2 skipped');
    assert.equal(recordSummary(r.of('ReflectionMade').find((x) => x.phase === 'final')!), 'final: done · 1 insights');
  });
});
