/**
 * McpManager against a real MCP server process on stdio (test/fixtures/mcp/test-server.mjs): tool
 * listing and definition hashes, calls and results, isError, vault secrets (reach the server, never
 * shown), timeouts, cancellation, a crash mid-call and the relaunch, pins, startup failures, close().
 */
import * as assert from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatonError, isBatonError, type ErrorCode } from '../../../runtime/errors';
import type { McpServerIR } from '../../../runtime/ir/schema';
import { McpManager, toolDefinitionHash, type McpManagerOptions } from '../../../runtime/tools/mcp';
import type { ToolContext } from '../../../runtime/tools/tool';
import { repoRoot } from '../../helpers/paths';

const SERVER = path.join(repoRoot(), 'test/fixtures/mcp/test-server.mjs');
const SECRET = 'sk-baton-test-7f3a9c2e51d04b8e';

function server(name: string, env: McpServerIR['env'] = {}, over: Partial<McpServerIR> = {}): McpServerIR {
  return { name, command: process.execPath, args: [SERVER], env, settings: {}, loc: [1, 1, 1, 1], ...over };
}

let root: string;
const managers: McpManager[] = [];
function manager(servers: McpServerIR[], opts: Partial<McpManagerOptions> = {}): McpManager {
  const m = new McpManager(servers, { root, resolveSecret: () => { throw new Error('no secrets here'); }, ...opts });
  managers.push(m);
  return m;
}

function ctx(over: Partial<ToolContext> = {}): ToolContext {
  return { root, signal: new AbortController().signal, timeoutMs: 15_000, effectId: 'run-1/e1', maxOutputBytes: 100_000, ...over };
}

async function rejects(p: Promise<unknown>, code: ErrorCode): Promise<BatonError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isBatonError(e, code), `expected BatonError '${code}', got ${e instanceof BatonError ? `'${e.code}': ${e.message}` : String(e)}`);
    return e;
  }
  assert.fail(`expected a '${code}' error, but it succeeded`);
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

