/**
 * HTTP tools over the global `fetch`, with the call's time limit and cancel signal.
 *
 * - `http.fetch` (built-in): any http/https URL; returns `{ status, content_type, body }` whatever
 *   the status (the body text cut at `maxOutputBytes`, with a note). Network failures are
 *   retryable tool-errors, the time limit a retryable tool-timeout.
 * - `httpTool(ir)` for `http = "GET https://host/path/{id}"` bindings: placeholders are
 *   URL-encoded; the other arguments go to the query string (GET, DELETE, HEAD) or a JSON body.
 *   The result is the parsed JSON when the response says JSON, else the text. 429 and 5xx are
 *   retryable tool-errors (with `retryAfterMs` from Retry-After), other 4xx are not.
 * Error messages show the URL without its query string (which may carry tokens).
 */
import { BatonError } from '../errors';
import type { Json, ToolIR } from '../ir/schema';
import { fillTemplate, placeholders, withDefaults } from './command-tool';
import { paramsToJsonSchema } from './json-schema';
import type { ToolContext, ToolImpl } from './tool';

const QUERY_METHODS = new Set(['GET', 'DELETE', 'HEAD']);
const EXCERPT_CHARS = 300;

interface Fetched {
  status: number;
  statusText: string;
  contentType: string;
  headers: Headers;
  text: string;
  truncated: boolean;
}

function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function parseUrl(raw: string): URL {
  let url: URL;
  try { url = new URL(raw); } catch { throw new BatonError('tool-error', `invalid URL '${raw}'`); }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BatonError('tool-error', `only http and https URLs can be fetched, not ${url.protocol.replace(/:$/, '')}:`);
  }
  return url;
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Reads at most `limit` bytes of a response body; the rest is discarded. */
async function readLimited(res: Response, limit: number): Promise<{ text: string; truncated: boolean; omitted?: number }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = limit - kept;
    if (value.length <= room) { chunks.push(value); kept += value.length; continue; }
    if (room > 0) chunks.push(value.subarray(0, room));
    kept = limit;
    truncated = true;
    await reader.cancel().catch(() => undefined);
    break;
  }
  const text = new TextDecoder('utf-8').decode(Buffer.concat(chunks), { stream: truncated });
  const length = Number(res.headers.get('content-length'));
  return { text, truncated, ...(truncated && length > limit ? { omitted: length - limit } : {}) };
}

async function doFetch(method: string, url: URL, init: { headers?: Record<string, string>; body?: string }, ctx: ToolContext): Promise<Fetched> {
  if (ctx.signal.aborted) throw new BatonError('cancelled', 'cancelled');
  const timeout = AbortSignal.timeout(Math.max(1, ctx.timeoutMs));
  const signal = AbortSignal.any([ctx.signal, timeout]);
  const what = `${method} ${shownUrl(url)}`;
  try {
    const res = await fetch(url, { method, headers: init.headers, body: init.body, signal, redirect: 'follow' });
    const { text, truncated, omitted } = await readLimited(res, Math.max(0, ctx.maxOutputBytes));
    const note = truncated ? `\n[body truncated: ${omitted !== undefined ? `${omitted} bytes omitted` : `only the first ${ctx.maxOutputBytes} bytes kept`}]` : '';
    return {
      status: res.status, statusText: res.statusText, headers: res.headers,
      contentType: res.headers.get('content-type') ?? '', text: text + note, truncated,
    };
  } catch (e) {
    if (e instanceof BatonError) throw e;
    if (ctx.signal.aborted) throw new BatonError('cancelled', `${what} was cancelled`, { cause: e });
    if (timeout.aborted) throw new BatonError('tool-timeout', `${what} timed out after ${ctx.timeoutMs / 1000} s`, { retryable: true, cause: e });
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new BatonError('tool-error', `${what} failed: ${reason}`, { retryable: true, cause: e });
  }
}

function isJson(contentType: string): boolean {
  return /^application\/(?:[\w.+-]*\+)?json\b/i.test(contentType.trim()) || /\bjson\b/i.test(contentType.split(';')[0] ?? '');
}

function strArg(args: { [k: string]: Json }, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BatonError('tool-error', `argument '${key}' must be a string`);
  return v;
}

