/**
 * Fault injection through whole runs: a real HTTP fake of the OpenAI API behind OpenAIProvider in
 * reason() loops (rate limits, server errors, hung connections, malformed tool calls, unknown tools,
 * structured answers, budgets, cancellation), and tools misbehaving inside runs (path escapes,
 * protected paths, crashing commands, timeouts, the circuit breaker).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OpenAIProvider } from '../../../runtime/providers/openai';
import { call, ScriptedProvider, text, toolCall, toolCalls } from '../../../runtime/providers/scripted';
import { AnthropicProvider } from '../../../runtime/providers/anthropic';
import { startFakeOpenAI, FakeServer } from '../../helpers/fake-openai';
import { startFakeAnthropic } from '../../helpers/fake-anthropic';
import { run, trackUnhandled } from './kernel-helpers';
import { tempWorkspace } from '../../helpers/run-agent';
import { BatonError } from '../../../runtime/errors';
import { startRun } from '../../../runtime/run/run';
import { FixedApprovals } from '../../../runtime/approvals/approval';

const KEY = 'sk-fault-test-0123456789abcdef';

const READ_AGENT = `
tool read_file(path: String) -> String { builtin = "fs.read" }
agent a(q: String = "what is in x.txt?") {
    policy p { allow: read_file }
    with { return reason(q, tools: [read_file]); }
}`;

describe('kernel faults: providers in a reason() loop (real fake OpenAI server)', function () {
  this.timeout(20_000);
  const unhandled = trackUnhandled();
  let server: FakeServer;
  const provider = (timeoutMs = 10_000) => new OpenAIProvider({ apiKey: KEY, baseUrl: server.url, timeoutMs });

  beforeEach(async () => { server = await startFakeOpenAI({ apiKey: KEY }); });
  afterEach(async () => {
    await server.close();
    assert.deepEqual(unhandled.list, [], 'no unhandled rejection');
  });

  it('429 with Retry-After, then success → Completed, RecoveryTriggered with the delay', async () => {
    server.enqueue({ status: 429, retryAfter: '1' }, { text: 'all good' });
    const t0 = Date.now();
    const r = await run(READ_AGENT, { provider: provider() });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'all good');
    assert.ok(Date.now() - t0 >= 900, 'waited for Retry-After');
    const rec = r.of('RecoveryTriggered');
    assert.equal(rec.length, 1);
    assert.equal(rec[0].delayMs, 1000);
    assert.equal(rec[0].attempt, 1);
    assert.match(rec[0].error, /429/);
    assert.equal(server.requests.length, 2);
  });

  it('500 forever → reason Error, Terminated error names the HTTP failure, retries bounded', async () => {
    server.setFallback(() => ({ status: 500 }));
    const r = await run(READ_AGENT, { provider: provider() });
    assert.equal(r.reason, 'Error');
    assert.equal(r.exitCode, 1);
    assert.equal(r.error?.code, 'provider-error');
    const term = r.of('Terminated');
    assert.equal(term.length, 1);
    assert.equal(term[0].reason, 'Error');
    assert.match(term[0].error!.message, /HTTP 500/);
    assert.equal(server.requests.length, 4, 'one try and 3 retries');
    assert.equal(r.of('RecoveryTriggered').length, 3);
    assert.equal(r.of('Checkpoint').at(-1)?.final, true);
  });

  it('a hung connection → request timeout → retried → Completed', async () => {
    server.enqueue({ hang: true }, { text: 'after the hang' });
    const t0 = Date.now();
    const r = await run(READ_AGENT, { provider: provider(400) });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'after the hang');
    assert.ok(Date.now() - t0 < 5000, 'the provider timeout applied (not a 120 s default)');
    const rec = r.of('RecoveryTriggered');
    assert.equal(rec.length, 1);
    assert.match(rec[0].error, /timed out/);
  });

  it('a hung connection with the run model timeout (RunRequest.modelTimeoutMs) also retries', async () => {
    server.enqueue({ hang: true }, { text: 'ok' });
    const r = await run(READ_AGENT, { provider: provider(60_000), modelTimeoutMs: 300 });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.of('RecoveryTriggered').length, 1);
  });

  it('hung forever → each try times out, the run ends cleanly with Error', async () => {
    server.setFallback(() => ({ hang: true }));
    const r = await run(READ_AGENT.replace('with {', 'with retries = 1 {'), { provider: provider(200) });
    assert.equal(r.reason, 'Error');
    assert.match(r.error!.message, /timed out/);
    assert.equal(server.requests.length, 2);
    assert.equal(r.of('Terminated').length, 1);
  });

  it('malformed tool-call JSON → an observation for the model and a journaled error; the loop completes', async () => {
    server.enqueue({ toolCalls: [{ name: 'read_file', arguments: '{"path": "x.txt"' }] }, { text: 'gave up reading' });
    const r = await run(READ_AGENT, { provider: provider(), files: { 'x.txt': 'hello' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'gave up reading');
    const fin = r.of('ToolFinished');
    assert.equal(fin.length, 1);
    assert.equal(fin[0].ok, false);
    assert.equal(fin[0].ok === false && fin[0].error.code, 'model-output');
    const toolMsg = server.requests[1].body.messages.find((m: { role: string }) => m.role === 'tool');
    assert.match(toolMsg.content, /not valid JSON/);
    assert.equal(toolMsg.tool_call_id, 'call_1_0');
    assert.equal(r.of('ToolStarted').length, 0, 'the tool never ran');
  });

  it('unknown tool name → an observation; the loop completes', async () => {
    server.enqueue({ toolCalls: [{ name: 'delete_everything', arguments: '{}' }] }, { text: 'ok then' });
    const r = await run(READ_AGENT, { provider: provider() });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const toolMsg = server.requests[1].body.messages.find((m: { role: string }) => m.role === 'tool');
    assert.match(toolMsg.content, /unknown tool 'delete_everything'.*read_file/);
    const obs = r.of('ObservationsCollected');
    assert.equal(obs.length, 1);
    assert.equal(obs[0].observations[0].ok, false);
  });

  const TYPED = `
type Verdict = { ok: bool, score: int }
agent a {
    with {
        let v: Verdict = reason("judge it", tools: []);
        return v;
    }
}`;

  it('structured answer invalid once, then valid → Completed with the value', async () => {
    server.enqueue({ text: 'I think it is fine' }, { text: '```json\n{"ok": true, "score": 7}\n```' });
    const r = await run(TYPED, { provider: provider() });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, { ok: true, score: 7 });
    const last = server.requests[1].body.messages.at(-1);
    assert.equal(last.role, 'user');
    assert.match(last.content, /does not match the required JSON Schema/);
    assert.ok(server.requests[0].body.response_format, 'the schema is sent as response_format');
  });

  it('structured answer invalid twice → a clear model-output error', async () => {
    server.enqueue({ text: '{"ok": "yes"}' }, { text: '{"ok": true}' });
    const r = await run(TYPED, { provider: provider() });
    assert.equal(r.reason, 'Error');
    assert.equal(r.error?.code, 'model-output');
    assert.match(r.error!.message, /does not match the declared type, even after one retry/);
    assert.equal(server.requests.length, 2);
  });

  it('token budget: max_tokens = 100 with usage from the server → MaxTokens', async () => {
    server.setFallback(() => ({ toolCalls: [{ name: 'read_file', arguments: '{"path":"x.txt"}' }], usage: { inputTokens: 70, outputTokens: 40 } }));
    const r = await run(READ_AGENT.replace('with {', 'with max_tokens = 100 {'), { provider: provider(), files: { 'x.txt': 'hi' } });
    assert.equal(r.reason, 'MaxTokens', r.error?.describe());
    assert.equal(r.exitCode, 4);
    assert.equal(server.requests.length, 1);
    assert.deepEqual(r.usage, { inputTokens: 70, outputTokens: 40 });
    assert.equal(r.of('Terminated')[0].reason, 'MaxTokens');
  });

  it('max_iterations = 2 with a model that always calls tools → MaxIterations', async () => {
    server.setFallback(() => ({ toolCalls: [{ name: 'read_file', arguments: '{"path":"x.txt"}' }] }));
    const r = await run(READ_AGENT.replace('with {', 'with max_iterations = 2 {'), { provider: provider(), files: { 'x.txt': 'hi' } });
    assert.equal(r.reason, 'MaxIterations', r.error?.describe());
    assert.equal(r.exitCode, 4);
    assert.equal(server.requests.length, 2);
    assert.equal(r.of('ToolFinished').length, 2);
  });

  it('max_iterations given to reason() wins', async () => {
    server.setFallback(() => ({ toolCalls: [{ name: 'read_file', arguments: '{"path":"x.txt"}' }] }));
    const src = READ_AGENT.replace('reason(q, tools: [read_file])', 'reason(q, tools: [read_file], max_iterations: 1)');
    const r = await run(src, { provider: provider(), files: { 'x.txt': 'hi' } });
    assert.equal(r.reason, 'MaxIterations');
    assert.equal(server.requests.length, 1);
  });

  it('cancellation (AbortSignal) during a slow tool → Cancelled quickly', async () => {
    const src = `
tool slow() -> String { command = ["node", "-e", "setTimeout(() => console.log('late'), 20000)"] }
agent a {
    policy p { allow: slow }
    with { return reason("be slow", tools: [slow]); }
}`;
    server.enqueue({ toolCalls: [{ name: 'slow', arguments: '{}' }] });
    const ac = new AbortController();
    const started = Date.now();
    const p = run(src, { provider: provider(), signal: ac.signal });
    await new Promise((res) => setTimeout(res, 700));
    const t0 = Date.now();
    ac.abort();
    const r = await p;
    assert.equal(r.reason, 'Cancelled', r.error?.describe());
    assert.equal(r.exitCode, 130);
    assert.ok(Date.now() - t0 < 3000, `cancelled in ${Date.now() - t0} ms`);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(r.of('ToolStarted').length, 1, 'the slow tool had started');
    assert.equal(r.of('Terminated')[0].reason, 'Cancelled');
  });

  it('cancellation while the model streams → Cancelled quickly', async () => {
    server.enqueue({ hang: true });
    const ac = new AbortController();
    const p = run(READ_AGENT, { provider: provider(60_000), signal: ac.signal });
    await new Promise((res) => setTimeout(res, 300));
    const t0 = Date.now();
    ac.abort();
    const r = await p;
    assert.equal(r.reason, 'Cancelled', r.error?.describe());
    assert.ok(Date.now() - t0 < 2000);
  });

  it('a stream cut mid-answer (connection reset) → retried → Completed', async () => {
    server.enqueue({ text: 'this answer will be cut short by a reset', dropAfter: 3 }, { text: 'second try' });
    const r = await run(READ_AGENT, { provider: provider() });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'second try');
    assert.equal(r.of('RecoveryTriggered').length, 1);
    assert.equal(r.of('ReasoningComplete').length, 1, 'the cut answer is not journaled');
  });

  it('a stream that stalls mid-answer → request timeout → retried → Completed', async () => {
    server.enqueue({ text: 'this answer stalls after a few words', stallAfter: 2 }, { text: 'recovered' });
    const r = await run(READ_AGENT, { provider: provider(400) });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'recovered');
    assert.match(r.of('RecoveryTriggered')[0].error, /timed out/);
  });

  it('401 is not retried: one request, a clear error', async () => {
    const r = await run(READ_AGENT, { provider: new OpenAIProvider({ apiKey: 'sk-wrong-key-000000000000', baseUrl: server.url, timeoutMs: 5000 }) });
    assert.equal(r.reason, 'Error');
    assert.equal(server.requests.length, 1);
    assert.match(r.error!.message, /authentication failed \(HTTP 401\)/);
    assert.equal(r.of('RecoveryTriggered').length, 0);
  });

  it('run timeout while the model hangs → Timeout', async () => {
    server.setFallback(() => ({ hang: true }));
    const r = await run(READ_AGENT.replace('with {', 'with timeout = 1s {'), { provider: provider(60_000) });
    assert.equal(r.reason, 'Timeout', r.error?.describe());
    assert.equal(r.exitCode, 4);
  });
});

describe('kernel faults: the Anthropic provider in a reason() loop (real fake Anthropic server)', function () {
  this.timeout(20_000);
  const unhandled = trackUnhandled();
  let server: FakeServer;
  beforeEach(async () => { server = await startFakeAnthropic({ apiKey: KEY }); });
  afterEach(async () => {
    await server.close();
    assert.deepEqual(unhandled.list, []);
  });

  it('529 overloaded, then a tool call, then an answer → Completed', async () => {
    server.enqueue({ status: 529 }, { toolCalls: [{ name: 'read_file', arguments: '{"path":"x.txt"}' }] }, { text: 'x says hi' });
    const r = await run(READ_AGENT, { provider: new AnthropicProvider({ apiKey: KEY, baseUrl: server.url, timeoutMs: 5000 }), files: { 'x.txt': 'hi' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'x says hi');
    assert.equal(r.of('RecoveryTriggered').length, 1);
    assert.equal(r.of('ObservationsCollected')[0].observations[0].content, 'hi');
    const toolResult = JSON.stringify(server.requests.at(-1)!.body.messages);
    assert.match(toolResult, /tool_result/);
  });

  it('a hung connection → timeout → retried; malformed tool JSON → observation', async () => {
    server.enqueue({ hang: true }, { toolCalls: [{ name: 'read_file', arguments: '{"path":' }] }, { text: 'done' });
    const r = await run(READ_AGENT, { provider: new AnthropicProvider({ apiKey: KEY, baseUrl: server.url, timeoutMs: 400 }) });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.of('RecoveryTriggered').length, 1);
    const fin = r.of('ToolFinished')[0];
    assert.equal(fin.ok === false && fin.error.code, 'model-output');
  });
});

describe('kernel faults: tools in runs', function () {
  this.timeout(20_000);
  const unhandled = trackUnhandled();
  afterEach(() => assert.deepEqual(unhandled.list, []));

  it('a path escape proposed by the model → an error observation; the run continues', async () => {
    const provider = new ScriptedProvider([toolCall('read_file', { path: '../../etc/passwd' }), text('could not read it')]);
    const r = await run(READ_AGENT, { provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const fin = r.of('ToolFinished')[0];
    assert.equal(fin.ok, false);
    assert.equal(fin.ok === false && fin.error.code, 'path-escape');
    const obs = r.of('ObservationsCollected')[0].observations[0];
    assert.match(obs.content, /^ERROR: .*leaves the workspace/);
    assert.ok(!JSON.stringify(r.records).includes('root:x:0:0'), 'no content of /etc/passwd');
  });

  const PROTECTED = `
tool write_file(path: String, content: String) { builtin = "fs.write" }
tool put(file: String) -> String {
    command = ["node", "-e", "require('fs').writeFileSync(process.argv[1], 'pwned')", "{file}"]
}
agent a {
    policy p { allow: all_operations }
    with { return reason("configure the editor", tools: [write_file, put]); }
}`;

  for (const [label, call, file] of [
    ['fs.write to .vscode/settings.json', toolCall('write_file', { path: '.vscode/settings.json', content: '{}' }), '.vscode/settings.json'],
    ['fs.write to .baton/approvals.json', toolCall('write_file', { path: '.baton/approvals.json', content: '[]' }), '.baton/approvals.json'],
    ['fs.write to ./sub/../.vscode/tasks.json', toolCall('write_file', { path: 'sub/../.vscode/tasks.json', content: '{}' }), '.vscode/tasks.json'],
    ['a command naming .vscode/settings.json', toolCall('put', { file: '.vscode/settings.json' }), '.vscode/settings.json'],
    ['a command naming ./.baton/runs/x.jsonl', toolCall('put', { file: './.baton/runs/x.jsonl' }), '.baton/runs/x.jsonl'],
  ] as const) {
    it(`the kernel refuses ${label} even under allow: all_operations`, async () => {
      const provider = new ScriptedProvider([call, text('done')]);
      const r = await run(PROTECTED, { provider });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      const denied = r.of('ToolDenied');
      assert.equal(denied.length, 1);
      assert.equal(denied[0].rule.verb, 'kernel');
      assert.match(denied[0].rule.policy, /kernel/);
      assert.match(denied[0].reason, /\.baton\/\) and editor settings \(\.vscode\/\) are never writable/);
      assert.equal(r.of('ToolStarted').length, 0);
      assert.equal(r.of('PolicyEvaluated').length, 0, 'refused before the policy is asked');
      assert.ok(!fs.existsSync(path.join(r.dir, file)), `${file} was not written`);
      assert.match(r.of('ObservationsCollected')[0].observations[0].content, /^DENIED: /);
    });
  }

  it('the kernel refuses a protected write called from the body; the denial is catchable', async () => {
    const src = `
tool write_file(path: String, content: String) { builtin = "fs.write" }
agent a {
    policy p { allow: all_operations }
    with {
        try { write_file(".vscode/settings.json", "{}"); } catch (e) { return e.code; }
        return "written";
    }
}`;
    const r = await run(src);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'policy-denied');
    assert.equal(r.of('ToolDenied')[0].rule.verb, 'kernel');
    assert.ok(!fs.existsSync(path.join(r.dir, '.vscode')));
  });

  const CRASHY = `
tool crashy() -> String { command = ["node", "-e", "console.error('boom on stderr'); process.exit(1)"] }
agent a {
    policy p { allow: crashy }
    with {
        try { return crashy(); } catch (e) { return { caught: e.message, code: e.code }; }
    }
}`;

  it('a crashing command tool (exit 1) → ToolFinished ok:false and the error is catchable in the body', async () => {
    const r = await run(CRASHY);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const res = r.result as { caught: string; code: string };
    assert.equal(res.code, 'tool-error');
    assert.match(res.caught, /boom on stderr/);
    const fin = r.of('ToolFinished');
    assert.equal(fin.length, 1);
    assert.equal(fin[0].ok, false);
    assert.equal(r.of('ToolStarted').length, 1);
  });

  it('an uncaught crashing tool ends the run with Error (exit code 1)', async () => {
    const r = await run(CRASHY.replace(/try \{ return crashy\(\); \} catch \(e\) \{ return \{ caught: e.message, code: e.code \}; \}/, 'return crashy();'));
    assert.equal(r.reason, 'Error');
    assert.equal(r.exitCode, 1);
    assert.equal(r.error?.code, 'tool-error');
    assert.equal(r.of('Terminated')[0].error?.code, 'tool-error');
  });

  it('a tool timeout → tool-timeout, the process is stopped, the error is catchable', async () => {
    const src = `
tool slow() -> String { command = ["node", "-e", "setTimeout(() => require('fs').writeFileSync('late.txt', 'x'), 1500)"] }
agent a {
    policy p { allow: slow }
    with tool_timeout = 400ms {
        try { return slow(); } catch (e) { return e.code; }
    }
}`;
    const t0 = Date.now();
    const r = await run(src);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'tool-timeout');
    assert.ok(Date.now() - t0 < 1400, 'did not wait for the tool');
    const fin = r.of('ToolFinished')[0];
    assert.equal(fin.ok === false && fin.error.code, 'tool-timeout');
    await new Promise((res) => setTimeout(res, 1700));
    assert.ok(!fs.existsSync(path.join(r.dir, 'late.txt')), 'the timed-out process was killed');
  });

  it('a tool `timeout` key applies per tool', async () => {
    const src = `
tool slow() -> String { command = ["node", "-e", "setTimeout(() => {}, 5000)"]
    timeout = 300ms }
agent a {
    policy p { allow: slow }
    with { try { return slow(); } catch (e) { return e.code; } }
}`;
    const t0 = Date.now();
    const r = await run(src);
    assert.equal(r.result, 'tool-timeout', r.error?.describe());
    assert.ok(Date.now() - t0 < 2500);
  });

  it('run timeout during a slow tool → Timeout (exit 4), the tool is stopped', async () => {
    const src = `
tool slow() -> String { command = ["node", "-e", "setTimeout(() => require('fs').writeFileSync('late.txt', 'x'), 4000)"] }
agent a {
    policy p { allow: slow }
    with timeout = 700ms { return slow(); }
}`;
    const t0 = Date.now();
    const r = await run(src);
    assert.equal(r.reason, 'Timeout', r.error?.describe());
    assert.equal(r.exitCode, 4);
    assert.ok(Date.now() - t0 < 3000);
    assert.match(r.of('Terminated')[0].error!.message, /timeout/);
  });

  it('concurrent tool calls, one failing: every observation comes back in proposal order', async () => {
    const src = `
tool read_file(path: String) -> String { builtin = "fs.read" }
agent a {
    policy p { allow: read_file }
    with max_concurrent_tools = 2 { return reason("read them all", tools: [read_file]); }
}`;
    const provider = new ScriptedProvider([
      toolCalls([call('read_file', { path: 'a.txt' }), call('read_file', { path: 'missing.txt' }), call('read_file', { path: 'b.txt' }), call('read_file', { path: 'c.txt' })]),
      text('read'),
    ]);
    const r = await run(src, { provider, files: { 'a.txt': 'A', 'b.txt': 'B', 'c.txt': 'C' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const obs = r.of('ObservationsCollected')[0].observations;
    assert.deepEqual(obs.map((o) => [o.ok, o.content.slice(0, 6)]), [[true, 'A'], [false, 'ERROR:'], [true, 'B'], [true, 'C']]);
    assert.deepEqual(r.of('ToolStarted').map((t) => t.key), ['main#1', 'main#2', 'main#3', 'main#4']);
  });

  it('the circuit breaker opens after 5 failures; the 6th call fails fast with circuit-open', async () => {
    const src = `
tool flaky(i: int) -> String { command = ["node", "-e", "require('fs').appendFileSync('calls.txt', 'x'); process.exit(2)", "{i}"] }
agent a {
    policy p { allow: flaky }
    with {
        let codes = [];
        for i in range(7) {
            try { flaky(i); codes.append("ok"); } catch (e) { codes.append(e.code); }
        }
        return codes;
    }
}`;
    const r = await run(src);
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['tool-error', 'tool-error', 'tool-error', 'tool-error', 'tool-error', 'circuit-open', 'circuit-open']);
    assert.equal(fs.readFileSync(path.join(r.dir, 'calls.txt'), 'utf8'), 'xxxxx', 'the tool ran 5 times only');
    const changes = r.of('BreakerChanged');
    assert.deepEqual(changes.map((c) => [c.tool, c.state]), [['flaky', 'open']]);
    const fast = r.of('ToolFinished').filter((f) => f.ok === false && f.error.code === 'circuit-open');
    assert.equal(fast.length, 2);
    assert.ok(fast.every((f) => f.ms === 0));
    // The breaker opened during the 5th call (its failure), before the 6th call.
    const seqOpen = changes[0].seq;
    const starts = r.of('ToolStarted').map((f) => f.seq);
    assert.equal(starts.length, 5);
    assert.ok(starts[4] < seqOpen && seqOpen < r.of('ToolFinished')[5].seq);
  });

  it('the breaker also protects a reason() loop: the model sees circuit-open and the run ends cleanly', async () => {
    const src = `
tool flaky() -> String { command = ["node", "-e", "process.exit(2)"] }
agent a {
    policy p { allow: flaky }
    with max_iterations = 7 { return reason("try hard", tools: [flaky]); }
}`;
    const provider = new ScriptedProvider((_req, i) => (i < 6 ? toolCall('flaky', {}) : text('giving up')));
    const r = await run(src, { provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const obs = r.of('ObservationsCollected').map((o) => o.observations[0].content);
    assert.equal(obs.length, 6);
    assert.match(obs[5], /circuit open/);
    assert.equal(r.of('ToolStarted').length, 5);
  });
});

describe('kernel faults: the journal and the outside', function () {
  this.timeout(20_000);
  const unhandled = trackUnhandled();
  afterEach(() => assert.deepEqual(unhandled.list, []));

  function openFdsTo(file: string): number {
    let n = 0;
    for (const fd of fs.readdirSync('/proc/self/fd')) {
      try { if (fs.readlinkSync(`/proc/self/fd/${fd}`) === file) n++; } catch { /* closed meanwhile */ }
    }
    return n;
  }

  it('the disk fills up mid-run (fdatasync fails): the run stops with a journal error, no later effect runs, no fd leaks', async () => {
    // The bundle shares node's fs module object: patch the real one.
    const realFs = require('node:fs') as typeof fs & { fdatasyncSync: (fd: number) => void };
    const real = realFs.fdatasyncSync;
    let n = 0;
    realFs.fdatasyncSync = (fd: number) => {
      if (++n >= 3) throw Object.assign(new Error('ENOSPC: no space left on device, fdatasync'), { code: 'ENOSPC' });
      return real(fd);
    };
    const dir = tempWorkspace();
    let err: unknown;
    try {
      await run(`
tool bump(n: int) -> String { command = ["node", "-e", "require('fs').appendFileSync('c.txt', process.argv[1])", "{n}"] }
agent a {
    policy p { allow: bump }
    with { let a = bump(1); let b = bump(2); let c = bump(3); return a + b + c; }
}`, { dir });
    } catch (e) { err = e; } finally { realFs.fdatasyncSync = real; }
    try {
      assert.ok(err instanceof BatonError && err.code === 'journal', `expected a journal error, got ${String(err)}`);
      assert.match((err as Error).message, /ENOSPC/);
      assert.equal(fs.readFileSync(path.join(dir, 'c.txt'), 'utf8'), '1', 'nothing ran once its start could not be made durable');
      const runs = fs.readdirSync(path.join(dir, '.baton', 'runs'));
      assert.equal(runs.length, 1);
      assert.equal(openFdsTo(path.join(dir, '.baton', 'runs', runs[0])), 0, 'the journal file was closed');
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  it('a run that cannot start (bad input, unknown agent) leaves no empty journal behind', async () => {
    const dir = tempWorkspace();
    try {
      await assert.rejects(run(READ_AGENT, { dir, inputs: { nope: 1 } }), /has no input 'nope'/);
      await assert.rejects(run(READ_AGENT, { dir, agent: 'zz' }), /no agent 'zz'/);
      const runsDir = path.join(dir, '.baton', 'runs');
      assert.deepEqual(fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : [], []);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  it('an event sink that throws does not break the run', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const dir = tempWorkspace({ 'x.txt': 'hello' });
      fs.writeFileSync(path.join(dir, 'agent.baton'), READ_AGENT);
      const out = await startRun({
        root: dir, file: path.join(dir, 'agent.baton'), inputs: {}, provider: new ScriptedProvider([toolCall('read_file', { path: 'x.txt' }), text('ok')]),
        providerInfo: { id: 'scripted' }, approvals: new FixedApprovals({ kind: 'deny' }), home: dir, random: () => 0,
        sink: { emit() { throw new Error('sink exploded'); } },
      });
      assert.equal(out.reason, 'Completed', out.error?.describe());
      await new Promise((res) => setImmediate(res));
      assert.equal(warnings.filter((w) => /sink exploded/.test(w)).length, 1, 'reported once');
      fs.rmSync(dir, { recursive: true, force: true });
    } finally { process.off('warning', onWarning); }
  });
});
