/**
 * The run webview in a real VS Code: a panel for a finished run (read from its journal) and for
 * live runs — one started through `baton.runAgent` (the panel tails the growing journal; the
 * approval is answered through the extension's test hook) and one started here with the run-events
 * hub and the approval bridge (answered through the panel's message path, as a button click
 * would). Checks the HTML (CSP with a nonce, no remote URLs), the webview's `ready`, and the state.
 * Until extension.ts registers the panel, the tests call `register()` with their own command id.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startRun } from '../../runtime/run/run';
import type { ApprovalProvider } from '../../runtime/approvals/approval';
import { ApprovalBridge, approvalSourceOf } from '../../extension/approval-bridge';
import { ExtensionApprovals } from '../../extension/approvals';
import { RunEventHub } from '../../extension/webview/run-events';
import { register, type RunPanels } from '../../extension/webview/register';
import type { RunPanel } from '../../extension/webview/run-panel';
import type { RunViewState, StepNode } from '../../extension/webview/protocol';
import { EXTENSION_ID, activeApi, fixture, runsDir, waitFor, workspaceRoot } from './helpers';

interface RunSummary { runId?: string; reason: string; result?: unknown; error?: string; journalPath?: string }

function runAgent(agent: string, inputs: Record<string, unknown> = {}): Thenable<RunSummary> {
  return vscode.commands.executeCommand<RunSummary>('baton.runAgent', { uri: fixture('hello.baton').toString(), agent, inputs });
}

function flatten(nodes: StepNode[]): StepNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

function checkHtml(panel: RunPanel): void {
  const html = panel.panel.webview.html;
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(meta, 'a CSP meta tag');
  const csp = meta[1]!;
  assert.match(csp, /default-src 'none'/);
  const nonce = /script-src 'nonce-([A-Za-z0-9]+)'/.exec(csp)?.[1];
  assert.ok(nonce && nonce.length >= 16, 'a script nonce');
  assert.match(csp, new RegExp(`style-src [^;']*(?:'self' [^;']*)?'nonce-${nonce}'`));
  assert.ok(!/unsafe-inline|unsafe-eval/.test(csp));
  assert.ok(html.includes(`<script nonce="${nonce}" src=`), 'the script carries the nonce');
  const media = panel.panel.webview.asWebviewUri(vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri, 'media', 'webview')).toString();
  const body = html.replace(meta[0], '');
  for (const url of body.match(/https?:\/\/[^"'\s)>]+/g) ?? []) assert.ok(url.startsWith(media), `only the extension's own media: ${url}`);
  assert.ok(!/<script>/.test(html), 'no inline script without a nonce');
}

async function stateWhere(panel: RunPanel, what: string, ok: (s: RunViewState) => boolean): Promise<RunViewState> {
  return waitFor(what, () => (panel.lastState && ok(panel.lastState) ? panel.lastState : undefined), 20_000);
}

describe('Baton run webview', function () {
  let panels: RunPanels;
  let hub: RunEventHub;
  let bridge: ApprovalBridge;
  const subscriptions: vscode.Disposable[] = [];

  before(async function () {
    if (!vscode.workspace.isTrusted) this.skip();
    await activeApi();
    // Earlier suites leave editors open (a JSON arguments editor, the walkthrough): a webview opened
    // behind them is not loaded until shown. Start from an empty editor area.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    hub = new RunEventHub();
    bridge = new ApprovalBridge();
    const context = { extensionUri: ext.extensionUri, subscriptions } as unknown as vscode.ExtensionContext;
    panels = register(context, { hub, approvals: bridge, commandId: 'baton._test.showRunPanel.webview', tailMs: 100 });
  });

  after(() => {
    for (const d of subscriptions.splice(0)) d.dispose();
    if (vscode.workspace.isTrusted) fs.rmSync(path.join(workspaceRoot(), '.baton'), { recursive: true, force: true });
  });

  it('shows a finished run from its journal: CSP with a nonce, no remote URLs, ready, records', async () => {
    const s = await runAgent('ask', {});
    assert.equal(s.reason, 'Completed', s.error);
    const shown = await vscode.commands.executeCommand<string>('baton._test.showRunPanel.webview', s.runId);
    assert.equal(shown, s.runId);
    let panel = panels.get(s.runId!)!;
    assert.ok(panel);
    checkHtml(panel);
    // The first webview of a session can be created behind an editor another suite opens late
    // (the walkthrough's quickstart): reveal it, or open it again if it was closed, then wait.
    for (let attempt = 0; ; attempt++) {
      const ready = await Promise.race([panel.ready.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (ready) break;
      if (attempt >= 3) throw new Error('the webview never posted ready');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('baton._test.showRunPanel.webview', s.runId);
      panel = panels.get(s.runId!) ?? panel;
      panel.reveal();
    }
    const state = await stateWhere(panel, 'the journal state', (x) => x.status === 'completed');
    assert.ok(panel.posted > 0, 'the state was posted to the webview');
    assert.equal(state.source, 'journal');
    assert.equal(state.agent, 'ask');
    assert.equal(state.provider, 'replay');
    const models = flatten(state.steps).filter((n) => n.kind === 'model');
    assert.equal(models.length, 1);
    assert.equal(models[0]!.status, 'done');
    assert.equal(state.tokens.length, 1);
    assert.ok(state.totals.input + state.totals.output > 0);
    assert.ok(state.timeline.some((e) => e.type === 'ReasoningComplete' && e.phase === 'Reasoning'));
    assert.equal(state.timeline.at(-1)!.type, 'Terminated');
    panel.dispose();
    assert.equal(panels.get(s.runId!), undefined);
  });

  it('follows a live run started by baton.runAgent (tailing the journal) through its approval', async () => {
    const before = new Set(fs.existsSync(runsDir()) ? fs.readdirSync(runsDir()) : []);
    const run = runAgent('guarded', { text: 'live panel' });
    const file = await waitFor('the new journal', () => (fs.existsSync(runsDir()) ? fs.readdirSync(runsDir()).find((f) => f.endsWith('.jsonl') && !before.has(f)) : undefined));
    const runId = file.replace(/\.jsonl$/, '');
    const panel = panels.show(runId);
    const waiting = await stateWhere(panel, 'the tool waiting for approval', (x) => flatten(x.steps).some((n) => n.kind === 'tool' && n.verdict === 'ask' && n.status === 'pending'));
    assert.equal(waiting.source, 'live');
    assert.equal(waiting.status, 'running');
    await vscode.commands.executeCommand('baton._test.answerNextApproval', { kind: 'allow_once' });
    const s = await run;
    assert.equal(s.reason, 'Completed', s.error);
    const done = await stateWhere(panel, 'the end of the run', (x) => x.status === 'completed');
    const tool = flatten(done.steps).find((n) => n.kind === 'tool')!;
    assert.equal(tool.status, 'done');
    assert.equal(typeof tool.ms, 'number');
    assert.equal(done.source, 'journal');
    panel.dispose();
  });

  it('answers an approval from the panel (hub + approval bridge, the message path of a click)', async () => {
    let runId = '';
    const approvals: ApprovalProvider = {
      request: (req) => new Promise((resolve) => bridge.add(req, (a) => { bridge.remove(req); resolve(a); })),
    };
    let panel: RunPanel | undefined;
    const outcome = startRun({
      root: workspaceRoot(), file: fixture('hello.baton').fsPath, agent: 'guarded', inputs: { text: 'from the panel' },
      provider: { id: 'none', complete: () => Promise.reject(new Error('no model in this test')) }, providerInfo: { id: 'none' },
      approvals, sink: hub.sink(() => runId),
      onStart: (id) => { runId = id; },
    });
    await waitFor('a pending approval in the bridge', () => bridge.pending().length === 1);
    panel = panels.show(runId);
    const waiting = await stateWhere(panel, 'the approval in the panel state', (x) => x.approvals.length === 1);
    assert.equal(waiting.source, 'live');
    const a = waiting.approvals[0]!;
    assert.equal(a.tool, 'shout');
    assert.deepEqual(a.args, { text: 'from the panel' });
    assert.ok(!panel.handleMessage({ type: 'answer', key: a.key, answer: { kind: 'bogus' } }), 'malformed answers are refused');
    assert.ok(panel.handleMessage({ type: 'answer', key: a.key, answer: { kind: 'edit', args: { text: 'edited in the panel' } } }));
    const o = await outcome;
    assert.equal(o.reason, 'Completed', o.error?.message);
    assert.equal(o.result, 'edited in the panel');
    const done = await stateWhere(panel, 'the end of the run', (x) => x.status === 'completed' && x.approvals.length === 0);
    assert.ok(done.timeline.some((e) => e.type === 'ApprovalDecided' && /edited/.test(e.label)));
    panel.dispose();
  });

  it('answers an approval of the extension\'s own ApprovalProvider from the panel (approvalSourceOf)', async () => {
    const log = vscode.window.createOutputChannel('Baton webview e2e', { log: true });
    const approvals = new ExtensionApprovals(log);
    const local = register({ extensionUri: vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri, subscriptions } as unknown as vscode.ExtensionContext,
      { hub, approvals: approvalSourceOf(approvals), commandId: '' });
    let runId = '';
    const outcome = startRun({
      root: workspaceRoot(), file: fixture('hello.baton').fsPath, agent: 'guarded', inputs: { text: 'denied here' },
      provider: { id: 'none', complete: () => Promise.reject(new Error('no model in this test')) }, providerInfo: { id: 'none' },
      approvals, sink: hub.sink(() => runId), onStart: (id) => { runId = id; },
    });
    await waitFor('a pending approval', () => approvals.waiting.length === 1);
    const panel = local.show(runId);
    const waiting = await stateWhere(panel, 'the approval in the panel state', (x) => x.approvals.length === 1);
    assert.ok(panel.handleMessage({ type: 'answer', key: waiting.approvals[0]!.key, answer: { kind: 'deny', reason: 'from the run panel' } }));
    const o = await outcome;
    assert.equal(o.reason, 'PolicyDenial');
    assert.match(o.error?.message ?? '', /from the run panel/);
    await stateWhere(panel, 'the end of the run', (x) => x.status === 'stopped' && x.approvals.length === 0 && flatten(x.steps).some((n) => n.status === 'denied'));
    panel.dispose();
    approvals.dispose();
    log.dispose();
  });

  it('reports a run id without a journal', async () => {
    const panel = panels.show('20000101-000000-nosuch');
    const s = await stateWhere(panel, 'a problem', (x) => !!x.problem);
    assert.match(s.problem!, /no journal/);
    panel.dispose();
  });
});
