/**
 * The Runs view: live runs (from the RunManager) and past runs (`listRuns` of each workspace
 * folder's `.baton/runs/`), newest first, with status icons and durations. A run expands to its
 * pending approvals (with the inline answers) and its steps — model turns, tool calls with the
 * policy verdict and rule, approvals and result, child agents; a step expands to its details.
 * Refreshes on run events (debounced) and on a FileSystemWatcher for `.baton/runs/*.jsonl`.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { listRuns, readJournal } from '../../runtime/journal/reader';
import type { JournalRecord } from '../../runtime/journal/records';
import { journalPathOf } from '../../runtime/run/run';
import type { ExtensionApprovals } from '../approvals';
import type { LiveRun, RunManager } from '../run-manager';
import { pendingNodes } from './approvals-tree';
import { detailItem, pendingDetails, pendingItem, type DetailNode, type PendingNode } from './items';
import { durationOf, statusIcon, statusOf, stepsOf, type Step } from './run-model';

export interface RunNode {
  kind: 'run';
  root: string;
  runId: string;
  /** The journal file (absent for a replay in progress, which writes none). */
  path?: string;
  live?: LiveRun;
  agent?: string;
  /** For past runs: from listRuns (first and last records). */
  ends?: JournalRecord[];
}
export interface StepNode { kind: 'step'; root: string; runId: string; step: Step }
export type RunsNode = RunNode | StepNode | PendingNode | DetailNode;

/** Reads journals once per change of the file (size and mtime). */
export class JournalCache {
  private readonly cache = new Map<string, { stamp: string; records: JournalRecord[] }>();
  records(file: string): JournalRecord[] {
    let stamp: string;
    try { const st = fs.statSync(file); stamp = `${st.size}:${st.mtimeMs}`; } catch { return []; }
    const hit = this.cache.get(file);
    if (hit && hit.stamp === stamp) return hit.records;
    let records: JournalRecord[] = [];
    try { records = readJournal(file).records; } catch { /* unreadable: shown empty */ }
    this.cache.set(file, { stamp, records });
    return records;
  }
}

export class RunsTree implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly runs: RunManager, private readonly approvals: ExtensionApprovals, readonly journals: JournalCache) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.baton/runs/*.jsonl');
    const soon = () => this.refreshSoon();
    this.subs.push(
      watcher, this.changed,
      watcher.onDidCreate(soon), watcher.onDidChange(soon), watcher.onDidDelete(soon),
      runs.onDidRecord(soon), runs.onDidChangeActive(() => this.refresh()), approvals.onDidChange(() => this.refresh()),
    );
  }

  refresh(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.changed.fire(undefined);
  }

  private refreshSoon(): void {
    this.timer ??= setTimeout(() => { this.timer = undefined; this.changed.fire(undefined); }, 150);
  }

  /** Every run: live ones first, then past ones newest first (a live run is not listed twice). */
  allRuns(): RunNode[] {
    const live: RunNode[] = this.runs.live().filter((l) => l.id !== '(starting)').reverse().map((l) => ({
      kind: 'run', root: l.root, runId: l.id, live: l, agent: l.agent,
      ...(l.mode === 'replay' ? {} : { path: journalPathOf(l.root, l.id) }),
    }));
    const liveIds = new Set(live.map((r) => r.runId));
    const past: RunNode[] = [];
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      let list: ReturnType<typeof listRuns> = [];
      try { list = listRuns(f.uri.fsPath); } catch { /* unreadable folder */ }
      for (const s of list) {
        if (liveIds.has(s.runId)) continue;
        past.push({ kind: 'run', root: f.uri.fsPath, runId: s.runId, path: s.path, agent: s.started?.agent, ends: [s.started, s.terminated].filter((r): r is NonNullable<typeof r> => !!r) });
      }
    }
    return [...live, ...past];
  }

  /** A run's records: the live ones while it runs, else its journal. */
  recordsOf(n: RunNode): JournalRecord[] {
    if (n.live) return n.live.records;
    return n.path ? this.journals.records(n.path) : [];
  }

  getChildren(n?: RunsNode): RunsNode[] {
    if (!n) return this.allRuns();
    if (n.kind === 'run') {
      const pending = n.live ? pendingNodes(this.approvals, this.runs, n.runId) : [];
      const steps = stepsOf(this.recordsOf(n), !!n.live).map((step): StepNode => ({ kind: 'step', root: n.root, runId: n.runId, step }));
      return [...pending, ...steps];
    }
    if (n.kind === 'step') return n.step.details.map((detail): DetailNode => ({ kind: 'detail', root: n.root, detail }));
    if (n.kind === 'pending') return pendingDetails(n);
    return [];
  }

  getTreeItem(n: RunsNode): vscode.TreeItem {
    switch (n.kind) {
      case 'run': return this.runItem(n);
      case 'step': {
        const s = n.step;
        const item = new vscode.TreeItem(s.label, s.details.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `${n.runId}/${s.kind}:${s.key}`;
        item.description = s.description;
        item.tooltip = s.tooltip;
        item.iconPath = s.icon;
        item.contextValue = `baton.step.${s.kind}`;
        return item;
      }
      case 'pending': return pendingItem(n);
      case 'detail': return detailItem(n);
    }
  }

  private runItem(n: RunNode): vscode.TreeItem {
    const records = n.live ? n.live.records : n.ends ?? [];
    const status = statusOf(records, !!n.live);
    const item = new vscode.TreeItem(n.agent ?? n.runId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `run:${n.root}:${n.runId}${n.live ? ':live' : ''}`;
    const duration = durationOf(records, n.live ? Date.now() : undefined);
    const end = records.find((r): r is Extract<JournalRecord, { type: 'Terminated' }> => r.type === 'Terminated');
    const started = records.find((r): r is Extract<JournalRecord, { type: 'Started' }> => r.type === 'Started');
    const mode = n.live ? (n.live.mode === 'run' ? 'running' : `${n.live.mode === 'replay' ? 'replaying' : n.live.mode === 'resume' ? 'resuming' : 'forking'}`) : end?.reason ?? 'interrupted';
    item.description = [mode, duration, n.runId].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${n.agent ?? '?'}** — run \`${n.runId}\`\n\n`);
    if (started) md.appendMarkdown(`${started.file} · ${started.mode} · provider ${started.provider}${started.forkOf ? ` · fork of ${started.forkOf.run} at ${started.forkOf.at}` : ''}\n\n`);
    md.appendMarkdown(`Status: ${mode}${duration ? ` (${duration})` : ''}`);
    if (end?.error) md.appendMarkdown(`\n\n${end.error.message}`);
    item.tooltip = md;
    item.iconPath = statusIcon(status);
    item.contextValue = n.live ? 'baton.run.live' : end ? 'baton.run.done' : 'baton.run.interrupted';
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subs) d.dispose();
  }
}
