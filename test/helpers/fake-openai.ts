/**
 * A fake OpenAI Chat Completions server on 127.0.0.1 for tests (providers, kernel, CLI), plus the
 * HTTP plumbing it shares with `fake-anthropic.ts` (`startFakeHttp`, `FakeStep`).
 *
 *   const server = await startFakeOpenAI();          // server.url = 'http://127.0.0.1:PORT/v1'
 *   server.enqueue({ text: 'hello' }, { toolCalls: [{ name: 'read', arguments: '{"p":1}' }] });
 *   new OpenAI({ baseURL: server.url, apiKey: 'k' }) ...; server.requests[0].body.messages ...
 *   await server.close();
 *
 * Each request to `POST /v1/chat/completions` takes the next queued step (or asks the fallback
 * handler; with neither, it answers 400 "no step queued"). A step is answered in the real wire
 * format: SSE when the request has `stream: true` (text split into several deltas, tool-call
 * arguments in pieces, a final usage chunk when `stream_options.include_usage`, `data: [DONE]`),
 * plain JSON otherwise. Error steps (`{ status: 429, retryAfter: '2' }`, `{ status: 401 }`, ...)
 * answer with OpenAI's error body; `{ hang: true }` accepts and never answers; `stallAfter` /
 * `dropAfter` cut a stream short by hanging or resetting the socket.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeToolCall {
  /** Default: `call_<n>` (OpenAI) or `toolu_<n>` (Anthropic). */
  id?: string;
  name: string;
  /** Sent exactly as given (may be malformed JSON). */
  arguments: string;
}

/** One answer of a fake server. All fields optional; `{}` is an empty text answer. */
export interface FakeStep {
  text?: string;
  toolCalls?: FakeToolCall[];
  /** The wire value (`stop`, `length`, `end_turn`, `max_tokens`, ...). Default: from the content. */
  finishReason?: string;
  /** Default: inputTokens = ceil(request body length / 4), outputTokens = ceil(output length / 4), at least 1. */
  usage?: { inputTokens: number; outputTokens: number };
  /** OpenAI streaming: leave out the final usage chunk even when the request asks for it. */
  omitUsage?: boolean;
  /** The model reported back (default: the request's model). */
  model?: string;
  /** Characters per streamed text delta (default: word by word, at least two deltas when possible). */
  chunkSize?: number;
  /** Answer with this HTTP error status and the provider's error body instead. */
  status?: number;
  /** The error message for `status` (default: a realistic one per status). */
  message?: string;
  /** `Retry-After` header value (seconds or an HTTP date). */
  retryAfter?: string;
  /** `retry-after-ms` header value. */
  retryAfterMs?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Accept the request and never answer (until `close()`). */
  hang?: boolean;
  /** Streaming: send this many SSE events, then stop sending (the connection stays open). */
  stallAfter?: number;
  /** Streaming: send this many SSE events, then reset the connection. */
  dropAfter?: number;
  /** Streaming: send an in-stream error event (after the first event). */
  streamError?: { type?: string; message: string };
  /** Wait this long before answering. */
  delayMs?: number;
  /** Wait this long between streamed events. */
  eventDelayMs?: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body (the raw text when it is not JSON). */
  body: any;
}

export type FakeHandler = (request: FakeRequest, index: number) => FakeStep | Promise<FakeStep>;

export interface FakeServer {
  /** The base URL to give the SDK (`.../v1` for OpenAI, the origin for Anthropic). */
  url: string;
  /** Every request received, in order (including rejected ones). */
  requests: FakeRequest[];
  /** Queue answers; a function is called with the request when its turn comes. */
  enqueue(...steps: Array<FakeStep | FakeHandler>): void;
  /** Answers requests when the queue is empty. */
  setFallback(handler: FakeHandler | undefined): void;
  /** Steps still queued. */
  pending(): number;
  /** Stops the server and drops open (hung) connections. */
  close(): Promise<void>;
}

export interface FakeOptions {
  /** When set, requests that do not carry this key are answered 401. */
  apiKey?: string;
}

