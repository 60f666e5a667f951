/**
 * Runs started from the editor, in-process in the extension host: each is `startRun` with the
 * workspace folder as root, the provider from the settings, the extension's approval provider and
 * a sink writing to the "Baton" log channel. Tracks the active runs (for `baton.stopRun`, the
 * status bar item and the Runs view: `live()`, `onDidRecord`) and shows each result in the channel
 * and a notification. `resume`, `replay` and `fork` go through the same path (progress, sink,
 * approvals, trust check) calling `resumeRun` / `replayRun` / `forkRun`; Restricted Mode refuses all.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Json } from '../runtime/ir/schema';
import type { JournalRecord, TerminationReason } from '../runtime/journal/records';
import type { EventSink, RunEvent } from '../runtime/kernel/events';
import { forkRun, replayRun, resumeRun, startRun, type RunOutcome, type RunRequest } from '../runtime/run/run';
import { asBatonError } from '../runtime/errors';
import type { ExtensionApprovals } from './approvals';
import { ChannelSink, clip } from './run-sink';
import { resolveProvider } from './settings';
import { checkTrust } from './trust';
import { runEvents } from './webview/run-events';

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

type Mode = 'run' | 'resume' | 'replay' | 'fork';

/** A run in progress, as the Runs view shows it. */
export interface LiveRun {
  id: string;
  agent: string;
  mode: Mode;
  root: string;
  startedAt: number;
  /** The records journaled so far (replayed ones included). */
  readonly records: JournalRecord[];
}

interface Active extends LiveRun { controller: AbortController }

type Common = Omit<RunRequest, 'file' | 'inputs' | 'agent'>;

const REFUSED: RunSummary = { reason: 'Refused', error: 'Restricted Mode: running agents is disabled in untrusted workspaces' };

export class RunManager implements vscode.Disposable {
  private readonly active = new Set<Active>();
  private readonly status: vscode.StatusBarItem;
  private readonly changed = new vscode.EventEmitter<number>();
  /** Fires with the number of active runs whenever it changes. */
  readonly onDidChangeActive = this.changed.event;
  private readonly recorded = new vscode.EventEmitter<{ runId: string; event: RunEvent }>();
  /** Every event of every active run (records, pending approvals). */
  readonly onDidRecord = this.recorded.event;

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

  /** The runs in progress (newest last). */
  live(): readonly LiveRun[] { return [...this.active]; }

  /** Cancels one active run; false if it is not running. */
  stop(runId: string): boolean {
    const a = [...this.active].find((x) => x.id === runId);
    a?.controller.abort(new Error('stopped by the user'));
    return !!a;
  }

