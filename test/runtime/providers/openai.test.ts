/**
 * OpenAIProvider against a real HTTP server speaking the Chat Completions wire format
 * (test/helpers/fake-openai.ts), through the real `openai` SDK; and createProvider's resolution
 * of keys, base URLs and errors.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import OpenAI from 'openai';
import { BatonError } from '../../../runtime/errors';
import { AnthropicProvider, createProvider, KNOWN_PROVIDERS, OpenAIProvider } from '../../../runtime/providers';
import type { ChatMessage, CompletionRequest } from '../../../runtime/providers/provider';
import { startFakeOpenAI, type FakeServer } from '../../helpers/fake-openai';

const KEY = 'sk-test-0123456789abcdefSECRET';

async function rejects(p: Promise<unknown>): Promise<BatonError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BatonError, `expected a BatonError, got ${inspect(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

/** Everything a user or a log could see of an error. */
function visible(e: BatonError): string {
  return [e.message, e.describe(), JSON.stringify(e.toJSON()), inspect(e, { depth: 6 })].join('\n');
}

describe('OpenAIProvider', () => {
  let server: FakeServer;
  let provider: OpenAIProvider;
  const ask = (extra: Partial<CompletionRequest> = {}): CompletionRequest => ({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], ...extra });

  beforeEach(async () => {
    server = await startFakeOpenAI();
    provider = new OpenAIProvider({ apiKey: KEY, baseUrl: server.url });
  });
  afterEach(() => server.close());

  it('streams a plain text answer: deltas in order, concatenating to the final text', async () => {
    server.enqueue({ text: 'Hello there, streaming world!', model: 'gpt-test-2025' });
    const deltas: string[] = [];
    const r = await provider.complete(ask({ onDelta: (t) => deltas.push(t) }));
    assert.equal(r.text, 'Hello there, streaming world!');
    assert.ok(deltas.length >= 3, `expected several deltas, got ${JSON.stringify(deltas)}`);
    assert.deepEqual(deltas, ['Hello ', 'there, ', 'streaming ', 'world!']);
    assert.equal(deltas.join(''), r.text);
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.model, 'gpt-test-2025');
    assert.deepEqual(r.toolCalls, []);
  });

  it('sends the conversation, tools and options in the Chat Completions shape, with the key as a Bearer token', async () => {
    server.enqueue({ text: 'ok' });
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Read a.txt' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'read_file', arguments: '{"path":"a.txt"}' }] },
      { role: 'tool', content: 'contents of a', toolCallId: 'call_1', name: 'read_file' },
      { role: 'assistant', content: 'It says: contents of a' },
      { role: 'user', content: 'Thanks' },
    ];
    const parameters = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] };
    await provider.complete({
      model: 'gpt-test', messages, temperature: 0.2, maxOutputTokens: 300,
      tools: [{ name: 'read_file', description: 'Read a file', parameters }],
      responseSchema: { name: 'answer', schema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
    });
    assert.equal(server.requests.length, 1);
    const req = server.requests[0]!;
    assert.equal(req.path, '/v1/chat/completions');
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.equal(req.body.model, 'gpt-test');
    assert.equal(req.body.stream, true);
    assert.deepEqual(req.body.stream_options, { include_usage: true });
    assert.equal(req.body.temperature, 0.2);
    assert.equal(req.body.max_tokens, 300, 'a non-OpenAI base URL gets max_tokens');
    assert.deepEqual(req.body.messages, [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Read a.txt' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'contents of a' },
      { role: 'assistant', content: 'It says: contents of a' },
      { role: 'user', content: 'Thanks' },
    ]);
    assert.deepEqual(req.body.tools, [{ type: 'function', function: { name: 'read_file', description: 'Read a file', parameters } }]);
    assert.deepEqual(req.body.response_format, {
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object', properties: { ok: { type: 'boolean' } } }, strict: false },
    });
  });

  it('omits tools, temperature and response_format when not asked for', async () => {
    server.enqueue({ text: 'ok' });
    await provider.complete(ask());
    const body = server.requests[0]!.body;
    for (const k of ['tools', 'temperature', 'response_format', 'max_tokens', 'max_completion_tokens']) assert.ok(!(k in body), `unexpected ${k}`);
  });

  it('accumulates streamed tool calls by index (ids, names, arguments)', async () => {
    server.enqueue({
      text: 'Let me look.',
      toolCalls: [
        { id: 'call_abc', name: 'read_file', arguments: '{"path":"src/a.ts","encoding":"utf8"}' },
        { id: 'call_def', name: 'list_files', arguments: '{"dir":"."}' },
      ],
    });
    const r = await provider.complete(ask());
    assert.equal(r.text, 'Let me look.');
    assert.deepEqual(r.toolCalls, [
      { id: 'call_abc', name: 'read_file', arguments: '{"path":"src/a.ts","encoding":"utf8"}' },
      { id: 'call_def', name: 'list_files', arguments: '{"dir":"."}' },
    ]);
    assert.equal(r.finishReason, 'tool_calls');
  });

  it('passes malformed tool-call JSON through raw', async () => {
    const raw = '{"path": "a.txt", "mode": ';
    server.enqueue({ toolCalls: [{ id: 'call_bad', name: 'read_file', arguments: raw }] });
    const r = await provider.complete(ask());
    assert.equal(r.toolCalls.length, 1);
    assert.equal(r.toolCalls[0]!.arguments, raw);
    assert.equal(r.toolCalls[0]!.name, 'read_file');
  });

  it('reports usage from the final chunk, and zero when the server sends none', async () => {
    server.enqueue({ text: 'counted', usage: { inputTokens: 123, outputTokens: 45 } }, { text: 'uncounted', omitUsage: true });
    assert.deepEqual((await provider.complete(ask())).usage, { inputTokens: 123, outputTokens: 45 });
    assert.deepEqual((await provider.complete(ask())).usage, { inputTokens: 0, outputTokens: 0 });
  });

  it('maps finish reasons (length, content_filter)', async () => {
    server.enqueue({ text: 'cut', finishReason: 'length' }, { text: '', finishReason: 'content_filter' });
    assert.equal((await provider.complete(ask())).finishReason, 'length');
    assert.equal((await provider.complete(ask())).finishReason, 'content_filter');
  });

  it('429 with Retry-After seconds → retryable, retryAfterMs', async () => {
    server.enqueue({ status: 429, retryAfter: '2' });
    const e = await rejects(provider.complete(ask()));
    assert.equal(e.code, 'provider-error');
    assert.equal(e.retryable, true);
    assert.equal(e.options.retryAfterMs, 2000);
    assert.match(e.message, /rate limited \(HTTP 429; retry after 2 s\)/);
    assert.equal(server.requests.length, 1, 'the SDK must not retry by itself');
  });

  it('429 with retry-after-ms, or an HTTP date', async () => {
    server.enqueue({ status: 429, retryAfterMs: '1500', retryAfter: '9' });
    assert.equal((await rejects(provider.complete(ask()))).options.retryAfterMs, 1500);
    server.enqueue({ status: 429, retryAfter: new Date(Date.now() + 30_000).toUTCString() });
    const ms = (await rejects(provider.complete(ask()))).options.retryAfterMs!;
    assert.ok(ms > 25_000 && ms <= 30_000, `retryAfterMs ${ms}`);
  });

  it('500 and 503 → retryable; 400 → not retryable, with the server message', async () => {
    server.enqueue({ status: 500 }, { status: 503 }, { status: 400, message: "Invalid value for 'temperature'." });
    const e500 = await rejects(provider.complete(ask()));
    assert.equal(e500.retryable, true);
    assert.match(e500.message, /HTTP 500/);
    assert.equal((await rejects(provider.complete(ask()))).retryable, true);
    const e400 = await rejects(provider.complete(ask()));
    assert.equal(e400.code, 'provider-error');
    assert.equal(e400.retryable, false);
    assert.match(e400.message, /HTTP 400.*Invalid value for 'temperature'/);
  });

  it('401 → not retryable, names OPENAI_API_KEY and never shows the key (the server echoes it)', async () => {
    server.enqueue({ status: 401 });
    const e = await rejects(provider.complete(ask()));
    assert.equal(e.code, 'provider-error');
    assert.equal(e.retryable, false);
    assert.match(e.message, /authentication failed \(HTTP 401\) — check OPENAI_API_KEY or --base-url/);
    assert.ok(!visible(e).includes(KEY), visible(e));
    assert.ok(!visible(e).includes('0123456789abcdef'), 'not even part of the key');
  });

  it('redacts the key from server messages of other errors', async () => {
    server.enqueue({ status: 400, message: `key ${KEY} is not allowed for this model` });
    const e = await rejects(provider.complete(ask()));
    assert.match(e.message, /is not allowed for this model/);
    assert.ok(!visible(e).includes(KEY));
  });

  it('a hung connection times out after timeoutMs, retryable', async () => {
    server.enqueue({ hang: true });
    const t0 = Date.now();
    const e = await rejects(provider.complete(ask({ timeoutMs: 300 })));
    const elapsed = Date.now() - t0;
    assert.equal(e.code, 'provider-error');
    assert.equal(e.retryable, true);
    assert.match(e.message, /timed out after 0\.3 s/);
    assert.ok(elapsed >= 250 && elapsed < 2000, `took ${elapsed} ms`);
  });

  it('a stream that stalls after a few events times out too (the deadline covers the whole answer)', async () => {
    server.enqueue({ text: 'one two three four', stallAfter: 2 });
    const deltas: string[] = [];
    const t0 = Date.now();
    const e = await rejects(provider.complete(ask({ timeoutMs: 400, onDelta: (t) => deltas.push(t) })));
    assert.match(e.message, /timed out after 0\.4 s/);
    assert.equal(e.retryable, true);
    assert.deepEqual(deltas, ['one '], 'the deltas before the stall arrived');
    assert.ok(Date.now() - t0 < 2500);
  });

  it('a connection dropped mid-stream → retryable provider-error', async () => {
    server.enqueue({ text: 'one two three four', dropAfter: 2 });
    const e = await rejects(provider.complete(ask()));
    assert.equal(e.code, 'provider-error');
    assert.equal(e.retryable, true);
    assert.match(e.message, /connection to http:\/\/127\.0\.0\.1:\d+\/v1 lost while streaming/);
  });

  it('an error event inside the stream → retryable provider-error with its message', async () => {
    server.enqueue({ text: 'partial', streamError: { type: 'server_error', message: 'The server is overloaded' } });
    const e = await rejects(provider.complete(ask()));
    assert.equal(e.retryable, true);
    assert.match(e.message, /overloaded/);
  });

  it('a refused connection → retryable, names the URL', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const p = new OpenAIProvider({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}/v1` });
    const e = await rejects(p.complete(ask({ timeoutMs: 5000 })));
    assert.equal(e.retryable, true);
    assert.match(e.message, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/v1`));
  });

  it('abort via signal → cancelled, promptly; an already-aborted signal sends nothing', async () => {
    server.enqueue({ hang: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t0 = Date.now();
    const e = await rejects(provider.complete(ask({ signal: ac.signal, timeoutMs: 10_000 })));
    assert.equal(e.code, 'cancelled');
    assert.ok(Date.now() - t0 < 2000);
    const before = server.requests.length;
    const e2 = await rejects(provider.complete(ask({ signal: AbortSignal.abort() })));
    assert.equal(e2.code, 'cancelled');
    assert.equal(server.requests.length, before);
  });

  it('abort in the middle of a stream → cancelled (not a truncated answer)', async () => {
    server.enqueue({ text: 'a b c d e f g h', eventDelayMs: 40 });
    const ac = new AbortController();
    const deltas: string[] = [];
    const e = await rejects(provider.complete(ask({ signal: ac.signal, onDelta: (t) => { deltas.push(t); if (deltas.length === 2) ac.abort(); } })));
    assert.equal(e.code, 'cancelled');
    assert.equal(deltas.length, 2);
  });

  it('sends max_completion_tokens to api.openai.com-style URLs when configured', async () => {
    server.enqueue({ text: 'ok' });
    const p = new OpenAIProvider({ apiKey: KEY, baseUrl: server.url, maxTokensParam: 'max_completion_tokens' });
    await p.complete(ask({ maxOutputTokens: 50 }));
    assert.equal(server.requests[0]!.body.max_completion_tokens, 50);
    assert.ok(!('max_tokens' in server.requests[0]!.body));
  });
});

