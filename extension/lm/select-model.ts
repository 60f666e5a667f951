/**
 * `baton.selectModel`: a quick pick of the editor's language models (`vscode.lm.selectChatModels()`)
 * and the configured providers (OpenAI-compatible, Anthropic, Ollama, offline replay). Picking a
 * language model sets `baton.provider` to `vscode-lm` and `baton.model` to its id; picking a
 * provider sets `baton.provider` (and keeps `baton.model`). Settings go to the workspace when one is
 * open, else to the user settings. The last choice is also kept in the workspace state.
 */
import * as vscode from 'vscode';
import { selectChatModels, type SelectModels } from './vscode-lm-provider';

/** What was chosen (tests read it). */
export interface ModelChoice { provider: string; model?: string }

export const OTHER_PROVIDERS: ReadonlyArray<{ id: string; description: string }> = [
  { id: 'openai', description: 'OpenAI-compatible API (key from "Baton: Set API Key…", base URL from baton.baseUrl)' },
  { id: 'anthropic', description: 'Anthropic API (key from "Baton: Set API Key…")' },
  { id: 'ollama', description: 'a local Ollama server (no key)' },
  { id: 'replay', description: 'offline: answers from the cassette in baton.cassette' },
];

export const STATE_KEY = 'baton.lastModelChoice';

type Item = vscode.QuickPickItem & { choice?: ModelChoice };

/** The quick pick's items: language models first, then the other providers. */
export async function modelItems(select: SelectModels = selectChatModels): Promise<Item[]> {
  const cfg = vscode.workspace.getConfiguration('baton');
  const current = { provider: cfg.get<string>('provider') ?? 'openai', model: cfg.get<string>('model') ?? '' };
  let models: vscode.LanguageModelChat[] = [];
  try { models = await select(); } catch { models = []; }
  const items: Item[] = [{ label: 'Language models in VS Code', kind: vscode.QuickPickItemKind.Separator }];
  if (models.length === 0) items.push({ label: '$(info) No language model available', description: 'install and sign in to a chat model extension (e.g. GitHub Copilot Chat)' });
  for (const m of models) {
    const isCurrent = current.provider === 'vscode-lm' && current.model === m.id;
    items.push({
      label: `${isCurrent ? '$(check) ' : ''}${m.name}`,
      description: `${m.vendor} · ${m.family}${m.version ? ` ${m.version}` : ''}`,
      detail: `id ${m.id} · up to ${m.maxInputTokens} input tokens`,
      choice: { provider: 'vscode-lm', model: m.id },
    });
  }
  items.push({ label: 'Providers', kind: vscode.QuickPickItemKind.Separator });
  for (const p of OTHER_PROVIDERS) {
    items.push({ label: `${current.provider === p.id ? '$(check) ' : ''}${p.id}`, description: p.description, choice: { provider: p.id } });
  }
  return items;
}

/** Stores a choice in the settings (workspace when open) and in the workspace state. */
export async function applyChoice(choice: ModelChoice, state?: vscode.Memento): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('baton');
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await cfg.update('provider', choice.provider, target);
  if (choice.model !== undefined) await cfg.update('model', choice.model, target);
  await state?.update(STATE_KEY, choice);
}

/** The command: picks, stores, and resolves with the choice (undefined when dismissed). */
export async function selectModelCommand(state?: vscode.Memento, select?: SelectModels): Promise<ModelChoice | undefined> {
  const items = await modelItems(select);
  const pick = await vscode.window.showQuickPick(items, { title: 'Baton: model for runs started in VS Code', matchOnDescription: true, matchOnDetail: true });
  if (!pick?.choice) return undefined;
  await applyChoice(pick.choice, state);
  void vscode.window.setStatusBarMessage(`Baton: runs use ${pick.choice.provider}${pick.choice.model ? ` (${pick.choice.model})` : ''}`, 4000);
  return pick.choice;
}
