/**
 * The Approvals view: "Pending" (requests waiting for an answer, each with the six answers as inline
 * and context actions — they settle the same promise as the notification) and "Always allowed"
 * (`.baton/approvals.json` of each workspace folder, with Revoke). Also the answer commands
 * (`baton.approval.*`), `baton.revokeAlwaysAllowed` and `baton.manageAlwaysAllowed`.
 */
import * as vscode from 'vscode';
import type { ApprovalAnswer } from '../../runtime/journal/records';
import { ApprovalStore, type AlwaysAllowed } from '../../runtime/approvals/store';
import type { ExtensionApprovals } from '../approvals';
import type { RunManager } from '../run-manager';
import { detailItem, pendingDetails, pendingItem, type DetailNode, type PendingNode } from './items';

export interface AllowedNode { kind: 'allowed'; root: string; entry: AlwaysAllowed }
interface GroupNode { kind: 'group'; which: 'pending' | 'always' }
export type ApprovalsNode = GroupNode | PendingNode | AllowedNode | DetailNode;

function roots(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

/** Pending requests as nodes (the run's folder from the active runs, else the first folder). */
export function pendingNodes(approvals: ExtensionApprovals, runs: RunManager, runId?: string): PendingNode[] {
  return approvals.list()
    .filter((p) => runId === undefined || p.req.runId === runId)
    .map((p) => ({ kind: 'pending', id: p.id, req: p.req, root: runs.live().find((l) => l.id === p.req.runId)?.root ?? roots()[0] ?? '' }));
}

export function alwaysAllowed(): AllowedNode[] {
  const out: AllowedNode[] = [];
  for (const root of roots()) {
    try {
      for (const entry of new ApprovalStore(root).list()) out.push({ kind: 'allowed', root, entry });
    } catch { /* an invalid approvals.json is reported by the runtime when a run reads it */ }
  }
  return out;
}

export class ApprovalsTree implements vscode.TreeDataProvider<ApprovalsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ApprovalsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly approvals: ExtensionApprovals, private readonly runs: RunManager) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.baton/approvals.json');
    this.subs.push(
      watcher, this.changed,
      watcher.onDidChange(() => this.refresh()), watcher.onDidCreate(() => this.refresh()), watcher.onDidDelete(() => this.refresh()),
      approvals.onDidChange(() => this.refresh()), approvals.onDidAlwaysAllow(() => this.refresh()),
    );
  }

  refresh(): void { this.changed.fire(undefined); }

  getChildren(n?: ApprovalsNode): ApprovalsNode[] {
    if (!n) return [{ kind: 'group', which: 'pending' }, { kind: 'group', which: 'always' }];
    if (n.kind === 'group') return n.which === 'pending' ? pendingNodes(this.approvals, this.runs) : alwaysAllowed();
    if (n.kind === 'pending') return pendingDetails(n);
    return [];
  }

  getTreeItem(n: ApprovalsNode): vscode.TreeItem {
    switch (n.kind) {
      case 'group': {
        const count = n.which === 'pending' ? this.approvals.list().length : alwaysAllowed().length;
        const item = new vscode.TreeItem(n.which === 'pending' ? 'Pending' : 'Always allowed', vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${n.which}`;
        item.description = String(count);
        item.iconPath = new vscode.ThemeIcon(n.which === 'pending' ? 'bell' : 'shield');
        item.contextValue = `baton.approvals.${n.which}`;
        return item;
      }
      case 'pending': return pendingItem(n);
      case 'detail': return detailItem(n);
      case 'allowed': {
        const item = new vscode.TreeItem(`${n.entry.tool}`, vscode.TreeItemCollapsibleState.None);
        item.description = `agent ${n.entry.agent}${roots().length > 1 ? ` · ${vscode.workspace.asRelativePath(n.root)}` : ''}`;
        item.tooltip = `Always allowed: ${n.entry.tool} for agent ${n.entry.agent}\ngranted ${n.entry.grantedAt}${n.entry.run ? ` in run ${n.entry.run}` : ''}${n.entry.hash ? `\nMCP definition ${n.entry.hash}` : ''}`;
        item.iconPath = new vscode.ThemeIcon('pass');
        item.contextValue = 'baton.alwaysAllowed';
        return item;
      }
    }
  }

  dispose(): void { for (const d of this.subs) d.dispose(); }
}

const ANSWERS: Array<[string, ApprovalAnswer['kind']]> = [
  ['allowOnce', 'allow_once'], ['allowRun', 'allow_run'], ['alwaysAllow', 'always_allow'],
  ['deny', 'deny'], ['edit', 'edit'], ['respond', 'respond'],
];

/**
 * `baton.approval.<answer>(node, payload?)`: answers a pending request from a view. Deny, Edit and
 * Respond ask for the reason / arguments / result unless `payload` gives it (a string reason, an
 * arguments object, a result). Resolves true when the answer was taken.
 */
export function registerApprovalCommands(approvals: ExtensionApprovals, tree: ApprovalsTree): vscode.Disposable[] {
  const subs = ANSWERS.map(([name, kind]) => vscode.commands.registerCommand(`baton.approval.${name}`, async (node?: PendingNode | { id: number }, payload?: unknown) => {
    const p = node && typeof node.id === 'number' ? approvals.list().find((x) => x.id === node.id) : approvals.list()[0];
    if (!p) { void vscode.window.showInformationMessage('Baton: that approval is no longer pending.'); return false; }
    let answer: ApprovalAnswer | undefined;
    if (kind === 'deny' && payload !== undefined) answer = { kind, ...(typeof payload === 'string' && payload ? { reason: payload } : {}) };
    else if (kind === 'edit' && payload && typeof payload === 'object') answer = { kind, args: payload as { [k: string]: never } };
    else if (kind === 'respond' && payload !== undefined) answer = { kind, result: payload as string };
    else if (kind === 'deny' || kind === 'edit' || kind === 'respond') answer = await approvals.complete(kind, p.req);
    else answer = { kind } as ApprovalAnswer;
    return answer ? approvals.answer(p.id, answer, 'human (VS Code view)') : false;
  }));
  subs.push(
    vscode.commands.registerCommand('baton.revokeAlwaysAllowed', (node?: AllowedNode) => {
      if (!node || node.kind !== 'allowed') return vscode.commands.executeCommand('baton.manageAlwaysAllowed');
      const n = new ApprovalStore(node.root).revoke(node.entry.tool, node.entry.agent);
      tree.refresh();
      return n;
    }),
    vscode.commands.registerCommand('baton.manageAlwaysAllowed', async () => {
      const all = alwaysAllowed();
      if (!all.length) { void vscode.window.showInformationMessage('Baton: nothing is always allowed.'); return 0; }
      const picks = await vscode.window.showQuickPick(
        all.map((n) => ({ label: n.entry.tool, description: `agent ${n.entry.agent}`, detail: `granted ${n.entry.grantedAt}${n.entry.run ? ` in run ${n.entry.run}` : ''}`, node: n })),
        { title: 'Baton: revoke always-allowed tools', canPickMany: true, placeHolder: 'Select the entries to revoke' },
      );
      let n = 0;
      for (const p of picks ?? []) n += new ApprovalStore(p.node.root).revoke(p.node.entry.tool, p.node.entry.agent);
      tree.refresh();
      return n;
    }),
  );
  return subs;
}
