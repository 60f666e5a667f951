/**
 * Runs from the editor, in a trusted workspace: `baton.runAgent` with arguments (no pickers)
 * completes runs and journals them under the fixture's .baton/runs/; approvals are answered through
 * the extension's ApprovalProvider via the internal `baton._test.answerNextApproval` hook (allow,
 * deny), time out per `baton.approvalTimeoutSeconds`, and `baton.stopRun` cancels a waiting run.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activeApi, fixture, journalRecords, waitFor, workspaceRoot, type BatonApi } from './helpers';

interface RunSummary { runId?: string; reason: string; result?: unknown; error?: string; journalPath?: string }
interface ApprovalRequestSeen { tool: string; agent: string; args: Record<string, unknown>; rule: { policy: string; verb: string; file: string; line: number } }

function runAgent(agent: string, inputs: Record<string, unknown> = {}): Thenable<RunSummary> {
  return vscode.commands.executeCommand<RunSummary>('baton.runAgent', { uri: fixture('hello.baton').toString(), agent, inputs });
}

function answerNext(answer: unknown): Thenable<ApprovalRequestSeen> {
  return vscode.commands.executeCommand<ApprovalRequestSeen>('baton._test.answerNextApproval', answer);
}

describe('Baton extension: runs and approvals', function () {
  let api: BatonApi;

  before(async function () {
    if (!vscode.workspace.isTrusted) this.skip();
    api = await activeApi();
  });

  after(() => {
    if (vscode.workspace.isTrusted) fs.rmSync(path.join(workspaceRoot(), '.baton'), { recursive: true, force: true });
  });

  it('runs a body-only agent and writes its journal with a Terminated record', async () => {
    const s = await runAgent('greet', { name: 'Ada' });
    assert.equal(s.reason, 'Completed', s.error);
    assert.equal(s.result, 'Hello, Ada!');
    assert.ok(s.runId && s.journalPath);
    assert.equal(s.journalPath, path.join(workspaceRoot(), '.baton', 'runs', `${s.runId}.jsonl`));
    const records = journalRecords(s.journalPath);
    assert.equal(records[0]!.type, 'Started');
    const end = records.find((r) => r.type === 'Terminated');
    assert.ok(end, 'a Terminated record');
    assert.equal(end.reason, 'Completed');
    assert.equal(api.activeRuns(), 0);
  });

  it('the CodeLens form asks each input in a box prefilled with its default', async () => {
    let done = false;
    const run = Promise.resolve(vscode.commands.executeCommand<RunSummary>('baton.runAgent', fixture('hello.baton').toString(), 'greet')).finally(() => { done = true; });
    // Accept each box as it opens (accepting with no box open does nothing): name, then times.
    for (let i = 0; i < 100 && !done; i++) {
      await new Promise((r) => setTimeout(r, 200));
      if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    const s = await run;
    assert.equal(s.reason, 'Completed', s.error);
    assert.equal(s.result, 'Hello, world!');
  });

  it('runs a model agent from the replay cassette set in the workspace settings', async () => {
    const s = await runAgent('ask', {});
    assert.equal(s.reason, 'Completed', s.error);
    assert.equal(s.result, "A fixture workspace for Baton's end-to-end tests.");
    const started = journalRecords(s.journalPath!).find((r) => r.type === 'Started')!;
    assert.equal(started.provider, 'replay');
  });

  it('an approval allowed through the ApprovalProvider lets the tool run', async () => {
    const run = runAgent('guarded', { text: 'hello e2e' });
    const req = await answerNext({ kind: 'allow_once' });
    assert.equal(req.tool, 'shout');
    assert.equal(req.agent, 'guarded');
    assert.deepEqual(req.args, { text: 'hello e2e' });
    assert.equal(req.rule.policy, 'ask_first');
    assert.equal(req.rule.verb, 'require');
    const s = await run;
    assert.equal(s.reason, 'Completed', s.error);
    assert.equal(s.result, 'hello e2e');
    const decided = journalRecords(s.journalPath!).find((r) => r.type === 'ApprovalDecided')!;
    assert.deepEqual(decided.answer, { kind: 'allow_once' });
    assert.equal(decided.by, 'test hook');
  });

  it('an approval denied with a reason stops the tool call', async () => {
    const run = runAgent('guarded', { text: 'nope' });
    await answerNext({ kind: 'deny', reason: 'not today' });
    const s = await run;
    assert.equal(s.reason, 'PolicyDenial');
    assert.match(s.error ?? '', /not today/);
    const records = journalRecords(s.journalPath!);
    assert.ok(!records.some((r) => r.type === 'ToolStarted'), 'the tool never ran');
    assert.ok(records.some((r) => r.type === 'ToolDenied'));
  });

  it('an approval answered with edited arguments runs the tool with them', async () => {
    const run = runAgent('guarded', { text: 'original' });
    await answerNext({ kind: 'edit', args: { text: 'edited' } });
    const s = await run;
    assert.equal(s.reason, 'Completed', s.error);
    assert.equal(s.result, 'edited');
  });

  it('an unanswered approval is denied as "timed out" after baton.approvalTimeoutSeconds', async () => {
    const cfg = vscode.workspace.getConfiguration('baton');
    await cfg.update('approvalTimeoutSeconds', 1, vscode.ConfigurationTarget.Global);
    try {
      const s = await runAgent('guarded', { text: 'late' });
      assert.equal(s.reason, 'PolicyDenial');
      assert.match(s.error ?? '', /timed out/);
    } finally {
      await cfg.update('approvalTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('baton.stopRun cancels a run waiting for an approval', async () => {
    const run = runAgent('guarded', { text: 'stop me' });
    await waitFor('a pending approval', () => api.pendingApprovals() === 1);
    assert.equal(api.activeRuns(), 1);
    const stopped = await vscode.commands.executeCommand<number>('baton.stopRun');
    assert.equal(stopped, 1);
    const s = await run;
    assert.equal(s.reason, 'Cancelled');
    assert.equal(api.activeRuns(), 0);
    assert.equal(api.pendingApprovals(), 0);
    const end = journalRecords(s.journalPath!).find((r) => r.type === 'Terminated')!;
    assert.equal(end.reason, 'Cancelled');
  });
});
