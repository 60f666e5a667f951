/**
 * The one error base class of the runtime (the front end reports diagnostics instead of throwing).
 * Every error a user can see is a `BatonError` with a stable `code`; where the source is known it
 * carries the location and the agent/function frames that led there.
 */
import type { Loc } from './ir/schema';

export interface Frame {
  /** `agent code_reviewer`, `function summarize`, `reason loop`, ... */
  name: string;
  file: string;
  loc?: Loc;
}

export type ErrorCode =
  | 'runtime' // a failing expression: bad operand, missing field, index out of range
  | 'agent-error' // `return error(...)` or an uncaught error value
  | 'policy-denied'
  | 'approval-denied'
  | 'tool-error'
  | 'tool-timeout'
  | 'circuit-open'
  | 'path-escape'
  | 'protected-path'
  | 'provider-error'
  | 'model-output' // malformed model output that could not be repaired (after the retry)
  | 'budget-exhausted'
  | 'cancelled'
  | 'journal' // unreadable or diverging journal
  | 'mcp-error'
  | 'mcp-pin-mismatch'
  | 'in-doubt'
  | 'message-undeliverable' // a full mailbox, an unknown recipient (the message is a dead letter)
  | 'message-timeout' // a request() with no reply in time (the request is a dead letter)
  | 'sandbox-unavailable' // the sandbox tier a tool process asks for cannot run here (never downgraded)
  | 'usage';

export class BatonError extends Error {
  override readonly name: string = 'BatonError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: {
      loc?: Loc;
      file?: string;
      frames?: Frame[];
      /** A retry may succeed (network, 429, 5xx, a crashed but restartable server). */
      retryable?: boolean;
      /** Milliseconds the other side asked us to wait before retrying (Retry-After). */
      retryAfterMs?: number;
      /** Extra data for the journal (never secrets). */
      data?: unknown;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
  }

  get retryable(): boolean { return this.options.retryable === true; }

  /** `file:line:col` of the error, if known. */
  get where(): string | undefined {
    const { file, loc } = this.options;
    if (!loc) return file;
    return `${file ?? '<agent>'}:${loc[0]}:${loc[1]}`;
  }

  /** Message, location and frames, as the CLI prints it. */
  describe(): string {
    const lines = [this.where ? `${this.where}: ${this.message}` : this.message];
    for (const f of this.options.frames ?? []) lines.push(`    at ${f.name} (${f.file}${f.loc ? `:${f.loc[0]}:${f.loc[1]}` : ''})`);
    return lines.join('\n');
  }

  toJSON(): { code: ErrorCode; message: string; where?: string; retryable?: boolean } {
    return { code: this.code, message: this.message, ...(this.where ? { where: this.where } : {}), ...(this.retryable ? { retryable: true } : {}) };
  }
}

export function isBatonError(e: unknown, code?: ErrorCode): e is BatonError {
  return e instanceof BatonError && (code === undefined || e.code === code);
}

/** Any thrown value as a BatonError (unknown errors become `runtime`, keeping the cause). */
export function asBatonError(e: unknown, code: ErrorCode = 'runtime'): BatonError {
  if (e instanceof BatonError) return e;
  if (e instanceof Error && e.name === 'AbortError') return new BatonError('cancelled', 'cancelled', { cause: e });
  return new BatonError(code, e instanceof Error ? e.message : String(e), { cause: e });
}
