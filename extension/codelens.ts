/** "▶ Run" CodeLens above each agent declaration (from the server's `baton/agents` ranges). */
import * as vscode from 'vscode';
import type { BatonClient } from './language-client';

export class RunCodeLensProvider implements vscode.CodeLensProvider {
  constructor(private readonly client: BatonClient) {}

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    let agents;
    try { agents = await this.client.agents(document.uri); } catch { return []; }
    if (token.isCancellationRequested) return [];
    return agents
      .filter((a) => a.uri === document.uri.toString() || vscode.Uri.parse(a.uri).fsPath === document.uri.fsPath)
      .map((a) => new vscode.CodeLens(
        new vscode.Range(a.range.start.line, a.range.start.character, a.range.start.line, a.range.start.character),
        { title: '▶ Run', tooltip: `Run agent ${a.name}`, command: 'baton.runAgent', arguments: [document.uri.toString(), a.name] },
      ));
  }
}
