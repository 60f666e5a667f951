/**
 * The Baton language server (stdio): the only file of language-server/ that touches the
 * connection. It owns the lifecycle (initialize, workspace folders, watched files), feeds editor
 * events to the index (workspace-index.ts: analyses, debounced diagnostics, the initial scan) and
 * answers each request by building a `DocContext` from the index's cached analysis and calling the
 * feature module, converting LSP positions to offsets. A failing feature answers empty (and logs)
 * rather than take the server down; cancelled requests are not computed.
 */
import { performance } from 'node:perf_hooks';
import {
  CancellationToken, CodeActionKind, createConnection, DidChangeWatchedFilesNotification, FileChangeType, InitializeParams,
  InitializeResult, LSPErrorCodes, MessageReader, ProposedFeatures, ResponseError, StreamMessageReader, StreamMessageWriter,
  TextDocuments, TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DocContext } from './context';
import { ServerIndex } from './workspace-index';
import { inSkippedDir, isAgentFile, readAgentFile, uriToPath } from './workspace-scan';
import { AgentsParams, AgentsRequest, IndexedNotification, IndexedParams } from './protocol';
import { agents } from './agents';
import { formatDocument, formatRange } from './formatting';
import { foldingRanges } from './folding';
import { documentSymbols, workspaceSymbols } from './symbols';
import { LEGEND, semanticTokens } from './semantic-tokens';
import { documentLinks } from './links';
import { completion, resolveCompletion } from './completion';
import { hover } from './hover';
import { signatureHelp } from './signature-help';
import { inlayHints } from './inlay-hints';
import { definition, prepareRename, references, rename } from './navigation';
import { codeActions } from './code-actions';

/** The newest version of each document announced by a didChange read from the transport (maybe not yet applied). */
const incoming = new Map<string, number>();

/** Notes each didChange as soon as it is read, before its turn in the message queue comes. */
function lookahead(reader: MessageReader): MessageReader {
  return {
    onError: reader.onError, onClose: reader.onClose, onPartialMessage: reader.onPartialMessage,
    dispose: () => reader.dispose(),
    listen: (callback) => reader.listen((msg) => {
      const m = msg as { method?: string; params?: { textDocument?: { uri?: string; version?: number } } };
      const td = m.method === 'textDocument/didChange' ? m.params?.textDocument : undefined;
      if (td?.uri && typeof td.version === 'number' && td.version > (incoming.get(td.uri) ?? -1)) incoming.set(td.uri, td.version);
      callback(msg);
    }),
  };
}

/**
 * Over stdio the reader is wrapped (lookahead), which takes over what vscode-languageserver does
 * for `--stdio` itself: exit when stdin ends, and keep console output off stdout.
 */
function connect() {
  if (!process.argv.includes('--stdio')) return createConnection(ProposedFeatures.all);
  for (const k of ['log', 'info', 'debug', 'warn', 'error'] as const) console[k] = (...args: unknown[]) => process.stderr.write(args.map(String).join(' ') + '\n');
  let shutdown = false;
  const exit = () => process.exit(shutdown ? 0 : 1);
  process.stdin.on('end', exit);
  process.stdin.on('close', exit);
  const c = createConnection(ProposedFeatures.all, lookahead(new StreamMessageReader(process.stdin)), new StreamMessageWriter(process.stdout));
  c.onShutdown(() => { shutdown = true; });
  return c;
}

const connection = connect();
const documents = new TextDocuments(TextDocument);
const index = new ServerIndex(documents, {
  publish: (uri, diagnostics, version) => void connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics }),
  incomingVersion: (uri) => incoming.get(uri),
});

// A bug in one feature must not take the server down: log it instead.
process.on('unhandledRejection', (e) => log('unhandled rejection', e));

let roots: string[] = [];
let initializedAt = 0;
let watchFiles = false;

