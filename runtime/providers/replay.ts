/**
 * Cassettes: recorded model answers, so a run can be replayed offline and deterministically.
 *
 * File format (JSON):
 *   { "version": 1, "note"?: string,
 *     "entries": [ { "request": { "model": string, "lastMessage": string, "tools": string[] },
 *                    "response": CompletionResponse } ] }
 *
 * `ReplayProvider` answers the entries in order (the request part is there for people reading
 * the file and for divergence messages; it is not matched). `RecordingProvider` wraps a real
 * provider and rewrites the cassette after each answer (atomically), so a run recorded once can
 * be replayed without a network or a key. `loadCassette` reads and validates a file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { BatonError } from '../errors';
import type { CompletionRequest, CompletionResponse, InferenceProvider } from './provider';

export interface CassetteRequest {
  model: string;
  /** The content of the request's last message (cut at `LAST_MESSAGE_MAX` characters). */
  lastMessage: string;
  /** The names of the tools offered. */
  tools: string[];
}

export interface CassetteEntry {
  request: CassetteRequest;
  response: CompletionResponse;
}

export interface Cassette {
  version: 1;
  note?: string;
  entries: CassetteEntry[];
}

export const LAST_MESSAGE_MAX = 2000;

const ToolCallSchema = z.object({ id: z.string(), name: z.string(), arguments: z.string() });
const ResponseSchema = z.object({
  text: z.string(),
  toolCalls: z.array(ToolCallSchema),
  usage: z.object({ inputTokens: z.number().nonnegative(), outputTokens: z.number().nonnegative() }),
  model: z.string(),
  finishReason: z.enum(['stop', 'tool_calls', 'length', 'content_filter', 'other']),
});
const CassetteSchema = z.object({
  version: z.literal(1),
  note: z.string().optional(),
  entries: z.array(z.object({
    request: z.object({ model: z.string(), lastMessage: z.string(), tools: z.array(z.string()) }),
    response: ResponseSchema,
  })),
});

/** Reads and validates a cassette file; any problem is a `usage` error naming the file. */
export function loadCassette(file: string): Cassette {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new BatonError('usage', `cannot read cassette ${file}: ${why}`, { file });
  }
  return parseCassette(text, file);
}

/** Parses and validates cassette text (`file` is used in messages). */
export function parseCassette(text: string, file: string): Cassette {
  let json: unknown;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new BatonError('usage', `cassette ${file} is not valid JSON: ${jsonErrorWhere(body, (e as Error).message)}`, { file });
  }
  const parsed = CassetteSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : 'the top level';
    const version = (json as { version?: unknown } | null)?.version;
    const hint = issue.path[0] === 'version' && version !== undefined ? ` (this Baton reads version 1, the file says ${JSON.stringify(version)})` : '';
    const what = issue.message.replace(/^Invalid input: expected (\w+), received undefined$/, 'missing (expected $1)');
    throw new BatonError('usage', `cassette ${file} is not a valid cassette: ${at}: ${what}${hint}`, { file });
  }
  return parsed.data as Cassette;
}

/** Where a text stops being JSON (`JSON.parse` messages differ across Node versions): `line L, column C: ...`. */
export function jsonErrorWhere(text: string, fallback: string): string {
  const pos = jsonErrorOffset(text);
  if (pos === undefined) return fallback;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  const what = pos >= text.length ? 'unexpected end of file' : `unexpected ${JSON.stringify(text[pos])}`;
  return `line ${line}, column ${column}: ${what}`;
}

