/**
 * `baton.runAgent`: pick an agent of the workspace (from `baton/agents`), then one input box per
 * parameter typed from its declaration (int/float/bool validated, defaults prefilled, JSON for
 * records and lists), then run it (RunManager). Arguments skip the pickers:
 *   - `(uri: string | Uri, agent: string)` — the CodeLens: asks only for the inputs;
 *   - `({ uri?, agent, inputs? })` — tests and other commands: with `inputs`, asks nothing.
 * Resolves with the run's summary (undefined when the user cancelled a picker).
 */
import * as vscode from 'vscode';
import type { AgentParam, AgentSummary } from '../../language-server/protocol';
import type { Json } from '../../runtime/ir/schema';
import type { BatonClient } from '../language-client';
import type { RunManager, RunSummary } from '../run-manager';
import { checkTrust } from '../trust';

export interface RunAgentArgs { uri?: string | vscode.Uri; agent: string; inputs?: Record<string, Json> }

export async function runAgentCommand(client: BatonClient, runs: RunManager, arg?: unknown, agentArg?: unknown): Promise<RunSummary | undefined> {
  if (!checkTrust()) return { reason: 'Refused', error: 'Restricted Mode: running agents is disabled in untrusted workspaces' };
  let uri: vscode.Uri | undefined;
  let name: string | undefined;
  let inputs: Record<string, Json> | undefined;
  if (arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) && typeof (arg as RunAgentArgs).agent === 'string') {
    const a = arg as RunAgentArgs;
    uri = a.uri === undefined ? undefined : toUri(a.uri);
    name = a.agent;
    inputs = a.inputs;
  } else if ((typeof arg === 'string' || arg instanceof vscode.Uri) && typeof agentArg === 'string') {
    uri = toUri(arg);
    name = agentArg;
  }
  let summary: AgentSummary | undefined;
  if (name === undefined) {
    summary = await pickAgent(client);
    if (!summary) return undefined;
  } else if (inputs === undefined || uri === undefined) {
    const all = await client.agents(uri);
    summary = all.find((a) => a.name === name && (!uri || sameFile(a.uri, uri)));
    if (!summary) {
      void vscode.window.showErrorMessage(`Baton: no agent '${name}'${uri ? ` in ${vscode.workspace.asRelativePath(uri)}` : ' in the workspace'}.`);
      return { reason: 'Error', error: `no agent '${name}'` };
    }
  }
  uri ??= vscode.Uri.parse(summary!.uri);
  if (inputs === undefined) {
    inputs = await askInputs(summary!);
    if (!inputs) return undefined;
  }
  return runs.run({ uri, agent: name ?? summary!.name, inputs });
}

function toUri(u: string | vscode.Uri): vscode.Uri {
  if (typeof u !== 'string') return u;
  return /^[a-z][\w+.-]*:/i.test(u) && !/^[a-z]:[\\/]/i.test(u) ? vscode.Uri.parse(u) : vscode.Uri.file(u);
}

function sameFile(a: string, b: vscode.Uri): boolean {
  return a === b.toString() || vscode.Uri.parse(a).fsPath === b.fsPath;
}

async function pickAgent(client: BatonClient): Promise<AgentSummary | undefined> {
  const agents = await client.agents();
  if (!agents.length) {
    void vscode.window.showInformationMessage('Baton: no agents found in the workspace.');
    return undefined;
  }
  const items = agents
    .map((a) => ({
      label: a.name,
      description: `${vscode.workspace.asRelativePath(vscode.Uri.parse(a.uri))}  (${a.params.map((p) => p.name).join(', ')})${a.returns ? ` → ${a.returns}` : ''}`,
      detail: a.description,
      agent: a,
    }))
    .sort((x, y) => x.description.localeCompare(y.description) || x.label.localeCompare(y.label));
  return (await vscode.window.showQuickPick(items, { title: 'Baton: Run Agent', placeHolder: 'Agent to run', matchOnDescription: true, matchOnDetail: true }))?.agent;
}

type Kind = 'int' | 'float' | 'bool' | 'string' | 'json';

function kindOf(type: string | undefined): Kind {
  const t = (type ?? '').trim().replace(/\?$/, '');
  if (t === 'int') return 'int';
  if (t === 'float' || t === 'number') return 'float';
  if (t === 'bool' || t === 'boolean') return 'bool';
  if (t === '' || t === 'String' || t === 'string' || t === 'Any') return 'string';
  return 'json';
}

/** The value typed in the box for a parameter, or an error message. */
export function parseInput(kind: Kind, text: string): { value: Json } | { error: string } {
  const t = text.trim();
  switch (kind) {
    case 'int': return /^[-+]?\d+$/.test(t) ? { value: Number(t) } : { error: 'Expected an integer' };
    case 'float': return t !== '' && Number.isFinite(Number(t)) ? { value: Number(t) } : { error: 'Expected a number' };
    case 'bool': return t === 'true' || t === 'false' ? { value: t === 'true' } : { error: 'Expected true or false' };
    case 'string': return { value: text };
    case 'json':
      try { return { value: JSON.parse(t) as Json }; } catch (e) { return { error: `Expected JSON (${(e as Error).message})` }; }
  }
}

/** The default's source text as the box's initial value (a string literal unquoted). */
function prefill(p: AgentParam, kind: Kind): string {
  if (p.default === undefined) return '';
  if (kind === 'string') {
    try { const v = JSON.parse(p.default) as unknown; if (typeof v === 'string') return v; } catch { /* as written */ }
  }
  return p.default;
}

/** One typed input box per parameter (`verb` titles them: Run, Debug); undefined when one is dismissed. */
export async function askInputs(agent: AgentSummary, verb = 'Run'): Promise<Record<string, Json> | undefined> {
  const inputs: Record<string, Json> = {};
  for (const [i, p] of agent.params.entries()) {
    const kind = kindOf(p.type);
    const initial = prefill(p, kind);
    const text = await vscode.window.showInputBox({
      title: `${verb} ${agent.name} (${i + 1}/${agent.params.length})`,
      prompt: `${p.name}${p.type ? `: ${p.type}` : ''}${p.optional ? ' (optional: leave the default or empty)' : ''}${kind === 'json' ? ' — as JSON' : ''}`,
      value: initial,
      ignoreFocusOut: true,
      validateInput: (t) => {
        if (p.optional && (t === initial || t.trim() === '')) return undefined;
        const r = parseInput(kind, t);
        return 'error' in r ? r.error : undefined;
      },
    });
    if (text === undefined) return undefined;
    if (p.optional && (text === initial || text.trim() === '')) continue; // the agent's own default
    const r = parseInput(kind, text);
    if ('value' in r) inputs[p.name] = r.value;
  }
  return inputs;
}