/** What each provider's fake supplies to the shared plumbing. */
export interface WireFormat {
  /** The path answered (others get 404). */
  path: string;
  /** The key the request carries (from its auth header). */
  key(req: FakeRequest): string | undefined;
  error(status: number, message: string | undefined, req: FakeRequest): { body: unknown; headers?: Record<string, string> };
  /** SSE frames (each a complete `...\n\n` text) for a streamed answer. */
  events(step: FakeStep, req: FakeRequest, n: number): string[];
  /** The in-stream error frame. */
  errorEvent(error: { type?: string; message: string }): string;
  json(step: FakeStep, req: FakeRequest, n: number): unknown;
}

/** Starts a fake HTTP server speaking `wire` on 127.0.0.1 (port 0); `urlPath` is appended to the URL. */
export async function startFakeHttp(wire: WireFormat, urlPath: string, options: FakeOptions = {}): Promise<FakeServer> {
  const queue: Array<FakeStep | FakeHandler> = [];
  const requests: FakeRequest[] = [];
  let fallback: FakeHandler | undefined;
  let answered = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any = raw;
      try { body = raw === '' ? undefined : JSON.parse(raw); } catch { /* keep the raw text */ }
      const request: FakeRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(request);
      void answer(request, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, { error: { message: `fake server failed: ${String(e)}` } });
        else res.destroy();
      });
    });
  });

  async function answer(request: FakeRequest, res: http.ServerResponse): Promise<void> {
    if (request.method !== 'POST' || request.path.split('?')[0] !== wire.path) {
      const e = wire.error(404, `fake server: no route for ${request.method} ${request.path}`, request);
      return send(res, 404, e.body, e.headers);
    }
    if (options.apiKey !== undefined && wire.key(request) !== options.apiKey) {
      const e = wire.error(401, undefined, request);
      return send(res, 401, e.body, e.headers);
    }
    const n = answered++;
    const next = queue.shift() ?? fallback;
    if (next === undefined) {
      const e = wire.error(400, `fake server: no step queued for request #${n + 1}`, request);
      return send(res, 400, e.body, e.headers);
    }
    const step = typeof next === 'function' ? await next(request, n) : next;
    if (step.delayMs) await sleep(step.delayMs);
    if (step.hang) return; // never answer; close() drops the socket
    const headers: Record<string, string> = { ...(step.headers ?? {}) };
    if (step.retryAfter !== undefined) headers['retry-after'] = step.retryAfter;
    if (step.retryAfterMs !== undefined) headers['retry-after-ms'] = step.retryAfterMs;
    if (step.status !== undefined && step.status >= 400) {
      const e = wire.error(step.status, step.message, request);
      return send(res, step.status, e.body, { ...e.headers, ...headers });
    }
    if (request.body?.stream !== true) return send(res, 200, wire.json(step, request, n), headers);

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    const frames = wire.events(step, request, n);
    if (step.streamError) frames.splice(1, frames.length - 1, wire.errorEvent(step.streamError));
    for (let i = 0; i < frames.length; i++) {
      if (step.stallAfter !== undefined && i >= step.stallAfter) return;
      if (step.dropAfter !== undefined && i >= step.dropAfter) {
        await sleep(20); // let the client read what was sent before the reset
        res.socket?.destroy();
        return;
      }
      if (step.eventDelayMs) await sleep(step.eventDelayMs);
      if (res.destroyed) return;
      await new Promise<void>((resolve) => res.write(frames[i]!, () => resolve()));
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${urlPath}`,
    requests,
    enqueue: (...steps) => { queue.push(...steps); },
    setFallback: (h) => { fallback = h; },
    pending: () => queue.length,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Splits a text into deltas: `size` characters each, or word by word (at least two pieces when possible). */
export function splitText(text: string, size?: number): string[] {
  if (text === '') return [];
  if (size !== undefined && size > 0) {
    const out: string[] = [];
    for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
    return out;
  }
  const words = text.match(/\s*\S+\s*/g) ?? [text];
  if (words.join('') !== text) return [text];
  if (words.length === 1 && text.length > 1) return [text.slice(0, Math.ceil(text.length / 2)), text.slice(Math.ceil(text.length / 2))];
  return words;
}

/** The default usage of a step (see `FakeStep.usage`). */
export function stepUsage(step: FakeStep, req: FakeRequest): { inputTokens: number; outputTokens: number } {
  if (step.usage) return step.usage;
  const out = (step.text ?? '').length + (step.toolCalls ?? []).reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  return { inputTokens: Math.max(1, Math.ceil(JSON.stringify(req.body ?? '').length / 4)), outputTokens: Math.max(1, Math.ceil(out / 4)) };
}

// ---------------------------------------------------------------------------------------------
// OpenAI's wire format.

const OPENAI_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Country, region, or territory not supported' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later' },
};

function bearer(req: FakeRequest): string | undefined {
  const h = req.headers.authorization;
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : undefined;
}

export const openAIWire: WireFormat = {
  path: '/v1/chat/completions',
  key: bearer,
  error(status, message, req) {
    if (status === 401) {
      // Like the real API, the message echoes the key it got: providers must never show it.
      const msg = message ?? `Incorrect API key provided: ${bearer(req) ?? '(none)'}. You can find your API key at https://platform.openai.com/account/api-keys.`;
      return { body: { error: { message: msg, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } };
    }
    const d = OPENAI_ERRORS[status] ?? { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null, message: `HTTP ${status}` };
    return { body: { error: { message: message ?? d.message, type: d.type, param: null, code: d.code } }, headers: { 'x-request-id': `req_fake_${status}` } };
  },
  events(step, req, n) {
    const id = `chatcmpl-fake-${n + 1}`;
    const model = step.model ?? req.body?.model ?? 'fake-model';
    const created = Math.floor(Date.now() / 1000);
    const frame = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: null, choices, ...extra })}\n\n`;
    const delta = (d: Record<string, unknown>, finish: string | null = null): string => frame([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);
    const frames = [delta({ role: 'assistant', content: '' })];
    for (const piece of splitText(step.text ?? '', step.chunkSize)) frames.push(delta({ content: piece }));
    (step.toolCalls ?? []).forEach((c, i) => {
      frames.push(delta({ tool_calls: [{ index: i, id: c.id ?? `call_${n + 1}_${i}`, type: 'function', function: { name: c.name, arguments: '' } }] }));
      for (const piece of splitText(c.arguments, Math.max(1, Math.ceil(c.arguments.length / 3)))) {
        frames.push(delta({ tool_calls: [{ index: i, function: { arguments: piece } }] }));
      }
    });
    frames.push(delta({}, step.finishReason ?? (step.toolCalls?.length ? 'tool_calls' : 'stop')));
    if (req.body?.stream_options?.include_usage && !step.omitUsage) {
      const u = stepUsage(step, req);
      frames.push(frame([], { usage: { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens } }));
    }
    frames.push('data: [DONE]\n\n');
    return frames;
  },
  errorEvent(error) {
    return `data: ${JSON.stringify({ error: { message: error.message, type: error.type ?? 'server_error', param: null, code: null } })}\n\n`;
  },
  json(step, req, n) {
    const u = stepUsage(step, req);
    const toolCalls = (step.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `call_${n + 1}_${i}`, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    return {
      id: `chatcmpl-fake-${n + 1}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: step.model ?? req.body?.model ?? 'fake-model',
      choices: [{
        index: 0,
        message: { role: 'assistant', content: step.text ?? (toolCalls.length ? null : ''), refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        logprobs: null,
        finish_reason: step.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop'),
      }],
      usage: { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens },
    };
  },
};

/** Starts a fake OpenAI server; `url` ends in `/v1` (give it to the SDK as `baseURL`). */
export function startFakeOpenAI(options: FakeOptions = {}): Promise<FakeServer> {
  return startFakeHttp(openAIWire, '/v1', options);
}
