/**
 * The Baton language server (stdio). The only file of language-server/ that touches the connection.
 * Features live in their own modules and work on runtime/dsl's Workspace.
 */
import {
  createConnection, DiagnosticSeverity, ProposedFeatures, TextDocuments, TextDocumentSyncKind, TextEdit,
  Diagnostic as LspDiagnostic,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Workspace } from '../runtime/dsl/workspace';
import { Diagnostic } from '../runtime/dsl/diagnostics';
import { LineIndex } from '../runtime/dsl/line-index';
import { format } from '../runtime/dsl/format';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const workspace = new Workspace();

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

function toLsp(d: Diagnostic, lines: LineIndex, uri: string): LspDiagnostic {
  return {
    range: { start: lines.position(d.start), end: lines.position(d.end) },
    severity: SEVERITY[d.severity],
    code: d.code,
    source: 'baton',
    message: d.message,
    data: d.data,
    relatedInformation: d.related?.map((r) => ({
      location: { uri: r.file ?? uri, range: { start: lines.position(r.start), end: lines.position(r.end) } },
      message: r.message,
    })),
  };
}

const pending = new Map<string, NodeJS.Timeout>();

function validate(uri: string): void {
  const a = workspace.analyze(uri);
  if (!a) return;
  connection.sendDiagnostics({ uri, diagnostics: a.diagnostics.map((d) => toLsp(d, a.parse.lines, uri)) });
}

/** Debounced per document: a newer edit cancels the stale analysis. */
function schedule(uri: string, delay = 50): void {
  clearTimeout(pending.get(uri));
  pending.set(uri, setTimeout(() => { pending.delete(uri); validate(uri); }, delay));
}

connection.onInitialize(() => ({
  capabilities: {
    textDocumentSync: TextDocumentSyncKind.Incremental,
    documentFormattingProvider: true,
  },
  serverInfo: { name: 'baton-language-server', version: '0.1.0' },
}));

documents.onDidChangeContent((e) => {
  workspace.set(e.document.uri, e.document.getText());
  schedule(e.document.uri);
});

documents.onDidClose((e) => {
  connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onDocumentFormatting((params) => {
  const doc = documents.get(params.textDocument.uri);
  if (!doc) return [];
  const text = doc.getText();
  const res = format(text);
  if (res.error || !res.changed) return [];
  const lines = new LineIndex(text);
  return [TextEdit.replace({ start: { line: 0, character: 0 }, end: lines.position(text.length) }, res.text)];
});

documents.listen(connection);
connection.listen();
