/**
 * "Edit arguments…" of an approval in a JSON editor: an untitled JSON document prefilled with the
 * arguments (pretty-printed), checked against the tool's argument schema (`ApprovalRequest.schema`,
 * json-check.ts) as it is edited — problems are diagnostics on that document — and a CodeLens plus
 * a status bar button "Use these arguments" / "Cancel". Using arguments with problems shows them
 * and keeps the editor open; using valid ones (or cancelling) closes it without a save prompt.
 *
 * `registerEditArgs` (extension.ts) registers the CodeLens, the diagnostics and the two internal
 * commands (`baton.editArgs.use` / `baton.editArgs.cancel`, with the document's URI, else the
 * active editor's). `openArgsEditor` returns the session: tests drive it with `use()` / `cancel()`.
 */
import * as vscode from 'vscode';
import type { Json } from '../runtime/ir/schema';
import { parseAndCheck, type Schema } from './json-check';

export const USE_COMMAND = 'baton.editArgs.use';
export const CANCEL_COMMAND = 'baton.editArgs.cancel';

const sessions = new Map<string, ArgsEditor>();
const changed = new vscode.EventEmitter<void>();
let diagnostics: vscode.DiagnosticCollection | undefined;
let status: vscode.StatusBarItem | undefined;

/** One document being edited: resolves `result` with the arguments, or undefined when cancelled. */
export class ArgsEditor {
  readonly result: Promise<{ [k: string]: Json } | undefined>;
  private resolve!: (v: { [k: string]: Json } | undefined) => void;
  private done = false;

  constructor(readonly doc: vscode.TextDocument, readonly tool: string, readonly schema: Schema | undefined) {
    this.result = new Promise((r) => { this.resolve = r; });
  }

  /** The problems of the text now, also shown as the document's diagnostics. */
  validate(): { value?: { [k: string]: Json }; problems: string[] } {
    const text = this.doc.getText();
    const { value, problems } = parseAndCheck(text, this.schema);
    diagnostics?.set(this.doc.uri, problems.map((p) => {
      const d = new vscode.Diagnostic(new vscode.Range(this.doc.positionAt(p.start), this.doc.positionAt(p.end)), p.message, vscode.DiagnosticSeverity.Error);
      d.source = `baton: ${this.tool} arguments`;
      return d;
    }));
    return { ...(value ? { value: value as { [k: string]: Json } } : {}), problems: problems.map((p) => p.message) };
  }

  /** Uses the arguments if they pass; false (and the problems shown) otherwise. */
  async use(): Promise<boolean> {
    if (this.done) return false;
    const { value, problems } = this.validate();
    if (!value || problems.length) {
      void vscode.window.showErrorMessage(`Baton: the arguments of ${this.tool} do not match its schema: ${problems.slice(0, 3).join('; ')}`);
      return false;
    }
    await this.finish(value);
    return true;
  }

  async cancel(): Promise<void> { if (!this.done) await this.finish(undefined); }

  private async finish(v: { [k: string]: Json } | undefined): Promise<void> {
    this.done = true;
    sessions.delete(this.doc.uri.toString());
    diagnostics?.delete(this.doc.uri);
    changed.fire();
    updateStatus();
    this.resolve(v);
    await closeWithoutSaving(this.doc);
  }
}

async function closeWithoutSaving(doc: vscode.TextDocument): Promise<void> {
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc);
  if (!editor) return;
  await vscode.window.showTextDocument(doc, { viewColumn: editor.viewColumn, preserveFocus: false });
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}

function sessionOf(arg: unknown): ArgsEditor | undefined {
  const key = arg instanceof vscode.Uri ? arg.toString() : typeof arg === 'string' ? arg : vscode.window.activeTextEditor?.document.uri.toString();
  return (key ? sessions.get(key) : undefined) ?? (sessions.size === 1 ? [...sessions.values()][0] : undefined);
}

function updateStatus(): void {
  if (!status) return;
  const s = sessionOf(undefined);
  if (!s) { status.hide(); return; }
  status.text = `$(check) Use these arguments (${s.tool})`;
  status.command = { command: USE_COMMAND, title: 'Use these arguments', arguments: [s.doc.uri] };
  status.show();
}

/** Opens the editor for `args` of `tool`; the session's `result` settles when used or cancelled. */
export async function openArgsEditor(tool: string, args: { [k: string]: Json }, schema: Schema | undefined): Promise<ArgsEditor> {
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(args, null, 2) + '\n' });
  const s = new ArgsEditor(doc, tool, schema);
  sessions.set(doc.uri.toString(), s);
  await vscode.window.showTextDocument(doc, { preview: false });
  s.validate();
  changed.fire();
  updateStatus();
  return s;
}

/** The session of an open arguments document (tests). */
export function argsEditorOf(uri?: vscode.Uri): ArgsEditor | undefined { return sessionOf(uri); }

/** Diagnostics, CodeLens, status bar button and the use/cancel commands. */
export function registerEditArgs(): vscode.Disposable[] {
  diagnostics = vscode.languages.createDiagnosticCollection('baton-args');
  status = vscode.window.createStatusBarItem('baton.editArgs', vscode.StatusBarAlignment.Left, 49);
  status.name = 'Baton: edited arguments';
  const lenses: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: changed.event,
    provideCodeLenses(doc) {
      const s = sessions.get(doc.uri.toString());
      if (!s) return [];
      const top = new vscode.Range(0, 0, 0, 0);
      return [
        new vscode.CodeLens(top, { title: `$(check) Use these arguments for ${s.tool}`, command: USE_COMMAND, arguments: [doc.uri] }),
        new vscode.CodeLens(top, { title: 'Cancel', command: CANCEL_COMMAND, arguments: [doc.uri] }),
      ];
    },
  };
  return [
    diagnostics, status,
    vscode.languages.registerCodeLensProvider({ language: 'json', scheme: 'untitled' }, lenses),
    vscode.commands.registerCommand(USE_COMMAND, (uri?: unknown) => sessionOf(uri)?.use() ?? false),
    vscode.commands.registerCommand(CANCEL_COMMAND, (uri?: unknown) => sessionOf(uri)?.cancel()),
    vscode.workspace.onDidChangeTextDocument((e) => sessions.get(e.document.uri.toString())?.validate()),
    vscode.workspace.onDidCloseTextDocument((d) => { void sessions.get(d.uri.toString())?.cancel(); }),
    vscode.window.onDidChangeActiveTextEditor(() => updateStatus()),
    { dispose: () => { for (const s of [...sessions.values()]) void s.cancel(); diagnostics = undefined; status = undefined; } },
  ];
}
