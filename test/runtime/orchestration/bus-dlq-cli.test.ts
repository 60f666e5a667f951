/**
 * Dead letters through the real command line (dist/cli.js): a message that expires (channel ttl)
 * in a `baton run` shows up in `baton dlq list --json` and `dlq show`; `dlq retry` re-queues it and
 * the next run in the workspace receives it; `dlq purge` drops letters; unknown ids are errors.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';

const CLI = () => path.join(repoRoot(), 'dist', 'cli.js');

const AGENT = `
channel slow_ch { ttl: 100ms
  agents: ["slow"] }
agent slow() { with { let m = receive(timeout: 3s); return m.body; } }
agent main() {
  with {
    send("slow", { hello: "world" });
    sleep(400ms);
    return "sent";
  }
}
`;

function cli(cwd: string, args: string[]) {
  return spawnSync(process.execPath, [CLI(), ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, BATON_HOME: cwd } });
}

describe('message bus: dead letters from the command line', function () {
  this.timeout(120_000);
  let d = '';
  before(() => {
    assert.ok(fs.existsSync(CLI()), 'build dist/cli.js first (node esbuild.js --no-tests)');
    d = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-dlq-'));
    fs.writeFileSync(path.join(d, 'a.baton'), AGENT);
  });
  after(() => fs.rmSync(d, { recursive: true, force: true }));

  it('an expired message is listed, shown, retried into the next run, and purged', () => {
    const empty = cli(d, ['dlq', 'list', '--json']);
    assert.equal(empty.status, 0, empty.stderr);
    assert.deepEqual(JSON.parse(empty.stdout), []);

    const r = cli(d, ['run', 'a.baton', '--agent', 'main']);
    assert.equal(r.status, 0, r.stderr);
    const runId = /run: (\S+)/.exec(r.stderr)![1];
    const list = cli(d, ['dlq', 'list', '--json']);
    assert.equal(list.status, 0, list.stderr);
    const letters = JSON.parse(list.stdout) as Array<{ id: string; reason: string; run: string; message: { from: string; to: string; payload: unknown } }>;
    assert.equal(letters.length, 1);
    assert.equal(letters[0].reason, 'expired');
    assert.equal(letters[0].run, runId);
    assert.deepEqual(letters[0].message, { id: `${runId}/main#0`, kind: 'direct', from: 'main', to: 'slow', payload: { hello: 'world' } });

    const shown = cli(d, ['dlq', 'show', letters[0].id, '--json']);
    assert.equal(shown.status, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout), letters[0]);
    const text = cli(d, ['dlq', 'list']);
    assert.match(text.stdout, /expired {2}main → slow/);

    const retry = cli(d, ['dlq', 'retry', letters[0].id]);
    assert.equal(retry.status, 0, retry.stderr);
    assert.deepEqual(JSON.parse(cli(d, ['dlq', 'list', '--json']).stdout), [], 'a retried letter leaves the queue');
    const next = cli(d, ['run', 'a.baton', '--agent', 'slow']);
    assert.equal(next.status, 0, next.stderr);
    assert.deepEqual(JSON.parse(next.stdout), { hello: 'world' }, 'the next run receives the retried message');

    assert.equal(cli(d, ['run', 'a.baton', '--agent', 'main']).status, 0);
    assert.equal(JSON.parse(cli(d, ['dlq', 'list', '--json']).stdout).length, 1);
    const purge = cli(d, ['dlq', 'purge', '--all', '--json']);
    assert.equal(purge.status, 0, purge.stderr);
    assert.deepEqual(JSON.parse(purge.stdout), { purged: 1 });
    assert.deepEqual(JSON.parse(cli(d, ['dlq', 'list', '--json']).stdout), []);
  });

  it('unknown letters and subcommands are clear errors', () => {
    const missing = cli(d, ['dlq', 'show', 'no-such-letter']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no dead letter 'no-such-letter'/);
    const bad = cli(d, ['dlq', 'frobnicate']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown subcommand 'frobnicate'/);
  });
});
