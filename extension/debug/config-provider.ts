/**
 * Debug configurations of type `baton`:
 * - initial configurations (launch.json is created with them) and dynamic ones, one per agent of
 *   the workspace (the Run and Debug view's "Baton" group);
 * - `resolveDebugConfiguration`: F5 without launch.json on a .baton/.symbi file debugs the agent
 *   under the cursor; a missing `program` is the active agent file; Restricted Mode refuses
 *   (trust.ts); a configuration with a wrong attribute is refused naming it;
 * - `resolveDebugConfigurationWithSubstitutedVariables`: `program` and `cwd` made absolute (`cwd`
 *   defaults to the workspace folder, where runs are journaled), the agent picked (the
 *   configuration's, else the one under the cursor, else the file's only one, else a pick), and
 *   the inputs asked with Run Agent's typed input boxes when the agent has parameters and the
 *   configuration gives no `inputs`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentSummary } from '../../language-server/protocol';
import { askInputs } from '../commands/run-agent';
import type { BatonClient } from '../language-client';
import { checkTrust, RESTRICTED_MESSAGE } from '../trust';
import { agentAtLine, agentConfiguration, agentsInText, checkLaunchConfig, DEBUG_TYPE, initialConfigurations } from './launch-config';

const AGENT_FILE = /\.(baton|symbi)$/i;

/** The agents of a file: the language server's answer, else the file parsed here. */
export async function agentsOf(client: BatonClient | undefined, uri: vscode.Uri): Promise<AgentSummary[]> {
  if (client) {
    try {
      const all = await client.agents(uri);
      const mine = all.filter((a) => a.uri === uri.toString() || vscode.Uri.parse(a.uri).fsPath === uri.fsPath);
      if (mine.length) return mine;
    } catch { /* the server is not running: parse the file here */ }
  }
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
  const text = open ? open.getText() : await fs.promises.readFile(uri.fsPath, 'utf8');
  return agentsInText(uri.toString(), text);
}

function activeAgentEditor(): vscode.TextEditor | undefined {
  const e = vscode.window.activeTextEditor;
  return e && (e.document.languageId === 'baton' || AGENT_FILE.test(e.document.uri.fsPath)) ? e : undefined;
}

function refuse(message: string): undefined {
  void vscode.window.showErrorMessage(`Baton: ${message}`);
  return undefined;
}

export class BatonConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly client: BatonClient | undefined) {}

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return initialConfigurations();
  }

  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    if (!config.type && !config.request && !config.name) {
      // F5 with no launch.json: the agent under the cursor of the active agent file.
      const editor = activeAgentEditor();
      if (!editor) return refuse('open a .baton or .symbi file to debug the agent under the cursor (or add a "baton" configuration to launch.json).');
      config = { type: DEBUG_TYPE, request: 'launch', name: 'Debug the agent under the cursor', program: editor.document.uri.fsPath };
    }
    if (!vscode.workspace.isTrusted) {
      checkTrust();
      return undefined;
    }
    const problems = checkLaunchConfig(config);
    if (problems.length) return refuse(problems.join('; '));
    config.request ??= 'launch';
    if (!config.runId && !config.program) {
      const editor = activeAgentEditor();
      if (!editor) return refuse(`launch configuration '${config.name}': no 'program' (an agent file) and no agent file is open.`);
      config.program = editor.document.uri.fsPath;
    }
    return config;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (!vscode.workspace.isTrusted) return refuse(RESTRICTED_MESSAGE.replace(/^Baton: /, ''));
    const problems = checkLaunchConfig(config); // `${...}` could have produced anything
    if (problems.length) return refuse(problems.join('; '));
    const base = folder?.uri.fsPath ?? (config.program && path.isAbsolute(config.program as string) ? path.dirname(config.program as string) : undefined);
    const cwd = config.cwd ? path.resolve(base ?? process.cwd(), config.cwd as string) : base;
    if (cwd) config.cwd = cwd;
    if (config.runId) {
      if (!cwd) return refuse(`launch configuration '${config.name}': 'runId' needs a workspace folder or a 'cwd' (where .baton/runs/ is).`);
      const journal = path.join(cwd, '.baton', 'runs', `${config.runId as string}.jsonl`);
      if (!fs.existsSync(journal)) return refuse(`launch configuration '${config.name}': no recorded run '${config.runId as string}' (${journal} does not exist).`);
      return config;
    }
    const program = path.resolve(cwd ?? process.cwd(), config.program as string);
    if (!fs.existsSync(program)) return refuse(`launch configuration '${config.name}': 'program' ${program} does not exist.`);
    config.program = program;
    const uri = vscode.Uri.file(program);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === program);
    if (open?.isDirty) await open.save(); // the session reads the file from disk
    const agents = await agentsOf(this.client, uri);
    if (!agents.length) return refuse(`${vscode.workspace.asRelativePath(uri)} declares no agent to debug.`);
    let agent: AgentSummary | undefined;
    if (config.agent) {
      agent = agents.find((a) => a.name === config.agent);
      if (!agent) return refuse(`launch configuration '${config.name}': no agent '${config.agent as string}' in ${vscode.workspace.asRelativePath(uri)} (agents: ${agents.map((a) => a.name).join(', ')}).`);
    } else {
      const editor = vscode.window.activeTextEditor;
      if (editor && editor.document.uri.fsPath === program) agent = agentAtLine(agents, editor.selection.active.line);
      agent ??= agentAtLine(agents, -1);
      if (!agent) {
        const pick = await vscode.window.showQuickPick(
          agents.map((a) => ({ label: a.name, description: `(${a.params.map((p) => p.name).join(', ')})${a.returns ? ` → ${a.returns}` : ''}`, agent: a })),
          { title: 'Baton: Debug Agent', placeHolder: `Agent of ${path.basename(program)} to debug` },
        );
        if (!pick) return undefined;
        agent = pick.agent;
      }
      config.agent = agent.name;
    }
    if (config.inputs === undefined && agent.params.length) {
      const inputs = await askInputs(agent, 'Debug');
      if (!inputs) return undefined;
      config.inputs = inputs;
    }
    return config;
  }
}

/** One configuration per agent of the workspace, for the Run and Debug view's list. */
export class BatonDynamicConfigurations implements vscode.DebugConfigurationProvider {
  constructor(private readonly client: BatonClient) {}

  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    let agents: AgentSummary[];
    try { agents = await this.client.agents(); } catch { return []; }
    return agents
      .map((a) => ({ a, uri: vscode.Uri.parse(a.uri) }))
      .filter(({ uri }) => !folder || vscode.workspace.getWorkspaceFolder(uri)?.uri.toString() === folder.uri.toString())
      .sort((x, y) => x.uri.fsPath.localeCompare(y.uri.fsPath) || x.a.range.start.line - y.a.range.start.line)
      .map(({ a, uri }) => agentConfiguration(a, uri.fsPath, folder?.uri.fsPath ?? vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath));
  }
}
