/**
 * The run webview: one `WebviewPanel` per run (`baton.showRunPanel`). Live while the run executes —
 * from the run-events hub when run-manager feeds it, else by tailing the journal file until its
 * Terminated record — and otherwise read once from `.baton/runs/<id>.jsonl` (runtime readJournal).
 *
 * The HTML has a strict CSP (`default-src 'none'`, a fresh nonce for the one script and the
 * stylesheet, resources only from the extension's `media/webview/`), loads nothing remote, and
 * takes its colours from the theme (`--vscode-*` variables, in run.css). The state posted to the
 * webview is computed here (run-model.ts); the script only renders it and posts answers back,
 * which go to the pending approval through the approval bridge.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JournalRecord } from '../../runtime/journal/records';
import { readJournal } from '../../runtime/journal/reader';
import type { ApprovalSource } from '../approval-bridge';
import { describeRuleRef, parseFromWebview, type FromWebview, type RunViewState, type ToWebview } from './protocol';
import type { RunEventHub } from './run-events';
import { agentMetrics } from '../metrics';
import { buildRunState, historyView } from './run-model';

export interface RunPanelDeps {
  extensionUri: vscode.Uri;
  hub: RunEventHub;
  approvals: ApprovalSource;
  /** The journal file of a run (default: `.baton/runs/<id>.jsonl` in the first folder that has it). */
  journalPath?: (runId: string) => string | undefined;
  /** Who answers, as journaled in ApprovalDecided. */
  answeredBy?: string;
  /** Polling interval of a growing journal (ms). */
  tailMs?: number;
}

