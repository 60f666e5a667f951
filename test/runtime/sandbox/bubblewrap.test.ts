/**
 * The bubblewrap tier with real processes: escape attempts (writes outside the workspace, reads of
 * hidden paths, the network, `..` and symlinks, host processes, the kernel's protected folders)
 * all fail; the workspace stays writable; memory, CPU and time limits hold.
 * Skips, with the reason printed, where bubblewrap cannot run.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { processRun, runProcess } from '../../../runtime/tools/process-tool';
import { bubblewrapAvailable } from '../../../runtime/tools/sandbox/bubblewrap';
import type { SandboxReport, SandboxSpec } from '../../../runtime/tools/sandbox/spec';
import { rejectsCode } from '../../helpers/assert-baton';

const NODE = process.execPath;
const PY = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : undefined;
const tag = `${process.pid}-${Date.now()}`;

describe('sandbox: bubblewrap tier', function () {
  this.timeout(60_000);
  let base: string;
  let root: string;
  let outside: string;

  before(async function () {
    const a = await bubblewrapAvailable();
    if (!a.ok) {
      console.log(`      skipping the bubblewrap tests: ${a.message}`);
      this.skip();
    }
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-sbx-')));
    root = path.join(base, 'ws');
    outside = path.join(base, 'outside');
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.mkdirSync(path.join(root, '.baton'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside-secret');
  });
  after(() => { if (base) fs.rmSync(base, { recursive: true, force: true }); });
  // Only a failing sandbox would have written these (we may run as root): never leave them behind.
  afterEach(() => {
    for (const p of [`/etc/baton-escape-${tag}`, path.join(os.tmpdir(), `baton-sbx-escape-${tag}`), path.join(os.homedir(), `.baton-sbx-escape-${tag}`)]) fs.rmSync(p, { force: true });
  });

  async function sbx(argv: string[], spec: Partial<SandboxSpec> = {}, timeoutMs = 20_000, cwd = '.') {
    let report: SandboxReport | undefined;
    const r = await runProcess(argv, {
      cwd, root, timeoutMs, maxOutputBytes: 1 << 20, effectId: 'run-1/main#1',
      sandbox: { requested: 'bubblewrap', ...spec }, onSandbox: (x) => { report = x; },
    });
    return { ...r, report: report! };
  }
  const sh = (script: string, spec: Partial<SandboxSpec> = {}, timeoutMs?: number) => sbx(['/bin/sh', '-c', script], spec, timeoutMs);

  it('the workspace is writable and the write lands on the host; the report names the tier', async () => {
    const r = await sh('echo inside > made-here.txt && cat made-here.txt');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'inside');
    assert.equal(fs.readFileSync(path.join(root, 'made-here.txt'), 'utf8'), 'inside\n');
    assert.equal(r.report.tier, 'bubblewrap');
    assert.equal(r.report.network, 'isolated');
    assert.equal(r.sandbox?.tier, 'bubblewrap');
  });

  it('writes outside the workspace fail or never reach the host: /etc, /tmp, $HOME', async () => {
    const home = os.homedir();
    const hostTmp = path.join(os.tmpdir(), `baton-sbx-escape-${tag}`);
    const hostHome = path.join(home, `.baton-sbx-escape-${tag}`);
    const r = await sh(`
      if echo x > /etc/baton-escape-${tag} 2>/dev/null; then echo etc-written; else echo etc-refused; fi
      echo x > ${hostTmp} 2>/dev/null; echo x > ${hostHome} 2>/dev/null; echo done`);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /etc-refused/);
    assert.ok(!fs.existsSync(`/etc/baton-escape-${tag}`), 'a file appeared in the host /etc');
    assert.ok(!fs.existsSync(hostTmp), 'a write to /tmp reached the host /tmp');
    assert.ok(!fs.existsSync(hostHome), 'a write to $HOME reached the host home');
  });

  it('files outside the workspace under hidden paths cannot be read ($HOME, /tmp)', async () => {
    const homeSecret = path.join(os.homedir(), `.baton-sbx-secret-${tag}`);
    fs.writeFileSync(homeSecret, 'home-secret');
    try {
      const r = await sh(`cat ${homeSecret} ${path.join(outside, 'secret.txt')} 2>&1; echo rc=$?`);
      assert.doesNotMatch(r.stdout, /home-secret|outside-secret/);
      assert.match(r.stdout, /No such file/);
    } finally { fs.rmSync(homeSecret, { force: true }); }
  });

  it('`..` and symlinks out of the workspace do not escape', async () => {
    fs.symlinkSync(outside, path.join(root, 'link-out'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link-secret'));
    const r = await sh(`echo pwned > ../escaped-${tag} 2>/dev/null; echo pwned > link-out/pwned 2>/dev/null; cat link-secret 2>&1; echo end`);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.ok(!fs.existsSync(path.join(base, `escaped-${tag}`)), '`..` wrote next to the workspace');
    assert.ok(!fs.existsSync(path.join(outside, 'pwned')), 'a symlink wrote outside the workspace');
    assert.doesNotMatch(r.stdout, /outside-secret/, 'a symlink read a file outside the workspace');
    // The working directory itself is confined before anything starts.
    await rejectsCode(sbx(['/bin/true'], {}, 5000, '../outside'), 'path-escape');
  });

  it("the workspace's .baton/ stays read-only inside the sandbox", async () => {
    const r = await sh('echo forged > .baton/journal.jsonl 2>/dev/null && echo written || echo refused');
    assert.match(r.stdout, /refused/);
    assert.ok(!fs.existsSync(path.join(root, '.baton', 'journal.jsonl')));
  });

  it('host processes are invisible: /proc is the sandbox’s own', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const r = await sh(`ls /proc | grep -c '^[0-9]*$'; test -e /proc/${sleeper.pid} && echo sees-host || echo hidden; kill -0 ${sleeper.pid} 2>/dev/null && echo can-signal || echo cannot-signal`);
      const [count, seen, signal] = r.stdout.trim().split('\n');
      assert.ok(Number(count) < 10, `the sandbox sees ${count} processes`);
      assert.equal(seen, 'hidden');
      assert.equal(signal, 'cannot-signal');
      assert.ok(!sleeper.killed && sleeper.exitCode === null, 'the host process was touched');
    } finally { sleeper.kill('SIGKILL'); }
  });

  describe('network', () => {
    let server: net.Server;
    let port: number;
    before(async () => {
      server = net.createServer((s) => s.end('hello-from-host\n'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as net.AddressInfo).port;
    });
    after(() => server?.close());
    const connect = (p: number) => [NODE, '-e',
      `const s=require('net').connect(${p},'127.0.0.1');s.on('data',d=>{process.stdout.write(String(d));process.exit(0)});s.on('error',e=>{console.log('error '+e.code);process.exit(3)});setTimeout(()=>{console.log('timeout');process.exit(4)},3000)`];

    it('a TCP connection to the host fails without `network = true`', async () => {
      const r = await sbx(connect(port));
      assert.equal(r.exitCode, 3, r.stdout + r.stderr);
      assert.match(r.stdout, /error ECONNREFUSED|error ENETUNREACH/);
      assert.equal(r.report.network, 'isolated');
    });

    it('works with `network = true`', async () => {
      const r = await sbx(connect(port), { network: true });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.equal(r.stdout.trim(), 'hello-from-host');
      assert.equal(r.report.network, 'allowed');
    });
  });

  describe('limits', () => {
    it('a process allocating 512 MB under max_memory_mb = 64 is stopped with a clear error (python3)', async function () {
      if (!PY) { console.log('      (no /usr/bin/python3)'); this.skip(); }
      const e = await rejectsCode(sbx([PY!, '-c', 'x = bytearray(512 * 1024 * 1024); print("allocated")'], { memoryMb: 64 }), 'tool-error', /exceeded max_memory_mb = 64/);
      const data = e.options.data as { sandbox: SandboxReport };
      assert.equal(data.sandbox.limits.memoryMb?.enforced, 'prlimit RLIMIT_DATA');
    });

    it('the same with node; a small allocation under the limit still works', async () => {
      await rejectsCode(sbx([NODE, '-e', 'const b = Buffer.alloc(512 * 1024 * 1024, 1); console.log(b.length)'], { memoryMb: 64 }), 'tool-error', /exceeded max_memory_mb = 64/);
      const ok = await sbx([NODE, '-e', 'const b = Buffer.alloc(8 * 1024 * 1024, 1); console.log(b.length)'], { memoryMb: 128 });
      assert.equal(ok.exitCode, 0, ok.stderr);
      assert.equal(ok.stdout.trim(), String(8 * 1024 * 1024));
    });

    it('max_cpu_cores pins the process with taskset and says how', async () => {
      const r = await sh("grep Cpus_allowed_list /proc/self/status | cut -f2", { cpuCores: 0.5 });
      assert.equal(r.exitCode, 0, r.stderr);
      const allowed = r.stdout.trim();
      assert.match(allowed, /^\d+$/, `pinned to one core, got '${allowed}'`);
      const c = r.report.limits.cpuCores!;
      assert.equal(c.enforced, `taskset -c ${allowed}`);
      assert.match(c.reason ?? '', /rounded up to 1 whole core/);
    });

    it('a timeout kills the whole sandbox, including background processes', async () => {
      const t0 = Date.now();
      await rejectsCode(sh('(sleep 2; echo late > late.txt) & sleep 30', {}, 700), 'tool-timeout', /timed out after 0\.7 s/);
      assert.ok(Date.now() - t0 < 6000, 'the timeout took too long');
      await new Promise((r) => setTimeout(r, 2500));
      assert.ok(!fs.existsSync(path.join(root, 'late.txt')), 'a process inside the sandbox outlived the timeout');
    });
  });

  it('the built-in process.run runs in the tier its context names and reports it', async () => {
    let report: SandboxReport | undefined;
    const out = await processRun.execute({ argv: ['/bin/sh', '-c', `touch /etc/baton-escape-${tag} 2>/dev/null && echo etc-writable || echo etc-read-only`] }, {
      root, signal: new AbortController().signal, timeoutMs: 10_000, effectId: 'run-1/main#2', maxOutputBytes: 1 << 20,
      sandbox: { requested: 'bwrap' }, onSandbox: (r) => { report = r; },
    });
    assert.deepEqual(out, { exit_code: 0, stdout: 'etc-read-only\n', stderr: '' });
    assert.equal(report?.tier, 'bubblewrap');
    assert.equal(report?.requested, 'bwrap');
  });

  it('a command missing inside the sandbox is a clear tool error', async () => {
    await rejectsCode(sbx(['no-such-command-xyz']), 'tool-error', /command not found: no-such-command-xyz \(inside the bubblewrap sandbox\)/);
  });
});
