/**
 * Provider settings for runs started from the editor: `baton.provider`, `baton.model`,
 * `baton.baseUrl`, `baton.cassette` (replay), and the API key kept in SecretStorage (never in
 * settings; `baton.setApiKey` stores it). No key is needed for replay or local servers; a provider
 * is created on first use, so an agent that never calls a model needs no configuration at all.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { providerFrom } from '../runtime/providers/choose';
import type { InferenceProvider } from '../runtime/providers/provider';
import { createVsCodeLmProvider } from './lm/vscode-lm-provider';

export const PROVIDERS = ['openai', 'anthropic', 'ollama', 'replay', 'vscode-lm'] as const;

export interface ResolvedProvider {
  provider: InferenceProvider;
  info: { id: string; model?: string; baseUrl?: string };
  secrets: string[];
}

/** The SecretStorage key of a provider's API key (the debugger reads it too). */
export function secretKey(provider: string): string {
  return `baton.apiKey.${provider}`;
}

/** The provider for a run rooted at `root`, from the settings of that folder. */
export async function resolveProvider(secrets: vscode.SecretStorage, root: string, scope?: vscode.Uri): Promise<ResolvedProvider> {
  const cfg = vscode.workspace.getConfiguration('baton', scope);
  const id = (cfg.get<string>('provider') || 'openai').trim().toLowerCase();
  const model = cfg.get<string>('model')?.trim() || undefined;
  const baseUrl = cfg.get<string>('baseUrl')?.trim() || undefined;
  if (id === 'vscode-lm') return { provider: createVsCodeLmProvider(model), info: { id, ...(model ? { model } : {}) }, secrets: [] };
  const cassetteSetting = cfg.get<string>('cassette')?.trim() || undefined;
  const cassette = cassetteSetting ? path.resolve(root, cassetteSetting) : undefined;
  const apiKey = id === 'openai' || id === 'anthropic' ? (await secrets.get(secretKey(id)))?.trim() || undefined : undefined;
  // Created on first use (a missing key is reported by the run only when a model is called).
  return providerFrom({ id, model, baseUrl, cassette, cassetteLabel: cassetteSetting, apiKey });
}

/** `baton.setApiKey`: asks for the provider and the key; an empty key deletes the stored one. */
export async function setApiKey(secrets: vscode.SecretStorage): Promise<void> {
  const current = vscode.workspace.getConfiguration('baton').get<string>('provider') ?? 'openai';
  const items = ['openai', 'anthropic'].map((p) => ({ label: p, description: p === current ? 'current provider' : undefined }));
  const pick = await vscode.window.showQuickPick(items, { title: 'Baton: API key for which provider?' });
  if (!pick) return;
  const key = await vscode.window.showInputBox({
    title: `Baton: ${pick.label} API key`,
    prompt: 'Stored in VS Code\'s secret storage, never in settings. Leave empty to delete the stored key.',
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return;
  if (key.trim() === '') {
    await secrets.delete(secretKey(pick.label));
    void vscode.window.showInformationMessage(`Baton: the ${pick.label} API key was deleted.`);
  } else {
    await secrets.store(secretKey(pick.label), key.trim());
    void vscode.window.showInformationMessage(`Baton: the ${pick.label} API key was stored.`);
  }
}
