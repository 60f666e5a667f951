/** "▶ Run" and "Debug" CodeLenses above each agent declaration (from the server's `baton/agents` ranges). */
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
      .flatMap((a) => {
        const at = new vscode.Range(a.range.start.line, a.range.start.character, a.range.start.line, a.range.start.character);
        return [
          new vscode.CodeLens(at, { title: '▶ Run', tooltip: `Run agent ${a.name}`, command: 'baton.runAgent', arguments: [document.uri.toString(), a.name] }),
          // The debugger (debug/debug-contrib.ts): asks the inputs, then stops at breakpoints.
          new vscode.CodeLens(at, { title: 'Debug', tooltip: `Debug agent ${a.name}`, command: 'baton.debugAgent', arguments: [document.uri.toString(), a.name] }),
        ];
      });
  }
}
