/**
 * The Journal view: the records of the selected run (`show`: from the Runs view's selection or
 * `baton.showRun`), label = seq and type, description = the record's key fields, tooltip = the
 * record as JSON. `baton.journal.filter` keeps only some record types. Clicking a record with a
 * location (a statement, or a rule) reveals that source line; "Fork Run from here" forks at its seq.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JournalRecord, RecordType } from '../../runtime/journal/records';
import { openCommand } from './items';
import { recordSummary, recordTarget } from './run-model';
import type { RunNode, RunsTree } from './runs-tree';

export interface RecordNode { kind: 'record'; root: string; runId: string; record: JournalRecord; file?: string }

export const RECORD_TYPES: readonly RecordType[] = [
  'Started', 'Resumed', 'StatementReached', 'ModelRequested', 'ReasoningComplete', 'PolicyEvaluated', 'ApprovalRequested',
  'ApprovalDecided', 'ToolStarted', 'ToolFinished', 'ToolDenied', 'ObservationsCollected', 'EffectRecorded', 'McpPinned',
  'RecoveryTriggered', 'BreakerChanged', 'ContextTrimmed', 'AuditEntry', 'ChildStarted', 'ChildFinished', 'Checkpoint', 'Terminated',
];

export class JournalTree implements vscode.TreeDataProvider<RecordNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RecordNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private run: RunNode | undefined;
  /** Types shown; empty: all. */
  private types = new Set<string>();
  view: vscode.TreeView<RecordNode> | undefined;
  private readonly subs: vscode.Disposable[] = [this.changed];

  constructor(private readonly runs: RunsTree) {
    this.subs.push(runs.onDidChangeTreeData(() => { if (this.run) this.refresh(); }));
  }

  /** The run shown (undefined: none selected). */
  get selected(): RunNode | undefined { return this.run; }
  get filter(): readonly string[] { return [...this.types]; }

  show(run: RunNode | undefined): void {
    this.run = run;
    this.refresh();
  }

  setFilter(types: readonly string[]): void {
    this.types = new Set(types);
    this.refresh();
  }

  refresh(): void {
    if (this.view) {
      this.view.message = this.run ? undefined : 'Select a run in the Runs view (or Baton: Show Run) to see its journal.';
      const f = this.types.size ? ` · only ${[...this.types].join(', ')}` : '';
      this.view.description = this.run ? `${this.run.agent ?? ''} ${this.run.runId}${f}` : undefined;
    }
    this.changed.fire(undefined);
  }

  /** The records of the selected run that pass the filter. */
  getChildren(n?: RecordNode): RecordNode[] {
    if (n || !this.run) return [];
    const run = this.run;
    // A live run that has finished is read from its journal file from now on.
    const live = run.live && this.runs.allRuns().some((r) => r.live && r.runId === run.runId) ? run : { ...run, live: undefined };
    const records = this.runs.recordsOf(live);
    const started = records.find((r): r is Extract<JournalRecord, { type: 'Started' }> => r.type === 'Started');
    return records
      .filter((r) => this.types.size === 0 || this.types.has(r.type))
      .map((record) => ({ kind: 'record', root: run.root, runId: run.runId, record, ...(started ? { file: started.file } : {}) }));
  }

  getTreeItem(n: RecordNode): vscode.TreeItem {
    const r = n.record;
    const item = new vscode.TreeItem(`${r.seq} ${r.type}`, vscode.TreeItemCollapsibleState.None);
    item.id = `${n.runId}#${r.seq}`;
    item.description = recordSummary(r);
    const { source: _source, ...shown } = r as JournalRecord & { source?: string };
    const md = new vscode.MarkdownString();
    md.appendCodeblock(JSON.stringify(shown, null, 2), 'json');
    item.tooltip = md;
    item.iconPath = new vscode.ThemeIcon(iconOf(r));
    const target = recordTarget(r, n.file);
    if (target) item.command = openCommand(n.root, target.file, target.line);
    item.contextValue = r.seq >= 1 ? 'baton.record' : 'baton.record.first';
    return item;
  }

  /** `baton.journal.filter(types?)`: a quick pick of record types (or the given list; [] shows all). */
  async pickFilter(types?: unknown): Promise<readonly string[]> {
    if (Array.isArray(types)) { this.setFilter(types.map(String)); return this.filter; }
    const present = new Set(this.getAllTypes());
    const items = RECORD_TYPES.map((t) => ({ label: t, description: present.has(t) ? '' : '(not in this run)', picked: this.types.has(t) }));
    const picks = await vscode.window.showQuickPick(items, { title: 'Baton: show journal records of type (none: all)', canPickMany: true });
    if (picks) this.setFilter(picks.map((p) => p.label));
    return this.filter;
  }

  private getAllTypes(): string[] {
    return this.run ? this.runs.recordsOf(this.run).map((r) => r.type) : [];
  }

  /** The JSONL file of the selected run, if it has one. */
  journalFile(): string | undefined {
    return this.run?.path ? path.resolve(this.run.path) : undefined;
  }

  dispose(): void { for (const d of this.subs) d.dispose(); }
}

function iconOf(r: JournalRecord): string {
  switch (r.type) {
    case 'Started': return 'play';
    case 'Terminated': return 'debug-stop';
    case 'StatementReached': return 'debug-step-over';
    case 'ModelRequested': case 'ReasoningComplete': return 'sparkle';
    case 'PolicyEvaluated': case 'ToolDenied': return 'law';
    case 'ApprovalRequested': case 'ApprovalDecided': return 'question';
    case 'ToolStarted': case 'ToolFinished': return 'tools';
    case 'Checkpoint': return 'verified';
    case 'ChildStarted': case 'ChildFinished': return 'type-hierarchy-sub';
    default: return 'circle-small';
  }
}
