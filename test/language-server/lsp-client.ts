/**
 * A test client for the Baton language server over the real LSP connection: spawns
 * `node dist/server.js --stdio` and speaks JSON-RPC to it with vscode-jsonrpc.
 *
 * Usage (build the server first: `node esbuild.js --no-tests`):
 *
 *   const client = await LspClient.start({ root: fs.mkdtempSync(...) });   // initialize + initialized
 *   const m = markers('agent a() { with { return fo|o; } }');            // clean text + cursor(s)
 *   await client.open('file:///w/a.baton', m.text);                       // didOpen (version 1)
 *   const diags = await client.waitForDiagnostics('file:///w/a.baton');    // next publish for that uri
 *   const items = await client.request('textDocument/completion', client.at('file:///w/a.baton', m.cursor));
 *   await client.change(uri, newText);                                     // full-text change, version + 1
 *   await client.change(uri, [{ range, text }]);                           // incremental change
 *   await client.stop();                                                    // shutdown + exit
 *
 * Markers: `|` is a cursor (offset `cursor`, all of them in `cursors`); `[[...]]` is a range
 * (`ranges`, offsets into the clean text). Use `markers(text, { cursor: '¦' })` when the text needs
 * a literal `|`, and `{ ranges: false }` when it holds a literal `[[`
 * (nested arrays). `position(text, offset)` / `offsetAt(text, pos)` convert for assertions.
 *
 * Diagnostics: every `textDocument/publishDiagnostics` is recorded (`client.diagnostics(uri)` is
 * the latest); `waitForDiagnostics(uri, version?)` resolves with the next one for that uri (or the
 * latest already received for that version, when a version is given).
 */
import * as cp from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { repoRoot } from '../helpers/paths';

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }
export interface LspDiagnostic {
  range: Range; severity?: number; code?: string | number; source?: string; message: string;
  relatedInformation?: Array<{ location: { uri: string; range: Range }; message: string }>; data?: unknown;
}
export interface PublishDiagnostics { uri: string; version?: number; diagnostics: LspDiagnostic[] }
export interface TextChange { range?: Range; text: string }

export interface StartOptions {
  /** Workspace folder (a directory path); the server indexes its agent files on initialize. */
  root?: string;
  /** Extra initialize capabilities / options merged into the params. */
  initializationOptions?: unknown;
  /** Path to the server bundle (default: dist/server.js of the repository). */
  serverPath?: string;
  /** Print the server's stderr (debugging). */
  verbose?: boolean;
  /** Node options for the server process, e.g. `['--cpu-prof']`. */
  execArgv?: string[];
}

/** Converts a file system path to a `file://` URI the same way the server does. */
export function fileUri(p: string): string { return pathToFileURL(p).href; }

/** 0-based line/character of an offset in `text` (UTF-16, `\n`, `\r\n` or `\r` line ends). */
export function position(text: string, offset: number): Position {
  let line = 0, start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) { line++; start = i + 1; }
  }
  return { line, character: offset - start };
}

/** Offset of a line/character in `text`. */
export function offsetAt(text: string, pos: Position): number {
  let line = 0, i = 0;
  while (line < pos.line && i < text.length) {
    const c = text.charCodeAt(i++);
    if (c === 10 || (c === 13 && text.charCodeAt(i) !== 10)) line++;
  }
  return Math.min(i + pos.character, text.length);
}

export interface Marked {
  /** The text without markers. */
  text: string;
  /** Offset of the first `|` (or -1). */
  cursor: number;
  /** Offsets of every `|`. */
  cursors: number[];
  /** `[[...]]` ranges as offsets into `text`. */
  ranges: Array<{ start: number; end: number }>;
  /** Position of the first cursor. */
  pos: Position;
  /** LSP range of the i-th `[[...]]` range. */
  range(i?: number): Range;
}

