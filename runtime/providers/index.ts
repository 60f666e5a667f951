/**
 * `createProvider`: a provider from the run's configuration (CLI flags, settings) and the
 * environment, plus re-exports of every provider class.
 *
 *   openai     key: config.apiKey | OPENAI_API_KEY;    base URL: config.baseUrl | OPENAI_BASE_URL | api.openai.com
 *   anthropic  key: config.apiKey | ANTHROPIC_API_KEY; base URL: config.baseUrl | ANTHROPIC_BASE_URL | api.anthropic.com
 *   ollama, vllm, lmstudio, llamacpp   OpenAI-compatible servers on their usual local URL; no key needed
 *   replay     answers from config.cassette
 *
 * A key is required for openai/anthropic unless the base URL is on this machine (localhost,
 * 127.x, ::1), where a placeholder is sent. Configuration problems are `usage` errors.
 */
import { BatonError } from '../errors';
import { AnthropicProvider } from './anthropic';
import { OpenAIProvider } from './openai';
import type { InferenceProvider, ProviderConfig } from './provider';
import { ReplayProvider } from './replay';

export { AnthropicProvider, type AnthropicProviderOptions } from './anthropic';
export { OpenAIProvider, type OpenAIProviderOptions } from './openai';
export { ReplayProvider, RecordingProvider, loadCassette, parseCassette, saveCassette, type Cassette, type CassetteEntry } from './replay';
export { ScriptedProvider, text, toolCall, toolCalls, call, type ScriptedAnswer, type ScriptFunction } from './scripted';
export type * from './provider';

/** OpenAI-compatible local servers and their default base URLs. */
export const LOCAL_SERVERS: Readonly<Record<string, string>> = {
  ollama: 'http://localhost:11434/v1',
  vllm: 'http://localhost:8000/v1',
  lmstudio: 'http://localhost:1234/v1',
  llamacpp: 'http://localhost:8080/v1',
};

export const KNOWN_PROVIDERS: readonly string[] = ['openai', 'anthropic', ...Object.keys(LOCAL_SERVERS), 'replay'];

/** Sent where no key is needed (local servers ignore it; the SDKs insist on one). */
const PLACEHOLDER_KEY = 'baton-local';

export function createProvider(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): InferenceProvider {
  const name = config.provider.trim().toLowerCase();
  const given = (v: string | undefined): string | undefined => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);
  switch (name) {
    case 'openai': {
      const baseUrl = checkUrl(given(config.baseUrl) ?? given(env.OPENAI_BASE_URL), name);
      const apiKey = given(config.apiKey) ?? given(env.OPENAI_API_KEY) ?? localKey(baseUrl, name, 'OPENAI_API_KEY', 'OPENAI_BASE_URL');
      return new OpenAIProvider({ apiKey, ...(baseUrl ? { baseUrl } : {}) });
    }
    case 'anthropic': {
      const baseUrl = checkUrl(given(config.baseUrl) ?? given(env.ANTHROPIC_BASE_URL), name);
      const apiKey = given(config.apiKey) ?? given(env.ANTHROPIC_API_KEY) ?? localKey(baseUrl, name, 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL');
      return new AnthropicProvider({ apiKey, ...(baseUrl ? { baseUrl } : {}) });
    }
    case 'replay': {
      const cassette = given(config.cassette);
      if (!cassette) throw new BatonError('usage', 'the replay provider needs a cassette file (--cassette <file>)');
      return new ReplayProvider(cassette);
    }
    default: {
      const local = LOCAL_SERVERS[name];
      if (local === undefined) {
        throw new BatonError('usage', `unknown provider '${config.provider}': known providers are ${KNOWN_PROVIDERS.join(', ')}`);
      }
      const baseUrl = checkUrl(given(config.baseUrl), name) ?? local;
      return new OpenAIProvider({ id: name, apiKey: given(config.apiKey) ?? PLACEHOLDER_KEY, baseUrl, keyEnv: 'the API key' });
    }
  }
}

/** True for URLs on this machine. */
export function isLocalUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '0.0.0.0' || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

function localKey(baseUrl: string | undefined, provider: string, keyEnv: string, urlEnv: string): string {
  if (isLocalUrl(baseUrl)) return PLACEHOLDER_KEY;
  throw new BatonError('usage', `no API key for ${provider}: set ${keyEnv}, or point --base-url / ${urlEnv} at a local server`);
}

function checkUrl(url: string | undefined, provider: string): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BatonError('usage', `invalid base URL for ${provider}: '${url}' (expected http://host:port/path)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new BatonError('usage', `invalid base URL for ${provider}: '${url}' (expected an http or https URL)`);
  }
  return url;
}
