/**
 * Sandbox tiers end to end: agents run through runAgent (real file journal, real processes), with
 * `with sandbox = ...` and limits; the ToolFinished record says which tier ran and what was
 * enforced; a tier that cannot run here is a tool error at the call, never a silent downgrade.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { bubblewrapAvailable } from '../../../runtime/tools/sandbox/bubblewrap';
import type { SandboxReport } from '../../../runtime/tools/sandbox/spec';
import { runAgent } from '../../helpers/run-agent';

const tag = `${process.pid}-${Date.now()}`;
const PROBE = `tool probe() -> String {
    command = ["/bin/sh", "-c", "echo ok > made.txt; if (echo x > /etc/baton-e2e-${tag}) 2>/dev/null; then echo etc-writable; else echo etc-read-only; fi"]
}`;

function report(r: Awaited<ReturnType<typeof runAgent>>): SandboxReport {
  const fin = r.of('ToolFinished')[0];
  assert.ok(fin, 'no ToolFinished record');
  return fin.sandbox as unknown as SandboxReport;
}

describe('sandbox: agents end to end', function () {
  this.timeout(60_000);
  // Only a failing sandbox would have written it (we run as root): never leave it behind.
  afterEach(() => fs.rmSync(`/etc/baton-e2e-${tag}`, { force: true }));

  describe('bubblewrap', () => {
    before(async function () {
      const a = await bubblewrapAvailable();
      if (!a.ok) { console.log(`      skipping: ${a.message}`); this.skip(); }
    });

    it('`with sandbox = "bubblewrap"` runs the tool isolated and journals the tier and limits', async () => {
      const r = await runAgent(`${PROBE}
agent a {
    policy p { allow: probe }
    with sandbox = "bubblewrap", max_memory_mb = 256, max_cpu_cores = 1 { return probe(); }
}`);
      assert.equal(r.reason, 'Completed', r.error?.describe());
      assert.equal(r.result, 'etc-read-only');
      assert.ok(fs.existsSync(path.join(r.dir, 'made.txt')), 'the workspace was not writable');
      assert.ok(!fs.existsSync(`/etc/baton-e2e-${tag}`));
      const s = report(r);
      assert.equal(s.tier, 'bubblewrap');
      assert.equal(s.network, 'isolated');
      assert.deepEqual(s.limits.memoryMb, { value: 256, enforced: 'prlimit RLIMIT_DATA' });
      assert.match(String(s.limits.cpuCores?.enforced), /^taskset -c \d+$/);
      assert.equal(s.limits.timeoutMs?.value, 30_000);
    });

    it("Symbiont's Tier1 runs as bubblewrap and says it was asked for as Tier1", async () => {
      const r = await runAgent(`${PROBE}
agent a {
    policy p { allow: probe }
    with sandbox = "Tier1", max_memory_mb = 512 { return probe(); }
}`);
      assert.equal(r.reason, 'Completed', r.error?.describe());
      assert.equal(r.result, 'etc-read-only');
      const s = report(r);
      assert.equal(s.tier, 'bubblewrap');
      assert.equal(s.requested, 'Tier1');
    });

    it('the network is reachable only from a tool that declares `network = true`', async () => {
      const server = net.createServer((s) => s.end('pong'));
      await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
      const port = (server.address() as net.AddressInfo).port;
      const script = "const s=require('net').connect({port},'127.0.0.1');s.on('data',d=>{console.log(String(d));process.exit(0)});s.on('error',e=>{console.log('refused '+e.code);process.exit(0)})";
      try {
        const r = await runAgent(`
tool open_ping(port: Int) -> String {
    command = ["node", "-e", "${script}"]
    network = true
}
tool closed_ping(port: Int) -> String {
    command = ["node", "-e", "${script}"]
}
agent a(port: Int) {
    policy p { allow: open_ping  allow: closed_ping }
    with sandbox = "bubblewrap" {
        let open = open_ping(port);
        let closed = closed_ping(port);
        return open + " / " + closed;
    }
}`, { inputs: { port } });
        assert.equal(r.reason, 'Completed', r.error?.describe());
        assert.match(String(r.result), /^pong \/ refused E(CONNREFUSED|NETUNREACH)$/);
        const [open, closed] = r.of('ToolFinished').map((f) => (f.sandbox as unknown as SandboxReport).network);
        assert.deepEqual([open, closed], ['allowed', 'isolated']);
      } finally { server.close(); }
    });

    it('a memory limit hit is a tool error the model sees, and the run ends cleanly', async () => {
      const provider = new ScriptedProvider((req, i) => (i === 0 ? toolCall('hog', {}) : text(`observed: ${req.messages.at(-1)!.content}`)));
      const r = await runAgent(`
tool hog() -> String {
    command = ["node", "-e", "const b = Buffer.alloc(512 * 1024 * 1024, 1); console.log(b.length)"]
}
agent a {
    policy p { allow: hog }
    with sandbox = "bubblewrap", max_memory_mb = 64 { return reason("use hog", tools: [hog]); }
}`, { provider });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      assert.match(String(r.result), /exceeded max_memory_mb = 64/);
      const fin = r.of('ToolFinished')[0]!;
      assert.ok(!fin.ok && /exceeded max_memory_mb = 64/.test(fin.error.message));
      assert.equal((fin.sandbox as unknown as SandboxReport).tier, 'bubblewrap');
    });
  });

  it("a tool process never outlives the run's `timeout`", async () => {
    const t0 = Date.now();
    const r = await runAgent(`
tool slow() -> String {
    command = ["/bin/sh", "-c", "sleep 3; echo late > late.txt"]
}
agent a {
    policy p { allow: slow }
    with timeout = 1000, max_memory_mb = 256 { return slow(); }
}`);
    assert.equal(r.reason, 'Timeout', r.error?.describe());
    assert.ok(Date.now() - t0 < 2900, `the run took ${Date.now() - t0} ms`);
    await new Promise((res) => setTimeout(res, 3500 - (Date.now() - t0)));
    assert.ok(!fs.existsSync(path.join(r.dir, 'late.txt')), 'the tool process outlived the run');
  });

  it('an unavailable tier (firecracker) is a tool error observation at the call; the run completes', async () => {
    const provider = new ScriptedProvider((req, i) => (i === 0 ? toolCall('probe', {}) : text(`observed: ${req.messages.at(-1)!.content}`)));
    const r = await runAgent(`${PROBE}
agent a {
    policy p { allow: probe }
    with sandbox = "firecracker" { return reason("use probe", tools: [probe]); }
}`, { provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.match(String(r.result), /Firecracker is not available in this runtime/);
    const fin = r.of('ToolFinished')[0]!;
    assert.ok(!fin.ok);
    assert.equal(fin.error.code, 'sandbox-unavailable');
    assert.ok(!fs.existsSync(path.join(r.dir, 'made.txt')), 'the tool ran anyway');
  });

  it('docker without a daemon: the call fails with the daemon named and the run ends with that error', async () => {
    const prev = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/baton-test-docker.sock';
    try {
      const r = await runAgent(`${PROBE}
agent a {
    policy p { allow: probe }
    with sandbox = "docker", sandbox_image = "alpine:3" { return probe(); }
}`);
      assert.equal(r.reason, 'Error');
      assert.match(r.error?.message ?? '', /no Docker daemon reachable at unix:\/\/\/nonexistent\/baton-test-docker\.sock/);
      assert.ok(!fs.existsSync(path.join(r.dir, 'made.txt')), 'the tool ran outside docker');
      const fin = r.of('ToolFinished')[0]!;
      assert.ok(!fin.ok && fin.error.code === 'sandbox-unavailable');
    } finally {
      if (prev === undefined) delete process.env.DOCKER_HOST; else process.env.DOCKER_HOST = prev;
    }
  });
});
