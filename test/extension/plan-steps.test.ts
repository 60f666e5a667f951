import { restoreVscode } from './plan-steps-vscode';
import * as assert from 'node:assert/strict';
import { recordSummary, stepsOf } from '../../extension/views/run-model';
import { cleanedRunAgent } from '../helpers/run-agent';
import { plannedRun } from './plan-fixture';

restoreVscode();
const runAgent = cleanedRunAgent();

describe('Runs view: plan steps', () => {
  it('shows the plan, each plan step with its status, reflections and insights, from a real run\'s journal', async () => {
    const r = await plannedRun(runAgent, true);
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
