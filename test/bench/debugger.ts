/**
 * Debugger bench, over real DAP (`node dist/debug-adapter.js` on stdio, like the tests):
 *  - step-back latency on a recorded run of a 1,000-iteration `while` loop (~2,000 statements),
 *    launched by `runId` (replayed offline): stepBack request → stopped event → stack trace →
 *    Locals, the whole refresh an editor does (median; target ≤ 50 ms);
 *  - time to first stop after launch (spawn of the adapter → `stopOnEntry` stop; and launch request → stop);
 *  - for comparison, the alternative design: re-deriving a back position by replaying the journal
 *    in memory up to that statement (what history makes unnecessary).
 * Build dist/debug-adapter.js first: `node esbuild.js --no-tests`.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { BenchOptions, BenchSection, median, quantile } from './common';
import { repoRoot } from '../helpers/paths';
import { replayRun, startRun } from '../../runtime/run/run';
import { FixedApprovals } from '../../runtime/approvals/approval';
import { ScriptedProvider } from '../../runtime/providers/scripted';
import { BatonDebugSession, defaultDebugServices } from '../../extension/debug/debug-session';

const LOOP = `agent loop(n: int = 1000) {
    with {
        let i = 0;
        let total = 0;
        while i < n {
            total = total + i;
            i = i + 1;
        }
        return total;
    }
}
`;
const RETURN_LINE = 9;

function adapter(dir: string): DebugClient {
  const file = path.join(repoRoot(), 'dist', 'debug-adapter.js');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run 'node esbuild.js --no-tests' first`);
  return new DebugClient('node', file, 'baton', { env: { ...process.env, BATON_DEBUG_HOME: dir } });
}

async function firstStop(dc: DebugClient, args: Record<string, unknown>, setup: () => Promise<unknown>): Promise<{ ev: DebugProtocol.StoppedEvent; launchMs: number }> {
  const stopped = dc.waitForEvent('stopped', 60_000) as Promise<DebugProtocol.StoppedEvent>;
  const t0 = performance.now();
  await Promise.all([dc.waitForEvent('initialized').then(setup).then(() => dc.configurationDoneRequest()), dc.launch(args)]);
  const ev = await stopped;
  return { ev, launchMs: performance.now() - t0 };
}

export async function debuggerBench(opts: BenchOptions): Promise<BenchSection> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-dbg-')));
  try {
    const program = path.join(dir, 'loop.baton');
    fs.writeFileSync(program, LOOP);
    const recorded = await startRun({
      root: dir, file: program, inputs: {}, provider: new ScriptedProvider([]), providerInfo: { id: 'scripted' },
      approvals: new FixedApprovals({ kind: 'deny' }), home: dir,
    });
    if (recorded.reason !== 'Completed') throw new Error(`recording the loop failed: ${recorded.error?.message}`);

    // Time to first stop: spawn → stop on entry of a live launch.
    const spawnSamples: number[] = [];
    const launchSamples: number[] = [];
    for (let i = 0; i < (opts.quick ? 2 : 5); i++) {
      const t0 = performance.now();
      const dc = adapter(dir);
      await dc.start();
      const { launchMs } = await firstStop(dc, { program, cwd: dir, stopOnEntry: true }, async () => undefined);
      spawnSamples.push(performance.now() - t0);
      launchSamples.push(launchMs);
      await dc.stop();
    }

    // The same in-process (as inline in the extension host, where the adapter is already loaded): DAP over TCP on 127.0.0.1.
    const server = net.createServer((socket) => {
      const s = new BatonDebugSession({ ...defaultDebugServices(), home: dir });
      s.setRunAsServer(true);
      s.start(socket, socket);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const inlineSamples: number[] = [];
    try {
      for (let i = 0; i < (opts.quick ? 3 : 10); i++) {
        const c = new DebugClient('node', '', 'baton');
        await c.start((server.address() as net.AddressInfo).port);
        const { launchMs } = await firstStop(c, { program, cwd: dir, stopOnEntry: true }, async () => undefined);
        inlineSamples.push(launchMs);
        await c.stop();
      }
    } finally {
      server.close();
    }

    // Step back through the recorded run.
    const dc = adapter(dir);
    await dc.start();
    const { ev, launchMs: replayToEnd } = await firstStop(dc, { runId: recorded.runId, cwd: dir },
      () => dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: RETURN_LINE }] }));
    const threadId = ev.body.threadId!;
    const steps = opts.quick ? 100 : 1000;
    const back: number[] = [];
    let lastLocals = '';
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const [stop] = await Promise.all([dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>, dc.stepBackRequest({ threadId })]);
      const st = await dc.stackTraceRequest({ threadId: stop.body.threadId! });
      const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
      const locals = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
      back.push(performance.now() - t0);
      lastLocals = locals.body.variables.map((v) => `${v.name}=${v.value}`).join(' ');
    }
    await dc.stop();

    // The alternative: re-derive the state at statement K by replaying the journal in memory.
    const replaySamples: number[] = [];
    const target = 1000;
    for (let i = 0; i < (opts.quick ? 3 : 10); i++) {
      const ac = new AbortController();
      const t0 = performance.now();
      let got = -1;
      await replayRun(recorded.runId, {
        root: dir, home: dir, journal: 'memory', approvals: new FixedApprovals({ kind: 'deny' }), signal: ac.signal,
        provider: { id: 'none', complete: () => Promise.reject(new Error('no model in a replay')) }, providerInfo: { id: 'none' },
        pause: { beforeStatement: (info) => { if (info.step === target) { got = info.step; replaySamples.push(performance.now() - t0); ac.abort(); } } },
      }).catch(() => undefined);
      if (got < 0) throw new Error('the replay never reached the target statement');
    }

    return {
      name: 'debugger',
      metrics: [
        { id: 'step_back_ms', label: `step back (DAP round trip + stack + locals), recorded ${steps >= 1000 ? '1,000' : steps}-step walk`, value: median(back), unit: 'ms', target: { op: '<=', value: 50 }, note: `p95 ${quantile(back, 0.95).toFixed(2)} ms`, samples: back },
        { id: 'first_stop_spawn_ms', label: 'time to first stop (spawn adapter → stop on entry)', value: median(spawnSamples), unit: 'ms', samples: spawnSamples },
        { id: 'first_stop_launch_ms', label: 'time to first stop (launch request → stop on entry)', value: median(launchSamples), unit: 'ms', samples: launchSamples },
        { id: 'first_stop_inprocess_ms', label: 'time to first stop in-process (as inline; launch → stop on entry)', value: median(inlineSamples), unit: 'ms', samples: inlineSamples },
        { id: 'replay_to_breakpoint_ms', label: 'launch by runId → breakpoint at the end of a 2,000-statement run', value: replayToEnd, unit: 'ms' },
        { id: 'rederive_by_replay_ms', label: `alternative: re-derive statement ${target} by in-memory replay`, value: median(replaySamples), unit: 'ms', samples: replaySamples },
      ],
      info: { runId: recorded.runId, lastLocals, stepsBack: steps },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
