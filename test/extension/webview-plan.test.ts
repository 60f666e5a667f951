import * as assert from 'node:assert/strict';
import type { CompletionRequest } from '../../runtime/providers/provider';
import type { StepNode } from '../../extension/webview/protocol';
import { buildRunState } from '../../extension/webview/run-model';
import { cleanedRunAgent } from '../helpers/run-agent';
import { ScriptedProvider, text, toolCall } from '../../runtime/providers/scripted';

const runAgent = cleanedRunAgent();
const user = (r: CompletionRequest) => r.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
const json = (v: unknown) => text(JSON.stringify(v));
const shape = (n: StepNode): unknown => [n.kind, n.label, n.status, ...(n.children.length ? [n.children.map(shape)] : [])];

describe('run panel: plan steps', () => {
  it('shows a plan node with its steps, and each step\'s model and tool calls under it, from a real run', async () => {
    const provider = new ScriptedProvider((req) => {
      const u = user(req);
      if (u.includes('Break the goal into a plan')) return json({ steps: [{ id: 's1', goal: 'Read a.txt', tools: ['read_file'] }, { id: 's2', goal: 'Summarize', depends_on: ['s1'] }] });
      if (u.includes('Your step (s1)')) return req.messages[req.messages.length - 1].role === 'tool' ? text('alpha') : toolCall('read_file', { path: 'a.txt' });
      return text('done');
    });
    const r = await runAgent(`
tool read_file(path: String) -> String { builtin = "fs.read" }
agent viewer(task: String = "Read a.txt, then summarize it.") {
  policy p { allow: read_file }
  with planning = "multi_step" { return reason(task, tools: [read_file]); }
}`, { provider, files: { 'a.txt': 'alpha' } });
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
