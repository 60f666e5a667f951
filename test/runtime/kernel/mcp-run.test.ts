/**
 * MCP servers inside runs (the real stdio test server, test/fixtures/mcp/test-server.mjs): direct
 * calls and bound tools, pins in the journal, a server crashing mid-call until the breaker opens (no
 * hang, no leftover process), resume refusing a changed tool definition, offline replay.
 */
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { replayAgent } from '../../helpers/run-agent';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import { readJournal } from '../../../runtime/journal/reader';
import { forkRun } from '../../../runtime/run/run';
import { cutBefore, journalFile, mcpBlock, processesWithMarker, resume, run, trackUnhandled } from './kernel-helpers';

describe('kernel: MCP servers in a run', function () {
  this.timeout(30_000);
  const unhandled = trackUnhandled();
  afterEach(() => assert.deepEqual(unhandled.list, []));

  it('a direct call t.echo(text: "hi") and a bound tool; McpPinned journaled once; no process left', async () => {
    const marker = `BATON_MARK_${randomUUID().replace(/-/g, '')}`;
    const src = `
${mcpBlock('t', { MARK: marker })}
tool shout(text: String) -> String { mcp = "t/echo" }
tool plus(a: int, b: int) -> Any { mcp = "t/add" }
agent a {
    policy p { allow: [shout, plus, "t/echo"] }
    with {
        let x = t.echo(text: "hi");
        let y = shout("there");
        let z = plus(2, 3);
        return { x: x, y: y, z: z };
    }
}`;
    const r = await run(src);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, { x: 'hi', y: 'there', z: '5' });
    const pins = r.of('McpPinned');
    assert.equal(pins.length, 1);
    assert.equal(pins[0].server, 't');
    assert.deepEqual(pins[0].tools.map((t) => t.name), ['add', 'append_line', 'crash', 'echo', 'fail', 'slow', 'whoami']);
    assert.ok(pins[0].tools.every((t) => /^[0-9a-f]{64}$/.test(t.hash)));
    assert.deepEqual(r.of('ToolFinished').map((f) => f.tool), ['t.echo', 'shout', 'plus']);
    assert.deepEqual(processesWithMarker(marker), [], 'the MCP server was stopped');
  });

  it('a model calls a bound MCP tool in reason()', async () => {
    const src = `
${mcpBlock('t')}
tool shout(text: String) -> String { mcp = "t/echo" }
agent a {
    policy p { allow: shout }
    with { return reason("echo something", tools: [shout]); }
}`;
    const provider = new ScriptedProvider([toolCall('shout', { text: 'ping' }), text('it said ping')]);
    const r = await run(src, { provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.of('ObservationsCollected')[0].observations[0].content, 'ping');
    assert.equal(provider.lastRequest!.tools![0].description, 'Echoes the text back.');
  });

  it('a server that dies mid-call: errors, then the breaker opens; the run ends cleanly, no hang, no process left', async () => {
    const marker = `BATON_MARK_${randomUUID().replace(/-/g, '')}`;
    const src = `
${mcpBlock('t', { MARK: marker })}
agent a {
    policy p { allow: "t/crash" }
    with {
        let codes = [];
        for i in range(6) {
            try { t.crash(); codes.append("ok"); } catch (e) { codes.append(e.code); }
        }
        log(join(codes, ","));
        t.crash();
        return "unreachable";
    }
}`;
    const t0 = Date.now();
    const r = await run(src);
    assert.ok(Date.now() - t0 < 20_000, 'no hang');
    assert.equal(r.reason, 'Error', r.error?.describe());
    assert.equal(r.exitCode, 1);
    assert.equal(r.error?.code, 'circuit-open');
    const logged = r.of('EffectRecorded').find((e) => e.effect === 'log')!.value;
    assert.equal(logged, 'mcp-error,mcp-error,mcp-error,mcp-error,mcp-error,circuit-open');
    const firstErr = r.of('ToolFinished')[0];
    assert.equal(firstErr.ok, false);
    assert.match(firstErr.ok === false ? firstErr.error.message : '', /exited with code 3/);
    assert.deepEqual(r.of('BreakerChanged').map((b) => [b.tool, b.state]), [['t.crash', 'open']]);
    const term = r.of('Terminated');
    assert.equal(term.length, 1);
    assert.equal(term[0].reason, 'Error');
    assert.deepEqual(processesWithMarker(marker), [], 'no MCP server process left');
  });

  it('a model keeps calling a crashing MCP tool: observations, breaker, then the loop ends (MaxIterations)', async () => {
    const src = `
${mcpBlock('t')}
tool boom() -> String { mcp = "t/crash" }
agent a {
    policy p { allow: boom }
    with max_iterations = 7 { return reason("crash it", tools: [boom]); }
}`;
    const provider = new ScriptedProvider(() => toolCall('boom', {}));
    const r = await run(src, { provider });
    assert.equal(r.reason, 'MaxIterations', r.error?.describe());
    const obs = r.of('ObservationsCollected').map((o) => o.observations[0].content);
    assert.equal(obs.length, 7);
    assert.match(obs[0], /ERROR: MCP server 't' exited with code 3/);
    assert.match(obs[6], /circuit open/);
  });

  it('resuming after the server changed a tool definition → a clear mcp-pin-mismatch; the run stays resumable', async () => {
    let variant = '1';
    const vault = (ref: string) => (ref === 'test/variant' ? variant : undefined);
    const src = `
${mcpBlock('t', { MCP_TEST_VARIANT: 'vault://test/variant' })}
agent a {
    policy p { allow: ["t/echo", "t/add"] }
    with {
        let x = t.echo(text: "hi");
        let y = t.add(a: 1, b: 2);
        return x + y;
    }
}`;
    const r = await run(src, { vault });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'hi3');
    const file = journalFile(r.dir, r.runId);
    // A crash after the first call: cut the journal at the second tool's ToolStarted.
    const first = r.of('ToolStarted')[1];
    cutBefore(file, (x) => x.seq === first.seq - 1 || x.seq === first.seq);

    variant = '2';
    const changed = await resume(r.dir, r.runId, { vault });
    assert.equal(changed.error?.code, 'mcp-pin-mismatch', changed.error?.describe());
    assert.match(changed.error!.message, /MCP tool 't\/echo' changed since this run started/);
    assert.notEqual(changed.exitCode, 0);
    assert.equal(changed.of('Terminated').length, 0, 'not terminated: the server can be rolled back and the run resumed');

    variant = '1';
    const again = await resume(r.dir, r.runId, { vault });
    assert.equal(again.reason, 'Completed', again.error?.describe());
    assert.equal(again.result, 'hi3');
  });

  it('a fork of an MCP run pins the same definitions in its own journal; resuming the fork checks them', async () => {
    let variant = '1';
    const vault = (ref: string) => (ref === 'test/variant' ? variant : undefined);
    const src = `
${mcpBlock('t', { MCP_TEST_VARIANT: 'vault://test/variant' })}
agent a(word: String = "hi") {
    policy p { allow: ["t/echo", "t/add"] }
    with {
        let n = t.add(a: 1, b: 2);
        let x = t.echo(text: word);
        return x + n;
    }
}`;
    const r = await run(src, { vault });
    assert.equal(r.result, 'hi3', r.error?.describe());
    const at = r.of('PolicyEvaluated')[1].seq;
    const f = await forkRun(r.runId, at, { word: 'yo' }, {
      root: r.dir, provider: new ScriptedProvider([]), providerInfo: { id: 'scripted' }, approvals: new FixedApprovals({ kind: 'deny' }), home: r.dir, vault, random: () => 0,
    });
    assert.equal(f.reason, 'Completed', f.error?.describe());
    assert.equal(f.result, 'yo3');
    const forkRecs = readJournal(journalFile(r.dir, f.runId)).records;
    const pins = forkRecs.filter((x) => x.type === 'McpPinned');
    assert.equal(pins.length, 1);
    assert.deepEqual(pins[0], { ...pins[0], tools: r.of('McpPinned')[0].tools });
    // Crash the fork before its end; the server changes; resuming the fork refuses.
    cutBefore(journalFile(r.dir, f.runId), (x) => x.type === 'Terminated');
    variant = '2';
    const changed = await resume(r.dir, f.runId, { vault });
    assert.equal(changed.error?.code, 'mcp-pin-mismatch', changed.error?.describe());
  });

  it('an MCP run replays offline: no server is launched, no vault secret needed', async () => {
    const marker = `BATON_MARK_${randomUUID().replace(/-/g, '')}`;
    const src = `
${mcpBlock('t', { MARK: marker, SECRET_TOKEN: 'vault://test/token' })}
tool shout(text: String) -> String { mcp = "t/echo" }
agent a {
    policy p { allow: [shout, "t/add"] }
    with { return shout("x") + t.add(a: 1, b: 1); }
}`;
    const r = await run(src, { vault: () => 'tok-replay-secret-1234' });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    // The original run spawned the server; the replay must not (and has no vault).
    const before = processesWithMarker(marker);
    assert.deepEqual(before, []);
    let spawned = false;
    const poll = setInterval(() => { if (processesWithMarker(marker).length) spawned = true; }, 5);
    try {
      const again = await replayAgent(r.dir, r.runId);
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.equal(again.result, 'x2');
    } finally { clearInterval(poll); }
    assert.equal(spawned, false, 'replay launched the MCP server');
    assert.ok(!fs.readFileSync(journalFile(r.dir, r.runId), 'utf8').includes('tok-replay-secret-1234'));
  });
});