export const httpFetch: ToolImpl = {
  name: 'http.fetch',
  description: 'Fetches an http(s) URL (GET unless a method is given); returns {status, content_type, body}.',
  parameters: {
    type: 'object',
    properties: {
      url: { type: 'string', description: 'An http:// or https:// URL.' },
      method: { type: 'string', enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], description: 'Default GET.' },
      body: { description: 'Request body: a string as is, anything else as JSON.' },
      headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Request headers.' },
    },
    required: ['url'],
    additionalProperties: false,
  },
  idempotent: false,
  sideEffects: false,
  async execute(args, ctx): Promise<Json> {
    const url = parseUrl(strArg(args, 'url') ?? (() => { throw new BatonError('tool-error', "missing argument 'url'"); })());
    const method = (strArg(args, 'method') ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    const h = args.headers;
    if (h !== undefined && h !== null) {
      if (typeof h !== 'object' || Array.isArray(h)) throw new BatonError('tool-error', "argument 'headers' must be a record of strings");
      for (const [k, v] of Object.entries(h)) headers[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    let body: string | undefined;
    if (args.body !== undefined && args.body !== null) {
      body = typeof args.body === 'string' ? args.body : JSON.stringify(args.body);
      if (typeof args.body !== 'string' && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const r = await doFetch(method, url, { headers, ...(body !== undefined ? { body } : {}) }, ctx);
    return { status: r.status, content_type: r.contentType, body: r.text };
  },
};

export interface HttpToolOptions {
  /** Headers added to every request (e.g. a resolved Authorization header). */
  headers?: Record<string, string>;
}

function appendQuery(url: URL, key: string, v: Json): void {
  if (v === null) return;
  if (Array.isArray(v)) {
    for (const item of v) if (item !== null) url.searchParams.append(key, typeof item === 'string' ? item : JSON.stringify(item));
  } else {
    url.searchParams.append(key, typeof v === 'string' ? v : JSON.stringify(v));
  }
}

/** The ToolImpl of an `http = "METHOD url"` binding. */
export function httpTool(ir: ToolIR, opts: HttpToolOptions = {}): ToolImpl {
  if (ir.binding.type !== 'http') throw new BatonError('tool-error', `tool ${ir.name} is not bound to an HTTP endpoint`);
  const method = ir.binding.method.toUpperCase();
  const template = ir.binding.url;
  const used = placeholders([template]);
  return {
    name: ir.name,
    ...(ir.description !== undefined ? { description: ir.description } : {}),
    parameters: paramsToJsonSchema(ir.params),
    idempotent: ir.idempotent,
    sideEffects: method !== 'GET' && method !== 'HEAD',
    async execute(args, ctx): Promise<Json> {
      const full = withDefaults(ir.name, ir.params, args);
      const url = parseUrl(fillTemplate(ir.name, template, full, encodeURIComponent));
      const rest = Object.entries(full).filter(([k, v]) => !used.has(k) && v !== undefined);
      const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9, */*;q=0.8', ...opts.headers };
      let body: string | undefined;
      if (QUERY_METHODS.has(method)) {
        for (const [k, v] of rest) appendQuery(url, k, v);
      } else if (rest.length) {
        body = JSON.stringify(Object.fromEntries(rest));
        headers['content-type'] = 'application/json';
      }
      const r = await doFetch(method, url, { headers, ...(body !== undefined ? { body } : {}) }, ctx);
      const what = `${method} ${shownUrl(url)}`;
      if (r.status === 429 || r.status >= 500) {
        const retryAfterMs = parseRetryAfter(r.headers.get('retry-after'));
        throw new BatonError('tool-error', `${what} returned ${r.status}${r.statusText ? ` ${r.statusText}` : ''}${excerpt(r.text)}`, {
          retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), data: { status: r.status },
        });
      }
      if (r.status >= 400) {
        throw new BatonError('tool-error', `${what} returned ${r.status}${r.statusText ? ` ${r.statusText}` : ''}${excerpt(r.text)}`, { data: { status: r.status } });
      }
      if (isJson(r.contentType) && !r.truncated) {
        if (r.text.trim() === '') return null;
        try { return JSON.parse(r.text) as Json; } catch { return r.text; }
      }
      return r.text;
    },
  };
}

function excerpt(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return '';
  return `: ${t.length > EXCERPT_CHARS ? `${t.slice(0, EXCERPT_CHARS)}…` : t}`;
}