function log(what: string, e: unknown): void {
  connection.console.error(`${what}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
}

/**
 * Runs a feature on the document's context: `fallback` for an unknown document, a cancelled
 * request or a feature that throws.
 */
function withDoc<R>(uri: string, token: CancellationToken | undefined, fallback: R, what: string, fn: (ctx: DocContext) => R): R {
  if (token?.isCancellationRequested) return fallback;
  let ctx: DocContext | undefined;
  try {
    ctx = index.context(uri);
    if (!ctx) return fallback;
    return fn(ctx);
  } catch (e) {
    log(what, e);
    return fallback;
  }
}

function foldersOf(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  const paths = uris.map(uriToPath).filter((p): p is string => !!p);
  if (paths.length === 0 && params.rootPath) paths.push(params.rootPath);
  return paths;
}

connection.onInitialize((params): InitializeResult => {
  initializedAt = performance.now();
  roots = foldersOf(params);
  watchFiles = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      completionProvider: { triggerCharacters: ['.', ':', '"', '(', '/'], resolveProvider: true },
      hoverProvider: true,
      signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [')'] },
      inlayHintProvider: { resolveProvider: false },
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: { label: 'Baton' },
      workspaceSymbolProvider: true,
      semanticTokensProvider: { legend: LEGEND, full: true, range: false },
      foldingRangeProvider: true,
      documentFormattingProvider: true,
      documentRangeFormattingProvider: true,
      documentLinkProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.Refactor, CodeActionKind.RefactorRewrite] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'baton-language-server', version: '0.1.0' },
  };
});

async function indexFolders(folders: string[], notify: boolean): Promise<void> {
  try {
    const r = await index.indexFolders(folders);
    if (notify) void connection.sendNotification(IndexedNotification.method, { ...r, ms: performance.now() - initializedAt } satisfies IndexedParams);
  } catch (e) {
    log('workspace index', e);
  }
}

connection.onInitialized(() => {
  if (watchFiles) {
    void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{baton,symbi}' }] })
      .catch((e: unknown) => log('register file watcher', e));
  }
  try {
    connection.workspace.onDidChangeWorkspaceFolders((e) => {
      const added = e.added.map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
      const removed = new Set(e.removed.map((f) => uriToPath(f.uri)));
      roots = roots.filter((r) => !removed.has(r)).concat(added);
      if (added.length) void indexFolders(added, false);
    });
  } catch { /* the client does not support workspace folder changes */ }
  void indexFolders(roots, true);
});

connection.onDidChangeWatchedFiles(async (params) => {
  for (const change of params.changes) {
    const p = uriToPath(change.uri);
    if (!p || !isAgentFile(p) || inSkippedDir(p, roots)) continue;
    const text = change.type === FileChangeType.Deleted ? undefined : await readAgentFile(p);
    index.diskChanged(change.uri, text);
  }
});

documents.onDidChangeContent((e) => index.changed(e.document.uri));

documents.onDidClose((e) => {
  incoming.delete(e.document.uri);
  const p = uriToPath(e.document.uri);
  if (!p) { index.closed(e.document.uri, undefined); return; }
  void readAgentFile(p).then((text) => {
    if (!documents.get(e.document.uri)) index.closed(e.document.uri, text);
  });
});

// ---- features ----

connection.onCompletion((p, token) => withDoc(p.textDocument.uri, token, [], 'completion',
  (ctx) => completion(ctx, ctx.lines.offset(p.position))));

connection.onCompletionResolve((item) => {
  try { return resolveCompletion(item); } catch (e) { log('completion resolve', e); return item; }
});

connection.onHover((p, token) => withDoc(p.textDocument.uri, token, null, 'hover', (ctx) => hover(ctx, ctx.lines.offset(p.position))));

connection.onSignatureHelp((p, token) => withDoc(p.textDocument.uri, token, null, 'signature help',
  (ctx) => signatureHelp(ctx, ctx.lines.offset(p.position))));

connection.languages.inlayHint.on((p, token) => withDoc(p.textDocument.uri, token, [], 'inlay hints',
  (ctx) => inlayHints(ctx, ctx.lines.offset(p.range.start), ctx.lines.offset(p.range.end))));

connection.onDefinition((p, token) => withDoc(p.textDocument.uri, token, [], 'definition',
  (ctx) => definition(ctx, ctx.lines.offset(p.position))));

connection.onReferences((p, token) => withDoc(p.textDocument.uri, token, [], 'references',
  (ctx) => references(ctx, ctx.lines.offset(p.position), p.context.includeDeclaration)));

connection.onPrepareRename((p, token) => {
  if (token.isCancellationRequested) return null;
  const ctx = index.context(p.textDocument.uri);
  if (!ctx) return null;
  try {
    return prepareRename(ctx, ctx.lines.offset(p.position));
  } catch (e) {
    return new ResponseError(LSPErrorCodes.RequestFailed, (e as Error).message);
  }
});

connection.onRenameRequest((p, token) => {
  if (token.isCancellationRequested) return null;
  const ctx = index.context(p.textDocument.uri);
  if (!ctx) return null;
  try {
    return rename(ctx, ctx.lines.offset(p.position), p.newName);
  } catch (e) {
    return new ResponseError(LSPErrorCodes.RequestFailed, (e as Error).message);
  }
});

connection.onCodeAction((p, token) => withDoc(p.textDocument.uri, token, [], 'code actions',
  (ctx) => codeActions(ctx, ctx.lines.offset(p.range.start), ctx.lines.offset(p.range.end), p.context.diagnostics)));

connection.onDocumentSymbol((p, token) => withDoc(p.textDocument.uri, token, [], 'document symbols', documentSymbols));

connection.onWorkspaceSymbol((p, token) => {
  if (token.isCancellationRequested) return [];
  try { return workspaceSymbols(index, p.query); } catch (e) { log('workspace symbols', e); return []; }
});

connection.languages.semanticTokens.on((p, token) => withDoc(p.textDocument.uri, token, { data: [] }, 'semantic tokens', semanticTokens));

connection.onFoldingRanges((p, token) => withDoc(p.textDocument.uri, token, [], 'folding', foldingRanges));

connection.onDocumentFormatting((p, token) => withDoc(p.textDocument.uri, token, [], 'formatting',
  (ctx) => formatDocument(ctx.text, ctx.lines)));

connection.onDocumentRangeFormatting((p, token) => withDoc(p.textDocument.uri, token, [], 'range formatting',
  (ctx) => formatRange(ctx.text, ctx.lines, p.range)));

connection.onDocumentLinks((p, token) => withDoc(p.textDocument.uri, token, [], 'document links', (ctx) => documentLinks(ctx, roots)));

// The protocol types come from the client's vscode-languageserver-protocol (protocol.ts); register by method name.
connection.onRequest(AgentsRequest.method, (p: AgentsParams | undefined) => {
  try { return agents(index, p?.uri); } catch (e) { log('baton/agents', e); return []; }
});

documents.listen(connection);
connection.listen();
