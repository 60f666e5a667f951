/**
 * `VsCodeLmProvider` (id `vscode-lm`): the editor's language models through `vscode.lm`, using only
 * the API @types/vscode 1.91 declares (the engine floor): `selectChatModels`, `sendRequest` with
 * text-only User/Assistant messages, the `response.text` stream, `countTokens`, `LanguageModelError`.
 * Tools go through a text convention (messages.ts) because 1.91 has no tool-calling API.
 *
 * The model: the configured one (`baton.model`, set by **Baton: Select Model**) by id, else by
 * family; with none configured, the request's model by id or family, else the first model offered.
 * Usage is counted with `model.countTokens` (estimated when that fails). The AbortSignal and the
 * request timeout cancel through a CancellationTokenSource. Errors are `provider-error`s.
 */
import * as vscode from 'vscode';
import { BatonError } from '../../runtime/errors';
import type { CompletionRequest, CompletionResponse, InferenceProvider, ToolCall } from '../../runtime/providers/provider';
import { estimateTokens, messageText, parseToolCalls, toLmMessages, type LmMessage } from './messages';

export type SelectModels = (selector?: vscode.LanguageModelChatSelector) => Thenable<vscode.LanguageModelChat[]>;

export interface VsCodeLmOptions {
  /** The configured model (`baton.model`): an id, or a family. */
  model?: string;
  /** Default `vscode.lm.selectChatModels` (tests inject fakes). */
  select?: SelectModels;
  /** Builds the message objects (default: `vscode.LanguageModelChatMessage.User/Assistant`). */
  message?: (m: LmMessage) => vscode.LanguageModelChatMessage;
  /** Default per-request timeout (ms). */
  timeoutMs?: number;
}

export const NO_MODELS = 'no language model is available in VS Code (vscode.lm): install and sign in to an extension that provides chat models (for example GitHub Copilot Chat), then pick one with "Baton: Select Model"';

/** `vscode.lm.selectChatModels`, or no models where the host has no `vscode.lm`. */
export function selectChatModels(selector?: vscode.LanguageModelChatSelector): Thenable<vscode.LanguageModelChat[]> {
  const lm = (vscode as { lm?: typeof vscode.lm }).lm;
  return typeof lm?.selectChatModels === 'function' ? lm.selectChatModels(selector) : Promise.resolve([]);
}

export function defaultLmMessage(m: LmMessage): vscode.LanguageModelChatMessage {
  return m.role === 'user' ? vscode.LanguageModelChatMessage.User(m.content) : vscode.LanguageModelChatMessage.Assistant(m.content);
}

export class VsCodeLmProvider implements InferenceProvider {
  readonly id = 'vscode-lm';
  private readonly select: SelectModels;
  private readonly message: (m: LmMessage) => vscode.LanguageModelChatMessage;

  constructor(private readonly options: VsCodeLmOptions = {}) {
    this.select = options.select ?? selectChatModels;
    this.message = options.message ?? defaultLmMessage;
  }

