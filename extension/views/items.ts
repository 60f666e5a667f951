/**
 * Tree items shared by the Baton views: detail lines (a verdict, an approval, a result) that may
 * open a source line through `baton.openLocation`, and pending approvals, which appear both in the
 * Runs view (under their run) and in the Approvals view, with the same inline answer actions.
 */
import * as vscode from 'vscode';
import type { ApprovalRequest } from '../../runtime/approvals/approval';
import { describeRule } from '../../runtime/policy/engine';
import { clip } from '../run-sink';
import { resolveIn, type Detail } from './run-model';

export const OPEN_LOCATION = 'baton.openLocation';

export interface DetailNode { kind: 'detail'; root: string; detail: Detail }

/** A request waiting for an answer; `root` is its run's workspace folder. */
export interface PendingNode { kind: 'pending'; id: number; req: ApprovalRequest; root: string }

export function openCommand(root: string, file: string, line: number): vscode.Command {
  return { command: OPEN_LOCATION, title: 'Open', arguments: [resolveIn(root, file), line] };
}

/** `baton.openLocation(uri, line)`: opens the file with the (1-based) line selected. */
export async function openLocation(uri: vscode.Uri | string, line: number): Promise<void> {
  const u = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
  const l = Math.max(0, line - 1);
  await vscode.window.showTextDocument(u, { selection: new vscode.Range(l, 0, l, 0), preview: true });
}

export function detailItem(n: DetailNode): vscode.TreeItem {
  const d = n.detail;
  const item = new vscode.TreeItem(d.label, vscode.TreeItemCollapsibleState.None);
  if (d.description) item.description = d.description;
  item.tooltip = d.tooltip ?? [d.label, d.description].filter(Boolean).join('\n');
  if (d.icon) item.iconPath = d.icon;
  if (d.open) {
    item.command = openCommand(n.root, d.open.file, d.open.line);
    item.contextValue = 'baton.link';
  }
  return item;
}

export function pendingItem(n: PendingNode): vscode.TreeItem {
  const r = n.req;
  const args = JSON.stringify(r.args);
  const item = new vscode.TreeItem(`${r.agent} wants ${r.tool}(${clip(args.slice(1, -1), 50)})`, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `pending:${n.id}`;
  item.description = `${r.inDoubt ? 'IN DOUBT — ' : ''}${r.reason}`;
  item.iconPath = new vscode.ThemeIcon('bell-dot', new vscode.ThemeColor('list.warningForeground'));
  item.contextValue = r.inDoubt ? 'baton.approval.pending.inDoubt' : r.canAlwaysAllow ? 'baton.approval.pending.always' : 'baton.approval.pending';
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: [OPEN_LOCATION] };
  const link = `command:${OPEN_LOCATION}?${encodeURIComponent(JSON.stringify([resolveIn(n.root, r.rule.file).toString(), r.rule.line]))}`;
  md.appendMarkdown(`**${r.agent}** wants to call **${r.tool}** (run ${r.runId})\n\n`);
  md.appendCodeblock(JSON.stringify(r.args, null, 2), 'json');
  md.appendMarkdown(`\nAsked by [${describeRule(r.rule)}](${link}): ${r.reason}`);
  item.tooltip = md;
  return item;
}

/** The lines under a pending approval: tool and agent, arguments, the rule (a link to its line). */
export function pendingDetails(n: PendingNode): DetailNode[] {
  const r = n.req;
  const lines: Detail[] = [
    { label: `tool: ${r.tool}`, description: `agent ${r.agent} · run ${r.runId}`, icon: new vscode.ThemeIcon('tools') },
    { label: `arguments: ${clip(JSON.stringify(r.args), 80)}`, tooltip: JSON.stringify(r.args, null, 2), icon: new vscode.ThemeIcon('json') },
    { label: `rule: ${describeRule(r.rule)}`, description: r.reason, icon: new vscode.ThemeIcon('law'), ...(r.rule.line > 0 ? { open: { file: r.rule.file, line: r.rule.line } } : {}) },
  ];
  return lines.map((detail) => ({ kind: 'detail', root: n.root, detail }));
}
