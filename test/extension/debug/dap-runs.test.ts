/**
 * The debug adapter over real DAP, on the runtime's side: exception filters (approval required,
 * policy denial), approvals answered over DAP and from the console, the reasoning loop's frames and
 * scopes, function breakpoints by tool name, stepping through a recorded run offline (`runId`), and
 * forking a new run by setting an input.
 *
 * helper.baton (with helper.cassette.json): iteration 1 proposes echo_tool (allowed) and shout
 * (denied); iteration 2 proposes greet (no rule: a human must approve); iteration 3 answers.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { readJournal } from '../../../runtime/journal/reader';
import { client, evaluate, launchTo, outputMatching, scope, stopAfter, workspace } from './dap-helpers';

describe('debug adapter (DAP): approvals, exceptions, loops, replay and fork', function () {
  this.timeout(60_000);
  let dir: string;
  let dc: DebugClient;
  const helper = () => ({ program: path.join(dir, 'helper.baton'), cwd: dir, cassette: path.join(dir, 'helper.cassette.json') });
  const counter = () => ({ program: path.join(dir, 'counter.baton'), cwd: dir, cassette: path.join(dir, 'counter.cassette.json') });

  beforeEach(async () => {
    dir = workspace();
    dc = client(dir);
    await dc.start();
  });
  afterEach(async () => {
    await dc.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops on "approval required" with the loop frame and scopes; batonAnswerApproval lets the run finish', async () => {
    const w = await launchTo(dc, helper());
    assert.equal(w.reason, 'exception');
    assert.match(w.text ?? '', /approval required: 'greet'/);
    assert.match(w.frames[0].name, /reason loop · iteration 2/);
    assert.match(w.frames[1].name, /agent helper/);
    assert.equal(w.frames[1].line, 22);
    const pending = await scope(dc, w.frames[0].id, 'Pending tool calls');
    const key = Object.keys(pending).find((k) => /greet/.test(pending[k]));
    assert.ok(key, JSON.stringify(pending));
    assert.match(pending[key!], /waiting for approval/);
    const conv = await scope(dc, w.frames[0].id, 'Conversation');
    assert.ok(Object.keys(conv).some((k) => /\[\d+\] tool/.test(k)), `the observations of iteration 1 are in the conversation: ${Object.keys(conv)}`);
    assert.match(Object.values(conv).join('\n'), /DENIED/);
    const out = await scope(dc, w.frames[0].id, 'Last model output');
    assert.match(out.toolCalls, /greet/);
    const budget = await scope(dc, w.frames[0].id, 'Budget left');
    assert.equal(budget.iterations, '3');
    assert.equal(budget.tokensUsed, '40', 'two model answers: 15 + 25 tokens');

    const listed = await dc.customRequest('batonPending');
    assert.deepEqual(listed.body.approvals.map((a: { tool: string }) => a.tool), ['greet']);
    const ended = outputMatching(dc, /ended: Completed → "all done"/);
    const r = await dc.customRequest('batonAnswerApproval', { key: listed.body.approvals[0].key, answer: { kind: 'allow_once' } });
    assert.deepEqual(r.body, { answered: true });
    await dc.continueRequest({ threadId: w.threadId });
    await ended;
  });

  it('the policy-denial filter stops on a denied call; a console :deny answers the approval', async () => {
    const w = await launchTo(dc, helper(), () => dc.setExceptionBreakpointsRequest({ filters: ['policy-denial'] }));
    assert.equal(w.reason, 'exception');
    assert.match(w.text ?? '', /'shout' denied: .*policy p/);
    const info = await dc.exceptionInfoRequest({ threadId: w.threadId });
    assert.equal(info.body.exceptionId, 'policy-denial');
    // "approval required" is off: the approval waits without stopping; the console answers it.
    const asked = outputMatching(dc, /approval required: greet/);
    await dc.continueRequest({ threadId: w.threadId });
    await asked;
    assert.match(await evaluate(dc, ':pending', undefined, 'repl'), /greet/);
    const [denied, answered] = await Promise.all([dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>, evaluate(dc, ':deny not today', undefined, 'repl')]);
    assert.match(answered, /answered .*deny/);
    assert.match(denied.body.text ?? '', /'greet' denied: a human denied 'greet': not today/, 'a human denial is a policy denial too');
    const ended = outputMatching(dc, /ended: Completed/);
    await dc.continueRequest({ threadId: w.threadId });
    await ended;
    const runId = fs.readdirSync(path.join(dir, '.baton', 'runs'))[0].replace(/\.jsonl$/, '');
    const decided = readJournal(path.join(dir, '.baton', 'runs', `${runId}.jsonl`)).records.filter((x) => x.type === 'ApprovalDecided');
    assert.deepEqual(decided.map((d) => d.type === 'ApprovalDecided' && d.answer), [{ kind: 'deny', reason: 'not today' }]);
  });

  it('a function breakpoint on a tool stops in the ToolDispatching phase; stepping in walks the loop phases', async () => {
    const w = await launchTo(dc, { ...helper(), stopOnEntry: true }, async () => {
      await dc.setExceptionBreakpointsRequest({ filters: [] });
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'greet' }] });
    });
    assert.equal(w.line, 22);
    const phases: string[] = [];
    let s = w;
    for (let i = 0; i < 4; i++) {
      s = await stopAfter(dc, () => dc.stepInRequest({ threadId: w.threadId }));
      phases.push(s.frames[0].name.replace(/ — .*/, ''));
    }
    assert.deepEqual(phases, [
      'reason loop · iteration 1 · Reasoning', 'reason loop · iteration 1 · PolicyCheck',
      'reason loop · iteration 1 · ToolDispatching', 'reason loop · iteration 1 · ToolDispatching',
    ]);
    const f = await stopAfter(dc, () => dc.continueRequest({ threadId: w.threadId }));
    assert.equal(f.reason, 'function breakpoint');
    assert.match(f.frames[0].name, /iteration 2 · ToolDispatching — tool greet/);
    // Back one step: the PolicyCheck of iteration 2, where the model's proposal is the last output.
    const b = await stopAfter(dc, () => dc.stepBackRequest({ threadId: w.threadId }));
    assert.match(b.frames[0].name, /iteration 2 · PolicyCheck/);
  });

  it('steps through a recorded run offline (runId): no model is called, stepping back works', async () => {
    const first = outputMatching(dc, /^run (\S+) \(journal/);
    const done = dc.waitForEvent('terminated');
    await Promise.all([dc.configurationSequence(), dc.launch(counter())]);
    const runId = /^run (\S+)/.exec(await first)![1];
    await done;
    await dc.stop();
    fs.rmSync(path.join(dir, 'counter.cassette.json')); // nothing can answer a model call now

    dc = client(dir);
    await dc.start();
    const program = path.join(dir, 'counter.baton');
    const w = await launchTo(dc, { runId, cwd: dir }, () => dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: 12 }] }));
    assert.equal(w.line, 12);
    const threads = await dc.threadsRequest();
    assert.match(threads.body.threads[0].name, new RegExp(`replay of ${runId}`));
    assert.match(w.frames[0].name, /\(replay\)/);
    const b = await stopAfter(dc, () => dc.stepBackRequest({ threadId: w.threadId }));
    assert.equal(b.line, 11);
    await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: 15 }] });
    const e = await stopAfter(dc, () => dc.continueRequest({ threadId: w.threadId }));
    assert.equal(e.line, 15);
    assert.equal((await scope(dc, e.frames[0].id, 'Locals')).answer, '"cats are great"');
  });

  it('setting an input forks a new run from the stop, clearly labelled, that goes on with the new value', async () => {
    const first = outputMatching(dc, /^run (\S+) \(journal/);
    const w = await launchTo(dc, counter(), () => dc.setBreakpointsRequest({ source: { path: path.join(dir, 'counter.baton') }, breakpoints: [{ line: 12 }] }));
    const runId = /^run (\S+)/.exec(await first)![1];
    const w1 = await stopAfter(dc, () => dc.continueRequest({ threadId: w.threadId }));
    assert.equal((await scope(dc, w1.frames[0].id, 'Locals')).i, '1');
    const inputs = await dc.scopesRequest({ frameId: w1.frames[0].id });
    const ref = inputs.body.scopes.find((s) => s.name === 'Inputs')!.variablesReference;
    await assert.rejects(dc.setVariableRequest({ variablesReference: (inputs.body.scopes.find((s) => s.name === 'Locals')!).variablesReference, name: 'i', value: '7' }), /only Inputs can be changed/);

    const forked = outputMatching(dc, /forked run (\S+): fork of/);
    const [stop] = await Promise.all([
      dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>,
      dc.setVariableRequest({ variablesReference: ref, name: 'n', value: '5' }),
    ]);
    const msg = await forked;
    assert.match(msg, new RegExp(`fork of ${runId} at #\\d+ with \\{"n":5\\}`));
    const threads = await dc.threadsRequest();
    assert.match(threads.body.threads.find((t) => t.id === stop.body.threadId)!.name, new RegExp(`fork of ${runId} at #\\d+`));
    const st = await dc.stackTraceRequest({ threadId: stop.body.threadId! });
    assert.equal(stop.body.reason, 'step');
    assert.equal(st.body.stackFrames[0].line, 12, 'the fork stops where it was made (not at the breakpoint hits of its replayed prefix)');
    assert.equal((await scope(dc, st.body.stackFrames[0].id, 'Locals')).i, '1');
    assert.deepEqual(await scope(dc, st.body.stackFrames[0].id, 'Inputs'), { n: '5', topic: '"cats"' });
    await dc.setBreakpointsRequest({ source: { path: path.join(dir, 'counter.baton') }, breakpoints: [] });
    const ended = outputMatching(dc, /ended: Completed → \{"total":20,"answer":"cats are great"\}/);
    await dc.continueRequest({ threadId: stop.body.threadId! });
    await ended;
    const newId = /forked run (\S+):/.exec(msg)![1];
    const started = readJournal(path.join(dir, '.baton', 'runs', `${newId}.jsonl`)).records[0];
    assert.ok(started.type === 'Started' && started.forkOf?.run === runId);
  });

  it('refuses a launch without program or runId, naming what is missing', async () => {
    await Promise.all([dc.configurationSequence(), assert.rejects(dc.launch({ cwd: dir }), /needs 'program'.*or 'runId'/)]);
  });
});
