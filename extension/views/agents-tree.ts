/**
 * The Agents view: the workspace's agents grouped by file, from the language server's
 * `baton/agents` request. Clicking an agent opens it at its name; the inline ▶ runs it
 * (`baton.runAgent` with the node: asks only for the inputs). Refreshes when agent files are
 * saved, created or deleted. Each agent's description and tooltip carry its history across runs
 * (metrics.ts: "12 runs · 92% ok · p50 3.1 s"); a run ending refreshes them.
 */
import * as vscode from 'vscode';
import type { AgentSummary } from '../../language-server/protocol';
import type { BatonClient } from '../language-client';
import { agentMetrics, runMetrics } from '../metrics';
import { describeMetrics, detailMetrics } from '../metrics-model';

export interface FileNode { kind: 'file'; uri: string; agents: AgentSummary[] }
/** `uri` and `agent` make it a valid `baton.runAgent` argument. */
export interface AgentNode { kind: 'agent'; uri: string; agent: string; summary: AgentSummary }
export type AgentsNode = FileNode | AgentNode;

export class AgentsTree implements vscode.TreeDataProvider<AgentsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<AgentsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly client: BatonClient, onRunsChanged?: vscode.Event<unknown>) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{baton,symbi}');
    const again = () => this.refresh();
    this.subs.push(
      watcher, this.changed, watcher.onDidCreate(again), watcher.onDidDelete(again),
      vscode.workspace.onDidSaveTextDocument((d) => { if (d.languageId === 'baton') again(); }),
    );
    if (onRunsChanged) this.subs.push(onRunsChanged(() => { runMetrics.invalidate(); again(); }));
  }

  refresh(): void { this.changed.fire(undefined); }

  async getChildren(n?: AgentsNode): Promise<AgentsNode[]> {
    if (n?.kind === 'file') return n.agents.map((a) => ({ kind: 'agent', uri: a.uri, agent: a.name, summary: a }));
    if (n) return [];
    let all: AgentSummary[];
    try { all = await this.client.agents(); } catch { return []; }
    const byFile = new Map<string, AgentSummary[]>();
    for (const a of all) byFile.set(a.uri, [...(byFile.get(a.uri) ?? []), a]);
    return [...byFile.entries()]
      .map(([uri, agents]): FileNode => ({ kind: 'file', uri, agents: agents.sort((x, y) => x.range.start.line - y.range.start.line) }))
      .sort((a, b) => vscode.workspace.asRelativePath(vscode.Uri.parse(a.uri)).localeCompare(vscode.workspace.asRelativePath(vscode.Uri.parse(b.uri))));
  }

  getTreeItem(n: AgentsNode): vscode.TreeItem {
    const uri = vscode.Uri.parse(n.uri);
    if (n.kind === 'file') {
      const item = new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `file:${n.uri}`;
      item.description = vscode.workspace.asRelativePath(uri);
      item.contextValue = 'baton.agentFile';
      return item;
    }
    const a = n.summary;
    const item = new vscode.TreeItem(a.name, vscode.TreeItemCollapsibleState.None);
    item.id = `agent:${n.uri}#${a.name}`;
    const signature = `(${a.params.map((p) => p.name).join(', ')})${a.returns ? ` → ${a.returns}` : ''}`;
    const m = agentMetrics(a.name);
    item.description = m ? `${signature} · ${describeMetrics(m)}` : signature;
    item.tooltip = [`agent ${a.name}${signature}`, a.description, m ? detailMetrics(m).join('\n') : 'No runs yet.'].filter(Boolean).join('\n\n');
    item.iconPath = new vscode.ThemeIcon('hubot');
    item.contextValue = 'baton.agent';
    const r = a.nameRange;
    item.command = {
      command: 'vscode.open', title: 'Open Agent',
      arguments: [uri, { selection: new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character) }],
    };
    return item;
  }

  dispose(): void { for (const d of this.subs) d.dispose(); }
}
