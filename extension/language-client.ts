/**
 * The Baton language client: starts `dist/server.js` over stdio (diagnostics, completion, ... —
 * everything the language server offers), traces per `baton.trace.server`, logs to the
 * "Baton Language Server" channel, and answers `baton/agents` for the run picker and CodeLens.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { AgentsRequest, type AgentSummary } from '../language-server/protocol';

export class BatonClient implements vscode.Disposable {
  readonly client: LanguageClient;
  private started: Promise<void>;

  constructor(context: vscode.ExtensionContext, outputChannel: vscode.LogOutputChannel) {
    const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.stdio },
      debug: { module: serverModule, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: 'baton' }],
      outputChannel,
    };
    this.client = new LanguageClient('baton', 'Baton Language Server', serverOptions, clientOptions);
    this.started = this.client.start();
  }

  /** Resolves once the server is running (rejects if it could not start). */
  ready(): Promise<void> { return this.started; }

  async restart(): Promise<void> {
    this.started = this.client.restart();
    await this.started;
  }

  /** The runnable agents of one document, or of every document the server knows. */
  async agents(uri?: vscode.Uri): Promise<AgentSummary[]> {
    await this.started;
    return this.client.sendRequest(AgentsRequest, uri ? { uri: uri.toString() } : {});
  }

  dispose(): void {
    if (this.client.isRunning()) this.client.stop().catch(() => undefined);
  }
}
