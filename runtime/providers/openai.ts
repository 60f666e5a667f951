/**
 * `OpenAIProvider`: any OpenAI-compatible Chat Completions endpoint (OpenAI, Azure-style proxies,
 * Ollama, vLLM, LM Studio, llama.cpp server) through the official `openai` package.
 *
 * Always streams: text deltas go to `onDelta`, tool-call deltas are accumulated by index and the
 * arguments are returned exactly as the model sent them (malformed JSON included). The SDK never
 * retries (`maxRetries: 0`); failures become `BatonError('provider-error', ..., { retryable,
 * retryAfterMs })` so the kernel retries with backoff. `toProviderError` and `Deadline` are shared
 * with the Anthropic provider. No message ever contains the API key.
 */
import type OpenAI from 'openai';

/** The SDK, loaded on first use (not when `baton check`, the server or the extension starts). */
let sdkClass: typeof OpenAI | undefined;
function OpenAISdk(): typeof OpenAI {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require('openai') as { default?: typeof OpenAI } & typeof OpenAI;
  return (sdkClass ??= m.default ?? m);
}
import { BatonError } from '../errors';
import type { ChatMessage, CompletionRequest, CompletionResponse, InferenceProvider, ToolCall, ToolSchema } from './provider';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** Ten minutes, the SDKs' own default. */
export const DEFAULT_TIMEOUT_MS = 600_000;

export interface OpenAIProviderOptions {
  apiKey: string;
  /** Defaults to `https://api.openai.com/v1` (the `OPENAI_BASE_URL` variable is not read here: see `createProvider`). */
  baseUrl?: string;
  /** The provider id reported to the journal: `openai` (default), `ollama`, `vllm`, ... */
  id?: string;
  /** Default per-request timeout when the request has no `timeoutMs`. */
  timeoutMs?: number;
  /** The variable named in authentication errors (default `OPENAI_API_KEY`). */
  keyEnv?: string;
  /**
   * How to send `maxOutputTokens`. Default: `max_completion_tokens` for api.openai.com (required by
   * reasoning models), `max_tokens` elsewhere (what most compatible servers understand).
   */
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
}

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

export class OpenAIProvider implements InferenceProvider {
  readonly id: string;
  private readonly client: OpenAI;
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly keyEnv: string;
  private readonly maxTokensParam: 'max_tokens' | 'max_completion_tokens';

  constructor(options: OpenAIProviderOptions) {
    this.id = options.id ?? 'openai';
    this.baseUrl = options.baseUrl ?? OPENAI_DEFAULT_BASE_URL;
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.keyEnv = options.keyEnv ?? 'OPENAI_API_KEY';
    this.maxTokensParam = options.maxTokensParam ?? (/^https:\/\/api\.openai\.com(\/|$)/.test(this.baseUrl) ? 'max_completion_tokens' : 'max_tokens');
    // Explicit values everywhere so the SDK reads no environment variable of its own.
    this.client = new (OpenAISdk())({ apiKey: options.apiKey, baseURL: this.baseUrl, organization: null, project: null, maxRetries: 0, timeout: this.timeoutMs });
  }

  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const deadline = new Deadline(request.signal, timeoutMs);
    let streaming = false;
    const context = (): ErrorContext => ({
      provider: this.id, keyEnv: this.keyEnv, apiKey: this.apiKey, baseUrl: this.baseUrl, model: request.model,
      timeoutMs, timedOut: deadline.timedOut, cancelled: request.signal?.aborted === true, streaming, sdk: OpenAISdk(),
    });
    try {
      deadline.throwIfAborted();
      const stream = await this.client.chat.completions.create(this.params(request), { signal: deadline.signal, timeout: timeoutMs });
      streaming = true;
      const acc = new ChunkAccumulator(request.model, request.onDelta);
      for await (const chunk of stream) acc.add(chunk);
      // The SDK ends the iteration quietly when its signal aborts: a cut-short answer is an error.
      deadline.throwIfAborted();
      if (!acc.sawChunk) throw new BatonError('provider-error', `${this.id}: the server closed the stream without sending an answer`, { retryable: true });
      return acc.response();
    } catch (e) {
      throw toProviderError(e, context());
    } finally {
      deadline.dispose();
    }
  }

  private params(request: CompletionRequest): OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming {
    const params: OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming = {
      model: request.model,
      messages: request.messages.map(toOpenAIMessage),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (request.tools && request.tools.length > 0) params.tools = request.tools.map(toOpenAITool);
    if (request.temperature !== undefined) params.temperature = request.temperature;
    if (request.maxOutputTokens !== undefined) params[this.maxTokensParam] = request.maxOutputTokens;
    if (request.responseSchema) {
      params.response_format = {
        type: 'json_schema',
        json_schema: { name: request.responseSchema.name, schema: request.responseSchema.schema, strict: false },
      };
    }
    return params;
  }
}

