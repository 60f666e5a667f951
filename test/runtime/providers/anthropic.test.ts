/**
 * AnthropicProvider against a real HTTP server speaking the Messages API wire format
 * (test/helpers/fake-anthropic.ts), through the real `@anthropic-ai/sdk` client.
 */
import * as assert from 'node:assert/strict';
import { inspect } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import { BatonError } from '../../../runtime/errors';
import { AnthropicProvider } from '../../../runtime/providers/anthropic';
import type { ChatMessage, CompletionRequest } from '../../../runtime/providers/provider';
import { anthropicKey, startFakeAnthropic, type FakeServer } from '../../helpers/fake-anthropic';

const KEY = 'sk-ant-test-0123456789abcdefSECRET';

async function rejects(p: Promise<unknown>): Promise<BatonError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BatonError, `expected a BatonError, got ${inspect(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

describe('AnthropicProvider', () => {
  let server: FakeServer;
  let provider: AnthropicProvider;
  const ask = (extra: Partial<CompletionRequest> = {}): CompletionRequest => ({ model: 'claude-test', messages: [{ role: 'user', content: 'hi' }], ...extra });

  beforeEach(async () => {
    server = await startFakeAnthropic();
    provider = new AnthropicProvider({ apiKey: KEY, baseUrl: server.url });
  });
  afterEach(() => server.close());

  it('streams a plain text answer: deltas in order, concatenating to the final text', async () => {
    server.enqueue({ text: 'Bonjour from a streaming Claude.', model: 'claude-test-20260101' });
    const deltas: string[] = [];
    const r = await provider.complete(ask({ onDelta: (t) => deltas.push(t) }));
    assert.equal(r.text, 'Bonjour from a streaming Claude.');
    assert.deepEqual(deltas, ['Bonjour ', 'from ', 'a ', 'streaming ', 'Claude.']);
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.model, 'claude-test-20260101');
    assert.deepEqual(r.toolCalls, []);
  });

  it('sends system, tool_use / tool_result blocks, tools and max_tokens in the Messages shape, with the key', async () => {
    server.enqueue({ text: 'ok' });
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Read a.txt and b.txt' },
      {
        role: 'assistant', content: 'Reading both.', toolCalls: [
          { id: 'toolu_1', name: 'read_file', arguments: '{"path":"a.txt"}' },
          { id: 'toolu_2', name: 'read_file', arguments: '{"path": oops' },
        ],
      },
      { role: 'tool', content: 'A', toolCallId: 'toolu_1', name: 'read_file' },
      { role: 'tool', content: 'error: bad arguments', toolCallId: 'toolu_2', name: 'read_file' },
      { role: 'user', content: 'Summarise.' },
    ];
    const parameters = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] };
    await provider.complete({ model: 'claude-test', messages, tools: [{ name: 'read_file', description: 'Read a file', parameters }] });
    const req = server.requests[0]!;
    assert.equal(req.path, '/v1/messages');
    // SDK 1.x sends the key as `Authorization: Bearer`; older ones used `x-api-key`.
    assert.equal(anthropicKey(req), KEY);
    assert.ok(typeof req.headers['anthropic-version'] === 'string');
    assert.equal(req.body.model, 'claude-test');
    assert.equal(req.body.stream, true);
    assert.equal(req.body.max_tokens, 4096);
    assert.equal(req.body.system, 'You are terse.');
    assert.deepEqual(req.body.messages, [
      { role: 'user', content: 'Read a.txt and b.txt' },
      {
        role: 'assistant', content: [
          { type: 'text', text: 'Reading both.' },
          { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'a.txt' } },
          { type: 'tool_use', id: 'toolu_2', name: 'read_file', input: {} },
        ],
      },
      {
        role: 'user', content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'A' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'error: bad arguments' },
          { type: 'text', text: 'Summarise.' },
        ],
      },
    ]);
    assert.deepEqual(req.body.tools, [{ name: 'read_file', description: 'Read a file', input_schema: parameters }]);
  });

  it('maxOutputTokens overrides max_tokens; responseSchema becomes a system instruction', async () => {
    server.enqueue({ text: '{"ok":true}' });
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
    await provider.complete(ask({
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'ok?' }],
      maxOutputTokens: 77, responseSchema: { name: 'verdict', schema },
    }));
    const body = server.requests[0]!.body;
    assert.equal(body.max_tokens, 77);
    assert.ok(body.system.startsWith('Be brief.\n\n'), body.system);
    assert.match(body.system, /JSON/);
    assert.ok(body.system.includes(JSON.stringify(schema)));
    assert.ok(!('output_config' in body));
  });

  it('accumulates input_json_delta pieces per block into the raw arguments', async () => {
    server.enqueue({
      text: 'Looking.',
      toolCalls: [
        { id: 'toolu_a', name: 'read_file', arguments: '{"path":"src/a.ts","encoding":"utf8"}' },
        { id: 'toolu_b', name: 'list_files', arguments: '{"dir":"."}' },
      ],
    });
    const r = await provider.complete(ask());
    assert.equal(r.text, 'Looking.');
    assert.deepEqual(r.toolCalls, [
      { id: 'toolu_a', name: 'read_file', arguments: '{"path":"src/a.ts","encoding":"utf8"}' },
      { id: 'toolu_b', name: 'list_files', arguments: '{"dir":"."}' },
    ]);
    assert.equal(r.finishReason, 'tool_calls');
  });

  it('a tool call without input deltas has "{}" arguments; malformed JSON passes through raw', async () => {
    server.enqueue({ toolCalls: [{ id: 'toolu_e', name: 'now', arguments: '' }, { id: 'toolu_m', name: 'read_file', arguments: '{"path": "a.txt", ' }] });
    const r = await provider.complete(ask());
    assert.equal(r.toolCalls[0]!.arguments, '{}');
    assert.equal(r.toolCalls[1]!.arguments, '{"path": "a.txt", ');
  });

  it('reports input and output tokens', async () => {
    server.enqueue({ text: 'x', usage: { inputTokens: 321, outputTokens: 12 } });
    assert.deepEqual((await provider.complete(ask())).usage, { inputTokens: 321, outputTokens: 12 });
  });

  it('maps stop reasons (max_tokens → length, refusal → content_filter)', async () => {
    server.enqueue({ text: 'cut', finishReason: 'max_tokens' }, { text: 'no', finishReason: 'refusal' });
    assert.equal((await provider.complete(ask())).finishReason, 'length');
    assert.equal((await provider.complete(ask())).finishReason, 'content_filter');
  });

  it('429 with retry-after → retryable with retryAfterMs; 529 overloaded and 500 → retryable', async () => {
    server.enqueue({ status: 429, retryAfter: '7' }, { status: 529 }, { status: 500 });
    const e429 = await rejects(provider.complete(ask()));
    assert.equal(e429.code, 'provider-error');
    assert.equal(e429.retryable, true);
    assert.equal(e429.options.retryAfterMs, 7000);
    const e529 = await rejects(provider.complete(ask()));
    assert.equal(e529.retryable, true);
    assert.match(e529.message, /HTTP 529.*Overloaded/);
    assert.equal((await rejects(provider.complete(ask()))).retryable, true);
    assert.equal(server.requests.length, 3, 'the SDK must not retry by itself');
  });

  it('400 → not retryable, with the server message', async () => {
    server.enqueue({ status: 400, message: 'messages: roles must alternate' });
    const e = await rejects(provider.complete(ask()));
    assert.equal(e.retryable, false);
    assert.match(e.message, /HTTP 400.*roles must alternate/);
  });

  it('401 → not retryable, names ANTHROPIC_API_KEY and never shows the key', async () => {
    server.enqueue({ status: 401 });
    const e = await rejects(provider.complete(ask()));
    assert.equal(e.retryable, false);
    assert.match(e.message, /authentication failed \(HTTP 401\) — check ANTHROPIC_API_KEY or --base-url/);
    const seen = [e.message, e.describe(), JSON.stringify(e.toJSON()), inspect(e, { depth: 6 })].join('\n');
    assert.ok(!seen.includes(KEY) && !seen.includes('0123456789abcdef'), seen);
  });

  it('an overloaded_error event inside the stream → retryable', async () => {
    server.enqueue({ text: 'partial answer', streamError: { type: 'overloaded_error', message: 'Overloaded' } });
    const e = await rejects(provider.complete(ask()));
    assert.equal(e.code, 'provider-error');
    assert.equal(e.retryable, true);
    assert.match(e.message, /Overloaded/);
  });

  it('a hung connection times out after timeoutMs, retryable', async () => {
    server.enqueue({ hang: true });
    const t0 = Date.now();
    const e = await rejects(provider.complete(ask({ timeoutMs: 300 })));
    const elapsed = Date.now() - t0;
    assert.equal(e.retryable, true);
    assert.match(e.message, /timed out after 0\.3 s/);
    assert.ok(elapsed >= 250 && elapsed < 2000, `took ${elapsed} ms`);
  });

  it('a stream that ends before message_stop → retryable, not a truncated answer', async () => {
    server.enqueue({ text: 'one two three', stallAfter: 4 });
    const e = await rejects(provider.complete(ask({ timeoutMs: 400 })));
    assert.equal(e.retryable, true);
    server.enqueue({ text: 'one two three', dropAfter: 4 });
    const e2 = await rejects(provider.complete(ask()));
    assert.equal(e2.retryable, true);
    assert.match(e2.message, /lost while streaming/);
  });

  it('abort via signal → cancelled', async () => {
    server.enqueue({ hang: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t0 = Date.now();
    const e = await rejects(provider.complete(ask({ signal: ac.signal })));
    assert.equal(e.code, 'cancelled');
    assert.ok(Date.now() - t0 < 2000);
    server.enqueue({ text: 'a b c d e f', eventDelayMs: 40 });
    const ac2 = new AbortController();
    const e2 = await rejects(provider.complete(ask({ signal: ac2.signal, onDelta: () => ac2.abort() })));
    assert.equal(e2.code, 'cancelled');
  });
});

describe('fake Anthropic server (test helper)', () => {
  it('answers non-streaming requests with a message JSON body, and 404s unknown paths', async () => {
    const server = await startFakeAnthropic();
    try {
      server.enqueue({ text: 'plain', toolCalls: [{ id: 't1', name: 'f', arguments: '{"a":1}' }], usage: { inputTokens: 5, outputTokens: 2 } });
      const client = new Anthropic({ apiKey: 'k', baseURL: server.url, maxRetries: 0 });
      const m = await client.messages.create({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      assert.deepEqual(m.content.map((b) => b.type), ['text', 'tool_use']);
      const tool = m.content[1] as Anthropic.Messages.ToolUseBlock;
      assert.deepEqual(tool.input, { a: 1 });
      assert.equal(m.stop_reason, 'tool_use');
      assert.equal(m.usage.input_tokens, 5);
      await assert.rejects(client.models.list(), (e: unknown) => e instanceof Anthropic.NotFoundError);
    } finally {
      await server.close();
    }
  });
});
