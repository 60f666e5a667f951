/**
 * A fake Anthropic Messages API server on 127.0.0.1 for tests (providers, kernel, CLI).
 *
 *   const server = await startFakeAnthropic();       // server.url = 'http://127.0.0.1:PORT'
 *   server.enqueue({ text: 'hello' }, { toolCalls: [{ name: 'read', arguments: '{"p":1}' }] });
 *   new Anthropic({ baseURL: server.url, apiKey: 'k' }) ...; server.requests[0].body.messages ...
 *
 * Answers `POST /v1/messages` with the same `FakeStep`s as `fake-openai.ts` (queue, fallback,
 * errors, hang, stall, drop), in Anthropic's wire format: when the request streams, the SSE events
 * message_start, ping, content_block_start / content_block_delta (text_delta, input_json_delta in
 * pieces) / content_block_stop, message_delta (stop_reason, usage) and message_stop; plain JSON
 * otherwise. Errors use Anthropic's body `{ type: 'error', error: { type, message } }`.
 */
import { startFakeHttp, splitText, stepUsage, type FakeOptions, type FakeRequest, type FakeServer, type FakeStep, type WireFormat } from './fake-openai';

export type { FakeHandler, FakeRequest, FakeServer, FakeStep, FakeToolCall } from './fake-openai';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const DEFAULT_MESSAGES: Record<string, string> = {
  invalid_request_error: 'Invalid request.',
  authentication_error: 'invalid x-api-key',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'The requested resource could not be found.',
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit.',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
};

function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** The key from `x-api-key`, or from `Authorization: Bearer` (how SDK 1.x sends API keys). */
export function anthropicKey(req: FakeRequest): string | undefined {
  const h = req.headers['x-api-key'];
  if (typeof h === 'string') return h;
  const auth = req.headers.authorization;
  return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
}
const key = anthropicKey;

/** `tool_use` input for non-streamed answers (which cannot carry malformed JSON). */
function inputOf(args: string): unknown {
  try { return JSON.parse(args); } catch { return {}; }
}

export const anthropicWire: WireFormat = {
  path: '/v1/messages',
  key,
  error(status, message, req) {
    const type = errorType(status);
    // The real API does not echo the key; echoing it here makes "never shows the key" tests bite.
    const msg = message ?? (status === 401 ? `invalid x-api-key: ${key(req) ?? '(none)'}` : DEFAULT_MESSAGES[type] ?? `HTTP ${status}`);
    return { body: { type: 'error', error: { type, message: msg }, request_id: `req_fake_${status}` }, headers: { 'request-id': `req_fake_${status}` } };
  },
  events(step, req, n) {
    const ev = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const model = step.model ?? req.body?.model ?? 'fake-model';
    const u = stepUsage(step, req);
    const frames = [
      ev('message_start', {
        message: {
          id: `msg_fake_${n + 1}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
          usage: { input_tokens: u.inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        },
      }),
      ev('ping', {}),
    ];
    let index = 0;
    if (step.text !== undefined && step.text !== '') {
      frames.push(ev('content_block_start', { index, content_block: { type: 'text', text: '', citations: null } }));
      for (const piece of splitText(step.text, step.chunkSize)) frames.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
      frames.push(ev('content_block_stop', { index }));
      index++;
    }
    for (const [i, c] of (step.toolCalls ?? []).entries()) {
      frames.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: c.id ?? `toolu_fake_${n + 1}_${i}`, name: c.name, input: {} } }));
      frames.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }));
      for (const piece of splitText(c.arguments, Math.max(1, Math.ceil(c.arguments.length / 3)))) {
        frames.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }));
      }
      frames.push(ev('content_block_stop', { index }));
      index++;
    }
    const stop = step.finishReason ?? (step.toolCalls?.length ? 'tool_use' : 'end_turn');
    frames.push(ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: u.outputTokens } }));
    frames.push(ev('message_stop', {}));
    return frames;
  },
  errorEvent(error) {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: error.type ?? 'overloaded_error', message: error.message } })}\n\n`;
  },
  json(step: FakeStep, req, n) {
    const u = stepUsage(step, req);
    const content: unknown[] = [];
    if (step.text) content.push({ type: 'text', text: step.text, citations: null });
    for (const [i, c] of (step.toolCalls ?? []).entries()) content.push({ type: 'tool_use', id: c.id ?? `toolu_fake_${n + 1}_${i}`, name: c.name, input: inputOf(c.arguments) });
    return {
      id: `msg_fake_${n + 1}`,
      type: 'message',
      role: 'assistant',
      model: step.model ?? req.body?.model ?? 'fake-model',
      content,
      stop_reason: step.finishReason ?? (step.toolCalls?.length ? 'tool_use' : 'end_turn'),
      stop_sequence: null,
      usage: { input_tokens: u.inputTokens, output_tokens: u.outputTokens },
    };
  },
};

/** Starts a fake Anthropic server; `url` is the origin (give it to the SDK as `baseURL`). */
export function startFakeAnthropic(options: FakeOptions = {}): Promise<FakeServer> {
  return startFakeHttp(anthropicWire, '', options);
}