export function toOpenAIMessage(m: ChatMessage): OpenAI.Chat.Completions.ChatCompletionMessageParam {
  switch (m.role) {
    case 'system': return { role: 'system', content: m.content };
    case 'user': return { role: 'user', content: m.content };
    case 'tool': return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
    case 'assistant': {
      if (!m.toolCalls || m.toolCalls.length === 0) return { role: 'assistant', content: m.content };
      return {
        role: 'assistant',
        content: m.content === '' ? null : m.content,
        tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
      };
    }
  }
}

export function toOpenAITool(t: ToolSchema): OpenAI.Chat.Completions.ChatCompletionFunctionTool {
  return { type: 'function', function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.parameters } };
}

/** Folds streamed chunks into one `CompletionResponse`. */
class ChunkAccumulator {
  sawChunk = false;
  private text = '';
  private model: string;
  private finish: string | null = null;
  private inputTokens = 0;
  private outputTokens = 0;
  private readonly calls: Array<{ id: string; name: string; arguments: string }> = [];

  constructor(model: string, private readonly onDelta?: (text: string) => void) {
    this.model = model;
  }

  add(chunk: Chunk): void {
    this.sawChunk = true;
    if (chunk.model) this.model = chunk.model;
    if (chunk.usage) {
      this.inputTokens = chunk.usage.prompt_tokens ?? 0;
      this.outputTokens = chunk.usage.completion_tokens ?? 0;
    }
    for (const choice of chunk.choices ?? []) {
      if (choice.index !== undefined && choice.index !== 0) continue;
      const delta = choice.delta;
      const piece = delta?.content ?? delta?.refusal;
      if (piece) {
        this.text += piece;
        this.onDelta?.(piece);
      }
      for (const [position, d] of (delta?.tool_calls ?? []).entries()) {
        const index = d.index ?? position;
        const call = (this.calls[index] ??= { id: '', name: '', arguments: '' });
        if (d.id) call.id = d.id;
        const name = d.function?.name;
        if (name && call.name !== name) call.name += name;
        if (d.function?.arguments) call.arguments += d.function.arguments;
      }
      if (choice.finish_reason) this.finish = choice.finish_reason;
    }
  }

  response(): CompletionResponse {
    const toolCalls: ToolCall[] = [];
    this.calls.forEach((c, i) => { if (c) toolCalls.push({ id: c.id || `call_${i}`, name: c.name, arguments: c.arguments }); });
    return {
      text: this.text,
      toolCalls,
      usage: { inputTokens: this.inputTokens, outputTokens: this.outputTokens },
      model: this.model,
      finishReason: mapFinish(this.finish, toolCalls.length > 0),
    };
  }
}

function mapFinish(reason: string | null, hasToolCalls: boolean): CompletionResponse['finishReason'] {
  switch (reason) {
    // Some compatible servers (Ollama among them) say `stop` after tool calls.
    case 'stop': return hasToolCalls ? 'tool_calls' : 'stop';
    case 'tool_calls': case 'function_call': return 'tool_calls';
    case 'length': return 'length';
    case 'content_filter': return 'content_filter';
    default: return hasToolCalls ? 'tool_calls' : 'other';
  }
}

