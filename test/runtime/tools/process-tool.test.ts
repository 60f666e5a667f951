/** runProcess, process.run and command-bound tools with real processes. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatonError } from '../../../runtime/errors';
import type { ToolIR } from '../../../runtime/ir/schema';
import { toolFromIR } from '../../../runtime/tools/builtin-tools';
import { commandArgv, commandTool } from '../../../runtime/tools/command-tool';
import { mentionsProtectedPath } from '../../../runtime/tools/confine';
import { processRun, runProcess } from '../../../runtime/tools/process-tool';
import type { ToolContext } from '../../../runtime/tools/tool';
import { rejectsCode } from '../../helpers/assert-baton';

const NODE = process.execPath;


/** Dead (or a zombie waiting for a reaper that is not us). */
function isDead(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return true; }
  try { return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return true; }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

const loc: ToolIR['loc'] = [1, 1, 1, 1];
function toolIR(name: string, argv: string[], params: ToolIR['params'], extra: Partial<ToolIR> = {}): ToolIR {
  return { name, params, binding: { type: 'command', argv }, idempotent: false, approval: 'policy', cache: false, settings: {}, loc, ...extra };
}
const printArgs = 'process.stdout.write(JSON.stringify(process.argv.slice(1)) + "\\n")';

describe('process tools', () => {
  let base: string;
  let root: string;
  let ctx: ToolContext;
  const opts = () => ({ cwd: '.', root, timeoutMs: 10_000, maxOutputBytes: 100_000, effectId: 'run-1/e7' });

  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-proc-')));
    root = path.join(base, 'ws');
    fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
    ctx = { root, signal: new AbortController().signal, timeoutMs: 10_000, effectId: 'run-1/e7', maxOutputBytes: 100_000 };
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  describe('runProcess', () => {
    it('scrubs the environment: API keys of the parent are not visible', async () => {
      process.env.OPENAI_API_KEY = 'sk-fake-parent-key';
      process.env.GITHUB_TOKEN = 'ghp_fake';
      try {
        const r = await runProcess([NODE, '-e', 'process.stdout.write(JSON.stringify(process.env))'], { ...opts(), env: { EXTRA: 'yes' } });
        const env = JSON.parse(r.stdout) as Record<string, string>;
        assert.equal(env.OPENAI_API_KEY, undefined);
        assert.equal(env.GITHUB_TOKEN, undefined);
        assert.ok(!r.stdout.includes('sk-fake-parent-key'));
        assert.equal(env.BATON_EFFECT_ID, 'run-1/e7');
        assert.equal(env.EXTRA, 'yes');
        assert.equal(env.PATH, process.env.PATH);
        const allowed = new Set(['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TERM', 'BATON_EFFECT_ID', 'EXTRA']);
        // Some platforms add a few variables of their own to every process; none may come from us.
        for (const k of Object.keys(env)) assert.ok(allowed.has(k) || process.env[k] === undefined, `leaked ${k}`);
      } finally {
        delete process.env.OPENAI_API_KEY;
        delete process.env.GITHUB_TOKEN;
      }
    });

    it('returns exit code, stdout and stderr without throwing on a nonzero exit', async () => {
      const r = await runProcess([NODE, '-e', 'console.log("out"); console.error("err"); process.exit(3)'], opts());
      assert.deepEqual(r, { exitCode: 3, stdout: 'out\n', stderr: 'err\n', truncated: false });
    });

    it('runs in a confined working directory', async () => {
      const r = await runProcess([NODE, '-e', 'process.stdout.write(process.cwd())'], { ...opts(), cwd: 'sub' });
      assert.equal(fs.realpathSync(r.stdout), path.join(root, 'sub'));
      await rejectsCode(runProcess([NODE, '-e', '1'], { ...opts(), cwd: '..' }), 'path-escape');
      await rejectsCode(runProcess([NODE, '-e', '1'], { ...opts(), cwd: 'missing' }), 'tool-error', /does not exist/);
    });

    it('kills the command and its grandchild (which ignores SIGTERM) on timeout', async function () {
      this.timeout(15_000);
      const pidFile = path.join(base, 'grandchild.pid');
      const grandchild = `process.on("SIGTERM", () => {}); require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`;
      const script = `require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(grandchild)}], { stdio: "ignore" }); setInterval(() => {}, 1000);`;
      const started = Date.now();
      const e = await rejectsCode(runProcess([NODE, '-e', script], { ...opts(), timeoutMs: 1000 }), 'tool-timeout', /timed out after 1 s/);
      assert.equal(e.retryable, true);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 1000 && elapsed < 8000, `took ${elapsed} ms`);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      assert.ok(pid > 0);
      assert.ok(await waitFor(() => isDead(pid), 3000), `grandchild ${pid} still alive`);
    });

    it('escalates to SIGKILL 2 s after SIGTERM when the command ignores SIGTERM', async function () {
      this.timeout(15_000);
      const started = Date.now();
      await rejectsCode(runProcess([NODE, '-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { ...opts(), timeoutMs: 500 }), 'tool-timeout', /timed out after 0\.5 s/);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 2400 && elapsed < 8000, `took ${elapsed} ms`);
    });

    it('cuts output at maxOutputBytes with a note', async () => {
      const r = await runProcess([NODE, '-e', 'process.stdout.write("x".repeat(100000))'], { ...opts(), maxOutputBytes: 1000 });
      assert.equal(r.truncated, true);
      assert.equal(r.stdout, `${'x'.repeat(1000)}\n[output truncated: 99000 bytes omitted]`);
    });

    it('reports a missing command', async () => {
      await rejectsCode(runProcess(['kubectl-not-installed-baton'], opts()), 'tool-error', /^command not found: kubectl-not-installed-baton$/);
    });

    it('is cancelled by the abort signal, killing the process', async () => {
      const ac = new AbortController();
      const pidFile = path.join(base, 'child.pid');
      const p = runProcess([NODE, '-e', `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`], { ...opts(), signal: ac.signal });
      assert.ok(await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8') !== '', 5000));
      ac.abort();
      await rejectsCode(p, 'cancelled');
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      assert.ok(await waitFor(() => isDead(pid), 3000));
      await rejectsCode(runProcess([NODE, '-e', '1'], { ...opts(), signal: ac.signal }), 'cancelled');
    });
  });

  describe('process.run', () => {
    it('keeps injection attempts as literal argv elements', async () => {
      const r = await processRun.execute({ argv: [NODE, '-e', printArgs, '; rm -rf /', '$(whoami)', '`id`', 'a b'] }, ctx);
      assert.deepEqual(r, { exit_code: 0, stdout: JSON.stringify(['; rm -rf /', '$(whoami)', '`id`', 'a b']) + '\n', stderr: '' });
    });

    it('returns a nonzero exit code as a result', async () => {
      const r = (await processRun.execute({ argv: [NODE, '-e', 'process.exit(2)'], cwd: 'sub' }, ctx)) as { exit_code: number };
      assert.equal(r.exit_code, 2);
      assert.equal(processRun.idempotent, false);
      assert.equal(processRun.sideEffects, true);
    });

    it('refuses a bad argv', async () => {
      await rejectsCode(processRun.execute({ argv: [] }, ctx), 'tool-error', /non-empty list/);
      await rejectsCode(processRun.execute({ argv: 'ls -la' }, ctx), 'tool-error', /non-empty list/);
    });
  });

  describe('command tools', () => {
    it('substitutes placeholders without splitting or shell interpretation', async () => {
      const ir = toolIR('echo_args', [NODE, '-e', printArgs, '{msg}', '--n={n}', '{flag}', '{list}', '{{literal}}'], [
        { name: 'msg', type: { t: 'named', name: 'String', args: [] }, loc },
        { name: 'n', type: { t: 'named', name: 'int', args: [] }, loc },
        { name: 'flag', type: { t: 'named', name: 'bool', args: [] }, loc },
        { name: 'list', type: { t: 'array', element: { t: 'named', name: 'String', args: [] } }, loc },
      ]);
      const tool = commandTool(ir);
      const out = await tool.execute({ msg: '"; rm -rf / $(whoami)', n: 5, flag: true, list: ['a', 'b c'] }, ctx);
      assert.equal(out, JSON.stringify(['"; rm -rf / $(whoami)', '--n=5', 'true', '["a","b c"]', '{literal}']), 'stdout with the trailing newline trimmed');
    });

    it('uses literal defaults and reports missing arguments', async () => {
      const ir = toolIR('show', [NODE, '-e', printArgs, '{base}', '{count}'], [
        { name: 'base', type: { t: 'named', name: 'String', args: [] }, default: { k: 'lit', value: 'main', loc }, loc },
        { name: 'count', type: { t: 'named', name: 'int', args: [] }, loc },
      ]);
      const tool = commandTool(ir);
      assert.equal(await tool.execute({ count: 3 }, ctx), '["main","3"]');
      await rejectsCode(tool.execute({}, ctx), 'tool-error', /missing argument 'count'/);
      assert.deepEqual(tool.parameters, {
        type: 'object',
        properties: { base: { type: 'string' }, count: { type: 'integer' } },
        required: ['count'],
        additionalProperties: false,
      });
    });

    it('commandArgv gives the argv for the kernel to check protected paths', () => {
      const ir = toolIR('cp', ['cp', '{src}', '--target-directory={dest}'], [{ name: 'src', loc }, { name: 'dest', loc }]);
      const argv = commandArgv(ir, { src: 'a.txt', dest: '.baton/runs' });
      assert.deepEqual(argv, ['cp', 'a.txt', '--target-directory=.baton/runs']);
      assert.equal(mentionsProtectedPath(root, root, argv), '--target-directory=.baton/runs');
    });

    it('refuses a non-constant default', async () => {
      const ir = toolIR('show', [NODE, '-e', printArgs, '{base}'], [
        { name: 'base', default: { k: 'var', name: 'x', loc }, loc },
      ]);
      await rejectsCode(commandTool(ir).execute({}, ctx), 'tool-error', /default of parameter 'base' is not a constant/);
    });

    it('turns a nonzero exit into a non-retryable tool-error with the end of stderr', async () => {
      const ir = toolIR('git_diff', ['git', 'diff', '--no-index', '{a}', '{b}'], [{ name: 'a', loc }, { name: 'b', loc }], { idempotent: true });
      fs.writeFileSync(path.join(root, 'x.txt'), 'x\n');
      const tool = commandTool(ir);
      assert.equal(tool.idempotent, true);
      const e = await rejectsCode(tool.execute({ a: 'x.txt', b: 'missing.txt' }, ctx), 'tool-error', /^`git diff` exited with code \d+: .*missing\.txt/s);
      assert.equal(e.retryable, false);
    });

    it('toolFromIR builds command tools and built-ins under the declared name', async () => {
      const cmd = toolFromIR(toolIR('hello', [NODE, '-e', 'console.log("hi")'], []));
      assert.equal(cmd.name, 'hello');
      assert.equal(await cmd.execute({}, ctx), 'hi');
      fs.writeFileSync(path.join(root, 'notes.md'), 'notes');
      const read = toolFromIR({ ...toolIR('read_notes', [], [{ name: 'path', type: { t: 'named', name: 'String', args: [] }, default: { k: 'lit', value: 'notes.md', loc }, loc }]), binding: { type: 'builtin', id: 'fs.read' }, description: 'Reads notes.' });
      assert.equal(read.name, 'read_notes');
      assert.equal(read.description, 'Reads notes.');
      assert.equal(read.idempotent, true, 'idempotent of the built-in unless declared');
      assert.equal(await read.execute({}, ctx), 'notes');
      const renamed = toolFromIR({ ...toolIR('read_file', [], [{ name: 'file', type: { t: 'named', name: 'String', args: [] }, loc }]), binding: { type: 'builtin', id: 'fs.read' } });
      assert.equal(await renamed.execute({ file: 'notes.md' }, ctx), 'notes', 'a renamed parameter maps by position');
      assert.deepEqual(renamed.parameters, { type: 'object', properties: { file: { type: 'string' } }, required: ['file'], additionalProperties: false });
      assert.throws(() => toolFromIR({ ...toolIR('x', [], []), binding: { type: 'builtin', id: 'fs.nope' } }), /unknown built-in tool 'fs\.nope'/);
      assert.throws(() => toolFromIR({ ...toolIR('x', [], []), binding: { type: 'mcp', server: 'gh', tool: 'issues' } }), /MCP manager/);
    });
  });
});