  async run(spec: RunSpec): Promise<RunSummary> {
    if (!checkTrust()) {
      this.log.warn(`refused to run ${spec.agent}: the workspace is not trusted (Restricted Mode)`);
      return REFUSED;
    }
    const folder = vscode.workspace.getWorkspaceFolder(spec.uri);
    const root = folder?.uri.fsPath ?? path.dirname(spec.uri.fsPath);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === spec.uri.toString());
    if (open?.isDirty) await open.save(); // the run reads the file from disk
    const label = `${spec.agent} (${vscode.workspace.asRelativePath(spec.uri)})`;
    const detail = Object.keys(spec.inputs).length ? ` with ${JSON.stringify(spec.inputs)}` : '';
    return this.launch('run', spec.agent, label + detail, root, folder?.uri ?? spec.uri,
      (c) => startRun({ ...c, file: spec.uri.fsPath, agent: spec.agent, inputs: spec.inputs }));
  }

  /** Finishes an interrupted run of the workspace folder `root`. */
  resume(root: string, runId: string): Promise<RunSummary> {
    return this.guarded('resume', root, runId, (c) => resumeRun(runId, c));
  }

  /** Re-executes a run offline from its journal (no model, no tool, nothing written). */
  replay(root: string, runId: string): Promise<RunSummary> {
    return this.guarded('replay', root, runId, (c) => replayRun(runId, c));
  }

  /** A new run replaying `runId` before record `at`, then live (with changed inputs). */
  fork(root: string, runId: string, at: number, inputs: Record<string, Json> = {}): Promise<RunSummary> {
    return this.guarded('fork', root, `${runId} at ${at}`, (c) => forkRun(runId, at, inputs, c));
  }

  private async guarded(mode: Mode, root: string, what: string, go: (c: Common) => Promise<RunOutcome>): Promise<RunSummary> {
    if (!checkTrust()) {
      this.log.warn(`refused to ${mode} ${what}: the workspace is not trusted (Restricted Mode)`);
      return REFUSED;
    }
    const scope = vscode.workspace.workspaceFolders?.find((f) => f.uri.fsPath === root)?.uri ?? vscode.Uri.file(root);
    return this.launch(mode, what, `${mode} ${what}`, root, scope, go);
  }

  private async launch(mode: Mode, agent: string, label: string, root: string, scope: vscode.Uri, go: (c: Common) => Promise<RunOutcome>): Promise<RunSummary> {
    const entry: Active = { id: '(starting)', agent, mode, root, startedAt: Date.now(), records: [], controller: new AbortController() };
    this.active.add(entry);
    this.update();
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Baton: ${mode === 'run' ? 'running' : mode === 'replay' ? 'replaying' : mode === 'resume' ? 'resuming' : 'forking'} ${agent}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => entry.controller.abort(new Error('cancelled by the user')));
          return this.execute(label, root, scope, entry, progress, go);
        },
      );
    } finally {
      this.active.delete(entry);
      this.update();
    }
  }

  private async execute(label: string, root: string, scope: vscode.Uri, entry: Active, progress: vscode.Progress<{ message?: string }>, go: (c: Common) => Promise<RunOutcome>): Promise<RunSummary> {
    const sink = this.sinkFor(entry, new ChannelSink(this.log, () => entry.id));
    try {
      const { provider, info, secrets } = await resolveProvider(this.secrets, root, scope);
      const outcome = await go({
        root, provider, providerInfo: info, secrets,
        approvals: this.approvals,
        sink,
        signal: entry.controller.signal,
        modelTimeoutMs: 120_000,
        onStart: (id) => { entry.id = id; progress.report({ message: `run ${id}` }); this.log.info(`[${id}] ${label}`); this.update(); },
      });
      if (entry.id === '(starting)') entry.id = outcome.runId;
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
      void vscode.window.showErrorMessage(`Baton: ${label} could not run: ${err.message}`, 'Show Output').then((c) => { if (c) this.log.show(true); });
      return { ...(entry.id !== '(starting)' ? { runId: entry.id } : {}), reason: 'Error', error: err.message };
    }
  }

  /** The one event path of a run: the log channel, the webview hub, the live records, `onDidRecord`. */
  private sinkFor(entry: Active, channel?: EventSink): EventSink {
    return {
      emit: (ev) => {
        channel?.emit(ev);
        runEvents.emit(entry.id, ev);
        if (ev.kind === 'record') {
          entry.records.push(ev.record);
          if (ev.record.type === 'Started') entry.agent = ev.record.agent;
        }
        if (ev.kind === 'record' || ev.kind === 'approval-pending') this.recorded.fire({ runId: entry.id, event: ev });
      },
    };
  }

  /**
   * Internal (tests, benchmarks): a live run with no runtime behind it, fed through the same event
   * path as a real run (no log lines). `end()` removes it from the active runs.
   */
  simulate(runId: string, agent: string, root: string): { sink: EventSink; end(): void } {
    const entry: Active = { id: runId, agent, mode: 'run', root, startedAt: Date.now(), records: [], controller: new AbortController() };
    this.active.add(entry);
    this.update();
    return { sink: this.sinkFor(entry), end: () => { this.active.delete(entry); this.update(); } };
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
    this.recorded.dispose();
  }
}