// ---------------------------------------------------------------------------------------------
// Shared with anthropic.ts: deadlines and the mapping of SDK errors to BatonError.

/** One AbortSignal for the SDK that fires on the caller's signal or after `timeoutMs`. */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private expired = false;
  private readonly onAbort = (): void => this.controller.abort();

  constructor(private readonly outer: AbortSignal | undefined, readonly timeoutMs: number) {
    if (outer?.aborted) this.controller.abort();
    else outer?.addEventListener('abort', this.onAbort, { once: true });
    this.timer = setTimeout(() => { this.expired = true; this.controller.abort(); }, timeoutMs);
  }

  get signal(): AbortSignal { return this.controller.signal; }
  get timedOut(): boolean { return this.expired; }

  /** Throws (something `toProviderError` maps to cancelled / timed out) once the signal has fired. */
  throwIfAborted(): void {
    if (this.controller.signal.aborted) throw new DeadlineAbort();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onAbort);
  }
}

class DeadlineAbort extends Error {
  override readonly name = 'AbortError';
}

/** The SDK error classes `toProviderError` recognises (both SDKs export the same names). */
export interface SdkErrors {
  APIError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  APIUserAbortError: abstract new (...args: never[]) => Error;
}

export interface ErrorContext {
  /** Used as the message prefix: `openai`, `anthropic`, `ollama`, ... */
  provider: string;
  /** The environment variable named in authentication errors. */
  keyEnv: string;
  /** Redacted from every message. */
  apiKey?: string;
  baseUrl: string;
  model: string;
  timeoutMs: number;
  timedOut: boolean;
  cancelled: boolean;
  /** The response had started (the failure happened while reading the stream). */
  streaming: boolean;
  sdk: SdkErrors;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']);

/** Any error thrown while talking to a provider as a `BatonError` (cancelled or provider-error). */
export function toProviderError(e: unknown, ctx: ErrorContext): BatonError {
  const p = ctx.provider;
  if (ctx.timedOut || e instanceof ctx.sdk.APIConnectionTimeoutError) {
    return new BatonError('provider-error', `${p}: request timed out after ${seconds(ctx.timeoutMs)} s (model '${ctx.model}')`, { retryable: true, data: { timeoutMs: ctx.timeoutMs } });
  }
  if (ctx.cancelled || e instanceof ctx.sdk.APIUserAbortError || (e instanceof Error && e.name === 'AbortError')) {
    return new BatonError('cancelled', `${p}: request cancelled`);
  }
  if (e instanceof BatonError) return e;
  const where = safeUrl(ctx.baseUrl);
  if (e instanceof ctx.sdk.APIConnectionError) return connectionError(e, ctx);
  if (e instanceof ctx.sdk.APIError) {
    const err = e as Error & { status?: number; headers?: Headers; error?: unknown; requestID?: string | null };
    const status = err.status;
    const server = redact(serverMessage(err), ctx.apiKey);
    const data = { status, requestId: err.requestID ?? undefined };
    if (status === undefined) {
      // An `error` event in the middle of a stream (overloaded, server error, ...).
      const type = errorType(err.error);
      const retryable = !/invalid_request|authentication|permission|not_found/.test(type ?? '');
      return new BatonError('provider-error', `${p}: the server reported an error while streaming${server ? `: ${server}` : ''}`, { retryable, data: { ...data, type } });
    }
    if (status === 401 || status === 403) {
      const what = status === 401 ? 'authentication failed' : 'access denied';
      return new BatonError('provider-error', `${p}: ${what} (HTTP ${status}) — check ${ctx.keyEnv} or --base-url${status === 403 ? ` and access to model '${ctx.model}'` : ''}`, { retryable: false, data });
    }
    if (status === 429) {
      const retryAfterMs = retryAfter(err.headers);
      const after = retryAfterMs !== undefined ? `; retry after ${seconds(retryAfterMs)} s` : '';
      return new BatonError('provider-error', `${p}: rate limited (HTTP 429${after})${server ? `: ${server}` : ''}`, { retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), data });
    }
    if (status === 408 || status === 409 || status >= 500) {
      const retryAfterMs = retryAfter(err.headers);
      return new BatonError('provider-error', `${p}: server error (HTTP ${status})${server ? `: ${server}` : ''}`, { retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), data });
    }
    const hint = status === 404 ? ` (model '${ctx.model}' at ${where})` : '';
    return new BatonError('provider-error', `${p}: request rejected (HTTP ${status})${hint}${server ? `: ${server}` : ''}`, { retryable: false, data });
  }
  if (e instanceof SyntaxError) {
    return new BatonError('provider-error', `${p}: the server sent malformed stream data (${redact(e.message, ctx.apiKey)})`, { retryable: true });
  }
  if (networkCode(e) || (e instanceof TypeError && /terminated|fetch failed|socket/i.test(e.message))) return connectionError(e, ctx);
  const message = e instanceof Error ? e.message : String(e);
  return new BatonError('provider-error', `${p}: ${redact(message, ctx.apiKey)}`, { retryable: false });
}