describe('McpManager (real stdio MCP server)', function () {
  this.timeout(30_000);

  beforeEach(() => { root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-mcp-'))); });
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe('tools and definition hashes', () => {
    it('lists the tools with the hash of their definition, stable across launches', async () => {
      const first = await manager([server('t')]).listTools('t');
      assert.deepStrictEqual(first.map((t) => t.name).sort(), ['add', 'append_line', 'crash', 'echo', 'fail', 'slow', 'whoami']);
      const echo = first.find((t) => t.name === 'echo')!;
      assert.strictEqual(echo.server, 't');
      assert.strictEqual(echo.description, 'Echoes the text back.');
      assert.deepStrictEqual((echo.inputSchema.properties as Record<string, unknown>).text, { type: 'string', description: 'What to echo' });
      assert.match(echo.hash, /^[0-9a-f]{64}$/);
      assert.strictEqual(echo.hash, toolDefinitionHash({ name: 'echo', description: echo.description, inputSchema: echo.inputSchema }));
      assert.strictEqual(new Set(first.map((t) => t.hash)).size, first.length, 'every tool has its own hash');

      const second = await manager([server('t')]).listTools('t');
      assert.deepStrictEqual(second.map((t) => [t.name, t.hash]), first.map((t) => [t.name, t.hash]));
    });

    it('hashes a changed definition differently (MCP_TEST_VARIANT=2 changes only echo)', async () => {
      const v1 = await manager([server('t')]).listTools('t');
      const v2 = await manager([server('t', { MCP_TEST_VARIANT: '2' })]).listTools('t');
      const hash = (list: typeof v1, name: string) => list.find((t) => t.name === name)!.hash;
      assert.notStrictEqual(hash(v1, 'echo'), hash(v2, 'echo'));
      assert.strictEqual(hash(v1, 'add'), hash(v2, 'add'));
    });

    it('hashes the canonical JSON: key order does not matter, content does', () => {
      const a = toolDefinitionHash({ name: 'x', description: 'd', inputSchema: { type: 'object', properties: { a: { type: 'string' } } } });
      const b = toolDefinitionHash({ inputSchema: { properties: { a: { type: 'string' } }, type: 'object' }, description: 'd', name: 'x' } as never);
      const c = toolDefinitionHash({ name: 'x', description: 'd', inputSchema: { type: 'object', properties: { a: { type: 'number' } } } });
      assert.strictEqual(a, b);
      assert.notStrictEqual(a, c);
    });

    it('derives idempotent and sideEffects from the annotations', async () => {
      const m = manager([server('t')]);
      const add = await m.tool('t', 'add');
      const append = await m.tool('t', 'append_line');
      const echo = await m.tool('t', 'echo');
      assert.deepStrictEqual([add.name, add.idempotent, add.sideEffects], ['t/add', true, false]);
      assert.deepStrictEqual([append.idempotent, append.sideEffects], [false, true]);
      assert.deepStrictEqual([echo.idempotent, echo.sideEffects], [false, true]);
      assert.strictEqual(add.definitionHash, (await m.listTools('t')).find((t) => t.name === 'add')!.hash);
      assert.deepStrictEqual((add.parameters.required as string[]).sort(), ['a', 'b']);
    });

    it('refuses an unknown server or tool with a usage error', async () => {
      const m = manager([server('t')]);
      assert.match((await rejects(m.listTools('nope'), 'usage')).message, /no MCP server 'nope' is declared \(declared: t\)/);
      assert.match((await rejects(m.tool('t', 'nope'), 'usage')).message, /MCP server 't' has no tool 'nope' \(it offers: add, append_line, /);
    });
  });

  describe('calls', () => {
    it('calls echo and add and returns their text', async () => {
      const m = manager([server('t')]);
      assert.strictEqual(await (await m.tool('t', 'echo')).execute({ text: 'hello, world' }, ctx()), 'hello, world');
      assert.strictEqual(await (await m.tool('t', 'add')).execute({ a: 2, b: 40 }, ctx()), '42');
    });

    it('performs a side effect (append_line writes the file)', async () => {
      const m = manager([server('t')]);
      const file = path.join(root, 'notes.txt');
      const append = await m.tool('t', 'append_line');
      await append.execute({ file, line: 'one' }, ctx());
      await append.execute({ file, line: 'two' }, ctx());
      assert.strictEqual(fs.readFileSync(file, 'utf8'), 'one\ntwo\n');
    });

    it('turns an isError result into tool-error with its text', async () => {
      const m = manager([server('t')]);
      const e = await rejects((await m.tool('t', 'fail')).execute({}, ctx()), 'tool-error');
      assert.strictEqual(e.message, 'something went wrong (token none)');
      assert.strictEqual(e.retryable, false);
    });

    it('cuts text beyond maxOutputBytes with a note', async () => {
      const m = manager([server('t')]);
      const out = await (await m.tool('t', 'echo')).execute({ text: 'x'.repeat(1000) }, ctx({ maxOutputBytes: 100 }));
      assert.strictEqual(typeof out, 'string');
      assert.match(out as string, /^x{100}\n… \[output cut: 900 more bytes\]$/);
    });

    it('times out a slow call with tool-timeout, and the server stays usable', async () => {
      const m = manager([server('t')]);
      const slow = await m.tool('t', 'slow');
      const t0 = Date.now();
      const e = await rejects(slow.execute({ ms: 10_000 }, ctx({ timeoutMs: 300 })), 'tool-timeout');
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      assert.match(e.message, /MCP tool 't\/slow' did not answer within 300 ms/);
      assert.strictEqual(await (await m.tool('t', 'echo')).execute({ text: 'still here' }, ctx()), 'still here');
    });

    it('cancels a call when the signal aborts', async () => {
      const m = manager([server('t')]);
      const slow = await m.tool('t', 'slow');
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const t0 = Date.now();
      await rejects(slow.execute({ ms: 10_000 }, ctx({ signal: ac.signal })), 'cancelled');
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    });
  });

  describe('vault secrets', () => {
    it('resolves vault env at launch, reaches the server, and never shows the value', async () => {
      process.env.BATON_MCP_TEST_LEAK = 'must-not-leak';
      const asked: string[] = [];
      const stderr: string[] = [];
      const m = manager([server('t', { SECRET_TOKEN: { $vault: 'test/token' }, PLAIN: 'visible' })], {
        resolveSecret: (p) => { asked.push(p); return SECRET; },
        onStderr: (s, line) => stderr.push(`${s}: ${line}`),
      });
      try {
        const who = await (await m.tool('t', 'whoami')).execute({}, ctx()) as { token: string; sha256: string; envKeys: string[] };
        assert.deepStrictEqual(asked, ['test/token']);
        assert.strictEqual(who.sha256, createHash('sha256').update(SECRET).digest('hex'), 'the server received the resolved value');
        assert.strictEqual(who.token, '***', 'the value is redacted from results');
        assert.ok(who.envKeys.includes('SECRET_TOKEN') && who.envKeys.includes('PLAIN') && who.envKeys.includes('PATH'));
        for (const k of ['BATON_MCP_TEST_LEAK', 'USER', 'SHELL', 'LOGNAME']) assert.ok(!who.envKeys.includes(k), `${k} leaked into the server env`);

        const fail = await rejects((await m.tool('t', 'fail')).execute({}, ctx()), 'tool-error');
        assert.strictEqual(fail.message, 'something went wrong (token ***)');
        const crash = await rejects((await m.tool('t', 'crash')).execute({}, ctx()), 'mcp-error');
        assert.ok(stderr.some((l) => l.startsWith('t: test server ready') && l.includes('token ***')), stderr.join('\n'));
        assert.ok(stderr.some((l) => l === 't: crashing now (token ***)'), stderr.join('\n'));
        const everything = [fail.message, crash.message, JSON.stringify(crash.options.data), JSON.stringify(who), ...stderr].join('\n');
        assert.ok(!everything.includes(SECRET), 'the secret value appeared in an error, result or log line');
      } finally {
        delete process.env.BATON_MCP_TEST_LEAK;
      }
    });
  });

  describe('crashes and relaunch', () => {
    it('fails a call promptly when the server dies mid-call, then relaunches on the next call', async () => {
      const m = manager([server('t')]);
      const echo = await m.tool('t', 'echo');
      const crash = await m.tool('t', 'crash');
      const pid1 = m.pid('t');
      assert.ok(pid1 && alive(pid1));
      const t0 = Date.now();
      const e = await rejects(crash.execute({}, ctx({ timeoutMs: 20_000 })), 'mcp-error');
      assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
      assert.strictEqual(e.message, "MCP server 't' exited with code 3 during a call to tool 'crash'");
      assert.strictEqual(e.retryable, true);
      assert.strictEqual(m.pid('t'), undefined);
      assert.ok(!alive(pid1));

      assert.strictEqual(await echo.execute({ text: 'back again' }, ctx()), 'back again');
      const pid2 = m.pid('t');
      assert.ok(pid2 && pid2 !== pid1 && alive(pid2));
    });

    it('refuses to call a tool whose definition changed across a relaunch', async () => {
      let launches = 0;
      const m = manager([server('t', { MCP_TEST_VARIANT: { $vault: 'variant' } })], {
        resolveSecret: () => (++launches === 1 ? 'variant-one' : '2'),
      });
      const echo = await m.tool('t', 'echo');
      await rejects((await m.tool('t', 'crash')).execute({}, ctx()), 'mcp-error');
      const e = await rejects(echo.execute({ text: 'hi' }, ctx()), 'mcp-pin-mismatch');
      assert.match(e.message, /^MCP tool 't\/echo' changed since this run started/);
      assert.strictEqual(launches, 2);
    });
  });

  describe('pins', () => {
    it('pins every tool by hash and refuses a changed or missing one', async () => {
      const pinned = await manager([server('github')]).pins('github');
      assert.deepStrictEqual(pinned.map((p) => p.name), ['add', 'append_line', 'crash', 'echo', 'fail', 'slow', 'whoami']);

      const same = manager([server('github')]);
      await same.verifyPins('github', pinned);

      const changed = manager([server('github', { MCP_TEST_VARIANT: '2' })]);
      const now = (await changed.pins('github')).find((p) => p.name === 'echo')!.hash;
      const was = pinned.find((p) => p.name === 'echo')!.hash;
      const e = await rejects(changed.verifyPins('github', pinned), 'mcp-pin-mismatch');
      assert.strictEqual(e.message,
        `MCP tool 'github/echo' changed since this run started (definition hash ${was.slice(0, 8)}… → ${now.slice(0, 8)}…); ` +
        'refusing to resume with a different tool. Start a new run to trust the new definition.');

      const gone = await rejects(same.verifyPins('github', [{ name: 'create_issue', hash: 'ab'.repeat(32) }]), 'mcp-pin-mismatch');
      assert.match(gone.message, /^MCP tool 'github\/create_issue' is no longer offered since this run started \(definition hash abababab… → none\)/);
    });
  });

  describe('startup failures', () => {
    it('reports a command that does not exist quickly', async () => {
      const m = manager([server('nope', {}, { command: 'baton-no-such-command-4711', args: [] })]);
      const t0 = Date.now();
      const e = await rejects(m.listTools('nope'), 'mcp-error');
      assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
      assert.strictEqual(e.message, "cannot start MCP server 'nope': command not found: baton-no-such-command-4711");
      assert.strictEqual(e.retryable, false);
    });

    it('gives up on a server that never answers initialize after the startup timeout', async () => {
      const m = manager([server('mute', {}, { args: ['-e', 'setInterval(() => {}, 1000)'] })], { startupTimeoutMs: 500 });
      const t0 = Date.now();
      const e = await rejects(m.listTools('mute'), 'mcp-error');
      assert.ok(Date.now() - t0 < 4000, `took ${Date.now() - t0} ms`);
      assert.strictEqual(e.message, "cannot start MCP server 'mute': it did not answer initialize within 0.5 s");
      assert.strictEqual(m.pid('mute'), undefined);
    });

    it('reports a server that exits during startup with its last stderr line, secrets redacted', async () => {
      const script = 'process.stderr.write("bad token " + process.env.TOKEN + "\\n"); process.exit(2)';
      const m = manager([server('dies', { TOKEN: { $vault: 'dies/token' } }, { args: ['-e', script] })], { resolveSecret: () => SECRET });
      const e = await rejects(m.listTools('dies'), 'mcp-error');
      assert.strictEqual(e.message, "cannot start MCP server 'dies': it exited with code 2 before answering initialize (last stderr line: bad token ***)");
    });
  });

  describe('close', () => {
    it('stops every server, killing one that ignores the close, and leaves no process', async () => {
      const m = manager([server('a'), server('b', { MCP_TEST_IGNORE_CLOSE: '1' })], { closeGraceMs: 300 });
      await Promise.all([m.listTools('a'), m.listTools('b')]);
      const pids = [m.pid('a')!, m.pid('b')!];
      assert.ok(pids.every((p) => typeof p === 'number' && alive(p)));
      const t0 = Date.now();
      await m.close();
      assert.ok(Date.now() - t0 < 4000, `took ${Date.now() - t0} ms`);
      for (const pid of pids) assert.ok(!alive(pid), `process ${pid} still runs`);
      assert.match((await rejects(m.listTools('a'), 'mcp-error')).message, /the MCP servers were closed/);
    });
  });
});
