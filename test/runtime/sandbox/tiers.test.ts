/**
 * Tier names and their resolution, the process tier with limits (real processes), the docker tier
 * without a daemon (argv construction, the clear error), and tiers this runtime does not have.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeText } from '../../../runtime/dsl/workspace';
import { runProcess } from '../../../runtime/tools/process-tool';
import { dockerArgv, dockerAvailable } from '../../../runtime/tools/sandbox/docker';
import { limitExceeded, limitPlan } from '../../../runtime/tools/sandbox/limits';
import { resolveTier, sandboxSpec, type SandboxReport, type SandboxSpec } from '../../../runtime/tools/sandbox/spec';
import { rejectsCode } from '../../helpers/assert-baton';
import { corpusDir, corpusFiles } from '../../helpers/paths';

const NODE = process.execPath;
const PY = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : undefined;

describe('sandbox: tiers', function () {
  this.timeout(60_000);
  let root: string;
  before(() => { root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-tiers-'))); });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  async function run(argv: string[], spec: SandboxSpec, timeoutMs = 20_000) {
    let report: SandboxReport | undefined;
    const r = await runProcess(argv, { cwd: '.', root, timeoutMs, maxOutputBytes: 1 << 20, effectId: 'run-1/main#1', sandbox: spec, onSandbox: (x) => { report = x; } });
    return { ...r, report: report! };
  }

  describe('names', () => {
    it('maps Baton and Symbiont names to tiers, never down', () => {
      assert.deepEqual(resolveTier('process'), { ok: true, tier: 'process' });
      assert.deepEqual(resolveTier('bwrap'), { ok: true, tier: 'bubblewrap' });
      assert.deepEqual(resolveTier('Tier1'), { ok: true, tier: 'bubblewrap' });
      assert.deepEqual(resolveTier('docker'), { ok: true, tier: 'docker' });
      for (const n of ['Tier2', 'Tier3', 'gvisor', 'firecracker', 'e2b']) {
        const r = resolveTier(n);
        assert.ok(!r.ok, n);
        assert.match(r.message, new RegExp(`sandbox = "${n}": .* is not available in this runtime`));
      }
      const bad = resolveTier('chroot');
      assert.ok(!bad.ok);
      assert.match(bad.message, /not a known sandbox tier \(known: process, bubblewrap/);
    });

    it("takes the agent's settings (agentConfig fields and sandbox_image)", () => {
      assert.deepEqual(sandboxSpec({}), { requested: 'process' });
      assert.deepEqual(sandboxSpec({ sandbox: 'Tier1', maxMemoryMb: 256, maxCpuCores: 0.5, network: false }, 'alpine:3'),
        { requested: 'Tier1', memoryMb: 256, cpuCores: 0.5, network: false, image: 'alpine:3' });
    });
  });

  it('the corpus files with `sandbox =` check without errors; an information diagnostic names the tier', () => {
    const seen = new Map<string, string>();
    for (const f of corpusFiles().filter((x) => !x.includes('invalid_'))) {
      const src = fs.readFileSync(path.join(corpusDir(), f), 'utf8');
      if (!/sandbox\s*=/.test(src)) continue;
      const a = analyzeText(src, f);
      assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [], f);
      for (const d of a.diagnostics.filter((x) => x.code === 'sandbox-tier')) {
        assert.equal(d.severity, 'info');
        seen.set(src.slice(d.start, d.end), d.message);
      }
    }
    assert.match(seen.get('"Tier1"') ?? '', /run in the bubblewrap tier .*Symbiont Tier1/);
    assert.match(seen.get('"docker"') ?? '', /run in the docker tier/);
    assert.match(seen.get('"firecracker"') ?? '', /Firecracker is not available in this runtime.*will fail when they start/);
    assert.match(seen.get('"e2b"') ?? '', /E2B is not available/);
  });

  describe('process tier', () => {
    it('without limits runs the command itself (no wrapper) and reports the timeout only', async () => {
      assert.deepEqual(limitPlan({ requested: 'process' }, 5000, false).prefix, []);
      const r = await run([NODE, '-e', 'console.log(process.argv.length)'], { requested: 'process' });
      assert.equal(r.stdout.trim(), '1');
      assert.deepEqual(r.report, { tier: 'process', network: 'not isolated', limits: { timeoutMs: { value: 20_000, enforced: 'process-group kill at the timeout' } } });
    });

    it('max_memory_mb stops a 512 MB allocation with a clear error and reports prlimit', async function () {
      if (!PY) this.skip();
      const e = await rejectsCode(run([PY!, '-c', 'x = bytearray(512 * 1024 * 1024)'], { requested: 'process', memoryMb: 64 }), 'tool-error', /exceeded max_memory_mb = 64/);
      assert.equal((e.options.data as { sandbox: SandboxReport }).sandbox.tier, 'process');
      const ok = await run([PY!, '-c', 'x = bytearray(8 * 1024 * 1024); print(len(x))'], { requested: 'process', memoryMb: 64 });
      assert.equal(ok.stdout.trim(), String(8 * 1024 * 1024));
      assert.deepEqual(ok.report.limits.memoryMb, { value: 64, enforced: 'prlimit RLIMIT_DATA' });
    });

    it('max_cpu_cores pins with taskset; the CPU-time backstop is reported', async () => {
      const r = await run(['/bin/sh', '-c', 'grep Cpus_allowed_list /proc/self/status | cut -f2'], { requested: 'process', cpuCores: 1 }, 3000);
      assert.match(r.stdout.trim(), /^\d+$/);
      assert.equal(r.report.limits.cpuCores?.enforced, `taskset -c ${r.stdout.trim()}`);
      assert.equal(r.report.limits.cpuCores?.reason, undefined);
      assert.deepEqual(r.report.limits.cpuSeconds, { value: 4, enforced: 'prlimit RLIMIT_CPU' });
    });

    it('a CPU-time limit hit is a clear error', () => {
      assert.match(limitExceeded(128 + os.constants.signals.SIGXCPU, '', { cpuSeconds: 4 }) ?? '', /exceeded its CPU time limit \(4 s/);
      assert.equal(limitExceeded(1, 'plain failure', { memoryMb: 64 }), undefined);
      assert.equal(limitExceeded(0, 'MemoryError', { memoryMb: 64 }), undefined);
    });

    it('a nonzero exit under limits stays a result, a missing command a tool error', async () => {
      const r = await run(['/bin/sh', '-c', 'echo no >&2; exit 3'], { requested: 'process', memoryMb: 64 });
      assert.equal(r.exitCode, 3);
      await rejectsCode(run(['no-such-command-xyz'], { requested: 'process', memoryMb: 64 }), 'tool-error', /command not found: no-such-command-xyz$/);
    });

    it('rejects a non-positive limit with the setting named', async () => {
      await rejectsCode(run(['/bin/true'], { requested: 'process', memoryMb: 0 }), 'tool-error', /max_memory_mb = 0 must be a positive number/);
    });
  });

  describe('docker tier', () => {
    it('builds `docker run` with the workspace, limits, network and image', () => {
      const argv = dockerArgv('/usr/bin/docker', {
        root: '/w', cwd: '/w/src', network: false, memoryMb: 64, cpuCores: 0.5, envNames: ['LANG', 'BATON_EFFECT_ID'], name: 'baton-x', uid: 1000, gid: 1000,
      }, ['npm', 'test']);
      assert.deepEqual(argv, ['/usr/bin/docker', 'run', '--rm', '--init', '--name', 'baton-x', '--network', 'none', '--read-only', '--tmpfs', '/tmp',
        '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '1000:1000', '-v', '/w:/w', '-w', '/w/src',
        '--memory', '64m', '--memory-swap', '64m', '--cpus', '0.5', '-e', 'LANG', '-e', 'BATON_EFFECT_ID', 'debian:bookworm-slim', 'npm', 'test']);
      const net = dockerArgv('docker', { root: '/w', cwd: '/w', network: true, image: 'alpine:3', envNames: [], name: 'n' }, ['ls']);
      assert.ok(net.includes('bridge') && !net.includes('none') && !net.includes('--memory'));
      assert.deepEqual(net.slice(-2), ['alpine:3', 'ls']);
    });

    it('without a daemon: a clear sandbox-unavailable error naming the address, nothing runs', async () => {
      const sock = path.join(root, 'no-daemon.sock');
      const prev = process.env.DOCKER_HOST;
      process.env.DOCKER_HOST = `unix://${sock}`;
      try {
        const marker = path.join(root, 'ran.txt');
        await rejectsCode(run(['/bin/sh', '-c', `touch ${marker}`], { requested: 'docker', memoryMb: 64 }),
          'sandbox-unavailable', new RegExp(`no Docker daemon reachable at unix://${sock.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
        assert.ok(!fs.existsSync(marker), 'the command ran outside docker');
      } finally {
        if (prev === undefined) delete process.env.DOCKER_HOST; else process.env.DOCKER_HOST = prev;
      }
    });

    it('the default address is named when no daemon answers there', async function () {
      const a = await dockerAvailable({ PATH: process.env.PATH ?? '' });
      if (a.ok) { console.log('      (a Docker daemon is reachable here)'); this.skip(); }
      assert.match((a as { message: string }).message, /sandbox = "docker": (no Docker daemon reachable at unix:\/\/\/var\/run\/docker.sock|the `docker` client is not installed)/);
    });
  });

  describe('tiers this runtime does not have', () => {
    for (const tier of ['firecracker', 'e2b', 'gvisor', 'Tier3']) {
      it(`${tier}: a sandbox-unavailable error when the process would start, and it does not start`, async () => {
        const marker = path.join(root, `ran-${tier}.txt`);
        await rejectsCode(run(['/bin/sh', '-c', `touch ${marker}`], { requested: tier }), 'sandbox-unavailable', /is not available in this runtime/);
        assert.ok(!fs.existsSync(marker));
      });
    }
  });
});
