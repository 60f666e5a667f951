/**
 * The one interface every model provider implements: messages + tool schemas in, text + tool calls
 * + usage out; streaming through a callback; cancellation through an AbortSignal.
 *
 * Providers do not retry: they throw a `BatonError('provider-error', ..., { retryable, retryAfterMs })`
 * and the kernel retries with backoff (so retries are journaled and bounded by the run's budget).
 * Providers never log or return API keys.
 */
import type { Json } from '../ir/schema';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  /** The provider's id of the call (kept to pair results with calls). */
  id: string;
  name: string;
  /**
   * The arguments exactly as the model sent them (JSON text). Not parsed here: malformed JSON is
   * the reasoning loop's business (it becomes an observation back to the model).
   */
  arguments: string;
}

export interface ChatMessage {
  role: Role;
  content: string;
  /** On an assistant message: the tool calls it proposed. */
  toolCalls?: ToolCall[];
  /** On a tool message: the call it answers, and the tool's name. */
  toolCallId?: string;
  name?: string;
}

/** A JSON Schema object (draft 2020-12 subset as produced by `z.toJSONSchema`). */
export type JsonSchema = { [k: string]: Json };

export interface ToolSchema {
  name: string;
  description?: string;
  parameters: JsonSchema;
}

export interface CompletionRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSchema[];
  temperature?: number;
  maxOutputTokens?: number;
  /** Ask for a JSON answer matching this schema (structured output), when the provider supports it. */
  responseSchema?: { name: string; schema: JsonSchema };
  /** Stream: called with each text delta as it arrives. The final response still has the full text. */
  onDelta?: (text: string) => void;
  signal?: AbortSignal;
  /** Per-request timeout; a request that exceeds it throws a retryable provider-error. */
  timeoutMs?: number;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface CompletionResponse {
  text: string;
  toolCalls: ToolCall[];
  usage: Usage;
  /** The model that answered, as the provider reports it. */
  model: string;
  finishReason: 'stop' | 'tool_calls' | 'length' | 'content_filter' | 'other';
}

export interface InferenceProvider {
  /** `openai`, `anthropic`, `replay`, `scripted`, `vscode-lm`, ... */
  readonly id: string;
  /** True when answers come from a recording (the CLI says so). */
  readonly replaying?: boolean;
  complete(request: CompletionRequest): Promise<CompletionResponse>;
}

export interface ProviderConfig {
  provider: string;
  model?: string;
  baseUrl?: string;
  /** Resolved key; never journaled, never logged. */
  apiKey?: string;
  /** For `replay`: the cassette file or a run's journal. */
  cassette?: string;
}
