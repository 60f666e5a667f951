/**
 * The debugger's registration in VS Code:
 * - debug type `baton`: the adapter (debug-session.ts) runs inline in the extension host
 *   (`DebugAdapterInlineImplementation`) with the extension's services — the model provider from
 *   the `baton.*` settings of the folder, overridden by the launch's `provider`/`model`/`baseUrl`/
 *   `cassette` (a `cassette` or `provider: "replay"` launch needs no key and no network); the
 *   extension's approval provider, so a debugged run's approvals show as a notification and in the
 *   Approvals view and are answered there, also while the session is paused; Restricted Mode
 *   refuses (trust.ts);
 * - the configuration providers (config-provider.ts): initial, dynamic (one per agent), F5;
 * - `baton.debugAgent` (the "Debug" CodeLens, the Agents view, the palette): starts a session on an
 *   agent. Arguments: `(uri, agent)` (the CodeLens); `({ uri?, agent?, inputs?, stopOnEntry?,
 *   provider?, model?, cassette?, baseUrl?, cwd? })` (tests; `inputs` given: no input box); none:
 *   the agent under the cursor of the active agent file. Resolves with whether a session started.
 * - `baton.pickRunId` (for `"runId": "${command:baton.pickRunId}"`): picks a recorded run of the folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentSummary } from '../../language-server/protocol';
import type { ApprovalProvider } from '../../runtime/approvals/approval';
import { BatonError } from '../../runtime/errors';
import { providerFrom } from '../../runtime/providers/choose';
import type { InferenceProvider } from '../../runtime/providers/provider';
import type { BatonClient } from '../language-client';
import { createVsCodeLmProvider } from '../lm/vscode-lm-provider';
import { secretKey } from '../settings';
import { checkTrust, RESTRICTED_MESSAGE } from '../trust';
import { BatonConfigurationProvider, BatonDynamicConfigurations } from './config-provider';
import { BatonDebugSession, type BatonLaunchArgs, type DebugServices } from './debug-session';
import { chooseProvider, DEBUG_TYPE } from './launch-config';

/** The launch attributes `baton.debugAgent` passes through to the configuration. */
const PASSED = ['inputs', 'stopOnEntry', 'provider', 'model', 'cassette', 'baseUrl', 'cwd'] as const;

export interface DebugContribDeps {
  client: BatonClient;
  approvals: ApprovalProvider;
  secrets: vscode.SecretStorage;
}

/** The model provider of a debug launch rooted at `root`. */
export async function launchProvider(secrets: vscode.SecretStorage, args: BatonLaunchArgs, root: string): Promise<{ provider: InferenceProvider; info: { id: string; model?: string; baseUrl?: string }; secrets: string[] }> {
  const scope = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(root))?.uri ?? vscode.Uri.file(root);
  const cfg = vscode.workspace.getConfiguration('baton', scope);
  const choice = chooseProvider(
    { provider: cfg.get<string>('provider'), model: cfg.get<string>('model'), baseUrl: cfg.get<string>('baseUrl'), cassette: cfg.get<string>('cassette') },
    args, root,
  );
  const { id, model, baseUrl } = choice;
  if (id === 'vscode-lm') return { provider: createVsCodeLmProvider(model), info: { id, ...(model ? { model } : {}) }, secrets: [] };
  if (id === 'replay' && !choice.cassettePath) {
    throw new BatonError('usage', `the replay provider needs a cassette: set "cassette" in the launch configuration '${(args as { name?: string }).name ?? 'baton'}' or the baton.cassette setting`);
  }
  const apiKey = id === 'openai' || id === 'anthropic' ? (await secrets.get(secretKey(id)))?.trim() || undefined : undefined;
  // Replay is checked at launch (a missing cassette names its file); the others are created on
  // first use, so an agent that never calls a model needs no key.
  return providerFrom({ id, model, baseUrl, cassette: choice.cassettePath, cassetteLabel: choice.cassette, apiKey });
}

/** The services the inline adapter runs with. */
export function debugServices(deps: DebugContribDeps): DebugServices {
  return {
    provider: (args, root) => launchProvider(deps.secrets, args, root),
    approvals: deps.approvals,
    refuse: () => (vscode.workspace.isTrusted ? undefined : RESTRICTED_MESSAGE),
  };
}

class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly services: DebugServices) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    // @vscode/debugadapter's session has the inline adapter's shape (handleMessage, onDidSendMessage).
    return new vscode.DebugAdapterInlineImplementation(new BatonDebugSession(this.services) as unknown as vscode.DebugAdapter);
  }
}

