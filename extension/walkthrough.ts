/**
 * The "Get started with Baton" walkthrough's commands (package.json `contributes.walkthroughs`,
 * pages in media/walkthrough/). Internal commands, not in the palette:
 *  - `baton.walkthrough.openQuickstart`: opens `examples/quickstart.baton` of the workspace, or
 *    copies it with its cassette from the extension into the first workspace folder (never
 *    overwriting) and opens it; without a folder, opens the extension's copy.
 *  - `baton.walkthrough.useReplay`: sets `baton.provider` = `replay` and `baton.cassette` to the
 *    quickstart cassette in the workspace settings.
 * And the context key `baton.walkthrough.approved`, set once a tool call is approved (the
 * "approve" step's completion event).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApprovals } from './approvals';

const FILE = 'quickstart.baton';
const CASSETTE = 'quickstart.cassette.json';

/** Where the quickstart is (or was put) in the workspace; undefined without a folder. */
function workspaceCopy(context: vscode.ExtensionContext): { file: string; cassette: string; root: string } | undefined {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!root) return undefined;
  for (const dir of ['examples', '.']) {
    const file = path.join(root, dir, FILE);
    if (fs.existsSync(file)) return { file, cassette: path.join(root, dir, CASSETTE), root };
  }
  const src = path.join(context.extensionUri.fsPath, 'examples');
  const file = path.join(root, FILE);
  const cassette = path.join(root, CASSETTE);
  try {
    fs.copyFileSync(path.join(src, FILE), file, fs.constants.COPYFILE_EXCL);
    if (!fs.existsSync(cassette)) fs.copyFileSync(path.join(src, CASSETTE), cassette, fs.constants.COPYFILE_EXCL);
  } catch (e) {
    void vscode.window.showErrorMessage(`Baton: could not create ${FILE} in the workspace: ${(e as Error).message}`);
    return undefined;
  }
  return { file, cassette, root };
}

export function registerWalkthrough(context: vscode.ExtensionContext, approvals: ExtensionApprovals): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('baton.walkthrough.openQuickstart', async () => {
      const where = workspaceCopy(context);
      const file = where?.file ?? path.join(context.extensionUri.fsPath, 'examples', FILE);
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      await vscode.window.showTextDocument(doc, { preview: false });
      return file;
    }),
    vscode.commands.registerCommand('baton.walkthrough.useReplay', async () => {
      const where = workspaceCopy(context);
      if (!where) { void vscode.window.showWarningMessage('Baton: open a folder first; the replay settings are workspace settings.'); return undefined; }
      const config = vscode.workspace.getConfiguration('baton');
      await config.update('provider', 'replay', vscode.ConfigurationTarget.Workspace);
      await config.update('cassette', path.relative(where.root, where.cassette).split(path.sep).join('/'), vscode.ConfigurationTarget.Workspace);
      void vscode.window.showInformationMessage(`Baton: runs now answer from the recorded cassette ${path.basename(where.cassette)} (no API key needed).`);
      return where.cassette;
    }),
    approvals.onDidAnswer((kind) => {
      if (kind !== 'deny' && kind !== 'respond') void vscode.commands.executeCommand('setContext', 'baton.walkthrough.approved', true);
    }),
  ];
}
