import * as assert from 'node:assert/strict';
import type { StepNode } from '../../extension/webview/protocol';
import { buildRunState } from '../../extension/webview/run-model';
import { cleanedRunAgent } from '../helpers/run-agent';
import { plannedRun } from './plan-fixture';

const runAgent = cleanedRunAgent();
const shape = (n: StepNode): unknown => [n.kind, n.label, n.status, ...(n.children.length ? [n.children.map(shape)] : [])];

describe('run panel: plan steps', () => {
  it('shows a plan node with its steps, and each step\'s model and tool calls under it, from a real run', async () => {
    const r = await plannedRun(runAgent, false);
    assert.equal(r.reason, 'Completed', r.error?.describe());

    const s = buildRunState(r.runId, r.records, false);
    const plan = s.steps.find((n) => n.kind === 'plan');
    assert.ok(plan, `no plan node in ${JSON.stringify(s.steps.map((n) => n.label))}`);
    assert.equal(plan.label, 'plan: 2 steps');
    assert.equal(plan.status, 'done');
    const [s1, s2] = plan.children;
    assert.deepEqual([s1.kind, s1.label, s1.status], ['plan-step', 's1: Read a.txt', 'done']);
    assert.deepEqual([s2.label, s2.detail?.startsWith('→'), s2.status], ['s2: Summarize', true, 'done']);
    // The step's own loop nests under it: a model call proposing read_file, the tool call, then the answer.
    const inner = s1.children.map(shape);
    assert.deepEqual(inner[0], ['model', 'model call 2', 'done', [['tool', 'read_file({"path":"a.txt"})', 'done'], ['observation', 'observations (1)', 'done']]], JSON.stringify(inner));
    assert.ok(s.timeline.some((e) => e.phase === 'Planning' && e.label.startsWith('plan: s1, s2')), 'the timeline names the plan');
    assert.ok(s.timeline.some((e) => e.label === 'step s1 finished'));
  });
});