/** Strips `|` cursor markers and `[[`/`]]` range markers; returns clean text and offsets. */
export function markers(src: string, opts: { cursor?: string; ranges?: boolean } = {}): Marked {
  const cur = opts.cursor ?? '|';
  const withRanges = opts.ranges ?? true;
  let text = '';
  const cursors: number[] = [];
  const ranges: Array<{ start: number; end: number }> = [];
  const open: number[] = [];
  for (let i = 0; i < src.length;) {
    if (withRanges && src.startsWith('[[', i)) { open.push(text.length); i += 2; continue; }
    if (src.startsWith(']]', i) && open.length) { ranges.push({ start: open.pop()!, end: text.length }); i += 2; continue; }
    if (src.startsWith(cur, i)) { cursors.push(text.length); i += cur.length; continue; }
    text += src[i++];
  }
  ranges.sort((a, b) => a.start - b.start);
  const cursor = cursors[0] ?? -1;
  return {
    text, cursor, cursors, ranges, pos: position(text, Math.max(0, cursor)),
    range: (i = 0) => ({ start: position(text, ranges[i].start), end: position(text, ranges[i].end) }),
  };
}

type Waiter = { uri: string; version?: number; resolve: (p: PublishDiagnostics) => void };

export class LspClient {
  private readonly waiters: Waiter[] = [];
  private readonly latest = new Map<string, PublishDiagnostics>();
  private readonly versions = new Map<string, number>();
  private readonly texts = new Map<string, string>();
  private readonly notifications: Array<{ method: string; params: any }> = [];
  private readonly notifyWaiters: Array<{ method: string; resolve: (p: any) => void }> = [];
  /** Every publishDiagnostics received, in order. */
  readonly published: PublishDiagnostics[] = [];
  /** The initialize result (server capabilities). */
  initializeResult: any;

