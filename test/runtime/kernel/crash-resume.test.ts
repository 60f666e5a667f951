/**
 * kill -9 of `baton run` at many points during an agent whose tool appends to a counter file (a
 * side-effecting, non-idempotent command) → `baton resume` finishes with the same result as an
 * uninterrupted run, and the counter shows every effect exactly once. When the kill lands while
 * the tool runs, resume reports the effect as in doubt; the test then acts as the human would:
 * it looks at the counter and answers with --in-doubt-result (it ran) or --rerun-in-doubt.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';
import { journalLines, runAndKill } from '../../helpers/kill-run';

const CLI = () => path.join(repoRoot(), 'dist', 'cli.js');

const AGENT = `
tool bump(n: int) -> String {
    description = "Appends n to counter.txt and returns the number of lines."
    command = ["node", "-e", "const fs = require('fs'); fs.appendFileSync('counter.txt', process.argv[1] + '\\\\n'); console.log(fs.readFileSync('counter.txt', 'utf8').split('\\\\n').filter(Boolean).length)", "{n}"]
}

tool peek(path: String) -> String {
    builtin = "fs.read"
}

agent counter(times: int = 4) {
    policy p {
        allow: [bump, peek]
    }
    with {
        let out = [];
        for i in range(times) {
            out.append(bump(i));
        }
        let stamp = uuid();
        return { counts: out, file: peek("counter.txt"), stamp_len: len(stamp) };
    }
}
`;

function workspace(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-crash-'));
  fs.writeFileSync(path.join(d, 'counter.baton'), AGENT);
  return d;
}

function cli(cwd: string, args: string[]) {
  return spawnSync(process.execPath, [CLI(), ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, BATON_HOME: cwd } });
}



describe('crash and resume (kill -9)', function () {
  this.timeout(240_000);
  let expected: unknown;
  let totalLines = 0;

  before(() => {
    const d = workspace();
    const r = cli(d, ['run', 'counter.baton']);
    assert.equal(r.status, 0, r.stderr);
    expected = JSON.parse(r.stdout);
    const runId = /run: (\S+)/.exec(r.stderr)![1];
    totalLines = journalLines(path.join(d, '.baton', 'runs', `${runId}.jsonl`));
    assert.deepEqual(fs.readFileSync(path.join(d, 'counter.txt'), 'utf8'), '0\n1\n2\n3\n');
  });

  // A fixed pseudo-random sequence: reproducible kill points spread over the whole run.
  let seed = 20261121;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const POINTS = 22;
  for (let k = 0; k < POINTS; k++) {
    it(`kill point ${k + 1}/${POINTS}: resume gives the same result, each effect once`, async () => {
      const d = workspace();
      const threshold = 1 + Math.floor((k / (POINTS - 1)) * Math.max(1, totalLines - 2)) ;
      const { runId, killed } = await runAndKill(d, ['run', 'counter.baton'], threshold, Math.floor(rand() * 40));
      const journal = path.join(d, '.baton', 'runs', `${runId}.jsonl`);
      let r = cli(d, ['resume', runId]);
      if (!killed || /already finished/.test(r.stderr)) {
        // The run ended before the kill landed: replay must still give the same result.
        r = cli(d, ['replay', runId]);
      } else if (r.status !== 0 && /in doubt/i.test(r.stderr)) {
        // The human's part: did the in-flight call take effect? Look at the counter.
        const recs = fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
        const finished = new Set(recs.filter((x) => x.type === 'ToolFinished').map((x) => x.key));
        const inFlight = recs.filter((x) => x.type === 'ToolStarted' && !finished.has(x.key)).pop();
        assert.ok(inFlight, `in doubt, but no unfinished ToolStarted in the journal:\n${r.stderr}`);
        const lines = fs.existsSync(path.join(d, 'counter.txt')) ? fs.readFileSync(path.join(d, 'counter.txt'), 'utf8').split('\n').filter(Boolean) : [];
        const ran = lines[lines.length - 1] === String(inFlight.args.n);
        r = ran ? cli(d, ['resume', runId, '--in-doubt-result', JSON.stringify(String(lines.length))]) : cli(d, ['resume', runId, '--rerun-in-doubt']);
      }
      assert.equal(r.status, 0, `resume failed (threshold ${threshold}):\n${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout), expected);
      assert.equal(fs.readFileSync(path.join(d, 'counter.txt'), 'utf8'), '0\n1\n2\n3\n', 'each effect exactly once');
      const v = cli(d, ['verify', runId]);
      assert.equal(v.status, 0, v.stderr + v.stdout);
    });
  }
});
