/**
 * `AnthropicProvider`: Claude models through `@anthropic-ai/sdk` (Messages API, always streamed).
 *
 * Mapping: system messages → `system`; assistant tool calls → `tool_use` blocks (input = the parsed
 * arguments, `{}` when they do not parse); consecutive tool messages → one user message of
 * `tool_result` blocks; tools → `input_schema`. Text deltas go to `onDelta`; `input_json_delta`
 * pieces are accumulated per block into the raw `arguments` text. `responseSchema` is asked for in
 * the system prompt (portable across models); `temperature` is not sent (the API version of this
 * SDK, 2026-10-21, has no sampling parameters). Errors are mapped like the OpenAI provider's
 * (`toProviderError`); the SDK never retries and no message ever contains the key.
 */
import type Anthropic from '@anthropic-ai/sdk';

/** The SDK, loaded on first use (not when `baton check`, the server or the extension starts). */
let sdkClass: typeof Anthropic | undefined;
function AnthropicSdk(): typeof Anthropic {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require('@anthropic-ai/sdk') as { default?: typeof Anthropic } & typeof Anthropic;
  return (sdkClass ??= m.default ?? m);
}
import { BatonError } from '../errors';
import type { ChatMessage, CompletionRequest, CompletionResponse, InferenceProvider, ToolCall, ToolSchema } from './provider';
import { DEFAULT_TIMEOUT_MS, Deadline, toProviderError, type ErrorContext } from './openai';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

export interface AnthropicProviderOptions {
  apiKey: string;
  /** Defaults to `https://api.anthropic.com` (the SDK appends `/v1/messages`). */
  baseUrl?: string;
  /** Default per-request timeout when the request has no `timeoutMs`. */
  timeoutMs?: number;
  /** `max_tokens` when the request has no `maxOutputTokens` (default 4096). */
  maxTokens?: number;
}

type MessageParam = Anthropic.Messages.MessageParam;
type BlockParam = Anthropic.Messages.ContentBlockParam;
type StreamEvent = Anthropic.Messages.RawMessageStreamEvent;

export class AnthropicProvider implements InferenceProvider {
  readonly id = 'anthropic';
  private readonly client: Anthropic;
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxTokens: number;

  constructor(options: AnthropicProviderOptions) {
    this.baseUrl = options.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL;
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxTokens = options.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS;
    // An explicit key and base URL: the SDK then reads no credential or URL from the environment.
    this.client = new (AnthropicSdk())({ apiKey: options.apiKey, baseURL: this.baseUrl, maxRetries: 0, timeout: this.timeoutMs });
  }

  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const deadline = new Deadline(request.signal, timeoutMs);
    let streaming = false;
    const context = (): ErrorContext => ({
      provider: this.id, keyEnv: 'ANTHROPIC_API_KEY', apiKey: this.apiKey, baseUrl: this.baseUrl, model: request.model,
      timeoutMs, timedOut: deadline.timedOut, cancelled: request.signal?.aborted === true, streaming, sdk: AnthropicSdk(),
    });
    try {
      deadline.throwIfAborted();
      const stream = await this.client.messages.create(this.params(request), { signal: deadline.signal, timeout: timeoutMs });
      streaming = true;
      const acc = new EventAccumulator(request.model, request.onDelta);
      for await (const event of stream) acc.add(event);
      deadline.throwIfAborted();
      if (!acc.finished) throw new BatonError('provider-error', `${this.id}: the server closed the stream before the answer was complete`, { retryable: true });
      return acc.response();
    } catch (e) {
      throw toProviderError(e, context());
    } finally {
      deadline.dispose();
    }
  }

  private params(request: CompletionRequest): Anthropic.Messages.MessageCreateParamsStreaming {
    const system = systemPrompt(request);
    const params: Anthropic.Messages.MessageCreateParamsStreaming = {
      model: request.model,
      max_tokens: request.maxOutputTokens ?? this.maxTokens,
      messages: toAnthropicMessages(request.messages),
      stream: true,
    };
    if (system !== '') params.system = system;
    if (request.tools && request.tools.length > 0) params.tools = request.tools.map(toAnthropicTool);
    // `temperature` is not sent: the API version this SDK speaks (2026-10-21) has no sampling parameters.
    return params;
  }
}

/** The system messages joined, plus the structured-output instruction when a schema is asked for. */
export function systemPrompt(request: Pick<CompletionRequest, 'messages' | 'responseSchema'>): string {
  const parts = request.messages.filter((m) => m.role === 'system' && m.content !== '').map((m) => m.content);
  if (request.responseSchema) {
    parts.push(
      `Answer with a single JSON value (no prose, no code fences) named "${request.responseSchema.name}" ` +
        `that matches this JSON Schema:\n${JSON.stringify(request.responseSchema.schema)}`,
    );
  }
  return parts.join('\n\n');
}

