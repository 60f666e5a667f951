/**
 * The offline providers: cassettes (ReplayProvider, RecordingProvider, loadCassette) — recorded
 * against the fake OpenAI server and replayed with it gone — and ScriptedProvider.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatonError } from '../../../runtime/errors';
import { createProvider } from '../../../runtime/providers';
import { OpenAIProvider } from '../../../runtime/providers/openai';
import type { CompletionRequest, CompletionResponse } from '../../../runtime/providers/provider';
import { loadCassette, RecordingProvider, ReplayProvider, type Cassette } from '../../../runtime/providers/replay';
import { call, ScriptedProvider, text, toolCall, toolCalls } from '../../../runtime/providers/scripted';
import { startFakeOpenAI } from '../../helpers/fake-openai';

const answer = (t: string, extra: Partial<CompletionResponse> = {}): CompletionResponse =>
  ({ text: t, toolCalls: [], usage: { inputTokens: 10, outputTokens: 2 }, model: 'gpt-rec', finishReason: 'stop', ...extra });

const req = (content = 'hi', extra: Partial<CompletionRequest> = {}): CompletionRequest => ({ model: 'gpt-test', messages: [{ role: 'user', content }], ...extra });

function tmpFile(name: string, content?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-cassette-'));
  const file = path.join(dir, name);
  if (content !== undefined) fs.writeFileSync(file, content);
  return file;
}

function usageError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BatonError, String(e));
    assert.equal(e.code, 'usage');
    assert.match(e.message, pattern);
    return true;
  });
}

describe('ReplayProvider', () => {
  const cassette: Cassette = {
    version: 1,
    note: 'two answers',
    entries: [
      { request: { model: 'gpt-test', lastMessage: 'hi', tools: ['read_file'] }, response: answer('', { toolCalls: [{ id: 'c1', name: 'read_file', arguments: '{"path":"a"}' }], finishReason: 'tool_calls' }) },
      { request: { model: 'gpt-test', lastMessage: 'A', tools: ['read_file'] }, response: answer('all done') },
    ],
  };

  it('answers the entries in order, streaming the text once, and says it is replaying', async () => {
    const file = tmpFile('run.json', JSON.stringify(cassette));
    const p = new ReplayProvider(file);
    assert.equal(p.id, 'replay');
    assert.equal(p.replaying, true);
    const first = await p.complete(req());
    assert.deepEqual(first.toolCalls, [{ id: 'c1', name: 'read_file', arguments: '{"path":"a"}' }]);
    const deltas: string[] = [];
    const second = await p.complete(req('A', { onDelta: (t) => deltas.push(t) }));
    assert.equal(second.text, 'all done');
    assert.deepEqual(deltas, ['all done']);
    assert.equal(p.remaining, 0);
  });

  it('asking for more answers than recorded is a non-retryable divergence error', async () => {
    const p = new ReplayProvider(cassette, 'mem.json');
    await p.complete(req());
    await p.complete(req());
    await assert.rejects(p.complete(req()), (e: unknown) => {
      assert.ok(e instanceof BatonError);
      assert.equal(e.code, 'provider-error');
      assert.equal(e.retryable, false);
      assert.equal(e.message, 'cassette mem.json has 2 answers; the run asked for answer 3 (the run diverged from the recording)');
      return true;
    });
  });

  it('returns copies: changing an answer does not change the cassette', async () => {
    const p = new ReplayProvider(structuredClone(cassette), 'mem.json');
    const r = await p.complete(req());
    r.toolCalls[0]!.arguments = 'changed';
    assert.equal(p.cassette.entries[0]!.response.toolCalls[0]!.arguments, '{"path":"a"}');
  });

  it('a cancelled request is cancelled', async () => {
    const p = new ReplayProvider(cassette, 'mem.json');
    await assert.rejects(p.complete(req('x', { signal: AbortSignal.abort() })), (e: unknown) => e instanceof BatonError && e.code === 'cancelled');
    assert.equal(p.position, 0);
  });

  it('a missing file is a usage error with the path', () => {
    const file = path.join(os.tmpdir(), 'baton-no-such-dir', 'missing.json');
    usageError(() => new ReplayProvider(file), new RegExp(`cannot read cassette ${file.replace(/[.\\/]/g, '\\$&')}: no such file`));
  });

  it('malformed JSON is a usage error with the path and the position', () => {
    const file = tmpFile('bad.json', '{\n  "version": 1,\n  "entries": [ }\n');
    usageError(() => loadCassette(file), new RegExp(`cassette ${file.replace(/[.\\/]/g, '\\$&')} is not valid JSON: line 3, column 16: unexpected "}"`));
    usageError(() => loadCassette(tmpFile('cut.json', '{"version": 1, "entries": [')), /not valid JSON: line 1, column 28: unexpected end of file/);
    usageError(() => loadCassette(tmpFile('empty.json', '')), /not valid JSON: line 1, column 1: unexpected end of file/);
  });

  it('a wrong shape is a usage error naming the bad field', () => {
    const bad = structuredClone(cassette) as unknown as { entries: Array<{ response: { usage: unknown } }> };
    bad.entries[1]!.response.usage = { inputTokens: 'ten', outputTokens: 2 };
    const file = tmpFile('shape.json', JSON.stringify(bad));
    usageError(() => loadCassette(file), /is not a valid cassette: entries\[1\]\.response\.usage\.inputTokens: /);
    usageError(() => loadCassette(tmpFile('v2.json', JSON.stringify({ version: 2, entries: [] }))), /version: .*reads version 1, the file says 2/);
    usageError(() => loadCassette(tmpFile('arr.json', '[]')), /not a valid cassette: the top level/);
  });
});

describe('RecordingProvider', () => {
  it('records answers from a real server, then replays them offline identically', async () => {
    const server = await startFakeOpenAI();
    const file = path.join(path.dirname(tmpFile('unused')), 'nested', 'rec.json');
    const recorded: CompletionResponse[] = [];
    try {
      server.enqueue(
        { toolCalls: [{ id: 'call_r1', name: 'read_file', arguments: '{"path":"notes.md"}' }], usage: { inputTokens: 50, outputTokens: 9 } },
        { text: 'The notes say hello.', usage: { inputTokens: 80, outputTokens: 6 } },
      );
      const rec = new RecordingProvider(new OpenAIProvider({ apiKey: 'sk-rec-key-123456', baseUrl: server.url }), file, { note: 'recorded in a test' });
      assert.equal(rec.id, 'openai');
      const tools = [{ name: 'read_file', parameters: { type: 'object' } }];
      recorded.push(await rec.complete(req('summarise notes.md', { tools })));
      assert.equal(loadCassette(file).entries.length, 1, 'written after the first answer');
      recorded.push(await rec.complete({ model: 'gpt-test', tools, messages: [
        { role: 'user', content: 'summarise notes.md' },
        { role: 'assistant', content: '', toolCalls: recorded[0]!.toolCalls },
        { role: 'tool', content: 'hello', toolCallId: 'call_r1' },
      ] }));
    } finally {
      await server.close();
    }
    const saved = loadCassette(file);
    assert.equal(saved.note, 'recorded in a test');
    assert.deepEqual(saved.entries.map((e) => e.request), [
      { model: 'gpt-test', lastMessage: 'summarise notes.md', tools: ['read_file'] },
      { model: 'gpt-test', lastMessage: 'hello', tools: ['read_file'] },
    ]);
    assert.ok(!fs.readFileSync(file, 'utf8').includes('sk-rec-key'), 'the key is not recorded');
    // The server is gone: replay answers the same, offline.
    const replay = createProvider({ provider: 'replay', cassette: file }, {});
    assert.equal(replay.replaying, true);
    assert.deepEqual(await replay.complete(req('anything')), recorded[0]);
    assert.deepEqual(await replay.complete(req('anything')), recorded[1]);
    assert.equal(recorded[1]!.text, 'The notes say hello.');
    assert.deepEqual(recorded[0]!.usage, { inputTokens: 50, outputTokens: 9 });
  });

  it('does not record failed answers', async () => {
    const file = tmpFile('fail.json');
    const failing = new ScriptedProvider([]);
    const rec = new RecordingProvider(failing, file);
    await assert.rejects(rec.complete(req()), (e: unknown) => e instanceof BatonError && e.code === 'provider-error');
    assert.equal(fs.existsSync(file), false);
  });
});

describe('ScriptedProvider', () => {
  it('answers a list in order, streaming text once, then fails non-retryably', async () => {
    const p = new ScriptedProvider([toolCall('read_file', { path: 'a' }, 'c1'), 'plain string', text('done', { usage: { inputTokens: 3, outputTokens: 1 } })]);
    const first = await p.complete(req());
    assert.deepEqual(first.toolCalls, [{ id: 'c1', name: 'read_file', arguments: '{"path":"a"}' }]);
    assert.equal(first.finishReason, 'tool_calls');
    const deltas: string[] = [];
    assert.equal((await p.complete(req('x', { onDelta: (t) => deltas.push(t) }))).text, 'plain string');
    assert.deepEqual(deltas, ['plain string']);
    assert.deepEqual((await p.complete(req())).usage, { inputTokens: 3, outputTokens: 1 });
    assert.equal(p.calls, 3);
    assert.equal(p.remaining, 0);
    await assert.rejects(p.complete(req()), (e: unknown) => e instanceof BatonError && e.code === 'provider-error' && !e.retryable && /has 3 answers; the run asked for answer 4/.test(e.message));
  });

  it('answers from a function with the request and index (sync or async); errors propagate', async () => {
    const p = new ScriptedProvider(async (r, i) => (i === 2 ? Promise.reject(new BatonError('provider-error', 'boom', { retryable: true })) : text(`${i}:${r.messages[0]!.content}`)));
    assert.equal((await p.complete(req('a'))).text, '0:a');
    assert.equal((await p.complete(req('b'))).text, '1:b');
    await assert.rejects(p.complete(req()), /boom/);
    assert.equal(p.lastRequest?.messages[0]!.content, 'hi');
    const sync = new ScriptedProvider((_r, i) => `n${i}`);
    assert.equal((await sync.complete(req())).text, 'n0');
  });

  it('helpers: raw string arguments kept as is, several calls, unique default ids', () => {
    assert.equal(toolCall('f', '{"broken":').toolCalls[0]!.arguments, '{"broken":');
    const multi = toolCalls([call('a', { x: 1 }), call('b')]);
    assert.deepEqual(multi.toolCalls.map((c) => [c.name, c.arguments]), [['a', '{"x":1}'], ['b', '{}']]);
    assert.notEqual(multi.toolCalls[0]!.id, multi.toolCalls[1]!.id);
  });

  it('is cheap enough for the per-step benchmark (100k answers well under a second)', async () => {
    const answerOnce = text('ok');
    const p = new ScriptedProvider(() => answerOnce);
    const request = req();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 100_000; i++) await p.complete(request);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.equal(p.calls, 100_000);
    assert.ok(ms < 1000, `100k calls took ${ms.toFixed(0)} ms`);
  });
});
