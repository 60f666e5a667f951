import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { CompletionRequest } from '../../../runtime/providers/provider';
import type { TestRun } from '../../helpers/run-agent';
import { cleanedRunAgent, replayAgent, resumeAgent } from '../../helpers/run-agent';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { heuristicComplexity } from '../../../runtime/loop/planning';
import { BatonError } from '../../../runtime/errors';

const runAgent = cleanedRunAgent();
const user = (r: CompletionRequest) => r.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
const sys = (r: CompletionRequest) => r.messages.find((m) => m.role === 'system')?.content ?? '';
const isPlan = (r: CompletionRequest) => user(r).includes('Break the goal into a plan');
const stepOf = (r: CompletionRequest) => /Your step \(([^)]+)\)/.exec(user(r))?.[1];
const plan = (steps: unknown[]) => text(JSON.stringify({ steps }));

const AGENT = (attrs: string) => `
tool read_file(path: String) -> String { builtin = "fs.read" }
tool list_files(path: String = ".") -> [String] { builtin = "fs.list" }
agent planner(task: String = "Read a.txt and b.txt, then compare them and write a summary.") {
  policy p { allow: [read_file, list_files] }
  with ${attrs} { return reason(task, tools: [read_file, list_files]); }
}`;

/** Cuts the run's journal after the record with sequence number `seq` (a crash right there). */
function crashAfter(r: TestRun, seq: number): void {
  const lines = fs.readFileSync(r.journalPath!, 'utf8').split('\n').filter(Boolean);
  fs.writeFileSync(r.journalPath!, lines.slice(0, seq + 1).join('\n') + '\n');
}