/** Non-system messages in Anthropic's shape: tool results grouped, same-role neighbours merged. */
export function toAnthropicMessages(messages: ChatMessage[]): MessageParam[] {
  const out: Array<{ role: 'user' | 'assistant'; content: BlockParam[] }> = [];
  const push = (role: 'user' | 'assistant', blocks: BlockParam[]): void => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        break;
      case 'user':
        push('user', m.content === '' ? [] : [{ type: 'text', text: m.content }]);
        break;
      case 'tool':
        push('user', [{ type: 'tool_result', tool_use_id: m.toolCallId ?? '', content: m.content }]);
        break;
      case 'assistant': {
        const blocks: BlockParam[] = m.content === '' ? [] : [{ type: 'text', text: m.content }];
        for (const c of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: parseInput(c.arguments) });
        push('assistant', blocks);
        break;
      }
    }
  }
  // Keep the wire small and familiar: a lone text block is sent as a plain string.
  return out.map((m) => (m.content.length === 1 && m.content[0]!.type === 'text' ? { role: m.role, content: m.content[0]!.text } : m));
}

export function toAnthropicTool(t: ToolSchema): Anthropic.Messages.Tool {
  const schema = { type: 'object', ...t.parameters } as Anthropic.Messages.Tool.InputSchema;
  return { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), input_schema: schema };
}

/** The model's own arguments back as an object; `{}` when they are not a JSON object. */
function parseInput(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Folds stream events into one `CompletionResponse`. */
class EventAccumulator {
  finished = false;
  private text = '';
  private model: string;
  private stop: string | null = null;
  private inputTokens = 0;
  private outputTokens = 0;
  /** By content-block index: tool_use blocks being streamed. */
  private readonly tools = new Map<number, { id: string; name: string; json: string; input: unknown }>();
  private readonly order: number[] = [];

  constructor(model: string, private readonly onDelta?: (text: string) => void) {
    this.model = model;
  }

  add(event: StreamEvent): void {
    switch (event.type) {
      case 'message_start': {
        const m = event.message;
        if (m.model) this.model = m.model;
        this.inputTokens = totalInput(m.usage);
        this.outputTokens = m.usage?.output_tokens ?? 0;
        break;
      }
      case 'content_block_start': {
        const b = event.content_block;
        if (b.type === 'text' && b.text) this.addText(b.text);
        if (b.type === 'tool_use') {
          this.tools.set(event.index, { id: b.id, name: b.name, json: '', input: b.input });
          this.order.push(event.index);
        }
        break;
      }
      case 'content_block_delta': {
        const d = event.delta;
        if (d.type === 'text_delta') this.addText(d.text);
        else if (d.type === 'input_json_delta') {
          const t = this.tools.get(event.index);
          if (t) t.json += d.partial_json;
        }
        break;
      }
      case 'message_delta': {
        if (event.delta.stop_reason) this.stop = event.delta.stop_reason;
        const u = event.usage;
        if (u) {
          if (typeof u.output_tokens === 'number') this.outputTokens = u.output_tokens;
          if (typeof u.input_tokens === 'number') this.inputTokens = totalInput(u);
        }
        break;
      }
      case 'message_stop':
        this.finished = true;
        break;
      default:
        break;
    }
  }

  private addText(piece: string): void {
    this.text += piece;
    this.onDelta?.(piece);
  }

  response(): CompletionResponse {
    const toolCalls: ToolCall[] = this.order.map((i) => {
      const t = this.tools.get(i)!;
      // No input_json_delta at all: the input came whole in content_block_start (usually `{}`).
      const args = t.json !== '' ? t.json : JSON.stringify(t.input ?? {});
      return { id: t.id, name: t.name, arguments: args };
    });
    return {
      text: this.text,
      toolCalls,
      usage: { inputTokens: this.inputTokens, outputTokens: this.outputTokens },
      model: this.model,
      finishReason: mapStop(this.stop, toolCalls.length > 0),
    };
  }
}

function totalInput(u: { input_tokens?: number | null; cache_creation_input_tokens?: number | null; cache_read_input_tokens?: number | null } | undefined): number {
  if (!u) return 0;
  return (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
}

function mapStop(reason: string | null, hasToolCalls: boolean): CompletionResponse['finishReason'] {
  switch (reason) {
    case 'end_turn': case 'stop_sequence': return hasToolCalls ? 'tool_calls' : 'stop';
    case 'tool_use': return 'tool_calls';
    case 'max_tokens': case 'model_context_window_exceeded': return 'length';
    case 'refusal': return 'content_filter';
    default: return hasToolCalls ? 'tool_calls' : 'other';
  }
}
