/**
 * Registers the run webview: the command `baton.showRunPanel` (a run id, or a quick pick of the
 * workspace's runs, newest first) and one panel per run. `register` returns the panels' API so the
 * extension (and the end-to-end tests, which call it directly with their own command id) can open
 * and inspect panels.
 */
import * as vscode from 'vscode';
import { listRuns } from '../../runtime/journal/reader';
import { approvalBridge, type ApprovalSource } from '../approval-bridge';
import { runEvents, type RunEventHub } from './run-events';
import { RunPanel, type RunPanelDeps } from './run-panel';

export interface RunPanelsDeps {
  hub?: RunEventHub;
  approvals?: ApprovalSource;
  journalPath?: RunPanelDeps['journalPath'];
  /** The command to register (default `baton.showRunPanel`; empty: none). */
  commandId?: string;
  tailMs?: number;
}

export interface RunPanels {
  /** Opens (or reveals) the panel of `runId`. */
  show(runId: string): RunPanel;
  get(runId: string): RunPanel | undefined;
  /** The command's behaviour: a run id, or a quick pick; resolves with the run id shown. */
  command(runId?: unknown): Promise<string | undefined>;
}

export function register(context: vscode.ExtensionContext, deps: RunPanelsDeps = {}): RunPanels {
  const panels = new Map<string, RunPanel>();
  const panelDeps: RunPanelDeps = {
    extensionUri: context.extensionUri,
    hub: deps.hub ?? runEvents,
    approvals: deps.approvals ?? approvalBridge,
    ...(deps.journalPath ? { journalPath: deps.journalPath } : {}),
    ...(deps.tailMs ? { tailMs: deps.tailMs } : {}),
  };
  const api: RunPanels = {
    show(runId) {
      const open = panels.get(runId);
      if (open) { open.reveal(); return open; }
      const p = new RunPanel(runId, panelDeps, () => panels.delete(runId));
      panels.set(runId, p);
      return p;
    },
    get: (runId) => panels.get(runId),
    async command(arg) {
      const runId = typeof arg === 'string' ? arg : typeof arg === 'object' && arg && typeof (arg as { runId?: unknown }).runId === 'string' ? (arg as { runId: string }).runId : await pickRun();
      if (!runId) return undefined;
      api.show(runId);
      return runId;
    },
  };
  const id = deps.commandId ?? 'baton.showRunPanel';
  if (id) context.subscriptions.push(vscode.commands.registerCommand(id, (arg?: unknown) => api.command(arg)));
  context.subscriptions.push({ dispose: () => { for (const p of [...panels.values()]) p.dispose(); panels.clear(); } });
  return api;
}

async function pickRun(): Promise<string | undefined> {
  const items: Array<vscode.QuickPickItem & { runId: string }> = [];
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    for (const r of listRuns(f.uri.fsPath).sort((a, b) => b.mtime.getTime() - a.mtime.getTime())) {
      items.push({
        runId: r.runId, label: r.runId,
        description: `${r.started?.agent ?? '?'} — ${r.terminated ? r.terminated.reason : 'in progress or interrupted'}`,
        detail: r.mtime.toLocaleString(),
      });
    }
  }
  if (items.length === 0) { void vscode.window.showInformationMessage('Baton: no runs in this workspace yet.'); return undefined; }
  return (await vscode.window.showQuickPick(items, { title: 'Baton: show which run?', matchOnDescription: true }))?.runId;
}
