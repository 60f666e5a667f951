/**
 * Runs started from the editor, in-process in the extension host: each is `startRun` with the
 * workspace folder as root, the provider from the settings, the extension's approval provider and
 * a sink writing to the "Baton" log channel. Tracks the active runs (for `baton.stopRun` and the
 * status bar item) and shows each result in the channel and a notification.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Json } from '../runtime/ir/schema';
import type { TerminationReason } from '../runtime/journal/records';
import { startRun } from '../runtime/run/run';
import { asBatonError } from '../runtime/errors';
import type { ExtensionApprovals } from './approvals';
import { ChannelSink, clip } from './run-sink';
import { resolveProvider } from './settings';
import { checkTrust } from './trust';

export interface RunSpec {
  /** The agent file. */
  uri: vscode.Uri;
  agent: string;
  inputs: Record<string, Json>;
}

/** What `baton.runAgent` resolves with (tests read it). */
export interface RunSummary {
  runId?: string;
  reason: TerminationReason | 'Refused';
  result?: Json;
  error?: string;
  journalPath?: string;
}

interface Active { id: string; agent: string; controller: AbortController }

export class RunManager implements vscode.Disposable {
  private readonly active = new Set<Active>();
  private readonly status: vscode.StatusBarItem;
  private readonly changed = new vscode.EventEmitter<number>();
  /** Fires with the number of active runs whenever it changes. */
  readonly onDidChangeActive = this.changed.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly approvals: ExtensionApprovals,
    private readonly secrets: vscode.SecretStorage,
  ) {
    this.status = vscode.window.createStatusBarItem('baton.runs', vscode.StatusBarAlignment.Left, 50);
    this.status.name = 'Baton Runs';
    this.status.command = 'baton.showOutput';
    this.status.tooltip = 'Baton: running agents (click to show the Baton output)';
  }

  get activeCount(): number { return this.active.size; }

  /** Cancels every active run; resolves with how many were cancelled. */
  stopAll(): number {
    const n = this.active.size;
    for (const a of this.active) a.controller.abort(new Error('stopped by the user'));
    return n;
  }

  async run(spec: RunSpec): Promise<RunSummary> {
    if (!checkTrust()) {
      this.log.warn(`refused to run ${spec.agent}: the workspace is not trusted (Restricted Mode)`);
      return { reason: 'Refused', error: 'Restricted Mode: running agents is disabled in untrusted workspaces' };
    }
    const folder = vscode.workspace.getWorkspaceFolder(spec.uri);
    const root = folder?.uri.fsPath ?? path.dirname(spec.uri.fsPath);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === spec.uri.toString());
    if (open?.isDirty) await open.save(); // the run reads the file from disk
    const entry: Active = { id: '(starting)', agent: spec.agent, controller: new AbortController() };
    this.active.add(entry);
    this.update();
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Baton: running ${spec.agent}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => entry.controller.abort(new Error('cancelled by the user')));
          return this.execute(spec, root, folder?.uri ?? spec.uri, entry, progress);
        },
      );
    } finally {
      this.active.delete(entry);
      this.update();
    }
  }

  private async execute(spec: RunSpec, root: string, scope: vscode.Uri, entry: Active, progress: vscode.Progress<{ message?: string }>): Promise<RunSummary> {
    const label = `${spec.agent} (${vscode.workspace.asRelativePath(spec.uri)})`;
    try {
      const { provider, info, secrets } = await resolveProvider(this.secrets, root, scope);
      const outcome = await startRun({
        root, file: spec.uri.fsPath, agent: spec.agent, inputs: spec.inputs,
        provider, providerInfo: info, secrets,
        approvals: this.approvals,
        sink: new ChannelSink(this.log, () => entry.id),
        signal: entry.controller.signal,
        modelTimeoutMs: 120_000,
        onStart: (id) => { entry.id = id; progress.report({ message: `run ${id}` }); this.log.info(`[${id}] run ${label}${Object.keys(spec.inputs).length ? ` with ${JSON.stringify(spec.inputs)}` : ''}`); },
      });
      const summary: RunSummary = {
        runId: outcome.runId, reason: outcome.reason,
        ...(outcome.result !== undefined ? { result: outcome.result } : {}),
        ...(outcome.error ? { error: outcome.error.message } : {}),
        ...(outcome.journalPath ? { journalPath: outcome.journalPath } : {}),
      };
      this.report(label, summary);
      return summary;
    } catch (e) {
      const err = asBatonError(e);
      this.log.error(`[${entry.id}] ${label}: ${err.message}`);
      void vscode.window.showErrorMessage(`Baton: ${spec.agent} could not run: ${err.message}`, 'Show Output').then((c) => { if (c) this.log.show(true); });
      return { ...(entry.id !== '(starting)' ? { runId: entry.id } : {}), reason: 'Error', error: err.message };
    }
  }

  private report(label: string, s: RunSummary): void {
    if (s.reason === 'Completed') {
      this.log.info(`[${s.runId}] result: ${JSON.stringify(s.result ?? null, null, 2)}`);
      void vscode.window.showInformationMessage(`Baton: ${label} completed: ${clip(JSON.stringify(s.result ?? null), 120)}`, 'Show Output')
        .then((c) => { if (c) this.log.show(true); });
    } else {
      this.log.error(`[${s.runId}] ${s.reason}${s.error ? `: ${s.error}` : ''}`);
      void vscode.window.showWarningMessage(`Baton: ${label} stopped (${s.reason})${s.error ? `: ${clip(s.error, 160)}` : ''}`, 'Show Output')
        .then((c) => { if (c) this.log.show(true); });
    }
  }

  private update(): void {
    const n = this.active.size;
    if (n === 0) this.status.hide();
    else {
      this.status.text = `$(sync~spin) Baton: ${n} running`;
      this.status.show();
    }
    this.changed.fire(n);
  }

  dispose(): void {
    this.stopAll();
    this.status.dispose();
    this.changed.dispose();
  }
}
