/**
 * The journal through the real `baton` process (dist/cli.js; build with `node esbuild.js --no-tests`):
 * verify on intact and tampered journals (modified, deleted, swapped, inserted records → exit 1
 * naming the first bad seq), replay offline with the same result, resume after a torn last line,
 * resume of a finished run (exit 2), fork with a live model behind the fake OpenAI server, resume
 * refused after an MCP tool definition changed.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hashLine } from '../../../runtime/journal/writer';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { startFakeOpenAI, FakeServer } from '../../helpers/fake-openai';
import { CLI, cutBefore, journalFile, lines, mcpBlock, run, trackUnhandled, writeLines } from './kernel-helpers';

interface CliResult { status: number | null; stdout: string; stderr: string }

function cli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, BATON_HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => { stdout += String(b); });
    child.stderr.on('data', (b) => { stderr += String(b); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

const AGENT = `
tool read_file(path: String) -> String { builtin = "fs.read" }
tool bump(n: int) -> String {
    command = ["node", "-e", "const fs = require('fs'); fs.appendFileSync('counter.txt', process.argv[1] + '\\\\n'); console.log(fs.readFileSync('counter.txt', 'utf8').split('\\\\n').filter(Boolean).length)", "{n}"]
}
agent a(topic: String = "cats") {
    policy p { allow: [read_file, bump] }
    with {
        let n = bump(1);
        let seen = reason("read x.txt about " + topic, tools: [read_file]);
        let stamp = uuid();
        return { n: n, seen: seen, stamp_len: len(stamp) };
    }
}`;

function script(): ScriptedProvider {
  return new ScriptedProvider([toolCall('read_file', { path: 'x.txt' }), text('x says hello')]);
}

describe('journal through the baton CLI', function () {
  this.timeout(60_000);
  const unhandled = trackUnhandled();
  afterEach(() => assert.deepEqual(unhandled.list, []));

  before(function () {
    if (!fs.existsSync(CLI)) this.skip(); // build first: node esbuild.js --no-tests
  });

  describe('verify', () => {
    let dir = '';
    let runId = '';
    let original: string[] = [];

    before(async () => {
      const r = await run(AGENT, { provider: script(), files: { 'x.txt': 'hello' } });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      dir = r.dir;
      runId = r.runId;
      original = lines(journalFile(dir, runId));
      assert.ok(original.length > 12);
    });

    /** Writes a tampered copy as another run id and verifies it through the CLI. */
    async function verifyCopy(name: string, ls: string[]): Promise<CliResult> {
      const id = `${runId}-${name}`;
      writeLines(journalFile(dir, id), ls);
      return cli(dir, ['verify', id]);
    }

    it('an intact run → exit 0', async () => {
      const v = await cli(dir, ['verify', runId]);
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stdout, /intact — \d+ records, 1 signed checkpoint, finished and signed/);
    });

    const mid = () => Math.floor(original.length / 2);

    it('a modified record → exit 1 naming it', async () => {
      const k = mid();
      const ls = [...original];
      const rec = JSON.parse(ls[k]);
      rec.ts = '2000-01-01T00:00:00.000Z';
      ls[k] = JSON.stringify(rec);
      const v = await verifyCopy('mod', ls);
      assert.equal(v.status, 1, v.stdout + v.stderr);
      assert.match(v.stderr, new RegExp(`TAMPERED — first bad record: seq ${k}: record ${k} was modified`));
    });

    it('a modified Terminated (the last record before the final checkpoint) → exit 1 naming it', async () => {
      const ls = [...original];
      const k = ls.length - 2;
      const rec = JSON.parse(ls[k]);
      assert.equal(rec.type, 'Terminated');
      rec.result.n = '999';
      ls[k] = JSON.stringify(rec);
      const v = await verifyCopy('modlast', ls);
      assert.equal(v.status, 1);
      assert.match(v.stderr, new RegExp(`first bad record: seq ${k}:`));
    });

    it('a deleted record → exit 1 naming its seq', async () => {
      const k = mid();
      const ls = original.filter((_, i) => i !== k);
      const v = await verifyCopy('del', ls);
      assert.equal(v.status, 1);
      assert.match(v.stderr, new RegExp(`first bad record: seq ${k}: record seq ${k} is missing`));
    });

    it('two records swapped → exit 1 naming the first', async () => {
      const k = mid();
      const ls = [...original];
      [ls[k], ls[k + 1]] = [ls[k + 1], ls[k]];
      const v = await verifyCopy('swap', ls);
      assert.equal(v.status, 1);
      assert.match(v.stderr, new RegExp(`first bad record: seq ${k}: record ${k} is out of order`));
    });

    it('an inserted record (well chained to its predecessor) → exit 1 naming it', async () => {
      const k = mid();
      const forged = JSON.stringify({ v: 1, seq: k, type: 'EffectRecorded', ts: '2026-01-01T00:00:00.000Z', prev: hashLine(original[k - 1]), key: 'main#99', effect: 'log', value: 'forged' });
      const ls = [...original.slice(0, k), forged, ...original.slice(k)];
      const v = await verifyCopy('ins', ls);
      assert.equal(v.status, 1);
      assert.match(v.stderr, new RegExp(`first bad record: seq ${k}: record ${k} was inserted`));
    });

    it('a journal cut before its end (unfinished) still verifies, as not finished', async () => {
      const v = await verifyCopy('cut', original.slice(0, mid()));
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stdout, /not finished/);
    });
  });

  describe('replay, resume, fork', () => {
    it('replay prints the same result as the run and calls no model, runs no tool', async () => {
      const r = await run(AGENT, { provider: script(), files: { 'x.txt': 'hello' } });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      const before = fs.readFileSync(path.join(r.dir, 'counter.txt'), 'utf8');
      // No key and an unreachable base URL: a model call could not succeed.
      const p = await cli(r.dir, ['replay', r.runId], { OPENAI_API_KEY: '', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
      assert.equal(p.status, 0, p.stderr);
      assert.deepEqual(JSON.parse(p.stdout), r.result);
      assert.equal(fs.readFileSync(path.join(r.dir, 'counter.txt'), 'utf8'), before);
    });

    it('replay of a failed run exits with the same code', async () => {
      const r = await run(`agent a { with { return ask("q"); } }`, { provider: new ScriptedProvider([]) });
      assert.equal(r.reason, 'Error');
      const p = await cli(r.dir, ['replay', r.runId]);
      assert.equal(p.status, 1, p.stderr);
      assert.match(p.stderr, /scripted provider has 0 answers/);
    });

    it('resume of a finished run says it is finished (exit 2)', async () => {
      const r = await run(AGENT, { provider: script(), files: { 'x.txt': 'hello' } });
      const p = await cli(r.dir, ['resume', r.runId]);
      assert.equal(p.status, 2, p.stderr);
      assert.match(p.stderr, /already finished \(Completed\)/);
    });

    it('resume after a torn last line completes, the torn bytes are gone, verify passes', async () => {
      const r = await run(AGENT, { provider: script(), files: { 'x.txt': 'hello' } });
      const file = journalFile(r.dir, r.runId);
      cutBefore(file, (x) => x.type === 'Terminated');
      fs.appendFileSync(file, '{"v":1,"seq":77,"type":"Terminated","ts":"2026-11-2');
      const p = await cli(r.dir, ['resume', r.runId]);
      assert.equal(p.status, 0, p.stderr);
      assert.deepEqual(JSON.parse(p.stdout), r.result);
      assert.ok(!fs.readFileSync(file, 'utf8').includes('"seq":77,"type":"Terminated","ts":"2026-11-2"'));
      assert.equal(fs.readFileSync(path.join(r.dir, 'counter.txt'), 'utf8'), '1\n');
      const v = await cli(r.dir, ['verify', r.runId]);
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stdout, /finished and signed/);
    });

    describe('with the fake OpenAI server', () => {
      let server: FakeServer;
      const KEY = 'sk-cli-fork-test-abcdef0123456789';
      beforeEach(async () => { server = await startFakeOpenAI({ apiKey: KEY }); });
      afterEach(async () => { await server.close(); });

      it('run, then fork at a seq with a changed input: the prefix calls nothing, the rest is live', async () => {
        const dir = fs.realpathSync(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'baton-cli-fork-')));
        try {
          fs.writeFileSync(path.join(dir, 'agent.baton'), AGENT);
          fs.writeFileSync(path.join(dir, 'x.txt'), 'hello');
          server.setFallback((req) => {
            const msgs = req.body.messages as Array<{ role: string; content: string }>;
            if (!msgs.some((m) => m.role === 'tool')) return { toolCalls: [{ name: 'read_file', arguments: '{"path":"x.txt"}' }] };
            return { text: `about ${msgs.find((m) => m.role === 'user')!.content.split(' ').pop()}` };
          });
          const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url };
          const first = await cli(dir, ['run', 'agent.baton', '--model', 'fake-model'], env);
          assert.equal(first.status, 0, first.stderr);
          assert.equal(JSON.parse(first.stdout).seen, 'about cats');
          assert.equal(server.requests.length, 2);
          const runId = /run: (\S+)/.exec(first.stderr)![1];
          const recs = lines(journalFile(dir, runId)).map((l) => JSON.parse(l));
          const at = recs.find((x) => x.type === 'ModelRequested').seq;
          const fork = await cli(dir, ['fork', runId, '--at', String(at), '--input', 'topic=dogs'], env);
          assert.equal(fork.status, 0, fork.stderr);
          const out = JSON.parse(fork.stdout);
          assert.equal(out.seen, 'about dogs');
          assert.equal(out.n, '1', 'bump(1) was replayed, not run again');
          assert.equal(fs.readFileSync(path.join(dir, 'counter.txt'), 'utf8'), '1\n');
          assert.equal(server.requests.length, 4, 'two live model calls after the fork point');
          assert.ok(!fs.readdirSync(path.join(dir, '.baton', 'runs')).some((f) => fs.readFileSync(path.join(dir, '.baton', 'runs', f), 'utf8').includes(KEY)));
          const forkId = /run: (\S+) \(fork of/.exec(fork.stderr)![1];
          const again = await cli(dir, ['replay', forkId], { OPENAI_API_KEY: '' });
          assert.equal(again.status, 0, again.stderr);
          assert.deepEqual(JSON.parse(again.stdout), out);
          const v = await cli(dir, ['verify', forkId]);
          assert.equal(v.status, 0, v.stderr);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    });

    it('an MCP run replays offline through the CLI without its vault secret', async () => {
      const src = `
${mcpBlock('t', { SECRET_TOKEN: 'vault://test/token' })}
agent a {
    policy p { allow: "t/echo" }
    with { return t.echo(text: "offline"); }
}`;
      const r = await run(src, { vault: () => 'tok-cli-secret-0123456789' });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      const p = await cli(r.dir, ['replay', r.runId]);
      assert.equal(p.status, 0, p.stderr);
      assert.equal(JSON.parse(p.stdout), 'offline');
    });

    // BUG (runtime/cli/run.ts, runCommand): an unfinished outcome whose error is not `in-doubt`
    // (mcp-pin-mismatch, or a `journal` divergence) exits 1 and prints nothing about why: the
    // error is only printed for `in-doubt`, and no Terminated record reaches the progress printer.
    // Fix: print `baton ${command}: ${outcome.error.message}` whenever outcome.error is set and the
    // run did not terminate (e.g. `outcome.exitCode !== 0 && !journal has Terminated`), or simply
    // for every error whose code is in-doubt | journal | mcp-pin-mismatch.
    it('resume after an MCP tool definition changed → exit 1 with a clear mcp-pin-mismatch message', async () => {
      const src = `
${mcpBlock('t', { MCP_TEST_VARIANT: 'vault://test/variant' })}
agent a {
    policy p { allow: ["t/echo", "t/add"] }
    with { let x = t.echo(text: "hi"); let y = t.add(a: 1, b: 2); return x + y; }
}`;
      const r = await run(src, { vault: () => '1' });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      const file = journalFile(r.dir, r.runId);
      const second = r.of('PolicyEvaluated')[1];
      writeLines(file, lines(file).slice(0, second.seq));
      const p = await cli(r.dir, ['resume', r.runId], { BATON_SECRET_TEST_VARIANT: '2' });
      assert.equal(p.status, 1, p.stderr);
      assert.match(p.stderr, /MCP tool 't\/echo' changed since this run started/);
      const ok = await cli(r.dir, ['resume', r.runId], { BATON_SECRET_TEST_VARIANT: '1' });
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout), 'hi3');
    });
  });
});