/** Milliseconds to wait from `retry-after-ms`, or `retry-after` (seconds or an HTTP date). */
export function retryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers || typeof headers.get !== 'function') return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Math.round(Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return secs >= 0 ? Math.round(secs * 1000) : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Removes the key (and anything shaped like a provider key) from a text. */
export function redact(text: string, apiKey?: string): string {
  let out = text;
  if (apiKey && apiKey.length >= 4) out = out.split(apiKey).join('***');
  return out.replace(/\b(sk-(?:ant-)?)[A-Za-z0-9_*.-]{6,}/g, '$1***');
}

function serverMessage(e: { error?: unknown; message: string; status?: number }): string {
  const body = e.error as { message?: unknown; error?: { message?: unknown } } | undefined;
  const m = typeof body?.message === 'string' ? body.message : typeof body?.error?.message === 'string' ? body.error.message : e.message.replace(/^\d{3}\s+/, '');
  const text = m.trim();
  if (/^(status code|\d{3} status code) \(no body\)$/i.test(text)) return '';
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function errorType(body: unknown): string | undefined {
  const b = body as { type?: unknown; error?: { type?: unknown } } | undefined;
  if (typeof b?.error?.type === 'string') return b.error.type;
  return typeof b?.type === 'string' ? b.type : undefined;
}

/** A network failure: before the answer started (cannot reach) or while it streamed (lost). */
function connectionError(e: unknown, ctx: ErrorContext): BatonError {
  const code = networkCode(e);
  const detail = code ?? innermostMessage(e);
  const what = ctx.streaming ? `connection to ${safeUrl(ctx.baseUrl)} lost while streaming the answer` : `cannot reach ${safeUrl(ctx.baseUrl)}`;
  return new BatonError('provider-error', `${ctx.provider}: ${what}${detail ? ` (${redact(detail, ctx.apiKey)})` : ''}`, { retryable: true, data: { code } });
}

/** The deepest cause's message, unless it is one of fetch's generic ones. */
function innermostMessage(e: unknown): string | undefined {
  let c: unknown = e;
  for (let depth = 0; depth < 5 && (c as { cause?: unknown } | undefined)?.cause instanceof Error; depth++) c = (c as { cause: unknown }).cause;
  const m = c instanceof Error ? c.message : undefined;
  return m && !/^(fetch failed|connection error\.?|terminated)$/i.test(m.trim()) ? m.trim() : undefined;
}

function networkCode(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^E[A-Z]+$/.test(code))) return code;
  }
  return undefined;
}

/** A base URL for messages: no credentials, no query. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/$/, '')}`;
  } catch {
    return '<invalid base URL>';
  }
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s < 10 ? s.toFixed(1).replace(/\.0$/, '') : String(Math.round(s));
}