/** The offset of the first character that makes `text` invalid JSON (undefined if it is valid). */
function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = (): void => { while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++; };
  const fail = (): never => { throw i; };
  const expect = (c: string): void => { if (text[i] !== c) fail(); i++; };
  const str = (): void => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') { i++; for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail(); continue; }
        if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    expect('"');
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) { ws(); str(); ws(); expect(':'); value(); ws(); if (text[i] === ',') { i++; continue; } expect('}'); return; }
    }
    if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) { value(); ws(); if (text[i] === ',') { i++; continue; } expect(']'); return; }
    }
    if (c === '"') return str();
    for (const word of ['true', 'false', 'null']) if (text.startsWith(word, i)) { i += word.length; return; }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value(); ws();
    if (i < text.length) fail();
    return undefined;
  } catch (e) {
    if (typeof e === 'number') return e;
    throw e;
  }
}

export class ReplayProvider implements InferenceProvider {
  readonly id = 'replay';
  readonly replaying = true;
  readonly cassette: Cassette;
  /** The file name used in messages. */
  readonly file: string;
  private next = 0;

  /** From a file path (read now; errors are `usage` errors) or an already loaded cassette. */
  constructor(source: string | Cassette, file?: string) {
    this.cassette = typeof source === 'string' ? loadCassette(source) : source;
    this.file = typeof source === 'string' ? source : file ?? '<cassette>';
  }

  /** Answers given so far. */
  get position(): number { return this.next; }
  /** Continues after `n` answers (a resumed run got those from its journal). */
  skip(n: number): void { this.next = Math.min(this.cassette.entries.length, this.next + Math.max(0, n)); }
  /** Answers left. */
  get remaining(): number { return this.cassette.entries.length - this.next; }

  complete(request: CompletionRequest): Promise<CompletionResponse> {
    if (request.signal?.aborted) return Promise.reject(new BatonError('cancelled', 'replay: request cancelled'));
    const entries = this.cassette.entries;
    if (this.next >= entries.length) {
      const n = entries.length;
      return Promise.reject(new BatonError(
        'provider-error',
        `cassette ${this.file} has ${n} answer${n === 1 ? '' : 's'}; the run asked for answer ${n + 1} (the run diverged from the recording)`,
        { retryable: false, file: this.file },
      ));
    }
    const entry = entries[this.next++]!;
    const response = copyResponse(entry.response);
    if (request.onDelta && response.text !== '') request.onDelta(response.text);
    return Promise.resolve(response);
  }
}

export interface RecordingOptions {
  /** Stored as the cassette's `note`. */
  note?: string;
}

/** Wraps a provider and writes every answer to a cassette file (rewritten after each answer). */
export class RecordingProvider implements InferenceProvider {
  readonly id: string;
  readonly cassette: Cassette;

  constructor(private readonly inner: InferenceProvider, readonly file: string, options: RecordingOptions = {}) {
    this.id = inner.id;
    this.cassette = { version: 1, ...(options.note !== undefined ? { note: options.note } : {}), entries: [] };
  }

  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    const response = await this.inner.complete(request);
    this.cassette.entries.push({ request: describeRequest(request), response: copyResponse(response) });
    saveCassette(this.file, this.cassette);
    return response;
  }
}

/** The request summary stored with each answer. */
export function describeRequest(request: CompletionRequest): CassetteRequest {
  const last = request.messages[request.messages.length - 1]?.content ?? '';
  return {
    model: request.model,
    lastMessage: last.length > LAST_MESSAGE_MAX ? `${last.slice(0, LAST_MESSAGE_MAX)}…` : last,
    tools: (request.tools ?? []).map((t) => t.name),
  };
}

/** Writes a cassette atomically (temporary file + rename); failures are `usage` errors. */
export function saveCassette(file: string, cassette: Cassette): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, `${JSON.stringify(cassette, null, 2)}\n`);
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.rmSync(tmp, { force: true }); } catch { /* nothing to clean */ }
    throw new BatonError('usage', `cannot write cassette ${file}: ${(e as Error).message}`, { file });
  }
}

function copyResponse(r: CompletionResponse): CompletionResponse {
  return {
    text: r.text,
    toolCalls: r.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
    usage: { inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens },
    model: r.model,
    finishReason: r.finishReason,
  };
}
