/**
 * MCP servers over stdio (`mcp name { command ... args [...] env { KEY "vault://..." } }`), through
 * `@modelcontextprotocol/sdk`. A server is launched lazily on first use, in the workspace root, with
 * a scrubbed environment (PATH, HOME, LANG, TMPDIR) plus its declared env, vault references resolved
 * only at launch. Resolved secret values are redacted (`***`) from every error message, stderr line
 * and tool result. A tool is trusted by the SHA-256 of its definition (`hash`), not by its name:
 * `pins`/`verifyPins` let a resumed run refuse a tool whose definition changed, and a relaunched
 * server must still offer the same definition. A server that dies during a call fails that call
 * promptly with a retryable 'mcp-error' and is relaunched on the next call.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport, StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type * as McpTypes from '@modelcontextprotocol/sdk/types.js';
import { BatonError } from '../errors';
import type { Json, McpServerIR } from '../ir/schema';
import type { JsonSchema } from '../providers/provider';
import type { ToolContext, ToolImpl } from './tool';

export interface McpToolInfo {
  server: string;
  name: string;
  description?: string;
  inputSchema: JsonSchema;
  /** Behaviour hints from the server (untrusted; not part of the hash). */
  annotations?: ToolAnnotations;
  /** SHA-256 hex of the canonical JSON of { name, description, inputSchema }. */
  hash: string;
}

export interface McpManagerOptions {
  /** Workspace root: the working directory of every server. */
  root: string;
  /** Value of a `vault://path` reference (called at launch, with `path` without the scheme). */
  resolveSecret(path: string): string;
  /** Each stderr line of a server, secrets redacted. */
  onStderr?(server: string, line: string): void;
  /** Time limit for requests other than tool calls (listing tools), and for calls without one. Default 30 s. */
  callTimeoutMs?: number;
  /** Time a server has to answer `initialize`. Default 10 s. */
  startupTimeoutMs?: number;
  /** Time a server has to exit after its stdin is closed before it is killed. Default 1 s. */
  closeGraceMs?: number;
}

const BASE_ENV = process.platform === 'win32'
  ? ['PATH', 'PATHEXT', 'SYSTEMROOT', 'COMSPEC', 'TEMP', 'TMP', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'HOMEDRIVE', 'HOMEPATH', 'LANG']
  : ['PATH', 'HOME', 'LANG', 'TMPDIR'];