describe('planning engine', () => {
  it('plans, runs independent steps concurrently in their own branches, checkpoints, and composes the answer; replays offline', async () => {
    // s1 and s2 answer only once both have asked: if they ran one after the other, they would time out.
    const waiting: Array<() => void> = [];
    const barrier = () => new Promise<boolean>((resolve) => {
      waiting.push(() => resolve(true));
      if (waiting.length === 2) for (const w of waiting) w();
      setTimeout(() => resolve(false), 3000);
    });
    const provider = new ScriptedProvider(async (req) => {
      if (isPlan(req)) {
        return plan([
          { id: 's1', goal: 'Read a.txt', tools: ['read_file'] },
          { id: 's2', goal: 'Read b.txt', tools: ['read_file'], depends_on: [] },
          { id: 's3', goal: 'Compare the two', depends_on: ['s1', 's2'], checkpoint: true },
        ]);
      }
      const step = stepOf(req);
      if (step === 's1' || step === 's2') {
        const last = req.messages[req.messages.length - 1];
        if (last.role === 'tool') return text(`${step} read: ${last.content}`);
        assert.deepEqual(req.tools?.map((t) => t.name), ['read_file'], 'a step is offered its intended tools only');
        const together = await barrier();
        return together ? toolCall('read_file', { path: step === 's1' ? 'a.txt' : 'b.txt' }) : text('ran alone');
      }
      if (step === 's3') {
        assert.equal(req.tools, undefined, 's3 names no tools');
        assert.match(user(req), /## s1: Read a\.txt\ns1 read: alpha[\s\S]*## s2: Read b\.txt\ns2 read: beta/);
        return text('a is alpha, b is beta');
      }
      if (user(req).includes('Compose the final answer')) return text(`FINAL from: ${user(req).includes('a is alpha, b is beta') ? 's3' : '?'}`);
      return text('unexpected request');
    });
    const r = await runAgent(AGENT('planning = "multi_step"'), { provider, files: { 'a.txt': 'alpha', 'b.txt': 'beta' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'FINAL from: s3');

    const assessed = r.of('PlanAssessed');
    assert.deepEqual(assessed.map((a) => [a.complexity, a.by]), [['multi_step', 'heuristic']]);
    const created = r.of('PlanCreated');
    assert.equal(created.length, 1);
    assert.deepEqual(created[0].steps.map((s) => [s.id, s.tools, s.depends_on, s.checkpoint]), [
      ['s1', ['read_file'], [], false], ['s2', ['read_file'], [], false], ['s3', [], ['s1', 's2'], true],
    ]);
    const started = r.of('PlanStepStarted');
    assert.deepEqual(started.map((s) => s.step).sort(), ['s1', 's2', 's3']);
    const branches = Object.fromEntries(started.map((s) => [s.step, s.branch]));
    assert.match(branches.s1, /^main\.(\d+)\.0$/);
    assert.equal(branches.s2, branches.s1.replace(/0$/, '1'));
    assert.equal(branches.s3, branches.s1.replace(/0$/, '2'));
    const finished = r.of('PlanStepFinished');
    assert.ok(finished.every((f) => f.ok));
    // s3 starts after s1 and s2 finished, and a signed checkpoint follows s3.
    const seqOf = (type: string, step: string) => r.records.find((x) => x.type === type && (x as { step?: string }).step === step)!.seq;
    assert.ok(seqOf('PlanStepStarted', 's3') > Math.max(seqOf('PlanStepFinished', 's1'), seqOf('PlanStepFinished', 's2')));
    const cp = r.records.find((x) => x.type === 'Checkpoint' && x.seq > seqOf('PlanStepFinished', 's3'));
    assert.ok(cp && cp.type === 'Checkpoint' && !cp.final, 'a non-final checkpoint after the checkpoint step');

    const again = await replayAgent(r.dir, r.runId);
    assert.equal(again.reason, 'Completed', again.error?.describe());
    assert.equal(again.result, 'FINAL from: s3');
  });

  it('a malformed plan is repaired once, then fails clearly and is journaled as PlanRejected', async () => {
    const seen: CompletionRequest[] = [];
    const provider = new ScriptedProvider((req) => {
      seen.push(req);
      return seen.length === 1
        ? plan([{ id: 's1', goal: 'Read', tools: ['read_file'], depends_on: ['s9'] }])
        : plan([{ id: 's1', goal: 'Read', tools: ['rm_rf'] }]);
    });
    const r = await runAgent(AGENT('planning = "multi_step"'), { provider });
    assert.equal(r.reason, 'Error');
    assert.equal(r.error?.code, 'model-output');
    assert.match(r.error!.message, /planning failed: the model's plan is malformed, even after one retry: step 's1' names tool 'rm_rf', which is not available/);
    assert.ok(r.error!.options.loc, 'the error names the reason(...) call');
    assert.equal(seen.length, 2);
    assert.match(user(seen[1]), /depends on 's9', which is not a step of the plan/);
    assert.match(sys(seen[0]), /JSON Schema/);
    assert.ok(seen[0].responseSchema, 'the plan is asked for as structured output');
    const rejected = r.of('PlanRejected');
    assert.equal(rejected.length, 1);
    assert.match(rejected[0].error, /rm_rf/);
    assert.equal(r.of('PlanCreated').length, 0);
  });

  it('re-plans once after a failed step, keeping the finished steps', async () => {
    const prompts: string[] = [];
    const provider = new ScriptedProvider((req) => {
      if (isPlan(req)) {
        prompts.push(user(req));
        if (prompts.length === 1) return plan([{ id: 'a', goal: 'List files', tools: ['list_files'] }, { id: 'b', goal: 'Read c.txt', tools: ['read_file'], depends_on: ['a'] }]);
        return plan([{ id: 'b2', goal: 'Read a.txt instead', tools: ['read_file'], depends_on: ['a'] }]);
      }
      const step = stepOf(req);
      if (step === 'a') return text('a.txt');
      if (step === 'b') return toolCall('read_file', { path: 'c.txt' }); // never answers: exhausts max_iterations
      if (step === 'b2') return req.messages[req.messages.length - 1].role === 'tool' ? text('content: alpha') : toolCall('read_file', { path: 'a.txt' });
      return text(`final: ${user(req).includes('content: alpha') ? 'ok' : 'missing'}`);
    });
    const r = await runAgent(AGENT('planning = "multi_step", max_iterations = 2'), { provider, files: { 'a.txt': 'alpha' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'final: ok');
    const re = r.of('Replanned');
    assert.equal(re.length, 1);
    assert.equal(re[0].failedStep, 'b');
    assert.match(re[0].reason, /max_iterations \(2\)/);
    assert.deepEqual(r.of('PlanCreated').map((p) => [p.revision, p.steps.map((s) => s.id)]), [[1, ['a', 'b']], [2, ['b2']]]);
    assert.match(prompts[1], /failed at step b[\s\S]*## a: List files\na\.txt/);
    assert.deepEqual(r.of('PlanStepFinished').map((f) => [f.step, f.ok]), [['a', true], ['b', false], ['b2', true]]);
  });

  it('a fatal error in one step cancels the steps running beside it; nothing runs on after the run ends', async () => {
    let s2Aborted = false;
    const provider = new ScriptedProvider((req) => {
      if (isPlan(req)) return plan([{ id: 's1', goal: 'Fail' }, { id: 's2', goal: 'Wait' }]);
      if (stepOf(req) === 's1') return new Promise((_, reject) => setTimeout(() => reject(new BatonError('provider-error', 'the endpoint is gone', { retryable: false })), 50));
      if (stepOf(req) === 's2') {
        return new Promise((resolve) => {
          const t = setTimeout(() => resolve(text('s2 finished anyway')), 3000);
          req.signal?.addEventListener('abort', () => { s2Aborted = true; clearTimeout(t); resolve(text('aborted')); }, { once: true });
        });
      }
      return text('should not compose');
    });
    const r = await runAgent(AGENT('planning = "multi_step"'), { provider });
    assert.equal(r.reason, 'Error');
    assert.equal(r.error?.code, 'provider-error');
    assert.match(r.error!.message, /the endpoint is gone/);
    assert.ok(s2Aborted, 's2 was cancelled');
    assert.equal(r.of('Replanned').length, 0, 'a provider failure is not re-planned');
    const end = r.records.findIndex((x) => x.type === 'Terminated');
    assert.ok(r.records.slice(end + 1).every((x) => x.type === 'Checkpoint'), 'no record after the end');
  });

  it('a simple goal skips planning (heuristic, journaled)', async () => {
    const provider = new ScriptedProvider(['4']);
    const r = await runAgent(AGENT('planning = "multi_step"'), { provider, inputs: { task: 'What is 2 + 2?' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, '4');
    assert.equal(provider.calls, 1);
    assert.deepEqual(r.of('PlanAssessed').map((a) => a.complexity), ['simple']);
    assert.equal(r.of('PlanCreated').length, 0);
    assert.equal(heuristicComplexity('Read a.txt, then summarize it.', []).complexity, 'multi_step');
  });

  it('planning = "complex" asks the model to assess, and an agent without a body plans too', async () => {
    const provider = new ScriptedProvider((req) => {
      if (user(req).includes('How complex is this goal?')) return text('{"complexity": "multi_step", "reason": "two files"}');
      if (isPlan(req)) return plan([{ id: 'only', goal: 'Answer' }]);
      if (stepOf(req) === 'only') return text('step done');
      return text('{"answer": "done"}');
    });
    const r = await runAgent(`
metadata { description = "plans", planning = "complex" }
type Out = { answer: String }
agent bodyless(task: String = "x") -> Out {
  capabilities = ["read"]
}`, { provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, { answer: 'done' });
    assert.deepEqual(r.of('PlanAssessed').map((a) => [a.complexity, a.by]), [['multi_step', 'model']]);
    assert.equal(r.of('PlanCreated').length, 1);
  });

  it('resume after a crash mid-plan re-derives the plan from the journal: no new plan call, no duplicate records', async () => {
    const answer = (req: CompletionRequest) => {
      if (isPlan(req)) return plan([{ id: 's1', goal: 'First' }, { id: 's2', goal: 'Second', depends_on: ['s1'] }]);
      const step = stepOf(req);
      if (step) return text(`${step} done`);
      return text('final');
    };
    const r = await runAgent(AGENT('planning = "multi_step"'), { provider: new ScriptedProvider(answer) });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const s1 = r.of('PlanStepFinished').find((f) => f.step === 's1')!;
    crashAfter(r, s1.seq);
    let planCalls = 0;
    const res = await resumeAgent(r.dir, r.runId, { provider: new ScriptedProvider((req) => { if (isPlan(req)) planCalls++; return answer(req); }) });
    assert.equal(res.reason, 'Completed', res.error?.describe());
    assert.equal(res.result, 'final');
    assert.equal(planCalls, 0);
    assert.equal(res.of('PlanCreated').length, 1);
    assert.deepEqual(res.of('PlanStepStarted').map((s) => s.step), ['s1', 's2']);
    assert.deepEqual(res.of('PlanStepFinished').map((s) => s.step), ['s1', 's2']);
  });
});
