/**
 * From a provider choice (CLI flags, launch arguments, editor settings) to a provider, what the
 * Started record says about it, and the secrets to keep out of the journal — the one place the CLI,
 * the extension and the debugger build providers.
 *
 * A replay provider is created at once (a missing cassette is an error before anything runs); the
 * others on first use, so an agent that never calls a model needs no key.
 */
import * as fs from 'node:fs';
import type { InferenceProvider } from './provider';
import { createProvider } from './index';

export interface ProviderChoice {
  id: string;
  model?: string;
  baseUrl?: string;
  /** The cassette of the replay provider (a path). */
  cassette?: string;
  /** How the Started record names the cassette (default: the path as given). */
  cassetteLabel?: string;
  apiKey?: string;
}

export interface ChosenProvider {
  provider: InferenceProvider;
  /** What the Started record says about the provider (never a key). */
  info: { id: string; model?: string; baseUrl?: string };
  secrets: string[];
}

export function providerFrom(c: ProviderChoice): ChosenProvider {
  const config = { provider: c.id, model: c.model, baseUrl: c.baseUrl, cassette: c.cassette, ...(c.apiKey ? { apiKey: c.apiKey } : {}) };
  const provider = c.id === 'replay' ? createProvider(config) : lazyProvider(c.id, () => createProvider(config));
  const label = c.id === 'replay' ? c.cassetteLabel ?? c.cassette : c.baseUrl;
  return { provider, info: { id: c.id, ...(c.model ? { model: c.model } : {}), ...(label ? { baseUrl: label } : {}) }, secrets: c.apiKey ? [c.apiKey] : [] };
}

/** A provider created when its first request comes. */
export function lazyProvider(id: string, make: () => InferenceProvider): InferenceProvider {
  let p: InferenceProvider | undefined;
  return { id, complete: (req) => { p ??= make(); return p.complete(req); } };
}

/** Provider settings named in an agent file (metadata / with attributes), read without running anything. */
export interface FileSettings { provider?: string; baseUrl?: string; apiKeyRef?: string }

export function fileSettings(file: string): FileSettings {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const get = (key: string) => new RegExp(`\\b${key}\\s*[=:]\\s*"([^"]+)"`).exec(text)?.[1];
    const key = get('api_key');
    return { provider: get('provider'), baseUrl: get('base_url'), apiKeyRef: key?.startsWith('vault://') ? key.slice(8) : undefined };
  } catch { return {}; }
}