  /** The chat model a request will use (throws a clear provider-error when there is none). */
  async pickModel(requested?: string): Promise<vscode.LanguageModelChat> {
    const configured = this.options.model?.trim();
    const tryAll = async (name: string) => (await this.select({ id: name }))[0] ?? (await this.select({ family: name }))[0];
    if (configured) {
      const m = await tryAll(configured);
      if (m) return m;
      const all = await this.select();
      throw new BatonError('provider-error', `the language model '${configured}' is not available in VS Code (vscode.lm)${all.length ? `; available: ${all.map((x) => x.id).join(', ')}` : ''}. Pick one with "Baton: Select Model"`, { retryable: false });
    }
    if (requested) {
      const m = await tryAll(requested);
      if (m) return m;
    }
    const any = (await this.select())[0];
    if (!any) throw new BatonError('provider-error', NO_MODELS, { retryable: false });
    return any;
  }

  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    if (request.signal?.aborted) throw new BatonError('cancelled', 'cancelled');
    const model = await this.pickModel(request.model);
    const messages = toLmMessages(request).map((m) => this.message(m));
    const cts = new vscode.CancellationTokenSource();
    let timedOut = false;
    const onAbort = () => cts.cancel();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const timeoutMs = request.timeoutMs ?? this.options.timeoutMs;
    const timer = timeoutMs ? setTimeout(() => { timedOut = true; cts.cancel(); }, timeoutMs) : undefined;
    let text = '';
    try {
      const response = await model.sendRequest(messages, { justification: 'Baton runs an agent you started, which asks the model to reason and propose tool calls.' }, cts.token);
      for await (const part of response.text) {
        if (cts.token.isCancellationRequested) break;
        text += part;
        if (request.onDelta && part) request.onDelta(part);
      }
      if (cts.token.isCancellationRequested) throw new vscode.CancellationError();
    } catch (e) {
      throw this.error(e, model, request.signal, timedOut, timeoutMs);
    } finally {
      if (timer) clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    }
    const toolCalls: ToolCall[] = request.tools?.length ? parseToolCalls(text) : [];
    const usage = await this.usage(model, messages, text, cts.token);
    cts.dispose();
    return {
      text: toolCalls.length ? '' : text,
      toolCalls,
      usage,
      model: model.id,
      finishReason: toolCalls.length ? 'tool_calls' : 'stop',
    };
  }

  private async usage(model: vscode.LanguageModelChat, messages: vscode.LanguageModelChatMessage[], output: string, token: vscode.CancellationToken): Promise<{ inputTokens: number; outputTokens: number }> {
    const count = async (x: string | vscode.LanguageModelChatMessage): Promise<number> => {
      try {
        const n = await model.countTokens(x, token);
        if (Number.isFinite(n) && n >= 0) return n;
      } catch { /* estimate below */ }
      return estimateTokens(typeof x === 'string' ? x : messageText(x));
    };
    let input = 0;
    for (const m of messages) input += await count(m);
    return { inputTokens: input, outputTokens: output ? await count(output) : 0 };
  }

  private error(e: unknown, model: vscode.LanguageModelChat, signal: AbortSignal | undefined, timedOut: boolean, timeoutMs?: number): BatonError {
    if (e instanceof BatonError) return e;
    if (timedOut) return new BatonError('provider-error', `vscode-lm: ${model.id} did not answer within ${timeoutMs} ms`, { retryable: true, cause: e });
    if (signal?.aborted || e instanceof vscode.CancellationError) return new BatonError('cancelled', 'cancelled', { cause: e });
    const code = e instanceof vscode.LanguageModelError ? e.code : (e as { code?: unknown })?.code;
    const detail = e instanceof Error && e.message ? `: ${e.message}` : '';
    switch (code) {
      case 'NoPermissions':
        return new BatonError('provider-error', `vscode-lm: Baton may not use ${model.name} (${model.id}) — allow it when VS Code asks, or check the model's access settings${detail}`, { retryable: false, cause: e });
      case 'Blocked':
        return new BatonError('provider-error', `vscode-lm: requests to ${model.id} are blocked for now (quota or rate limit)${detail}`, { retryable: true, retryAfterMs: 10_000, cause: e });
      case 'NotFound':
        return new BatonError('provider-error', `vscode-lm: the model ${model.id} is no longer available; pick another with "Baton: Select Model"${detail}`, { retryable: false, cause: e });
      default:
        return new BatonError('provider-error', `vscode-lm: ${model.id} failed${detail || `: ${String(e)}`}`, { retryable: false, cause: e });
    }
  }
}

/** For settings.ts: the provider when `baton.provider` is `vscode-lm` (`baton.model` is the chosen model's id). */
export function createVsCodeLmProvider(model?: string): VsCodeLmProvider {
  return new VsCodeLmProvider(model ? { model } : {});
}