  private constructor(readonly proc: cp.ChildProcess, readonly conn: MessageConnection, readonly rootUri: string | null) {
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnostics) => {
      this.published.push(p);
      this.latest.set(p.uri, p);
      for (let i = 0; i < this.waiters.length; i++) {
        const w = this.waiters[i];
        if (w.uri === p.uri && (w.version === undefined || p.version === undefined || p.version >= w.version)) {
          this.waiters.splice(i--, 1);
          w.resolve(p);
        }
      }
    });
    conn.onNotification((method: string, params: any) => {
      this.notifications.push({ method, params });
      for (let i = 0; i < this.notifyWaiters.length; i++) {
        if (this.notifyWaiters[i].method === method) { this.notifyWaiters.splice(i--, 1)[0].resolve(params); }
      }
    });
    // Requests from the server (workspace/configuration, client/registerCapability, ...): answer null.
    conn.onRequest((method: string) => (method === 'workspace/configuration' ? [] : null));
  }

  /** Spawns the server, sends initialize (with `root` as the workspace folder) and initialized. */
  static async start(opts: StartOptions = {}): Promise<LspClient> {
    const server = opts.serverPath ?? path.join(repoRoot(), 'dist', 'server.js');
    const proc = cp.spawn(process.execPath, [...(opts.execArgv ?? []), server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    proc.stderr!.on('data', (d) => { if (opts.verbose) process.stderr.write(d); });
    const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const rootUri = opts.root ? fileUri(opts.root) : null;
    const client = new LspClient(proc, conn, rootUri);
    conn.listen();
    client.initializeResult = await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: rootUri ? [{ uri: rootUri, name: path.basename(opts.root!) }] : null,
      capabilities: {
        textDocument: {
          synchronization: { didSave: true },
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          publishDiagnostics: { relatedInformation: true, versionSupport: true },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
          semanticTokens: { requests: { full: true }, tokenTypes: [], tokenModifiers: [], formats: ['relative'] },
        },
        workspace: { workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
      },
      initializationOptions: opts.initializationOptions,
    });
    await conn.sendNotification('initialized', {});
    return client;
  }

  /** The server's capabilities from the initialize result. */
  get capabilities(): any { return this.initializeResult?.capabilities; }

  /** URI of a file in the workspace folder (`root` must have been given). */
  uri(relative: string): string {
    if (!this.rootUri) throw new Error('no workspace root');
    return this.rootUri.replace(/\/$/, '') + '/' + relative;
  }

  /** didOpen with language `baton` and version 1. */
  async open(uri: string, text: string, languageId = 'baton'): Promise<void> {
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  }

  /**
   * didChange: a string replaces the whole text; an array of `{ range, text }` is sent as
   * incremental changes (applied locally too, so `text(uri)` follows). Returns the new version.
   */
  async change(uri: string, change: string | TextChange[]): Promise<number> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    const changes = typeof change === 'string' ? [{ text: change }] : change;
    let text = this.texts.get(uri) ?? '';
    for (const c of changes) {
      if (!c.range) { text = c.text; continue; }
      text = text.slice(0, offsetAt(text, c.range.start)) + c.text + text.slice(offsetAt(text, c.range.end));
    }
    this.texts.set(uri, text);
    await this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  async close(uri: string): Promise<void> {
    this.versions.delete(uri);
    this.texts.delete(uri);
    await this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** workspace/didChangeWatchedFiles (type: 1 created, 2 changed, 3 deleted). */
  async watched(changes: Array<{ uri: string; type: 1 | 2 | 3 }>): Promise<void> {
    await this.conn.sendNotification('workspace/didChangeWatchedFiles', { changes });
  }

  /** Current version and text of an open document, as the client sees them. */
  version(uri: string): number | undefined { return this.versions.get(uri); }
  text(uri: string): string | undefined { return this.texts.get(uri); }

  /** `{ textDocument, position }` params for an offset (or position) in an open document. */
  at(uri: string, where: number | Position): { textDocument: { uri: string }; position: Position } {
    const pos = typeof where === 'number' ? position(this.texts.get(uri) ?? '', where) : where;
    return { textDocument: { uri }, position: pos };
  }

  /**
   * The next diagnostics published for `uri`. With `version`, a publish for that version (or newer)
   * already received resolves at once. Rejects after `timeoutMs`.
   */
  waitForDiagnostics(uri: string, version?: number, timeoutMs = 10000): Promise<LspDiagnostic[]> {
    return this.waitForPublish(uri, version, timeoutMs).then((p) => p.diagnostics);
  }

  /** Like waitForDiagnostics, with the whole notification (uri, version, diagnostics). */
  waitForPublish(uri: string, version?: number, timeoutMs = 10000): Promise<PublishDiagnostics> {
    const have = this.latest.get(uri);
    if (version !== undefined && have && have.version !== undefined && have.version >= version) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const w: Waiter = { uri, version, resolve: (p) => { clearTimeout(t); resolve(p); } };
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no diagnostics for ${uri}${version !== undefined ? ' v' + version : ''} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** The latest diagnostics published for `uri` (undefined if none yet). */
  diagnostics(uri: string): LspDiagnostic[] | undefined { return this.latest.get(uri)?.diagnostics; }

  /** Resolves with the params of the next notification `method` (e.g. `baton/indexed`). */
  waitForNotification<T = any>(method: string, timeoutMs = 10000, includePast = false): Promise<T> {
    if (includePast) {
      const past = this.notifications.find((n) => n.method === method);
      if (past) return Promise.resolve(past.params);
    }
    return new Promise((resolve, reject) => {
      const w = { method, resolve: (p: any) => { clearTimeout(t); resolve(p); } };
      const t = setTimeout(() => {
        const i = this.notifyWaiters.indexOf(w);
        if (i >= 0) this.notifyWaiters.splice(i, 1);
        reject(new Error(`no ${method} notification within ${timeoutMs} ms`));
      }, timeoutMs);
      this.notifyWaiters.push(w);
    });
  }

  /** Notifications received so far (other than publishDiagnostics). */
  received(method: string): any[] { return this.notifications.filter((n) => n.method === method).map((n) => n.params); }

  /** Any request, e.g. `request('textDocument/hover', client.at(uri, offset))`. */
  request<R = any>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  notify(method: string, params: unknown): Promise<void> { return this.conn.sendNotification(method, params); }

  /** shutdown + exit; kills the process if it does not exit within a second. */
  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification('exit');
    } catch { /* already gone */ }
    await new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null) return resolve();
      const t = setTimeout(() => { this.proc.kill(); resolve(); }, 1000);
      this.proc.once('exit', () => { clearTimeout(t); resolve(); });
    });
    this.conn.dispose();
  }
}