/** JSON with object keys sorted at every level (undefined members omitted): the input of definition hashes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The hash an MCP tool is trusted by. */
export function toolDefinitionHash(def: { name: string; description?: string; inputSchema: unknown }): string {
  const canonical = canonicalJson({ name: def.name, description: def.description, inputSchema: def.inputSchema });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The MCP SDK, loaded on first use: `baton check`, the language server and the extension's
 * activation never pay for it.
 */
interface McpSdk {
  Client: typeof Client;
  DEFAULT_INHERITED_ENV_VARS: string[];
  ErrorCode: typeof McpTypes.ErrorCode;
  McpError: typeof McpTypes.McpError;
  ToolListChangedNotificationSchema: typeof McpTypes.ToolListChangedNotificationSchema;
  ObservedStdioTransport: new (params: StdioServerParameters) => ObservedStdioTransport;
}

/** StdioClientTransport that also reports the exit code of its process (the SDK only reports "closed"). */
interface ObservedStdioTransport extends StdioClientTransport {
  child?: ChildProcess;
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

let loaded: McpSdk | undefined;

function sdk(): McpSdk {
  if (loaded) return loaded;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const client = require('@modelcontextprotocol/sdk/client/index.js') as typeof import('@modelcontextprotocol/sdk/client/index.js');
  const stdio = require('@modelcontextprotocol/sdk/client/stdio.js') as typeof import('@modelcontextprotocol/sdk/client/stdio.js');
  const types = require('@modelcontextprotocol/sdk/types.js') as typeof McpTypes;
  /* eslint-enable @typescript-eslint/no-require-imports */
  class Observed extends stdio.StdioClientTransport implements ObservedStdioTransport {
    child?: ChildProcess;
    onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;

    override async start(): Promise<void> {
      await super.start();
      // The SDK keeps the process private; without it we could not say how a server died.
      const child = (this as unknown as { _process?: ChildProcess })._process;
      this.child = child;
      if (!child) return;
      if (child.exitCode !== null || child.signalCode !== null) this.onExit?.(child.exitCode, child.signalCode);
      else child.once('exit', (code, signal) => this.onExit?.(code, signal));
    }
  }
  loaded = {
    Client: client.Client, DEFAULT_INHERITED_ENV_VARS: stdio.DEFAULT_INHERITED_ENV_VARS, ErrorCode: types.ErrorCode,
    McpError: types.McpError, ToolListChangedNotificationSchema: types.ToolListChangedNotificationSchema, ObservedStdioTransport: Observed,
  };
  return loaded;
}

interface Conn {
  server: string;
  client: Client;
  transport: ObservedStdioTransport;
  redact: (s: string) => string;
  stderrTail: string[];
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** The connection is closed (the process may still be running). */
  closed: boolean;
  tools?: Promise<McpToolInfo[]>;
}

const dead = (c: Conn): boolean => c.closed || c.exit !== undefined;
const short = (hash: string): string => `${hash.slice(0, 8)}…`;
const toJson = (v: unknown): Json => JSON.parse(JSON.stringify(v ?? null)) as Json;
const mcpMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e)).replace(/^MCP error -?\d+: /, '');
const isAbort = (e: unknown): boolean => e instanceof Error && e.name === 'AbortError';

