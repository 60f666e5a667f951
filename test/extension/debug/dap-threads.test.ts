/**
 * The debug adapter over real DAP: parallel branches as threads, the tool-error and model-error
 * exception filters (a real failing command; a real HTTP model endpoint on 127.0.0.1 that fails),
 * pause, and answering a recorded approval differently (a fork from the approval).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { readJournal } from '../../../runtime/journal/reader';
import { client, launchTo, outputMatching, scope, stopAfter, where, workspace } from './dap-helpers';

describe('debug adapter (DAP): threads, tool and model errors, answering differently', function () {
  this.timeout(60_000);
  let dir: string;
  let dc: DebugClient;

  beforeEach(async () => {
    dir = workspace();
    dc = client(dir);
    await dc.start();
  });
  afterEach(async () => {
    await dc.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows each parallel branch as a thread, stopped on its own', async () => {
    const program = path.join(dir, 'parallel.baton');
    const stops: DebugProtocol.StoppedEvent[] = [];
    const two = new Promise<void>((resolve) => dc.on('stopped', (e) => { stops.push(e); if (stops.length === 2) resolve(); }));
    await launchTo(dc, { program, cwd: dir }, () => dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: 2 }] }));
    await two;
    assert.notEqual(stops[0].body.threadId, stops[1].body.threadId);
    const threads = (await dc.threadsRequest()).body.threads;
    const names = stops.map((s) => threads.find((t) => t.id === s.body.threadId)!.name);
    assert.ok(names.every((n) => /parallel main\.0\.[01]$/.test(n)), names.join(', '));
    const xs: string[] = [];
    for (const s of stops) {
      const w = await where(dc, s);
      assert.deepEqual(w.frames.map((f) => f.name.split(' · ')[0]), ['function work', 'agent par']);
      xs.push(`x=${(await scope(dc, w.frames[0].id, 'Locals')).x} called from line ${w.frames[1].line}`);
    }
    assert.deepEqual(xs.sort(), ['x=1 called from line 9', 'x=2 called from line 10']);
    const ended = outputMatching(dc, /ended: Completed → 5/);
    await dc.continueRequest({ threadId: stops[0].body.threadId! });
    await ended;
  });

  it('the tool-error filter stops where a tool failed, with the error', async () => {
    const w = await launchTo(dc, { program: path.join(dir, 'failing.baton'), cwd: dir }, () => dc.setExceptionBreakpointsRequest({ filters: ['tool-error'] }));
    assert.equal(w.reason, 'exception');
    assert.match(w.text ?? '', /exited with code 3/);
    assert.equal(w.frames.find((f) => /agent failing/.test(f.name))?.line, 11);
    const ended = outputMatching(dc, /ended: Error/);
    await dc.continueRequest({ threadId: w.threadId });
    await ended;
  });

  it('the model-error filter stops on a failing model call (a real HTTP endpoint), before the run fails', async () => {
    let calls = 0;
    const server = http.createServer((req, res) => {
      calls++;
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'bad model name', type: 'invalid_request_error' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const w = await launchTo(dc, { program: path.join(dir, 'counter.baton'), cwd: dir, provider: 'openai', baseUrl, model: 'nope' },
        () => dc.setExceptionBreakpointsRequest({ filters: ['model-error'] }));
      assert.equal(w.reason, 'exception');
      assert.match(w.text ?? '', /model call failed: .*bad model name/);
      assert.ok(calls >= 1);
      assert.equal(w.frames.find((f) => /agent counter/.test(f.name))?.line, 14);
      const ended = outputMatching(dc, /ended: Error/);
      await dc.continueRequest({ threadId: w.threadId });
      await ended;
    } finally {
      server.close();
    }
  });

  it('pause stops a running agent at its next statement', async () => {
    fs.writeFileSync(path.join(dir, 'spin.baton'), 'agent spin() {\n    with {\n        let i = 0;\n        while i < 100000000 {\n            i = i + 1;\n        }\n        return i;\n    }\n}\n');
    const started = outputMatching(dc, /^run \S+ \(journal/);
    await Promise.all([dc.configurationSequence(), dc.launch({ program: path.join(dir, 'spin.baton'), cwd: dir })]);
    await started;
    const w = await stopAfter(dc, () => dc.pauseRequest({ threadId: 1 }));
    assert.equal(w.reason, 'pause');
    assert.equal(w.line, 5);
    assert.ok(Number((await scope(dc, w.frames[0].id, 'Locals')).i) > 0);
  });

  it('answering a recorded approval differently forks a new run from that approval', async () => {
    const program = path.join(dir, 'helper.baton');
    const cassette = path.join(dir, 'helper.cassette.json');
    const first = outputMatching(dc, /^run (\S+) \(journal/);
    const w = await launchTo(dc, { program, cwd: dir, cassette });
    assert.match(w.text ?? '', /approval required/);
    const runId = /^run (\S+)/.exec(await first)![1];
    const key = (await dc.customRequest('batonPending')).body.approvals[0].key as string;
    await dc.customRequest('batonAnswerApproval', { key, answer: { kind: 'allow_once' } });
    await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: 23 }] });
    const atReturn = await stopAfter(dc, () => dc.continueRequest({ threadId: w.threadId }));
    assert.equal(atReturn.line, 23);
    assert.equal((await scope(dc, atReturn.frames[0].id, 'Locals')).a, '"all done"');

    // Now answer the same approval differently: a fork at the approval goes live from there.
    const forked = outputMatching(dc, /forked run (\S+): fork of/);
    const [stop, r] = await Promise.all([
      dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>,
      dc.customRequest('batonAnswerApproval', { key, answer: { kind: 'deny', reason: 'changed my mind' } }),
    ]);
    const newId = r.body.forked as string;
    assert.match(await forked, new RegExp(`forked run ${newId}: fork of ${runId} at #\\d+`));
    const s = await where(dc, stop);
    assert.equal(s.line, 23, 'the fork stops where the user was');
    const ended = outputMatching(dc, /fork of .* ended: Completed/);
    await dc.continueRequest({ threadId: s.threadId });
    await ended;
    const records = readJournal(path.join(dir, '.baton', 'runs', `${newId}.jsonl`)).records;
    const decided = records.filter((x) => x.type === 'ApprovalDecided');
    assert.deepEqual(decided.map((d) => d.type === 'ApprovalDecided' && [d.answer, d.by]), [[{ kind: 'deny', reason: 'changed my mind' }, 'debugger (fork)']]);
    assert.ok(records.some((x) => x.type === 'ToolDenied' && x.tool === 'greet'));
  });
});
