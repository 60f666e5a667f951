/** The extension in a real VS Code: activation, diagnostics from the language server, "▶ Run" CodeLens. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, fixture, waitFor } from './helpers';

describe('Baton extension: language features', () => {
  it('activates when a .baton file is opened', async () => {
    const doc = await vscode.workspace.openTextDocument(fixture('hello.baton'));
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'baton');
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'the extension is installed');
    await waitFor('the extension to activate', () => ext.isActive);
  });

  it('reports diagnostics for a broken file', async () => {
    const uri = fixture('broken.baton');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const diags = await waitFor('diagnostics on broken.baton', () => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length ? d : undefined;
    });
    assert.ok(diags.some((d) => d.severity === vscode.DiagnosticSeverity.Error && /Expected '\)'/.test(d.message)), diags.map((d) => d.message).join('; '));
    assert.equal(diags[0]!.range.start.line, 1);
  });

  it('has no diagnostics for a correct file', async () => {
    const uri = fixture('hello.baton');
    await vscode.workspace.openTextDocument(uri);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map((d) => d.message), []);
  });

  it('shows a "▶ Run" CodeLens above each agent', async () => {
    const uri = fixture('hello.baton');
    const lenses = await waitFor('Run lenses', async () => {
      const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10);
      const run = (all ?? []).filter((l) => l.command?.command === 'baton.runAgent');
      return run.length >= 3 ? run : undefined;
    });
    assert.deepEqual(lenses.map((l) => l.command!.arguments![1]).sort(), ['ask', 'greet', 'guarded']);
    assert.ok(lenses.every((l) => l.command!.title === '▶ Run'));
    const greet = lenses.find((l) => l.command!.arguments![1] === 'greet')!;
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.match(doc.lineAt(greet.range.start.line).text, /agent greet/);
  });

  it('contributes the Baton commands', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['baton.runAgent', 'baton.stopRun', 'baton.setApiKey', 'baton.restartLanguageServer', 'baton.showOutput']) assert.ok(all.includes(c), c);
  });
});