/** Resolves `true` if `p` settles within `ms`, else `false`. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    p.then(() => { clearTimeout(timer); resolve(true); }, () => { clearTimeout(timer); resolve(true); });
  });
}

function describeExit(exit: Conn['exit']): string {
  if (!exit) return 'closed the connection';
  return exit.code !== null ? `exited with code ${exit.code}` : `was killed by ${exit.signal ?? 'a signal'}`;
}

function redactor(secrets: string[]): (s: string) => string {
  const sorted = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (s) => sorted.reduce((acc, secret) => acc.split(secret).join('***'), s);
}

function redactJson(v: Json, redact: (s: string) => string): Json {
  if (typeof v === 'string') return redact(v);
  if (Array.isArray(v)) return v.map((x) => redactJson(x, redact));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [redact(k), redactJson(x, redact)]));
  return v;
}

function cut(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text);
  if (!(maxBytes > 0) || bytes <= maxBytes) return text;
  const kept = Buffer.from(text).subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '');
  return `${kept}\n… [output cut: ${bytes - Buffer.byteLength(kept)} more bytes]`;
}

export class McpManager {
  private readonly servers = new Map<string, McpServerIR>();
  private readonly conns = new Map<string, Promise<Conn>>();
  /** Every connection whose process may still run. */
  private readonly live = new Set<Conn>();
  private closed = false;

  constructor(servers: McpServerIR[], private readonly opts: McpManagerOptions) {
    for (const s of servers) this.servers.set(s.name, s);
  }

  /** The tools a server offers now, with their definition hashes (launches it if needed). */
  async listTools(server: string): Promise<McpToolInfo[]> {
    return this.toolsOf(await this.conn(server));
  }

  /** A server's tool as the kernel executes it. */
  async tool(server: string, name: string): Promise<ToolImpl> {
    const tools = await this.listTools(server);
    const info = tools.find((t) => t.name === name);
    if (!info) {
      const offered = tools.map((t) => t.name).sort().join(', ') || 'none';
      throw new BatonError('usage', `MCP server '${server}' has no tool '${name}' (it offers: ${offered}).`);
    }
    const hints = info.annotations ?? {};
    return {
      name: `${server}/${name}`,
      ...(info.description !== undefined ? { description: info.description } : {}),
      parameters: info.inputSchema,
      idempotent: hints.idempotentHint === true,
      sideEffects: hints.readOnlyHint !== true,
      definitionHash: info.hash,
      execute: (args, ctx) => this.call(info, args, ctx),
    };
  }

  /** The definition hash of each tool of a server, sorted by name (journaled when a run starts). */
  async pins(server: string): Promise<Array<{ name: string; hash: string }>> {
    const tools = await this.listTools(server);
    return tools.map((t) => ({ name: t.name, hash: t.hash })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Throws 'mcp-pin-mismatch' if a pinned tool changed or disappeared (new tools are not an error). */
  async verifyPins(server: string, pinned: Array<{ name: string; hash: string }>): Promise<void> {
    const current = new Map((await this.listTools(server)).map((t) => [t.name, t.hash]));
    for (const pin of pinned) {
      const now = current.get(pin.name);
      if (now !== pin.hash) throw this.pinMismatch(server, pin.name, pin.hash, now);
    }
  }

  /** Pid of the running process of a server, if it runs. */
  pid(server: string): number | undefined {
    for (const c of this.live) if (c.server === server && !dead(c)) return c.transport.child?.pid;
    return undefined;
  }

  /** Stops every server: closes its stdin, and kills it if it is still running after the grace period. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.conns.values()];
    this.conns.clear();
    await Promise.all([...this.live].map((c) => this.stop(c)));
    await Promise.allSettled(pending);
    await Promise.all([...this.live].map((c) => this.stop(c))); // launched while we were stopping
  }

  private pinMismatch(server: string, tool: string, was: string, now: string | undefined): BatonError {
    const what = now === undefined ? 'is no longer offered' : 'changed';
    return new BatonError('mcp-pin-mismatch',
      `MCP tool '${server}/${tool}' ${what} since this run started (definition hash ${short(was)} → ${now === undefined ? 'none' : short(now)}); ` +
      'refusing to resume with a different tool. Start a new run to trust the new definition.',
      { data: { server, tool, pinned: was, current: now ?? null } });
  }

  private async call(info: McpToolInfo, args: { [k: string]: Json }, ctx: ToolContext): Promise<Json> {
    const label = `${info.server}/${info.name}`;
    const cancelled = () => new BatonError('cancelled', `call to MCP tool '${label}' was cancelled`);
    if (ctx.signal.aborted) throw cancelled();
    const conn = await this.conn(info.server);
    // Trust is by hash: a relaunched (or updated) server must still offer the same definition.
    const now = (await this.toolsOf(conn)).find((t) => t.name === info.name);
    if (now?.hash !== info.hash) throw this.pinMismatch(info.server, info.name, info.hash, now?.hash);
    if (ctx.signal.aborted) throw cancelled();
    const timeout = ctx.timeoutMs > 0 ? ctx.timeoutMs : this.opts.callTimeoutMs ?? 30_000;
    let result;
    try {
      result = await conn.client.callTool({ name: info.name, arguments: args }, undefined, { timeout, signal: ctx.signal });
    } catch (e) {
      if (ctx.signal.aborted || isAbort(e)) throw cancelled();
      if (e instanceof sdk().McpError && e.code === sdk().ErrorCode.RequestTimeout) {
        throw new BatonError('tool-timeout', `MCP tool '${label}' did not answer within ${timeout} ms`, { retryable: true });
      }
      throw await this.failure(conn, e, `during a call to tool '${info.name}'`);
    }
    const content = Array.isArray(result.content) ? result.content : [];
    const texts = content.map((c) => (c.type === 'text' ? c.text : undefined));
    if (result.isError) {
      const text = texts.filter((t) => t !== undefined).join('\n').trim();
      throw new BatonError('tool-error', conn.redact(text) || `MCP tool '${label}' failed`);
    }
    if (result.structuredContent !== undefined) return redactJson(toJson(result.structuredContent), conn.redact);
    if (texts.every((t) => t !== undefined)) return cut(conn.redact(texts.join('\n')), ctx.maxOutputBytes);
    return redactJson(toJson(content), conn.redact);
  }

  /** The error for a failed request: the server died (retryable), or it answered with an error. */
  private async failure(conn: Conn, e: unknown, during: string): Promise<BatonError> {
    const closed = dead(conn) || (e instanceof sdk().McpError && e.code === sdk().ErrorCode.ConnectionClosed);
    if (!closed) {
      return new BatonError(e instanceof sdk().McpError ? 'tool-error' : 'mcp-error',
        `MCP server '${conn.server}' failed ${during}: ${conn.redact(mcpMessage(e))}`);
    }
    // The exit event precedes the close; if the connection closed without an exit, stop the process.
    const exit = conn.exit;
    if (!exit) await this.stop(conn);
    const tail = conn.stderrTail.at(-1);
    return new BatonError('mcp-error', `MCP server '${conn.server}' ${describeExit(exit)} ${during}`, {
      retryable: true,
      data: { server: conn.server, exitCode: exit?.code ?? null, signal: exit?.signal ?? null, ...(tail ? { stderr: tail } : {}) },
    });
  }

  private toolsOf(conn: Conn): Promise<McpToolInfo[]> {
    conn.tools ??= (async () => {
      const out: McpToolInfo[] = [];
      let cursor: string | undefined;
      try {
        do {
          const page = await conn.client.listTools(cursor ? { cursor } : undefined, { timeout: this.opts.callTimeoutMs ?? 30_000 });
          for (const t of page.tools) {
            const inputSchema = toJson(t.inputSchema) as JsonSchema;
            const description = t.description;
            out.push({
              server: conn.server, name: t.name, ...(description !== undefined ? { description } : {}), inputSchema,
              ...(t.annotations ? { annotations: t.annotations } : {}),
              hash: toolDefinitionHash({ name: t.name, description, inputSchema }),
            });
          }
          cursor = page.nextCursor;
        } while (cursor);
      } catch (e) {
        conn.tools = undefined;
        if (e instanceof sdk().McpError && e.code === sdk().ErrorCode.RequestTimeout) {
          throw new BatonError('mcp-error', `MCP server '${conn.server}' did not list its tools within ${this.opts.callTimeoutMs ?? 30_000} ms`, { retryable: true });
        }
        throw await this.failure(conn, e, 'while listing its tools');
      }
      return out;
    })();
    return conn.tools;
  }

  /** The live connection of a server, launching (or relaunching) it if needed. */
  private async conn(server: string): Promise<Conn> {
    if (this.closed) throw new BatonError('mcp-error', `cannot use MCP server '${server}': the MCP servers were closed`);
    const existing = this.conns.get(server);
    if (existing) {
      const c = await existing;
      if (!dead(c)) return c;
      if (this.conns.get(server) === existing) this.conns.delete(server);
      return this.conn(server);
    }
    const ir = this.servers.get(server);
    if (!ir) {
      const known = [...this.servers.keys()].sort().join(', ') || 'none';
      throw new BatonError('usage', `no MCP server '${server}' is declared (declared: ${known})`);
    }
    const launching = this.launch(ir);
    this.conns.set(server, launching);
    launching.catch(() => { if (this.conns.get(server) === launching) this.conns.delete(server); });
    return launching;
  }

  private environment(ir: McpServerIR): { env: Record<string, string>; secrets: string[] } {
    const env: Record<string, string | undefined> = {};
    for (const key of sdk().DEFAULT_INHERITED_ENV_VARS) env[key] = undefined; // the SDK would add these: scrub them
    for (const key of BASE_ENV) if (process.env[key] !== undefined) env[key] = process.env[key];
    const secrets: string[] = [];
    for (const [key, value] of Object.entries(ir.env)) {
      if (typeof value === 'string') { env[key] = value; continue; }
      let secret: string;
      try {
        secret = this.opts.resolveSecret(value.$vault);
      } catch (e) {
        if (e instanceof BatonError) throw e;
        throw new BatonError('mcp-error', `cannot start MCP server '${ir.name}': cannot resolve vault://${value.$vault} for ${key}: ${mcpMessage(e)}`);
      }
      env[key] = secret;
      secrets.push(secret);
    }
    // Undefined values are left out by child_process.spawn.
    return { env: env as Record<string, string>, secrets };
  }

  private async launch(ir: McpServerIR): Promise<Conn> {
    const cannot = (why: string, retryable = false) => new BatonError('mcp-error', `cannot start MCP server '${ir.name}': ${why}`, { retryable });
    if (!ir.command) throw new BatonError('usage', `MCP server '${ir.name}' has no command`);
    if (!fs.existsSync(this.opts.root)) throw cannot(`working directory not found: ${this.opts.root}`);
    const { env, secrets } = this.environment(ir);
    const transport = new (sdk().ObservedStdioTransport)({ command: ir.command, args: ir.args, env, cwd: this.opts.root, stderr: 'pipe' });
    const client = new (sdk().Client)({ name: 'baton', version: '0.1.0' }, { capabilities: {} });
    const conn: Conn = { server: ir.name, client, transport, redact: redactor(secrets), stderrTail: [], closed: false };
    this.live.add(conn);

    const stderr = transport.stderr;
    if (stderr) {
      readline.createInterface({ input: stderr as Readable, crlfDelay: Infinity }).on('line', (raw) => {
        const line = conn.redact(raw);
        conn.stderrTail.push(line);
        if (conn.stderrTail.length > 5) conn.stderrTail.shift();
        try { this.opts.onStderr?.(ir.name, line); } catch { /* a logger must not break the server */ }
      });
    }
    transport.onExit = (code, signal) => {
      conn.exit = { code, signal };
      this.live.delete(conn);
      // Normally stdout closes right after; if a grandchild holds it open, close the connection anyway.
      setTimeout(() => void client.close().catch(() => {}), 200).unref();
    };
    client.onclose = () => { conn.closed = true; };
    client.onerror = () => { /* surfaces through the failing request */ };

    const startupMs = this.opts.startupTimeoutMs ?? 10_000;
    try {
      await client.connect(transport, { timeout: startupMs });
    } catch (e) {
      const exitedEarly = conn.exit !== undefined;
      await this.stop(conn);
      const code = (e as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'ENOENT') throw cannot(`command not found: ${ir.command}`);
      if (code === 'EACCES') throw cannot(`permission denied: ${ir.command}`);
      if (e instanceof sdk().McpError && e.code === sdk().ErrorCode.RequestTimeout && !exitedEarly) {
        throw cannot(`it did not answer initialize within ${startupMs / 1000} s`, true);
      }
      const tail = conn.stderrTail.at(-1);
      const why = exitedEarly ? `it ${describeExit(conn.exit)} before answering initialize` : conn.redact(mcpMessage(e));
      throw cannot(tail ? `${why} (last stderr line: ${tail})` : why);
    }
    if (this.closed) {
      await this.stop(conn);
      throw new BatonError('mcp-error', `cannot use MCP server '${ir.name}': the MCP servers were closed`);
    }
    client.setNotificationHandler(sdk().ToolListChangedNotificationSchema, async () => { conn.tools = undefined; });
    return conn;
  }

  /** Closes stdin, waits the grace period, then SIGTERM, then SIGKILL; resolves once the process is gone. */
  private async stop(conn: Conn): Promise<void> {
    const child = conn.transport.child;
    const running = child !== undefined && child.exitCode === null && child.signalCode === null;
    const exited = running ? new Promise<void>((resolve) => child.once('exit', () => resolve())) : Promise.resolve();
    const closing = conn.client.close().catch(() => {});
    if (running && !(await within(exited, this.opts.closeGraceMs ?? 1000))) {
      child.kill('SIGTERM');
      if (!(await within(exited, 500))) {
        child.kill('SIGKILL');
        await within(exited, 2000);
      }
    }
    await within(closing, 500);
    this.live.delete(conn);
  }
}
