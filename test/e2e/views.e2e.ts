/**
 * The "Baton" activity-bar views in a real VS Code: the container opens; the Agents view lists
 * agents by file; the Runs view lists runs and expands them to tool calls with the policy verdict;
 * the Journal view shows and filters a run's records; the Approvals view shows a pending approval
 * whose inline answer resolves the run, and always-allowed entries that revoke removes from
 * `.baton/approvals.json`; resume / replay / fork / verify on recorded runs. In Restricted Mode
 * (WORKSPACE_TRUST=1) resume, replay and fork are refused. The tree data providers come from the
 * extension's API (`exports.views`).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BatonViews } from '../../extension/views/index';
import type { RunNode, RunsNode } from '../../extension/views/runs-tree';
import type { ApprovalsNode } from '../../extension/views/approvals-tree';
import { EXTENSION_ID, fixture, journalRecords, waitFor, workspaceRoot } from './helpers';

interface RunSummary { runId?: string; reason: string; result?: unknown; error?: string; journalPath?: string }
interface Api { activeRuns(): number; pendingApprovals(): number; views: BatonViews }

async function api(): Promise<Api> {
  return vscode.extensions.getExtension<Api>(EXTENSION_ID)!.activate();
}

function run(file: string, agent: string, inputs: Record<string, unknown>): Thenable<RunSummary> {
  return vscode.commands.executeCommand<RunSummary>('baton.runAgent', { uri: fixture(file).toString(), agent, inputs });
}

function runNode(v: BatonViews, runId: string): RunNode | undefined {
  return v.runs.getChildren().find((n): n is RunNode => n.kind === 'run' && n.runId === runId && !n.live);
}

function group(v: BatonViews, which: 'pending' | 'always'): ApprovalsNode[] {
  const g = v.approvals.getChildren().find((n) => n.kind === 'group' && n.which === which)!;
  return v.approvals.getChildren(g);
}

describe('Baton extension: views', function () {
  let v: BatonViews;
  let greet: RunSummary;

  before(async function () {
    if (!vscode.workspace.isTrusted) this.skip();
    v = (await api()).views;
  });

  after(() => {
    if (vscode.workspace.isTrusted) fs.rmSync(path.join(workspaceRoot(), '.baton'), { recursive: true, force: true });
  });

  it('registers the Baton view container and its commands', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.baton');
    const all = await vscode.commands.getCommands(true);
    for (const c of ['baton.resumeRun', 'baton.replayRun', 'baton.forkRun', 'baton.verifyRun', 'baton.showRun', 'baton.manageAlwaysAllowed', 'baton.journal.filter', 'baton.refreshRuns']) assert.ok(all.includes(c), c);
  });

  it('the Agents view lists the agents by file', async () => {
    const files = await waitFor('agent files', async () => {
      const f = await v.agents.getChildren();
      return f.some((n) => n.kind === 'file' && n.uri.endsWith('views.baton')) ? f : undefined;
    });
    const viewsFile = files.find((n) => n.kind === 'file' && n.uri.endsWith('views.baton'))!;
    const agents = await v.agents.getChildren(viewsFile);
    assert.deepEqual(agents.map((a) => a.kind === 'agent' && a.agent), ['casual']);
    const item = v.agents.getTreeItem(agents[0]!);
    assert.equal(item.contextValue, 'baton.agent');
    assert.equal(item.command?.command, 'vscode.open');
  });

  it('the Runs view lists a run after baton.runAgent, with a status icon', async () => {
    greet = await run('hello.baton', 'greet', { name: 'Ada' });
    assert.equal(greet.reason, 'Completed', greet.error);
    const node = await waitFor('the run in the Runs view', () => runNode(v, greet.runId!));
    const item = v.runs.getTreeItem(node);
    assert.equal(item.label, 'greet');
    assert.equal(item.contextValue, 'baton.run.done');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.match(String(item.description), /Completed · \d+(\.\d+)? (ms|s)/);
  });

  it('expanding a run shows its tool call with the verdict and the rule', async () => {
    const running = run('hello.baton', 'guarded', { text: 'tree' });
    await vscode.commands.executeCommand('baton._test.answerNextApproval', { kind: 'allow_once' });
    const s = await running;
    assert.equal(s.reason, 'Completed', s.error);
    const node = await waitFor('the guarded run', () => runNode(v, s.runId!));
    const steps = v.runs.getChildren(node);
    const call = steps.find((n) => n.kind === 'step' && n.step.kind === 'tool')!;
    const item = v.runs.getTreeItem(call);
    assert.match(String(item.label), /^shout\("text":"tree"\)/);
    assert.match(String(item.description), /ASK → ALLOW — policy ask_first, allow \(hello\.baton:26\)/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass');
    const details = v.runs.getChildren(call).map((d) => v.runs.getTreeItem(d));
    const rule = details.find((d) => /require/.test(String(d.label)))!;
    assert.equal(rule.command?.command, 'baton.openLocation');
    assert.equal(rule.command?.arguments?.[1], 25);
    assert.ok(details.some((d) => /approval: allowed once/.test(String(d.label))));
  });

  it('the Journal view shows the selected run and filters by record type', async () => {
    assert.equal(await vscode.commands.executeCommand('baton.showRun', greet.runId), greet.runId);
    assert.equal(v.journal.selected?.runId, greet.runId);
    const all = v.journal.getChildren();
    assert.equal(all.length, journalRecords(greet.journalPath!).length);
    await vscode.commands.executeCommand('baton.journal.filter', ['Terminated']);
    const only = v.journal.getChildren();
    assert.deepEqual(only.map((n) => n.record.type), ['Terminated']);
    assert.match(String(v.journal.getTreeItem(only[0]!).description), /Completed/);
    await vscode.commands.executeCommand('baton.journal.filter', []);
    assert.equal(v.journal.getChildren().length, all.length);
    const stmt = all.find((n) => n.record.type === 'StatementReached')!;
    const cmd = v.journal.getTreeItem(stmt).command!;
    await vscode.commands.executeCommand(cmd.command, ...(cmd.arguments ?? []));
    const ed = vscode.window.activeTextEditor!;
    assert.ok(ed.document.uri.fsPath.endsWith('hello.baton'));
    assert.match(ed.document.lineAt(ed.selection.active.line).text, /let greeting/);
  });

  it('a pending approval shows in the Approvals and Runs views; answering it there resolves the run', async () => {
    const running = run('hello.baton', 'guarded', { text: 'from the view' });
    const pending = await waitFor('a pending approval in the view', () => { const p = group(v, 'pending'); return p.length === 1 ? p : undefined; });
    const item = v.approvals.getTreeItem(pending[0]!);
    assert.match(String(item.label), /guarded wants shout/);
    assert.equal(item.contextValue, 'baton.approval.pending');
    const details = v.approvals.getChildren(pending[0]).map((d) => v.approvals.getTreeItem(d));
    assert.ok(details.some((d) => d.command?.command === 'baton.openLocation' && /ask_first/.test(String(d.label))));
    const live = v.runs.getChildren().find((n): n is RunNode => n.kind === 'run' && !!n.live)!;
    assert.ok(v.runs.getChildren(live).some((n: RunsNode) => n.kind === 'pending'), 'inline in the Runs view');
    assert.equal(await vscode.commands.executeCommand('baton.approval.allowOnce', pending[0]), true);
    const s = await running;
    assert.equal(s.reason, 'Completed', s.error);
    assert.equal(s.result, 'from the view');
    const decided = journalRecords(s.journalPath!).find((r) => r.type === 'ApprovalDecided')!;
    assert.equal(decided.by, 'human (VS Code view)');
    assert.equal(group(v, 'pending').length, 0);
  });

  it('"Always allow" from the view adds an always-allowed entry; revoke removes it from .baton/approvals.json', async () => {
    const running = run('views.baton', 'casual', { text: 'always' });
    const [p] = await waitFor('a pending approval', () => { const g = group(v, 'pending'); return g.length === 1 ? g : undefined; });
    assert.equal(v.approvals.getTreeItem(p!).contextValue, 'baton.approval.pending.always');
    assert.equal(await vscode.commands.executeCommand('baton.approval.alwaysAllow', p), true);
    assert.equal((await running).reason, 'Completed');
    const file = path.join(workspaceRoot(), '.baton', 'approvals.json');
    const entry = await waitFor('the always-allowed entry', () => group(v, 'always').find((n) => n.kind === 'allowed' && n.entry.tool === 'note'));
    assert.equal(entry.kind === 'allowed' && entry.entry.agent, 'casual');
    assert.equal(v.approvals.getTreeItem(entry).contextValue, 'baton.alwaysAllowed');
    assert.equal(await vscode.commands.executeCommand('baton.revokeAlwaysAllowed', entry), 1);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { allowed: Array<{ tool: string }> };
    assert.ok(!stored.allowed.some((a) => a.tool === 'note'));
    assert.ok(!group(v, 'always').some((n) => n.kind === 'allowed' && n.entry.tool === 'note'));
  });

  it('replays a finished run to the same result and verifies it intact', async () => {
    const r = await vscode.commands.executeCommand<RunSummary>('baton.replayRun', runNode(v, greet.runId!));
    assert.equal(r.reason, 'Completed', r.error);
    assert.equal(r.result, greet.result);
    const ok = await vscode.commands.executeCommand<{ ok: boolean; final?: boolean }>('baton.verifyRun', greet.runId);
    assert.equal(ok.ok, true);
    assert.equal(ok.final, true);
  });

  it('verify names the first bad record of a tampered journal', async () => {
    const copy = await run('hello.baton', 'greet', { name: 'Eve' });
    const lines = fs.readFileSync(copy.journalPath!, 'utf8').split('\n');
    lines[1] = lines[1]!.replace(/"ts":"\d/, '"ts":"9');
    fs.writeFileSync(copy.journalPath!, lines.join('\n'));
    const bad = await vscode.commands.executeCommand<{ ok: boolean; seq: number }>('baton.verifyRun', copy.runId);
    assert.equal(bad.ok, false);
    assert.ok(bad.seq >= 1 && bad.seq <= 2, String(bad.seq));
  });

  it('resumes an interrupted run (a journal cut before Terminated)', async () => {
    const s = await run('hello.baton', 'greet', { name: 'Bo' });
    const kept = fs.readFileSync(s.journalPath!, 'utf8').split('\n').filter((l) => l && !/"type":"(Terminated|Checkpoint)"/.test(l));
    fs.writeFileSync(s.journalPath!, kept.join('\n') + '\n');
    const node = await waitFor('the interrupted run', () => { const n = runNode(v, s.runId!); return n && v.runs.getTreeItem(n).contextValue === 'baton.run.interrupted' ? n : undefined; });
    const r = await vscode.commands.executeCommand<RunSummary>('baton.resumeRun', node);
    assert.equal(r.reason, 'Completed', r.error);
    assert.equal(r.result, 'Hello, Bo!');
    assert.ok(journalRecords(s.journalPath!).some((x) => x.type === 'Resumed'));
  });

  it('forks a run from a journal record with a changed input', async () => {
    await vscode.commands.executeCommand('baton.showRun', runNode(v, greet.runId!));
    const first = v.journal.getChildren().find((n) => n.record.seq === 1)!;
    assert.equal(v.journal.getTreeItem(first).contextValue, 'baton.record');
    const r = await vscode.commands.executeCommand<RunSummary>('baton.forkRun', first, { name: 'Bob' });
    assert.equal(r.reason, 'Completed', r.error);
    assert.equal(r.result, 'Hello, Bob!');
    const started = journalRecords(r.journalPath!)[0]!;
    assert.deepEqual(started.forkOf, { run: greet.runId, at: 1 });
  });
});

describe('Baton extension: views in Restricted Mode', function () {
  before(function () {
    if (vscode.workspace.isTrusted) this.skip();
  });

  it('refuses resume, replay and fork', async () => {
    await api();
    for (const [cmd, ...args] of [['baton.resumeRun', 'x'], ['baton.replayRun', 'x'], ['baton.forkRun', { runId: 'x', at: 1 }, {}]] as const) {
      const s = await vscode.commands.executeCommand<RunSummary>(cmd, ...args);
      assert.equal(s.reason, 'Refused', cmd);
      assert.match(s.error ?? '', /Restricted Mode/);
    }
  });
});
