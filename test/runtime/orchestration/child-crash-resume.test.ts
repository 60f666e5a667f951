/**
 * kill -9 of `baton run` in the middle of a multi-agent run (a parent with sequential and parallel
 * children, each appending to a counter file through a non-idempotent command) → `baton resume`
 * gives the same result as an uninterrupted run and the counter shows every effect exactly once.
 * An effect in flight at the kill is settled as a human would (look at the counter, answer).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';
import { journalLines, runAndKill } from '../../helpers/kill-run';
import type { ApprovalProvider } from '../../../runtime/approvals/approval';
import { ScriptedProvider } from '../../../runtime/providers/scripted';
import { resumeRun } from '../../../runtime/run/run';

const CLI = () => path.join(repoRoot(), 'dist', 'cli.js');

const AGENT = `
tool bump(tag: String) -> String {
    command = ["node", "-e", "const fs = require('fs'); fs.appendFileSync('counter.txt', process.argv[1] + '\\\\n'); console.log(fs.readFileSync('counter.txt', 'utf8').split('\\\\n').filter(Boolean).length)", "{tag}"]
}

agent worker(tag: String, n: int) {
    policy w { allow: bump }
    with {
        let out = [];
        for i in range(n) { out.append(bump(tag + str(i))); }
        return len(out);
    }
}

agent boss() {
    capabilities = ["invoke_agent"]
    policy p { allow: [worker, bump] }
    with {
        let first = worker("a", 2);
        parallel {
            let b = worker("b", 2);
            let c = worker("c", 2);
        }
        let last = bump("z");
        return { total: first + b + c, stamp: len(uuid()) };
    }
}
`;

function workspace(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-tree-crash-'));
  fs.writeFileSync(path.join(d, 'boss.baton'), AGENT);
  return d;
}

function cli(cwd: string, args: string[]) {
  return spawnSync(process.execPath, [CLI(), ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, BATON_HOME: cwd } });
}


function counter(d: string): string[] {
  const f = path.join(d, 'counter.txt');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
}


describe('child runs: kill -9 in a multi-agent run, then resume', function () {
  this.timeout(300_000);
  let expected: unknown;
  let totalLines = 0;

  before(() => {
    const build = spawnSync(process.execPath, ['esbuild.js', '--no-tests'], { cwd: repoRoot(), encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    const d = workspace();
    const r = cli(d, ['run', 'boss.baton', '--agent', 'boss']);
    assert.equal(r.status, 0, r.stderr);
    expected = JSON.parse(r.stdout);
    assert.deepEqual(expected, { total: 6, stamp: 36 });
    const runId = /run: (\S+)/.exec(r.stderr)![1];
    totalLines = journalLines(path.join(d, '.baton', 'runs', `${runId}.jsonl`));
    assert.deepEqual(counter(d).sort(), ['a0', 'a1', 'b0', 'b1', 'c0', 'c1', 'z']);
    fs.rmSync(d, { recursive: true, force: true });
  });

  const POINTS = 8;
  for (let k = 0; k < POINTS; k++) {
    it(`kill point ${k + 1}/${POINTS}: same result, each effect once, the journal verifies`, async () => {
      const d = workspace();
      const threshold = 3 + Math.floor((k / (POINTS - 1)) * Math.max(1, totalLines - 6));
      const { runId, killed } = await runAndKill(d, ['run', 'boss.baton', '--agent', 'boss'], threshold);
      const journal = path.join(d, '.baton', 'runs', `${runId}.jsonl`);
      // A tool process started before the kill may still finish its append: let it, before looking.
      await new Promise((res) => setTimeout(res, 600));
      // The human's part, done before resuming (a resume without an answer would stop at the call in
      // doubt and cancel the parallel sibling; see the report): a call started and not finished ran
      // if its tag is in the counter.
      const recs = fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return {}; } });
      const finished = new Set(recs.filter((x) => x.type === 'ToolFinished').map((x) => x.key));
      const inFlight = recs.filter((x) => x.type === 'ToolStarted' && !finished.has(x.key));
      let r: { status: number | null; stdout: string; stderr: string } = inFlight.length ? { status: 1, stderr: 'in doubt', stdout: '' } : cli(d, ['resume', runId]);
      if (!killed || /already finished/.test(r.stderr)) r = cli(d, ['replay', runId]);
      else if (r.status !== 0 && /in doubt/i.test(r.stderr)) {
        assert.ok(inFlight.length >= 1, `a call in doubt:\n${r.stderr}`);
        const lines = counter(d);
        const ranAll = inFlight.every((x) => lines.includes(x.args.tag));
        const ranNone = inFlight.every((x) => !lines.includes(x.args.tag));
        if (ranAll || ranNone) r = ranAll ? cli(d, ['resume', runId, '--in-doubt-result', JSON.stringify(String(lines.length))]) : cli(d, ['resume', runId, '--rerun-in-doubt']);
        else {
          // Parallel calls in doubt, one ran and one did not: the CLI's flags answer all alike, so
          // answer each prompt (as the editor's approval UI would), in-process.
          const approvals: ApprovalProvider = { request: async (q) => (lines.includes(String((q.args as { tag: string }).tag)) ? { kind: 'respond', result: String(lines.length) } : { kind: 'allow_once' }) };
          const out = await resumeRun(runId, { root: d, home: d, provider: new ScriptedProvider([]), providerInfo: { id: 'scripted' }, approvals });
          r = { status: out.exitCode, stdout: JSON.stringify(out.result ?? null), stderr: out.error?.message ?? '' };
        }
      }
      if (r.status !== 0 && process.env.SCHED_DEBUG) fs.copyFileSync(journal, `/tmp/sched-dbg/fail-${k}.jsonl`);
      assert.equal(r.status, 0, `resume failed (threshold ${threshold}):\n${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout), expected);
      assert.deepEqual(counter(d).sort(), ['a0', 'a1', 'b0', 'b1', 'c0', 'c1', 'z'], 'each effect exactly once');
      const v = cli(d, ['verify', runId]);
      assert.equal(v.status, 0, v.stderr + v.stdout);
      fs.rmSync(d, { recursive: true, force: true });
    });
  }
});
