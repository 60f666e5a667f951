/**
 * Ranking for `memory_search`. `SearchIndex` is the seam: the default `KeywordIndex` is BM25 over
 * the text of each entry's record (case-folded, split on anything that is not a letter or digit,
 * stop words dropped, a trailing plural `s` folded), with field weights: a match in a short, telling
 * field (title, name, tags, keywords, facts, summary, subject) counts twice.
 *
 * `search { vector_weight 0.6 keyword_weight 0.4 }` asks for hybrid ranking. No vector index ships
 * with Baton, so `rankerFor` returns the keyword index alone plus a notice the caller journals and
 * shows — never a silent fallback. A vector index would implement `SearchIndex` and be combined here
 * by the two weights.
 */
import type { Json } from '../ir/schema';
import type { MemoryEntry, MemorySettings } from './store';

export interface SearchHit { id: string; score: number }

export interface SearchIndex {
  /** `keyword`, `vector`, `hybrid`. */
  readonly kind: string;
  /** Best first; only entries that match at all; at most `limit`. */
  search(entries: readonly MemoryEntry[], query: string, limit: number): SearchHit[];
}

const STOP = new Set(('a an and are as at be by for from has have in is it its of on or that the this to was were will with ' +
  'what which who how do does did not no i you we they he she me my our your').split(' '));

const HEAVY_FIELDS = new Set(['title', 'name', 'tags', 'tag', 'keywords', 'facts', 'summary', 'subject', 'topic']);

export function tokenize(text: string): string[] {
  const out: string[] = [];
  const ascii = /^[\x00-\x7f]*$/.test(text);
  const words = ascii ? text.toLowerCase().match(/[a-z0-9]+/g) : text.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}]+/gu);
  for (let w of words ?? []) {
    if (STOP.has(w)) continue;
    if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
    out.push(w);
  }
  return out;
}

/** Weighted counts of the query's terms in one record, and its weighted length (all terms); weight by top-level field. */
function termsOf(record: Json, query: ReadonlySet<string>): { tf: Map<string, number>; len: number } {
  const tf = new Map<string, number>();
  let len = 0;
  const add = (v: Json, weight: number) => {
    if (typeof v === 'string' || typeof v === 'number') {
      for (const t of tokenize(String(v))) { if (query.has(t)) tf.set(t, (tf.get(t) ?? 0) + weight); len += weight; }
    } else if (Array.isArray(v)) v.forEach((x) => add(x, weight));
    else if (v && typeof v === 'object') Object.values(v).forEach((x) => add(x, weight));
  };
  if (record && typeof record === 'object' && !Array.isArray(record)) {
    for (const [k, v] of Object.entries(record)) add(v, HEAVY_FIELDS.has(k.toLowerCase()) ? 2 : 1);
  } else add(record, 1);
  return { tf, len };
}

export class KeywordIndex implements SearchIndex {
  readonly kind = 'keyword';

  constructor(private readonly k1 = 1.2, private readonly b = 0.75) {}

  search(entries: readonly MemoryEntry[], query: string, limit: number): SearchHit[] {
    const qs = new Set(tokenize(query));
    const q = [...qs];
    if (q.length === 0 || entries.length === 0 || limit <= 0) return [];
    const docs = entries.map((e) => ({ id: e.id, ...termsOf(e.record, qs) }));
    const n = docs.length;
    const avg = docs.reduce((s, d) => s + d.len, 0) / n || 1;
    const df = new Map<string, number>();
    for (const t of q) df.set(t, docs.filter((d) => d.tf.has(t)).length);
    const hits: SearchHit[] = [];
    for (const d of docs) {
      let score = 0;
      for (const t of q) {
        const f = d.tf.get(t);
        if (!f) continue;
        const dfi = df.get(t)!;
        const idf = Math.log(1 + (n - dfi + 0.5) / (dfi + 0.5));
        score += idf * (f * (this.k1 + 1)) / (f + this.k1 * (1 - this.b + this.b * d.len / avg));
      }
      if (score > 0) hits.push({ id: d.id, score: Math.round(score * 1e4) / 1e4 });
    }
    // Best first; ties: the newer entry first (entries come oldest first), then by id.
    const order = new Map(entries.map((e, i) => [e.id, i]));
    hits.sort((x, y) => y.score - x.score || order.get(y.id)! - order.get(x.id)! || (x.id < y.id ? -1 : 1));
    return hits.slice(0, limit);
  }
}

/** The index a store's settings ask for, and a notice when they ask for more than Baton has. */
export function rankerFor(store: string, s: MemorySettings): { index: SearchIndex; notice?: string } {
  const index = new KeywordIndex();
  if (s.vectorWeight > 0) {
    return {
      index,
      notice: `memory '${store}': vector search is not available (vector_weight ${s.vectorWeight}, keyword_weight ${s.keywordWeight}); ranking by keywords only`,
    };
  }
  return { index };
}
