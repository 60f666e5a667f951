/**
 * Durable execution in-process: replay calls nothing, fork replays its prefix and goes live after
 * (and its own journal is replayable), resume after a torn last line, no duplicate records after a
 * resume, and in-doubt effects (idempotent → re-run; otherwise a human answers respond / allow_once /
 * deny).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApprovalRequest } from '../../../runtime/approvals/approval';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import type { ApprovalAnswer } from '../../../runtime/journal/records';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { verifyJournal } from '../../../runtime/journal/audit';
import { loadKey } from '../../../runtime/journal/keys';
import { readJournal } from '../../../runtime/journal/reader';
import { forkAgent, replayAgent, tempWorkspace } from '../../helpers/run-agent';
import { cutBefore, journalFile, lines, resume, run, trackUnhandled, writeLines } from './kernel-helpers';

const COUNTER = (name: string, extra = '') => `
tool ${name}(n: int) -> String {
    command = ["node", "-e", "const fs = require('fs'); fs.appendFileSync('counter.txt', process.argv[1] + '\\\\n'); console.log(fs.readFileSync('counter.txt', 'utf8').split('\\\\n').filter(Boolean).length)", "{n}"]
    ${extra}
}`;

const FORKABLE = `
${COUNTER('bump')}
agent f(topic: String = "cats", start: int = 1) {
    policy p { allow: bump }
    with {
        let first = bump(start);
        let a = ask("warm up");
        let b = ask("tell me about " + topic);
        let second = bump(start + 1);
        return { first: first, a: a, b: b, second: second };
    }
}`;

function echoModel(): ScriptedProvider {
  return new ScriptedProvider((req) => text(`answer to: ${req.messages.at(-1)!.content}`));
}

function counter(dir: string): string {
  const f = path.join(dir, 'counter.txt');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
}

function verifies(dir: string, runId: string): void {
  const v = verifyJournal(journalFile(dir, runId), { trustedKeys: [loadKey(dir)!.publicKey] });
  assert.ok(v.ok, JSON.stringify(v));
}

describe('kernel: replay, fork, resume, in-doubt', function () {
  this.timeout(30_000);
  const unhandled = trackUnhandled();
  afterEach(() => assert.deepEqual(unhandled.list, []));

  describe('replay', () => {
    it('gives the same result as the run, calls no model and runs no tool', async () => {
      const model = echoModel();
      const r = await run(FORKABLE, { provider: model });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      assert.equal(model.calls, 2);
      assert.equal(counter(r.dir), '1\n2\n');
      const again = await replayAgent(r.dir, r.runId);
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.deepEqual(again.result, r.result);
      assert.equal(counter(r.dir), '1\n2\n', 'replay ran no tool');
      assert.ok(again.events.some((e) => e.kind === 'record' && e.replayed), 'events say replayed');
    });

    it('replays a reason() loop with tools, denials and a malformed call', async () => {
      const src = `
tool read_file(path: String) -> String { builtin = "fs.read" }
tool write_file(path: String, content: String) { builtin = "fs.write" }
agent a {
    policy p { allow: read_file  deny: write_file }
    with { return reason("look", tools: [read_file, write_file]); }
}`;
      const provider = new ScriptedProvider([
        toolCall('read_file', { path: 'x.txt' }), toolCall('write_file', { path: 'y.txt', content: 'z' }),
        toolCall('read_file', '{oops'), toolCall('nope', {}), text('finished'),
      ]);
      const r = await run(src, { provider, files: { 'x.txt': 'hello' } });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      const again = await replayAgent(r.dir, r.runId);
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.equal(again.result, 'finished');
    });

    it('replays a run that failed with a provider error to the same failure, offline', async () => {
      const provider = new ScriptedProvider([text('first'), ]);
      const src = `agent a { with { let x = ask("one"); let y = ask("two"); return x + y; } }`;
      const r = await run(src, { provider });
      assert.equal(r.reason, 'Error');
      assert.equal(r.error?.code, 'provider-error');
      const again = await replayAgent(r.dir, r.runId);
      assert.equal(again.reason, 'Error');
      assert.equal(again.error?.code, 'provider-error', again.error?.describe());
      assert.equal(again.error?.message, r.error?.message);
    });
  });

  describe('fork', () => {
    it('at a seq with a changed input: the prefix is replayed (no model, no tool), the rest goes live', async () => {
      const r = await run(FORKABLE, { provider: echoModel() });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      const at = r.of('ModelRequested').find((m) => m.key === 'main#2')!.seq;
      const model = echoModel();
      const f = await forkAgent(r.dir, r.runId, at, { topic: 'dogs' }, { provider: model });
      assert.equal(f.reason, 'Completed', f.error?.describe());
      assert.equal(model.calls, 1, 'only the call after the fork point is live');
      assert.equal(counter(r.dir), '1\n2\n2\n', 'bump(1) was not run again; bump(2) ran live once');
      assert.deepEqual(f.result, { first: '1', a: 'answer to: warm up', b: 'answer to: tell me about dogs', second: '3' });
      const started = f.of('Started')[0];
      assert.deepEqual(started.forkOf, { run: r.runId, at });
      assert.equal(started.inputs.topic, 'dogs');
      verifies(f.dir, f.runId);
    });

    it("a fork's own journal replays offline to the fork's result", async () => {
      const r = await run(FORKABLE, { provider: echoModel() });
      const at = r.of('ModelRequested').find((m) => m.key === 'main#2')!.seq;
      const f = await forkAgent(r.dir, r.runId, at, { topic: 'dogs' }, { provider: echoModel() });
      assert.equal(f.reason, 'Completed', f.error?.describe());
      const again = await replayAgent(r.dir, f.runId);
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.deepEqual(again.result, f.result);
      assert.equal(counter(r.dir), '1\n2\n2\n');
    });

    it('a changed input that changes a recorded model request goes live there, not with the old answer', async () => {
      const r = await run(FORKABLE, { provider: echoModel() });
      const at = r.of('Terminated')[0].seq; // everything recorded is before `at`
      const model = echoModel();
      const f = await forkAgent(r.dir, r.runId, at, { topic: 'dogs' }, { provider: model });
      assert.equal(f.reason, 'Completed', f.error?.describe());
      assert.equal((f.result as { b: string }).b, 'answer to: tell me about dogs');
      assert.equal(model.calls, 1, 'the warm-up answer is still replayed');
    });

    it('a changed input that changes recorded tool arguments goes live there, not with the old result', async () => {
      const r = await run(FORKABLE, { provider: echoModel() });
      const at = r.of('Terminated')[0].seq;
      const f = await forkAgent(r.dir, r.runId, at, { start: 10 }, { provider: echoModel() });
      assert.equal(f.reason, 'Completed', f.error?.describe());
      assert.equal(counter(r.dir), '1\n2\n10\n11\n', 'bump(10) and bump(11) ran live');
      assert.deepEqual([(f.result as { first: string }).first, (f.result as { second: string }).second], ['3', '4']);
    });

    it('a fork of a fork: the copied prefix still detects a changed request', async () => {
      const r = await run(FORKABLE, { provider: echoModel() });
      const f1 = await forkAgent(r.dir, r.runId, r.of('Terminated')[0].seq, { topic: 'dogs' }, { provider: echoModel() });
      assert.equal((f1.result as { b: string }).b, 'answer to: tell me about dogs', f1.error?.describe());
      const same = new ScriptedProvider([]);
      const f2 = await forkAgent(r.dir, f1.runId, f1.of('Terminated')[0].seq, {}, { provider: same });
      assert.deepEqual(f2.result, f1.result, f2.error?.describe());
      const model = echoModel();
      const f3 = await forkAgent(r.dir, f1.runId, f1.of('Terminated')[0].seq, { topic: 'birds' }, { provider: model });
      assert.equal((f3.result as { b: string }).b, 'answer to: tell me about birds', f3.error?.describe());
      assert.equal(model.calls, 1);
    });

    it('unchanged inputs: a fork at the end replays everything and calls nothing', async () => {
      const r = await run(FORKABLE, { provider: echoModel() });
      const at = r.of('Terminated')[0].seq;
      const f = await forkAgent(r.dir, r.runId, at, {}, { provider: new ScriptedProvider([]) });
      assert.equal(f.reason, 'Completed', f.error?.describe());
      assert.deepEqual(f.result, r.result);
      assert.equal(counter(r.dir), '1\n2\n');
    });
  });

  describe('resume', () => {
    it('after a torn last line: resume works and the torn bytes are gone', async () => {
      const r = await run(FORKABLE, { provider: echoModel() });
      const file = journalFile(r.dir, r.runId);
      cutBefore(file, (x) => x.type === 'Terminated');
      const torn = '{"v":1,"seq":4242,"type":"ToolFinished","ts":"2026-';
      fs.appendFileSync(file, torn);
      assert.ok(readJournal(file).tornTail);
      const again = await resume(r.dir, r.runId);
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.deepEqual(again.result, r.result);
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(!text.includes(torn), 'the torn bytes are gone');
      assert.equal(readJournal(file).tornTail, undefined);
      assert.equal(counter(r.dir), '1\n2\n', 'nothing ran twice');
      verifies(r.dir, r.runId);
    });

    it('a crash mid-loop: resume answers the recorded prefix from the journal and journals nothing twice', async () => {
      const src = `
tool read_file(path: String) -> String { builtin = "fs.read" }
agent a {
    policy p { allow: read_file }
    with { return reason("read three files", tools: [read_file]); }
}`;
      const answers = [toolCall('read_file', { path: 'a.txt' }), toolCall('read_file', { path: 'b.txt' }), toolCall('read_file', { path: 'c.txt' }), text('abc')];
      const r = await run(src, { provider: new ScriptedProvider(answers), files: { 'a.txt': 'A', 'b.txt': 'B', 'c.txt': 'C' } });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      const file = journalFile(r.dir, r.runId);
      // Crash right after the second iteration's observations were journaled.
      const obs2 = r.of('ObservationsCollected')[1];
      writeLines(file, lines(file).slice(0, obs2.seq + 1));
      const model = new ScriptedProvider(answers.slice(2));
      const again = await resume(r.dir, r.runId, { provider: model });
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.equal(again.result, 'abc');
      assert.equal(model.calls, 2, 'only the calls after the crash are live');
      const keys = again.of('ObservationsCollected').map((o) => o.key);
      assert.equal(new Set(keys).size, keys.length, `ObservationsCollected journaled twice for a key: ${keys.join(' ')}`);
      const models = again.of('ReasoningComplete').map((o) => o.key);
      assert.equal(new Set(models).size, models.length);
      const steps = again.of('StatementReached').map((s) => `${s.branch}:${s.step}`);
      assert.equal(new Set(steps).size, steps.length);
      verifies(r.dir, r.runId);
    });

    const SLOWISH = `
tool slowish(n: int) -> String {
    command = ["node", "-e", "require('fs').appendFileSync('counter.txt', process.argv[1] + '\\\\n'); setTimeout(() => console.log('ok'), 300)", "{n}"]
}
agent a { policy p { allow: slowish } with { let a = slowish(1); let b = slowish(2); return a + b; } }`;

    it('two resumes of the same run at once: one finishes it, the other is refused; every effect once', async () => {
      const r = await run(SLOWISH);
      assert.equal(r.reason, 'Completed', r.error?.describe());
      const file = journalFile(r.dir, r.runId);
      cutBefore(file, (x) => x.type === 'PolicyEvaluated');
      fs.rmSync(path.join(r.dir, 'counter.txt'));
      const both = await Promise.allSettled([resume(r.dir, r.runId), resume(r.dir, r.runId)]);
      const done = both.filter((x) => x.status === 'fulfilled');
      const refused = both.filter((x): x is PromiseRejectedResult => x.status === 'rejected');
      assert.equal(done.length, 1);
      assert.equal(refused.length, 1);
      assert.match(String(refused[0].reason?.message), /in use/);
      assert.equal(counter(r.dir), '1\n2\n', 'each effect once');
      verifies(r.dir, r.runId);
      assert.ok(!fs.existsSync(`${file}.lock`), 'the lock is released');
    });

    it('a resume while the run itself is still going is refused', async () => {
      const dir = tempWorkspace();
      try {
        const p = run(SLOWISH, { dir });
        const runs = path.join(dir, '.baton', 'runs');
        let runId = '';
        for (let i = 0; i < 300 && !runId; i++) {
          await new Promise((res) => setTimeout(res, 10));
          if (fs.existsSync(path.join(dir, 'counter.txt'))) runId = fs.readdirSync(runs).find((n) => n.endsWith('.jsonl'))!.replace(/\.jsonl$/, '');
        }
        assert.ok(runId, 'the run started its first tool');
        await assert.rejects(resume(dir, runId), /in use by this process/);
        const r = await p;
        assert.equal(r.reason, 'Completed', r.error?.describe());
        assert.equal(counter(dir), '1\n2\n');
      } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    });

    it('a lock left by a crashed process (kill -9) does not block the resume', async () => {
      const r = await run(SLOWISH);
      const file = journalFile(r.dir, r.runId);
      cutBefore(file, (x) => x.type === 'Terminated');
      const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
      const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
      fs.writeFileSync(`${file}.lock`, dead.stdout.trim());
      const again = await resume(r.dir, r.runId);
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.ok(!fs.existsSync(`${file}.lock`));
    });

    it('a crash during a model call: resume asks the model again', async () => {
      const model = echoModel();
      const r = await run(FORKABLE, { provider: model });
      const file = journalFile(r.dir, r.runId);
      const req = r.of('ModelRequested').find((m) => m.key === 'main#2')!;
      writeLines(file, lines(file).slice(0, req.seq + 1));
      fs.writeFileSync(path.join(r.dir, 'counter.txt'), '1\n'); // bump(2) comes after the crash
      const again = await resume(r.dir, r.runId, { provider: echoModel() });
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.deepEqual(again.result, r.result);
      assert.equal(counter(r.dir), '1\n2\n');
      assert.equal(again.of('ReasoningComplete').filter((x) => x.key === 'main#2').length, 1);
    });

    it('a resumed fork: its own journal answers the replayed prefix', async () => {
      const r = await run(FORKABLE, { provider: echoModel() });
      const at = r.of('ModelRequested').find((m) => m.key === 'main#2')!.seq;
      const f = await forkAgent(r.dir, r.runId, at, { topic: 'dogs' }, { provider: echoModel() });
      assert.equal(f.reason, 'Completed', f.error?.describe());
      const file = journalFile(r.dir, f.runId);
      cutBefore(file, (x) => x.type === 'ToolStarted' && x.key === 'main#3');
      const model = echoModel();
      const again = await resume(r.dir, f.runId, { provider: model });
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.deepEqual(again.result, { ...(f.result as object), second: '4' });
      assert.equal(model.calls, 0);
      assert.equal(counter(r.dir), '1\n2\n2\n2\n', 'only the cut-off bump ran again');
    });

    it('an idempotent `secret = true` tool is run again on resume (its result was never journaled)', async () => {
      const src = `
tool get_otp() -> String {
    command = ["node", "-e", "console.log(require('fs').readFileSync('otp.txt', 'utf8').trim())"]
    secret = true
    idempotent = true
}
agent a {
    policy p { allow: get_otp }
    with {
        let code = get_otp();
        let when = uuid();
        return "code " + code;
    }
}`;
      const r = await run(src, { files: { 'otp.txt': 'otp-8812-5512-9090' } });
      assert.equal(r.result, 'code otp-8812-5512-9090', r.error?.describe());
      const file = journalFile(r.dir, r.runId);
      cutBefore(file, (x) => x.type === 'Terminated');
      const again = await resume(r.dir, r.runId);
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.equal(again.result, 'code otp-8812-5512-9090', 'the resumed run got the real value, not [secret]');
      assert.ok(!fs.readFileSync(file, 'utf8').includes('otp-8812-5512-9090'));
    });
  });

  describe('in doubt', () => {
    const AGENT = (idem: boolean) => `
${COUNTER('bump', idem ? 'idempotent = true' : '')}
agent d {
    policy p { allow: bump }
    with {
        let a = bump(1);
        let b = bump(2);
        return a + "," + b;
    }
}`;

    /** A finished run cut right after the ToolStarted of bump(2), as if killed while it ran. */
    async function crashedDuringSecondCall(idem: boolean, ranBeforeCrash: boolean) {
      const r = await run(AGENT(idem));
      assert.equal(r.reason, 'Completed', r.error?.describe());
      assert.equal(r.result, '1,2');
      const file = journalFile(r.dir, r.runId);
      const started = r.of('ToolStarted')[1];
      writeLines(file, lines(file).slice(0, started.seq + 1));
      if (!ranBeforeCrash) fs.writeFileSync(path.join(r.dir, 'counter.txt'), '1\n');
      return { r, started };
    }

    it('an idempotent tool in doubt is re-run automatically on resume (RecoveryTriggered)', async () => {
      const { r, started } = await crashedDuringSecondCall(true, false);
      let asked = 0;
      const again = await resume(r.dir, r.runId, { approvals: new FixedApprovals(() => { asked++; return { kind: 'deny' }; }) });
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.equal(again.result, '1,2');
      assert.equal(asked, 0, 'no human asked');
      const rec = again.of('RecoveryTriggered').filter((x) => x.key === started.key);
      assert.equal(rec.length, 1);
      assert.match(rec[0].what, /in-doubt/);
      assert.deepEqual(again.of('Resumed')[0].inDoubt, [started.key]);
      assert.equal(counter(r.dir), '1\n2\n');
      verifies(r.dir, r.runId);
    });

    async function resumeWith(answer: ApprovalAnswer, ranBeforeCrash: boolean) {
      const { r, started } = await crashedDuringSecondCall(false, ranBeforeCrash);
      const asked: ApprovalRequest[] = [];
      const again = await resume(r.dir, r.runId, { approvals: new FixedApprovals((req) => { asked.push(req); return answer; }) });
      assert.equal(asked.length, 1, 'the human was asked once');
      assert.equal(asked[0].inDoubt, true);
      assert.equal(asked[0].tool, 'bump');
      assert.deepEqual(asked[0].args, { n: 2 });
      assert.equal(asked[0].canAlwaysAllow, false);
      return { r, started, again };
    }

    it('non-idempotent, the human says it ran and gives its result (respond) → no re-run', async () => {
      const { r, started, again } = await resumeWith({ kind: 'respond', result: '2' }, true);
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.equal(again.result, '1,2');
      assert.equal(counter(r.dir), '1\n2\n', 'not run twice');
      const fin = again.of('ToolFinished').filter((f) => f.key === started.key);
      assert.equal(fin.length, 1);
      assert.equal(fin[0].ok && fin[0].value, '2');
      assert.equal(again.of('ApprovalDecided').at(-1)!.answer.kind, 'respond');
      verifies(r.dir, r.runId);
    });

    it('non-idempotent, the human says run it again (allow_once) → re-run once', async () => {
      const { r, again } = await resumeWith({ kind: 'allow_once' }, false);
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.equal(again.result, '1,2');
      assert.equal(counter(r.dir), '1\n2\n');
      verifies(r.dir, r.runId);
    });

    it('non-idempotent, the human denies → the run stops in doubt, not terminated, resumable later', async () => {
      const { r, started, again } = await resumeWith({ kind: 'deny', reason: 'not sure' }, true);
      assert.equal(again.error?.code, 'in-doubt', again.error?.describe());
      assert.equal(again.exitCode, 1);
      assert.match(again.error!.message, /--rerun-in-doubt|--in-doubt-result/);
      assert.equal(again.of('Terminated').length, 0);
      assert.equal(counter(r.dir), '1\n2\n', 'not run again');
      // Later, the human answers.
      const later = await resume(r.dir, r.runId, { approvals: new FixedApprovals({ kind: 'respond', result: '2' }) });
      assert.equal(later.reason, 'Completed', later.error?.describe());
      assert.equal(later.result, '1,2');
      assert.equal(later.of('ToolFinished').filter((f) => f.key === started.key).length, 1);
      verifies(r.dir, r.runId);
    });

    it('a resume of a finished run is refused', async () => {
      const r = await run(AGENT(false));
      await assert.rejects(resume(r.dir, r.runId), /already finished/);
    });
  });
});
