/**
 * Registers the "Baton" activity-bar views — Agents, Runs, Journal, Approvals — and their
 * commands (refresh, journal filter, open location, approval answers, revoke). Selecting a run
 * in the Runs view shows it in the Journal view. Returns the providers (the extension's API
 * exposes them to the end-to-end tests).
 */
import * as vscode from 'vscode';
import type { ExtensionApprovals } from '../approvals';
import type { BatonClient } from '../language-client';
import type { RunManager } from '../run-manager';
import { AgentsTree } from './agents-tree';
import { ApprovalsTree, registerApprovalCommands } from './approvals-tree';
import { OPEN_LOCATION, openLocation } from './items';
import { JournalTree } from './journal-tree';
import { JournalCache, RunsTree, type RunsNode } from './runs-tree';

export interface BatonViews {
  agents: AgentsTree;
  runs: RunsTree;
  journal: JournalTree;
  approvals: ApprovalsTree;
}

export function registerViews(context: vscode.ExtensionContext, client: BatonClient, runs: RunManager, approvals: ExtensionApprovals): BatonViews {
  const agents = new AgentsTree(client, runs.onDidChangeActive);
  const runsTree = new RunsTree(runs, approvals, new JournalCache());
  const journal = new JournalTree(runsTree);
  const approvalsTree = new ApprovalsTree(approvals, runs);
  const runsView = vscode.window.createTreeView<RunsNode>('baton.runs', { treeDataProvider: runsTree, showCollapseAll: true });
  journal.view = vscode.window.createTreeView('baton.journal', { treeDataProvider: journal });
  journal.refresh();
  context.subscriptions.push(
    agents, runsTree, journal, approvalsTree, runsView, journal.view,
    vscode.window.registerTreeDataProvider('baton.agents', agents),
    vscode.window.registerTreeDataProvider('baton.approvals', approvalsTree),
    runsView.onDidChangeSelection((e) => {
      const n = e.selection[0];
      if (n?.kind === 'run') journal.show(n);
    }),
    vscode.commands.registerCommand('baton.refreshRuns', () => runsTree.refresh()),
    vscode.commands.registerCommand('baton.refreshAgents', () => agents.refresh()),
    vscode.commands.registerCommand('baton.refreshApprovals', () => approvalsTree.refresh()),
    vscode.commands.registerCommand('baton.journal.filter', (types?: unknown) => journal.pickFilter(types)),
    vscode.commands.registerCommand(OPEN_LOCATION, (uri: vscode.Uri | string, line: number) => openLocation(uri, line)),
    ...registerApprovalCommands(approvals, approvalsTree),
  );
  return { agents, runs: runsTree, journal, approvals: approvalsTree };
}
