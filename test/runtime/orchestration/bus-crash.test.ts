/**
 * kill -9 of `baton run` in the middle of a multi-agent run that exchanges messages (direct
 * messages both ways, a request/reply, a publish) → `baton resume` gives the result of an
 * uninterrupted run, every message is journaled as sent once and received once per recipient, and
 * the journal verifies. Kill points are spread over the whole run by journal length.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';
import { runAndKill } from '../../helpers/kill-run';

const CLI = () => path.join(repoRoot(), 'dist', 'cli.js');

const AGENT = `
policy children { allow: invoke_agent }

agent producer() {
  with {
    let acks = [];
    for i in range(4) {
      send("consumer", { n: i });
      sleep(30ms);
      let a = receive(timeout: 20s, from: "consumer");
      acks.append(a.body);
    }
    send("consumer", { n: -1 });
    let total = request("adder", acks, timeout: 20s);
    publish("done", total);
    return { acks: acks, total: total };
  }
}

agent consumer() {
  with {
    subscribe("done");
    let seen = [];
    for i in range(5) {
      let m = receive(timeout: 20s, from: "producer");
      if m.body.n >= 0 { send("producer", m.body.n * 10); }
      seen.append(m.body.n);
      sleep(40ms);
    }
    let fin = receive("done", timeout: 20s);
    seen.append(fin.body);
    return seen;
  }
}

agent adder() {
  with {
    let m = receive(timeout: 20s);
    sleep(40ms);
    reply(m, sum(m.body));
    return m.from;
  }
}

agent main() {
  with {
    parallel {
      let p = producer();
      let c = consumer();
      let a = adder();
    }
    return { p: p, c: c, a: a };
  }
}
`;

const EXPECTED = { p: { acks: [0, 10, 20, 30], total: 60 }, c: [0, 1, 2, 3, -1, 60], a: 'producer' };

function workspace(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bus-crash-'));
  fs.writeFileSync(path.join(d, 'talk.baton'), AGENT);
  return d;
}

function cli(cwd: string, args: string[]) {
  return spawnSync(process.execPath, [CLI(), ...args], { cwd, encoding: 'utf8', timeout: 90_000, env: { ...process.env, BATON_HOME: cwd } });
}

function records(cwd: string, runId: string): Array<Record<string, unknown>> {
  const file = path.join(cwd, '.baton', 'runs', `${runId}.jsonl`);
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}



/** Each message id journaled as sent once; each (id, recipient) received at most once. */
function assertOnce(recs: Array<Record<string, unknown>>): void {
  const sent = recs.filter((r) => r.type === 'MessageSent').map((r) => r.id as string);
  assert.equal(new Set(sent).size, sent.length, `a MessageSent journaled twice: ${sent.join(', ')}`);
  assert.equal(sent.length, 12, 'every message of the run is sent');
  const got = recs.filter((r) => r.type === 'MessageReceived').map((r) => `${r.id}>${r.by}`);
  assert.equal(new Set(got).size, got.length, `a message received twice: ${got.join(', ')}`);
  assert.equal(got.length, 12, 'every copy received');
}

describe('message bus: crash and resume (kill -9)', function () {
  this.timeout(300_000);
  let totalLines = 0;
  const POINTS = 12;

  before(() => {
    assert.ok(fs.existsSync(CLI()), 'build dist/cli.js first (node esbuild.js --no-tests)');
    const d = workspace();
    const r = cli(d, ['run', 'talk.baton', '--agent', 'main']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), EXPECTED);
    const runId = /run: (\S+)/.exec(r.stderr)![1];
    const recs = records(d, runId);
    assertOnce(recs);
    totalLines = recs.length;
    fs.rmSync(d, { recursive: true, force: true });
  });

  // How many kill points really crashed mid-run, and how many crashed with a message in flight
  // (journaled as sent, not yet received: the resume had to deliver it again).
  let crashed = 0;
  let inFlight = 0;
  after(() => {
    assert.ok(crashed >= POINTS / 4, `only ${crashed} of ${POINTS} kills landed before the run ended`);
    assert.ok(inFlight >= 1, 'no kill landed with a message in flight');
    console.log(`      (${crashed} of ${POINTS} kills landed mid-run, ${inFlight} with a message in flight)`);
  });

  let seed = 20261121;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let k = 0; k < POINTS; k++) {
    it(`kill point ${k + 1}/${POINTS}: resume gives the same result, each message sent and received once`, async () => {
      const d = workspace();
      const threshold = 2 + Math.floor((k / (POINTS - 1)) * Math.max(1, totalLines - 4));
      const { runId, killed } = await runAndKill(d, ['run', 'talk.baton', '--agent', 'main'], threshold, Math.floor(rand() * 20));
      let r = cli(d, ['resume', runId]);
      if (!killed || /already finished/.test(r.stderr)) r = cli(d, ['replay', runId]);
      assert.equal(r.status, 0, `resume failed (threshold ${threshold}):\n${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout), EXPECTED);
      const recs = records(d, runId);
      assertOnce(recs);
      const resumedAt = recs.findIndex((x) => x.type === 'Resumed');
      if (killed && resumedAt > 0) {
        crashed++;
        const before = recs.slice(0, resumedAt);
        const got = new Set(before.filter((x) => x.type === 'MessageReceived').map((x) => x.id));
        if (before.some((x) => x.type === 'MessageSent' && !got.has(x.id))) inFlight++;
      }
      const v = cli(d, ['verify', runId]);
      assert.equal(v.status, 0, v.stderr + v.stdout);
      fs.rmSync(d, { recursive: true, force: true });
    });
  }
});