describe('fake OpenAI server (test helper)', () => {
  let server: FakeServer;
  beforeEach(async () => { server = await startFakeOpenAI({ apiKey: 'right' }); });
  afterEach(() => server.close());

  it('answers non-streaming requests with a chat.completion JSON body', async () => {
    server.enqueue({ text: 'plain', toolCalls: [{ id: 'c1', name: 'f', arguments: '{"a":1}' }], usage: { inputTokens: 7, outputTokens: 3 } });
    const client = new OpenAI({ apiKey: 'right', baseURL: server.url, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(r.choices[0]!.message.content, 'plain');
    assert.deepEqual(r.choices[0]!.message.tool_calls, [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }]);
    assert.equal(r.usage?.prompt_tokens, 7);
    assert.equal(r.model, 'm');
  });

  it('checks the key when given one, uses the fallback when the queue is empty, and 400s without either', async () => {
    const wrong = new OpenAIProvider({ apiKey: 'wrong', baseUrl: server.url });
    assert.match((await rejects(wrong.complete({ model: 'm', messages: [] }))).message, /HTTP 401/);
    const right = new OpenAIProvider({ apiKey: 'right', baseUrl: server.url });
    assert.match((await rejects(right.complete({ model: 'm', messages: [] }))).message, /no step queued for request #1/);
    server.setFallback((req, i) => ({ text: `answer ${i} to ${req.body.messages.length} messages` }));
    assert.equal((await right.complete({ model: 'm', messages: [] })).text, 'answer 1 to 0 messages');
    assert.equal(server.requests.length, 3);
  });
});

describe('createProvider', () => {
  it('takes the key from the config before the environment', async () => {
    const server = await startFakeOpenAI();
    try {
      server.enqueue({ text: 'a' }, { text: 'b' });
      await createProvider({ provider: 'openai', apiKey: 'from-config', baseUrl: server.url }, { OPENAI_API_KEY: 'from-env' }).complete({ model: 'm', messages: [] });
      await createProvider({ provider: 'openai' }, { OPENAI_API_KEY: 'from-env', OPENAI_BASE_URL: server.url }).complete({ model: 'm', messages: [] });
      assert.equal(server.requests[0]!.headers.authorization, 'Bearer from-config');
      assert.equal(server.requests[1]!.headers.authorization, 'Bearer from-env', 'key and base URL from the environment');
    } finally {
      await server.close();
    }
  });

  it('needs no key for a localhost base URL (sends a placeholder)', async () => {
    const server = await startFakeOpenAI();
    try {
      server.enqueue({ text: 'local' });
      const p = createProvider({ provider: 'openai', baseUrl: server.url }, {});
      assert.equal((await p.complete({ model: 'm', messages: [] })).text, 'local');
      assert.match(String(server.requests[0]!.headers.authorization), /^Bearer \S+/);
    } finally {
      await server.close();
    }
  });

  it('a missing key for a remote endpoint is a usage error naming the variable', () => {
    assert.throws(() => createProvider({ provider: 'openai' }, {}), (e: unknown) =>
      e instanceof BatonError && e.code === 'usage' && /no API key for openai: set OPENAI_API_KEY/.test(e.message));
    assert.throws(() => createProvider({ provider: 'anthropic', baseUrl: 'https://example.com' }, { OPENAI_API_KEY: 'x' }), (e: unknown) =>
      e instanceof BatonError && e.code === 'usage' && /no API key for anthropic: set ANTHROPIC_API_KEY/.test(e.message));
    assert.throws(() => createProvider({ provider: 'openai', apiKey: '   ' }, {}), /no API key/);
  });

  it('builds each known provider; unknown ones are a usage error listing the known', () => {
    assert.ok(createProvider({ provider: 'anthropic' }, { ANTHROPIC_API_KEY: 'k' }) instanceof AnthropicProvider);
    const ollama = createProvider({ provider: 'Ollama' }, {});
    assert.ok(ollama instanceof OpenAIProvider);
    assert.equal(ollama.id, 'ollama');
    for (const name of ['vllm', 'lmstudio', 'llamacpp']) assert.equal(createProvider({ provider: name }, {}).id, name);
    assert.throws(() => createProvider({ provider: 'gpt5' }, {}), (e: unknown) =>
      e instanceof BatonError && e.code === 'usage' && /unknown provider 'gpt5'/.test(e.message) && KNOWN_PROVIDERS.every((k) => e.message.includes(k)));
    assert.throws(() => createProvider({ provider: 'replay' }, {}), (e: unknown) => e instanceof BatonError && e.code === 'usage' && /cassette/.test(e.message));
    assert.throws(() => createProvider({ provider: 'replay', cassette: '/nonexistent/x.json' }, {}), /cannot read cassette \/nonexistent\/x\.json/);
    assert.throws(() => createProvider({ provider: 'openai', apiKey: 'k', baseUrl: 'not a url' }, {}), (e: unknown) => e instanceof BatonError && e.code === 'usage');
  });

  it('an OpenAI-compatible local server works through its provider id', async () => {
    const server = await startFakeOpenAI();
    try {
      server.enqueue({ text: 'from vllm' });
      const p = createProvider({ provider: 'vllm', baseUrl: server.url }, {});
      assert.equal((await p.complete({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).text, 'from vllm');
      server.enqueue({ status: 401 });
      const e = await rejects(p.complete({ model: 'm', messages: [] }));
      assert.match(e.message, /^vllm: authentication failed/);
    } finally {
      await server.close();
    }
  });
});