export function defaultJournalPath(runId: string): string | undefined {
  if (!/^[\w.-]+$/.test(runId)) return undefined;
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    const p = path.join(f.uri.fsPath, '.baton', 'runs', `${runId}.jsonl`);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

export function nonce(): string {
  return crypto.randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class RunPanel implements vscode.Disposable {
  static readonly viewType = 'baton.runPanel';

  readonly panel: vscode.WebviewPanel;
  /** The last state computed (posted once the webview is ready); tests read it. */
  lastState: RunViewState | undefined;
  /** Messages posted to the webview so far (tests). */
  posted = 0;
  /** True once the webview's script said `ready`. */
  isReady = false;
  /** Resolves at the first `ready` from the webview. */
  readonly ready: Promise<void>;
  private readyResolve!: () => void;
  private records: JournalRecord[] = [];
  private live = false;
  private problem: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private tail: ReturnType<typeof setInterval> | undefined;
  private tailSize = -1;
  private readonly disposables: Array<{ dispose(): void }> = [];
  private readonly changed = new vscode.EventEmitter<RunViewState>();
  /** Fires with each new state. */
  readonly onDidChangeState = this.changed.event;
  private disposed = false;

  constructor(readonly runId: string, private readonly deps: RunPanelDeps, onDispose: () => void) {
    this.ready = new Promise((r) => { this.readyResolve = r; });
    const media = vscode.Uri.joinPath(deps.extensionUri, 'media', 'webview');
    this.panel = vscode.window.createWebviewPanel(RunPanel.viewType, `Baton run ${runId}`, vscode.ViewColumn.Active, {
      enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: false,
    });
    this.panel.webview.html = this.html();
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((m: unknown) => this.handleMessage(m)),
      { dispose: deps.approvals.onDidChange(() => this.schedule()) },
      this.changed,
    );
    this.panel.onDidDispose(() => { this.dispose(); onDispose(); });
    this.load();
  }

  /** The page: strict CSP, nonce'd script and stylesheet from media/webview/, nothing remote. */
  html(): string {
    const w = this.panel.webview;
    const media = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'webview');
    const n = nonce();
    const js = w.asWebviewUri(vscode.Uri.joinPath(media, 'run.js'));
    const css = w.asWebviewUri(vscode.Uri.joinPath(media, 'run.css'));
    const csp = `default-src 'none'; img-src ${w.cspSource} data:; script-src 'nonce-${n}'; style-src ${w.cspSource} 'nonce-${n}'; font-src ${w.cspSource}`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${n}" href="${css.toString()}">
<title>Baton run ${escapeHtml(this.runId)}</title>
</head>
<body>
<main id="app" data-run="${escapeHtml(this.runId)}"><p class="muted">Loading run ${escapeHtml(this.runId)}…</p></main>
<script nonce="${n}" src="${js.toString()}"></script>
</body>
</html>`;
  }

  /** A message from the webview (also the tests' way in: the same path as a click). */
  handleMessage(raw: unknown): boolean {
    const m: FromWebview | undefined = parseFromWebview(raw);
    if (!m) return false;
    if (m.type === 'ready') {
      this.isReady = true;
      this.readyResolve();
      if (this.lastState) this.post({ type: 'state', state: this.lastState });
      return true;
    }
    const ok = this.deps.approvals.answer(this.runId, m.key, m.answer, this.deps.answeredBy ?? 'human (VS Code run panel)');
    if (!ok) void vscode.window.showWarningMessage(`Baton: the approval ${m.key} of run ${this.runId} is no longer waiting.`);
    this.schedule();
    return ok;
  }

  reveal(): void { this.panel.reveal(); }

  private load(): void {
    const watch = this.deps.hub.watch(this.runId, (ev) => {
      if (ev.kind === 'record') { this.records.push(ev.record); if (ev.record.type === 'Terminated') this.live = false; this.schedule(); }
      else if (ev.kind === 'delta') this.post({ type: 'delta', key: ev.key, text: ev.text });
      else if (ev.kind === 'approval-pending') this.schedule();
    });
    if (watch) {
      this.disposables.push(watch);
      this.records = watch.records;
      this.live = this.deps.hub.isLive(this.runId);
      this.refresh();
      return;
    }
    this.readFile();
    if (this.live) {
      this.tail = setInterval(() => this.readFile(), this.deps.tailMs ?? 300);
    }
    this.refresh();
  }

  /** (Re)reads the journal file when it grew; live until it has a Terminated record. */
  private readFile(): void {
    const file = (this.deps.journalPath ?? defaultJournalPath)(this.runId);
    if (!file) { this.problem = `no journal for run ${this.runId} under .baton/runs/ in this workspace`; this.live = false; this.stopTail(); return; }
    try {
      const size = fs.statSync(file).size;
      if (size === this.tailSize) return;
      this.tailSize = size;
      this.records = readJournal(file).records;
      this.problem = undefined;
      this.live = !this.records.some((r) => r.type === 'Terminated');
      if (this.tail) this.schedule(); // the first read is rendered by load()
      if (!this.live) this.stopTail();
    } catch (e) {
      this.problem = (e as Error).message;
      this.live = false;
      this.stopTail();
    }
  }

  private stopTail(): void {
    if (this.tail) { clearInterval(this.tail); this.tail = undefined; }
  }

  private schedule(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => { this.timer = undefined; this.refresh(); }, 80);
  }

  private refresh(): void {
    if (this.disposed) return;
    const state = buildRunState(this.runId, this.records, this.live);
    if (this.live) { state.source = 'live'; if (state.status !== 'running') state.source = 'journal'; }
    state.approvals = this.deps.approvals.pending(this.runId).map((r) => ({
      key: r.key, tool: r.tool, args: r.args, reason: r.reason, rule: describeRuleRef(r.rule),
      inDoubt: r.inDoubt === true, canAlwaysAllow: r.canAlwaysAllow,
    }));
    if (this.problem) state.problem = this.problem;
    const m = state.agent !== '?' ? agentMetrics(state.agent) : undefined;
    if (m) state.history = historyView(m);
    this.lastState = state;
    this.changed.fire(state);
    if (this.isReady) this.post({ type: 'state', state });
  }

  private post(m: ToWebview): void {
    if (this.disposed || !this.isReady) return;
    this.posted++;
    void this.panel.webview.postMessage(m);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopTail();
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
