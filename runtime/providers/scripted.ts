/**
 * `ScriptedProvider`: answers from a list (or a function) instead of a model — for tests and the
 * per-step overhead benchmark, so it does as little as possible per call (no copies, no I/O, no
 * request retention beyond the last one).
 *
 *   new ScriptedProvider([toolCall('read_file', { path: 'a.txt' }), text('done')])
 *   new ScriptedProvider((req, i) => (i < 3 ? toolCall('step', { i }) : text('ok')))
 */
import { BatonError } from '../errors';
import type { CompletionRequest, CompletionResponse, InferenceProvider, ToolCall, Usage } from './provider';

/** A response, or a plain string as shorthand for `text(string)`. */
export type ScriptedAnswer = CompletionResponse | string;
export type ScriptFunction = (request: CompletionRequest, index: number) => ScriptedAnswer | Promise<ScriptedAnswer>;

const NO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0 }) as Usage;
let nextId = 0;

/** A text answer (`finishReason: 'stop'`). */
export function text(t: string, extra: Partial<CompletionResponse> = {}): CompletionResponse {
  return { text: t, toolCalls: [], usage: NO_USAGE, model: 'scripted', finishReason: 'stop', ...extra };
}

/**
 * An answer proposing one tool call. `args` is serialised with JSON.stringify unless it is already
 * a string (which is used as is — handy for malformed-JSON tests). Ids default to `call_<n>`.
 */
export function toolCall(name: string, args: unknown = {}, id?: string, extra: Partial<CompletionResponse> = {}): CompletionResponse {
  return toolCalls([call(name, args, id)], extra);
}

/** An answer proposing several tool calls (build them with `call`). */
export function toolCalls(calls: ToolCall[], extra: Partial<CompletionResponse> = {}): CompletionResponse {
  return { text: '', toolCalls: calls, usage: NO_USAGE, model: 'scripted', finishReason: 'tool_calls', ...extra };
}

/** One tool call for `toolCalls`. */
export function call(name: string, args: unknown = {}, id?: string): ToolCall {
  return { id: id ?? `call_${++nextId}`, name, arguments: typeof args === 'string' ? args : JSON.stringify(args) };
}

export class ScriptedProvider implements InferenceProvider {
  readonly id = 'scripted';
  /** Number of `complete` calls so far. */
  calls = 0;
  /** The last request seen (only the last one, so long benchmarks do not retain memory). */
  lastRequest: CompletionRequest | undefined;
  private readonly answers: readonly ScriptedAnswer[] | undefined;
  private readonly fn: ScriptFunction | undefined;

  constructor(script: readonly ScriptedAnswer[] | ScriptFunction) {
    if (typeof script === 'function') this.fn = script;
    else this.answers = script;
  }

  /** Answers not yet given (Infinity for a function script). */
  get remaining(): number {
    return this.answers ? Math.max(0, this.answers.length - this.calls) : Infinity;
  }

  complete(request: CompletionRequest): Promise<CompletionResponse> {
    const index = this.calls++;
    this.lastRequest = request;
    if (request.signal?.aborted) return Promise.reject(new BatonError('cancelled', 'scripted: request cancelled'));
    if (this.fn) {
      let out: ScriptedAnswer | Promise<ScriptedAnswer>;
      try {
        out = this.fn(request, index);
      } catch (e) {
        return Promise.reject(e);
      }
      return out instanceof Promise ? out.then((a) => deliver(a, request)) : Promise.resolve(deliver(out, request));
    }
    const answers = this.answers!;
    if (index >= answers.length) {
      return Promise.reject(new BatonError('provider-error', `scripted provider has ${answers.length} answers; the run asked for answer ${index + 1}`, { retryable: false }));
    }
    return Promise.resolve(deliver(answers[index]!, request));
  }
}

function deliver(answer: ScriptedAnswer, request: CompletionRequest): CompletionResponse {
  const response = typeof answer === 'string' ? text(answer) : answer;
  if (request.onDelta && response.text !== '') request.onDelta(response.text);
  return response;
}