function toUri(u: string | vscode.Uri): vscode.Uri {
  if (typeof u !== 'string') return u;
  return /^[a-z][\w+.-]*:/i.test(u) && !/^[a-z]:[\\/]/i.test(u) ? vscode.Uri.parse(u) : vscode.Uri.file(u);
}

/** `baton.debugAgent`. */
export async function debugAgentCommand(client: BatonClient, arg?: unknown, agentArg?: unknown): Promise<boolean> {
  if (!checkTrust()) return false;
  let uri: vscode.Uri | undefined;
  let agent: string | undefined;
  const extra: Record<string, unknown> = {};
  if ((typeof arg === 'string' || arg instanceof vscode.Uri) && (typeof agentArg === 'string' || agentArg === undefined)) {
    uri = toUri(arg);
    agent = agentArg;
  } else if (arg && typeof arg === 'object' && !(arg instanceof vscode.Uri)) {
    const a = arg as { uri?: string | vscode.Uri; agent?: unknown; agentName?: unknown } & Record<string, unknown>;
    if (a.uri !== undefined) uri = toUri(a.uri);
    agent = typeof a.agent === 'string' ? a.agent : undefined;
    for (const k of PASSED) if (a[k] !== undefined) extra[k] = a[k];
  }
  if (!uri) {
    const editor = vscode.window.activeTextEditor;
    if (editor && (editor.document.languageId === 'baton' || /\.(baton|symbi)$/i.test(editor.document.uri.fsPath))) uri = editor.document.uri;
  }
  if (!uri) {
    let agents: AgentSummary[];
    try { agents = await client.agents(); } catch { agents = []; }
    if (!agents.length) { void vscode.window.showInformationMessage('Baton: no agents found in the workspace.'); return false; }
    const pick = await vscode.window.showQuickPick(
      agents.map((a) => ({ label: a.name, description: vscode.workspace.asRelativePath(vscode.Uri.parse(a.uri)), a })),
      { title: 'Baton: Debug Agent', placeHolder: 'Agent to debug', matchOnDescription: true },
    );
    if (!pick) return false;
    uri = vscode.Uri.parse(pick.a.uri);
    agent = pick.a.name;
  }
  const config: vscode.DebugConfiguration = {
    type: DEBUG_TYPE, request: 'launch', name: agent ? `Debug ${agent}` : `Debug ${path.basename(uri.fsPath)}`,
    program: uri.fsPath, ...(agent ? { agent } : {}), ...extra,
  };
  return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri), config);
}

/** `baton.pickRunId`: a recorded run of a workspace folder (newest first); undefined cancels the launch. */
async function pickRunId(): Promise<string | undefined> {
  const runs: Array<{ label: string; description: string; mtime: number }> = [];
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    const dir = path.join(f.uri.fsPath, '.baton', 'runs');
    let names: string[];
    try { names = fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')); } catch { continue; }
    for (const n of names) {
      const file = path.join(dir, n);
      let agent = '';
      try {
        const first = fs.readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
        agent = (JSON.parse(first) as { agent?: string }).agent ?? '';
      } catch { /* a torn or empty journal: listed without its agent */ }
      runs.push({ label: n.slice(0, -'.jsonl'.length), description: `${agent}${agent ? ' — ' : ''}${f.name}`, mtime: fs.statSync(file).mtimeMs });
    }
  }
  if (!runs.length) {
    void vscode.window.showInformationMessage('Baton: no recorded runs in the workspace (.baton/runs/ is empty).');
    return undefined;
  }
  runs.sort((a, b) => b.mtime - a.mtime);
  return (await vscode.window.showQuickPick(runs, { title: 'Baton: Step Through a Recorded Run', placeHolder: 'Run to step through', matchOnDescription: true }))?.label;
}

/** Registers the debug type, its configuration providers and the commands. */
export function registerDebug(deps: DebugContribDeps): vscode.Disposable[] {
  const initial = new BatonConfigurationProvider(deps.client);
  return [
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new InlineAdapterFactory(debugServices(deps))),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, initial, vscode.DebugConfigurationProviderTriggerKind.Initial),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new BatonDynamicConfigurations(deps.client), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.commands.registerCommand('baton.debugAgent', (arg?: unknown, agent?: unknown) => debugAgentCommand(deps.client, arg, agent)),
    vscode.commands.registerCommand('baton.pickRunId', () => pickRunId()),
  ];
}
