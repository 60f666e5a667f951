/**
 * Insights of the final reflection, kept per agent and offered to its later runs as a short
 * "Insights from earlier runs" section of the system prompt. They live in the agent's memory: the
 * memory store `<agent>_insights` (runtime/memory/store.ts, `.baton/memory/<agent>_insights/`),
 * one entry `{ insights: [...] }` per final reflection, so an agent can also read them with
 * `memory_read` after declaring `memory <agent>_insights { }`. Runtime code writes there; agents and
 * models cannot except through the policy-gated memory effects. This function pair is the only
 * place that knows the storage.
 */
import * as crypto from 'node:crypto';
import { FileMemoryStore, MemorySettings } from '../memory/store';

/** How many insights (most recent last) are offered to a later run. */
export const INSIGHTS_OFFERED = 8;

const SETTINGS: MemorySettings = { format: 'json', vectorWeight: 0, keywordWeight: 1 };

export function insightsStoreName(agent: string): string {
  const base = agent.replace(/[^A-Za-z0-9_]/g, '_');
  return `${/^[A-Za-z_]/.test(base) ? base : `_${base}`}_insights`;
}

function store(root: string, agent: string): FileMemoryStore {
  return new FileMemoryStore(root, insightsStoreName(agent), SETTINGS);
}

/** The most recent insights of earlier runs of `agent`, newest last, without duplicates. */
export function loadInsights(root: string, agent: string, limit = INSIGHTS_OFFERED): string[] {
  const all: string[] = [];
  for (const e of store(root, agent).list()) {
    const r = e.record;
    const list = r && typeof r === 'object' && !Array.isArray(r) ? r.insights : undefined;
    if (Array.isArray(list)) for (const i of list) if (typeof i === 'string' && i.trim()) all.push(i.trim());
  }
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
    if (seen.has(all[i])) continue;
    seen.add(all[i]);
    out.unshift(all[i]);
  }
  return out;
}

/**
 * Stores the insights of one final reflection (`key`: its model call). The entry id derives from
 * the run and the key, so storing again (a resume) replaces the entry rather than adding one.
 */
export function storeInsights(root: string, agent: string, insights: readonly string[], at: { run: string; key: string }): void {
  const clean = insights.map((i) => i.trim()).filter((i) => i.length > 0).map((i) => (i.length > 500 ? i.slice(0, 500) + '…' : i));
  if (!clean.length) return;
  const id = crypto.createHash('sha256').update(`${at.run}/${at.key}/insights`).digest('hex').slice(0, 40);
  store(root, agent).put({ id, stored_at: new Date().toISOString(), run: at.run, record: { insights: clean } });
}

/** The system prompt section offering earlier insights (empty when there are none). */
export function insightsSection(insights: readonly string[]): string {
  if (!insights.length) return '';
  return `\n\nInsights from earlier runs (lessons your past runs recorded; use them when they apply):\n${insights.map((i) => `- ${i}`).join('\n')}`;
}
