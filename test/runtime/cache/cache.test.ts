/**
 * The result cache end to end: real command tools counting their executions in a file, real runs
 * in one workspace, the cache under `.baton/cache/`.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScriptedProvider } from '../../../runtime/providers/scripted';
import { analyzeText } from '../../../runtime/dsl/workspace';
import { digestRun } from '../../../extension/metrics-model';
import { agentRootOf } from '../../../runtime/cache/result-cache';
import { forkAgent, replayAgent, tempWorkspace } from '../../helpers/run-agent';
import { runIn } from '../memory/memory-helpers';

const COUNTING = `"node", "-e", "require('fs').appendFileSync('counter.txt', 'x'); console.log(Number(process.argv[1]) * 2)", "{n}"`;

const SRC = `
tool double(n: int) -> String {
  command = [${COUNTING}]
  idempotent = true
  cache = true
}

tool bump(n: int) -> String {
  command = [${COUNTING}]
  cache = true
}

tool leak(n: int) -> String {
  command = ["node", "-e", "require('fs').appendFileSync('counter.txt', 'x'); console.log(process.env.TOKEN)", "{n}"]
  env = { TOKEN: "vault://ci/token" }
  idempotent = true
  cache = true
}

agent cached(n: int = 21, role: String = "editor") {
  policy p {
    deny: double(n) if role == "viewer"
    allow: [double]
  }
  with { return double(n); }
}

agent uncached(n: int = 21) {
  policy p { allow: [bump] }
  with { return bump(n); }
}

agent secretive(n: int = 1) {
  policy p { allow: [leak] }
  with { return leak(n); }
}

agent chat(q: String = "hello") {
  with cache = true { return ask(q); }
}

agent chat_plain(q: String = "hello") {
  with { return ask(q); }
}
`;

describe('result cache', function () {
  this.timeout(60000);
  const dirs: string[] = [];
  after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
  const ws = () => { const d = tempWorkspace(); dirs.push(d); return d; };
  const counter = (dir: string) => (fs.existsSync(path.join(dir, 'counter.txt')) ? fs.readFileSync(path.join(dir, 'counter.txt'), 'utf8').length : 0);
  const cacheFiles = (dir: string) => {
    const d = path.join(dir, '.baton', 'cache');
    return fs.existsSync(d) ? fs.readdirSync(d, { recursive: true }).map(String).filter((f) => f.endsWith('.json')) : [];
  };

  it('a cache = true idempotent tool is answered from the cache on the second run, without running', async () => {
    const dir = ws();
    const r1 = await runIn(dir, SRC, { agent: 'cached' });
    assert.equal(r1.reason, 'Completed', r1.error?.describe());
    assert.equal(r1.result, '42');
    assert.equal(counter(dir), 1);
    assert.equal(r1.cacheHits, 0);
    assert.equal(cacheFiles(dir).length, 1);

    const r2 = await runIn(dir, SRC, { agent: 'cached' });
    assert.equal(r2.reason, 'Completed', r2.error?.describe());
    assert.equal(r2.result, '42');
    assert.equal(counter(dir), 1, 'the tool did not run again');
    assert.equal(r2.cacheHits, 1);
    assert.equal(r2.of('PolicyEvaluated').length, 1, 'the policy still decided');
    assert.equal(r2.of('ToolStarted').length, 0);
    const fin = r2.of('ToolFinished');
    assert.equal(fin.length, 1);
    assert.equal(fin[0].ok && fin[0].cached, true);
    const hit = r2.of('CacheHit');
    assert.equal(hit.length, 1);
    assert.equal(hit[0].kind, 'tool');
    assert.equal(hit[0].name, 'double');
    assert.equal(digestRun(r2.runId, r2.records)?.cacheHits, 1, 'metrics count the hit');
    assert.equal(digestRun(r1.runId, r1.records)?.cacheHits, 0);

    // other arguments: a miss
    const r3 = await runIn(dir, SRC, { agent: 'cached', inputs: { n: 5 } });
    assert.equal(r3.result, '10');
    assert.equal(counter(dir), 2);
    assert.equal(r3.cacheHits, 0);

    // a replay of the run with the hit answers from its journal
    const again = await replayAgent(dir, r2.runId);
    assert.equal(again.result, '42');
    assert.equal(counter(dir), 2);
    // a fork replaying the hit copies it into its own journal (its metrics count it too)
    const fork = await forkAgent(dir, r2.runId, r2.records.length, {});
    assert.equal(fork.result, '42');
    assert.equal(counter(dir), 2);
    assert.equal(fork.of('CacheHit').length, 1);
    assert.equal(digestRun(fork.runId, fork.records)?.cacheHits, 1);
  });

  it('a denied call is never answered from the cache', async () => {
    const dir = ws();
    const r1 = await runIn(dir, SRC, { agent: 'cached' });
    assert.equal(r1.result, '42');
    assert.equal(cacheFiles(dir).length, 1);
    const r2 = await runIn(dir, SRC, { agent: 'cached', inputs: { role: 'viewer' } });
    assert.equal(r2.reason, 'PolicyDenial');
    assert.equal(r2.of('ToolDenied').length, 1);
    assert.equal(r2.of('CacheHit').length, 0);
    assert.equal(r2.of('ToolFinished').length, 0);
    assert.equal(r2.cacheHits, 0);
    assert.equal(counter(dir), 1);
  });

  it('a tool that is not idempotent is never cached (and the checker says so)', async () => {
    const dir = ws();
    const r1 = await runIn(dir, SRC, { agent: 'uncached' });
    const r2 = await runIn(dir, SRC, { agent: 'uncached' });
    assert.equal(r1.result, '42');
    assert.equal(r2.result, '42');
    assert.equal(counter(dir), 2, 'ran twice');
    assert.equal(r2.of('CacheHit').length, 0);
    assert.equal(r2.cacheHits, 0);
    assert.equal(cacheFiles(dir).length, 0);
    const warn = analyzeText(SRC).diagnostics.filter((d) => d.code === 'cache-not-idempotent');
    assert.equal(warn.length, 1);
    assert.match(warn[0].message, /Tool 'bump' has cache = true/);
  });

  it('a result holding a secret is never cached', async () => {
    const dir = ws();
    const vault = (ref: string) => (ref === 'ci/token' ? 's3cr3t-token-value-123' : undefined);
    const r1 = await runIn(dir, SRC, { agent: 'secretive', vault });
    assert.equal(r1.reason, 'Completed', r1.error?.describe());
    const r2 = await runIn(dir, SRC, { agent: 'secretive', vault });
    assert.equal(r2.reason, 'Completed', r2.error?.describe());
    assert.equal(counter(dir), 2);
    assert.equal(cacheFiles(dir).length, 0);
    assert.equal(r2.cacheHits, 0);
  });

  it('model calls of an agent `with cache = true` are answered from the cache on the second run', async () => {
    const dir = ws();
    const p1 = new ScriptedProvider(['hi there']);
    const r1 = await runIn(dir, SRC, { agent: 'chat', provider: p1 });
    assert.equal(r1.reason, 'Completed', r1.error?.describe());
    assert.equal(r1.result, 'hi there');
    assert.equal(p1.calls, 1);

    const p2 = new ScriptedProvider([]);
    const r2 = await runIn(dir, SRC, { agent: 'chat', provider: p2 });
    assert.equal(r2.reason, 'Completed', r2.error?.describe());
    assert.equal(r2.result, 'hi there');
    assert.equal(p2.calls, 0, 'the provider was not called');
    assert.equal(r2.cacheHits, 1);
    const hit = r2.of('CacheHit');
    assert.equal(hit.length, 1);
    assert.equal(hit[0].kind, 'model');
    const done = r2.of('ReasoningComplete');
    assert.equal(done.length, 1);
    assert.deepEqual(done[0].usage, { inputTokens: 0, outputTokens: 0 });
    assert.equal(r2.of('ModelRequested')[0].request, r1.of('ModelRequested')[0].request, 'same request hash');

    // another question: a miss
    const p3 = new ScriptedProvider(['other']);
    const r3 = await runIn(dir, SRC, { agent: 'chat', provider: p3, inputs: { q: 'bye' } });
    assert.equal(r3.result, 'other');
    assert.equal(p3.calls, 1);

    // replay answers from the journal
    const again = await replayAgent(dir, r2.runId);
    assert.equal(again.result, 'hi there');
  });

  it('model calls of an agent without `with cache = true` always reach the provider', async () => {
    const dir = ws();
    await runIn(dir, SRC, { agent: 'chat_plain', provider: new ScriptedProvider(['one']) });
    const p2 = new ScriptedProvider(['two']);
    const r2 = await runIn(dir, SRC, { agent: 'chat_plain', provider: p2 });
    assert.equal(r2.result, 'two');
    assert.equal(p2.calls, 1);
    assert.equal(r2.of('CacheHit').length, 0);
    assert.equal(cacheFiles(dir).length, 0);
  });

  it('finds the agent a branch belongs to', () => {
    assert.equal(agentRootOf('main'), 'main');
    assert.equal(agentRootOf('main.2.0'), 'main');
    assert.equal(agentRootOf('main.expert1'), 'main');
    assert.equal(agentRootOf('main#3'), 'main#3');
    assert.equal(agentRootOf('main#3.1.0'), 'main#3');
    assert.equal(agentRootOf('main.1.0#2'), 'main.1.0#2');
    assert.equal(agentRootOf('main#3#1.2.0.expert0'), 'main#3#1');
  });
});
