/**
 * Registers the language-model features: the command `baton.selectModel` (select-model.ts). The
 * provider itself is built by settings.ts through `createVsCodeLmProvider` when `baton.provider`
 * is `vscode-lm`. The end-to-end tests call `register` directly with their own command id.
 */
import * as vscode from 'vscode';
import { selectModelCommand, type ModelChoice } from './select-model';
import type { SelectModels } from './vscode-lm-provider';

export interface LmDeps {
  /** The command to register (default `baton.selectModel`; empty: none). */
  commandId?: string;
  select?: SelectModels;
}

export interface LmApi {
  selectModel(): Promise<ModelChoice | undefined>;
}

export function register(context: vscode.ExtensionContext, deps: LmDeps = {}): LmApi {
  const api: LmApi = { selectModel: () => selectModelCommand(context.workspaceState, deps.select) };
  const id = deps.commandId ?? 'baton.selectModel';
  if (id) context.subscriptions.push(vscode.commands.registerCommand(id, () => api.selectModel()));
  return api;
}
