/**
 * Extension entry point: the language client ("Baton Language Server" channel), the "Baton" log
 * channel for runs, the run commands (`baton.runAgent`, `baton.setApiKey`, `baton.showOutput`, and
 * commands/run-commands.ts: stop, resume, replay, fork, verify, show), the "▶ Run" CodeLens, the
 * approval provider, the status bar item and the "Baton" activity-bar views (views/index.ts).
 * Runs are refused in Restricted Mode (trust.ts); language features keep working.
 *
 * `activate` records `performance.now()` at its start and end (`activation` in the API; the e2e
 * tests write it to out/bench/extension-activation.json for test/bench/extension.ts).
 *
 * `baton._test.answerNextApproval` is internal (not contributed to the palette): the end-to-end
 * tests answer approvals with it through the same path as a click.
 */
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { ApprovalAnswer } from '../runtime/journal/records';
import { ExtensionApprovals } from './approvals';
import { RunCodeLensProvider } from './codelens';
import { runAgentCommand } from './commands/run-agent';
import { registerRunCommands } from './commands/run-commands';
import { BatonClient } from './language-client';
import { RunManager } from './run-manager';
import { setApiKey } from './settings';
import { registerViews, type BatonViews } from './views/index';
import { approvalSourceOf } from './approval-bridge';
import { register as registerRunPanel } from './webview/register';
import { register as registerLm } from './lm/register';
import { registerEditArgs } from './edit-args';
import { registerWalkthrough } from './walkthrough';
import { runMetrics } from './metrics';
import { registerDebug } from './debug/debug-contrib';
import type { AgentMetrics } from './metrics-model';

let client: BatonClient | undefined;

/** What `activate` returns (`vscode.extensions.getExtension('baton.baton').exports`). */
export interface BatonApi {
  /** Number of runs in progress. */
  activeRuns(): number;
  /** Number of approvals waiting for an answer. */
  pendingApprovals(): number;
  /** The tree data providers of the Baton views (for tests). */
  views: BatonViews;
  /** `performance.now()` at the start and end of `activate` (ms), and the difference. */
  activation: { start: number; end: number; ms: number };
  /** Per-agent metrics over the workspace folders' runs (metrics.ts). */
  metrics(): Map<string, AgentMetrics>;
  /** The run manager (tests: `simulate` feeds events through a run's event path). */
  runs: RunManager;
}

export async function activate(context: vscode.ExtensionContext): Promise<BatonApi> {
  const start = performance.now();
  const serverChannel = vscode.window.createOutputChannel('Baton Language Server', { log: true });
  const log = vscode.window.createOutputChannel('Baton', { log: true });
  const approvals = new ExtensionApprovals(log);
  const runs = new RunManager(log, approvals, context.secrets);
  client = new BatonClient(context, serverChannel);
  const c = client;
  context.subscriptions.push(
    serverChannel, log, runs, approvals, c,
    vscode.commands.registerCommand('baton.restartLanguageServer', () => c.restart()),
    vscode.commands.registerCommand('baton.runAgent', (arg?: unknown, agent?: unknown) => runAgentCommand(c, runs, arg, agent)),
    vscode.commands.registerCommand('baton.setApiKey', () => setApiKey(context.secrets)),
    vscode.commands.registerCommand('baton.showOutput', () => log.show(true)),
    vscode.commands.registerCommand('baton._test.answerNextApproval', (answer: ApprovalAnswer, timeoutMs?: number) => approvals.answerNext(answer, timeoutMs)),
    vscode.languages.registerCodeLensProvider({ language: 'baton' }, new RunCodeLensProvider(c)),
  );
  const views = registerViews(context, c, runs, approvals);
  registerRunPanel(context, { approvals: approvalSourceOf(approvals) });
  registerLm(context);
  context.subscriptions.push(...registerRunCommands(runs, views.runs, views.journal, log), ...registerEditArgs(), ...registerWalkthrough(context, approvals));
  context.subscriptions.push(...registerDebug({ client: c, approvals, secrets: context.secrets }));
  c.ready().catch((e: unknown) => log.error(`the language server did not start: ${(e as Error).message}`));
  const end = performance.now();
  return {
    activeRuns: () => runs.activeCount, pendingApprovals: () => approvals.waiting.length, views, runs,
    activation: { start, end, ms: end - start },
    metrics: () => runMetrics.byAgent((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)),
  };
}

export async function deactivate(): Promise<void> {
  if (client?.client.isRunning()) await client.client.stop().catch(() => undefined);
}
