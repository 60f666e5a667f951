/**
 * Child runs against a scripted model and real command tools: results and failures come back to
 * the caller, the journal links parent and child, each child has its own budget, and resume,
 * replay and fork work across the tree.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { cleanedRunAgent, forkAgent, replayAgent, resumeAgent } from '../../helpers/run-agent';
import { journalPathOf } from '../../../runtime/run/run';

const runAgent = cleanedRunAgent();

const NOTE = `tool note(x: String) -> String {
    command = ["node", "-e", "require('fs').appendFileSync('log.txt', process.argv[1] + '\\\\n'); process.stdout.write(process.argv[1])", "{x}"]
}
`;

const TREE = `${NOTE}
agent worker(x: String) {
    policy w { allow: note }
    with { return note(x); }
}

agent boom() {
    with { let xs = [1]; return xs[5]; }
}

agent greedy() {
    policy g { allow: note }
    with max_tool_calls = 2 { note("g1"); note("g2"); note("g3"); return "never"; }
}

agent main() {
    capabilities = ["invoke_agent"]
    policy p { allow: [worker, boom, greedy] }
    with {
        let a = worker("one");
        let b = "none";
        try { b = boom(); } catch (e) { b = e.message; }
        let c = "none";
        try { c = greedy(); } catch (e) { c = e.message; }
        return { a: a, b: b, c: c };
    }
}
`;

function log(dir: string): string[] {
  const f = path.join(dir, 'log.txt');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
}

describe('child runs', function () {
  this.timeout(60_000);

  it('results and failures come back to the caller; the journal links parent and child', async () => {
    const r = await runAgent(TREE, { agent: 'main' });
    assert.equal(r.reason, 'Completed', r.error?.message);
    const res = r.result as { a: string; b: string; c: string };
    assert.equal(res.a, 'one');
    assert.match(res.b, /^agent 'boom' failed: .*index/i);
    assert.match(res.c, /^agent 'greedy' failed: .*tool-call budget exhausted: call 3 of at most 2/);
    assert.deepEqual(log(r.dir), ['one', 'g1', 'g2'], 'the third call of greedy never ran');

    const links = r.of('ChildRunLinked');
    assert.deepEqual(links.map((l) => [l.agent, l.parent, l.child]), [
      ['worker', r.runId, `${r.runId}/main#0`], ['boom', r.runId, `${r.runId}/main#1`], ['greedy', r.runId, `${r.runId}/main#2`],
    ]);
    assert.equal(links[2].budget.tool_calls, 2);
    const exceeded = r.of('BudgetExceeded');
    assert.deepEqual(exceeded.map((e) => [e.run, e.budget, e.limit, e.used]), [[`${r.runId}/main#2`, 'tool_calls', 2, 3]]);
    // Each child's lifecycle, journaled under its own id.
    const states = (run: string) => r.of('LifecycleChanged').filter((l) => l.run === run).map((l) => l.to);
    assert.deepEqual(states(`${r.runId}/main#0`), ['Initializing', 'Ready', 'Running', 'Completed', 'Terminated']);
    assert.deepEqual(states(`${r.runId}/main#1`), ['Initializing', 'Ready', 'Running', 'Failed', 'Terminated']);
    // The parent waited on each child.
    const parent = r.of('LifecycleChanged').filter((l) => l.run === r.runId);
    assert.deepEqual(parent.map((l) => l.to), ['Initializing', 'Ready', 'Running', 'Waiting', 'Running', 'Waiting', 'Running', 'Waiting', 'Running', 'Completed', 'Terminated']);
    assert.equal(parent[3].why, 'child');
    // Child effects are keyed under the call key.
    assert.ok(r.of('ToolStarted').some((t) => t.key.startsWith('main#0#')));
    const finished = r.of('ChildFinished');
    assert.deepEqual(finished.map((f) => f.ok), [true, false, false]);

    const replay = await replayAgent(r.dir, r.runId);
    assert.equal(replay.reason, 'Completed', replay.error?.message);
    assert.deepEqual(replay.result, r.result);

    // Fork before the second child: the first child's result comes from the journal, the rest runs live.
    const at = r.of('ChildStarted')[1].seq;
    const before = log(r.dir).length;
    const fork = await forkAgent(r.dir, r.runId, at, {});
    assert.equal(fork.reason, 'Completed', fork.error?.message);
    assert.deepEqual(fork.result, r.result);
    assert.deepEqual(log(r.dir).slice(before), ['g1', 'g2'], 'worker was not run again; greedy was');
    assert.deepEqual(fork.of('ChildRunLinked').map((l) => l.child), [`${fork.runId}/main#1`, `${fork.runId}/main#2`]);
  });

  it('a child is held to its own token budget while its parent\'s applies too', async () => {
    const src = `
agent thinker() {
    with max_tokens = 100 { let a = ask("one"); let b = ask("two"); return a + b; }
}
agent main() {
    capabilities = ["invoke_agent"]
    policy p { allow: thinker }
    with { try { return thinker(); } catch (e) { return e.message; } }
}
`;
    const usage = { inputTokens: 80, outputTokens: 40 };
    const provider = new ScriptedProvider([text('A', { usage }), text('B', { usage })]);
    const r = await runAgent(src, { agent: 'main', provider });
    assert.equal(r.reason, 'Completed', r.error?.message);
    assert.match(String(r.result), /agent 'thinker' failed: .*token budget exhausted: 120 of 100 tokens/);
    assert.equal(provider.calls, 1, 'the second model call was refused');
    assert.deepEqual(r.of('BudgetExceeded').map((b) => b.budget), ['tokens']);
  });

  it('a root run is held to its own max_tool_calls, counting its children\'s calls', async () => {
    const src = `${NOTE}
agent worker(x: String) {
    policy w { allow: note }
    with { return note(x); }
}
agent main() {
    capabilities = ["invoke_agent"]
    policy p { allow: [worker, note] }
    with max_tool_calls = 2 { note("r1"); worker("w1"); note("r2"); return "never"; }
}
`;
    const r = await runAgent(src, { agent: 'main' });
    assert.equal(r.reason, 'MaxIterations');
    assert.equal(r.exitCode, 4);
    assert.match(r.error!.message, /the run: tool-call budget exhausted: call 3 of at most 2/);
    assert.deepEqual(log(r.dir), ['r1', 'w1']);
    assert.deepEqual(r.of('BudgetExceeded').map((b) => [b.run, b.budget, b.key]), [[r.runId, 'tool_calls', 'main#2']]);
  });

  it('a child that times out fails back to its caller; cancelling the parent cancels the child', async () => {
    const src = `
agent slow() {
    with timeout = 1s { sleep(30000); return "late"; }
}
agent main() {
    capabilities = ["invoke_agent"]
    policy p { allow: slow }
    with { try { return slow(); } catch (e) { return e.message; } }
}
`;
    const t0 = Date.now();
    const r = await runAgent(src, { agent: 'main' });
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal(r.reason, 'Completed', r.error?.message);
    assert.match(String(r.result), /agent 'slow' failed: .*timeout/);
    assert.deepEqual(r.of('BudgetExceeded').map((b) => b.budget), ['time']);

    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const c = await runAgent(src.replace('timeout = 1s', 'timeout = 60s'), { agent: 'main', signal: ac.signal });
    assert.equal(c.reason, 'Cancelled');
    const states = c.of('LifecycleChanged').filter((l) => l.run === `${c.runId}/main#0`).map((l) => l.to);
    assert.deepEqual(states.slice(-2), ['Cancelled', 'Terminated']);
    assert.equal(c.of('ChildFinished').length, 0, 'a cancelled parent: the child is not a failure to report');
    const rootStates = c.of('LifecycleChanged').filter((l) => l.run === c.runId).map((l) => l.to);
    assert.deepEqual(rootStates.slice(-2), ['Cancelled', 'Terminated']);
  });

  it('parallel children replay deterministically and resume without repeating effects', async () => {
    const src = `${NOTE}
agent worker(x: String) {
    policy w { allow: note }
    with { let y = note(x); sleep(len(x) * 7); return note(y + "!"); }
}
agent main() {
    capabilities = ["invoke_agent"]
    policy p { allow: worker }
    with {
        parallel {
            let a = worker("alpha");
            let b = worker("be");
            let c = worker("c");
        }
        return [a, b, c];
    }
}
`;
    const r = await runAgent(src, { agent: 'main' });
    assert.equal(r.reason, 'Completed', r.error?.message);
    assert.deepEqual(r.result, ['alpha!', 'be!', 'c!']);
    assert.equal(log(r.dir).length, 6);
    assert.deepEqual(r.of('ChildRunLinked').map((l) => l.key).sort(), ['main.0.0#0', 'main.0.1#0', 'main.0.2#0']);
    const replay = await replayAgent(r.dir, r.runId);
    assert.deepEqual(replay.result, r.result);

    // Crash after the first child finished: cut the journal there; resume finishes the others only.
    const file = journalPathOf(r.dir, r.runId);
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    // Cut where no tool call is in flight (else resume would rightly ask a human about it).
    let cut = lines.findIndex((l) => JSON.parse(l).type === 'ChildFinished') + 1;
    const open = (n: number) => {
      const recs = lines.slice(0, n).map((l) => JSON.parse(l));
      const done = new Set(recs.filter((x) => x.type === 'ToolFinished').map((x) => x.key));
      return recs.some((x) => x.type === 'ToolStarted' && !done.has(x.key));
    };
    while (open(cut)) cut--;
    fs.writeFileSync(file, lines.slice(0, cut).map((l) => l + '\n').join(''));
    const before = log(r.dir).length;
    const started = lines.slice(0, cut).filter((l) => JSON.parse(l).type === 'ToolFinished').length;
    const res = await resumeAgent(r.dir, r.runId);
    assert.equal(res.reason, 'Completed', res.error?.message);
    assert.deepEqual(res.result, ['alpha!', 'be!', 'c!']);
    assert.equal(log(r.dir).length - before, 6 - started, 'only the effects not journaled ran again');
    assert.ok(res.of('LifecycleChanged').some((l) => l.why === 'resumed' && l.run === r.runId));
  });
});
