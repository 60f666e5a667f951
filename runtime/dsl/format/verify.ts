/**
 * The formatter's safety net: the output must keep every comment and parse to the same tree as
 * the input (ignoring offsets and the separators the formatter normalises).
 */
import type { Comment } from '../ast';
import type { LineIndex } from '../line-index';
import { commentText } from './comments';

/** Keys that describe layout, not meaning: offsets, and whether a setting had a comma after it. */
const LAYOUT_KEYS = new Set(['start', 'end', 'comma', 'comments']);

/** The first input comment missing from the output (compared by text, as multisets), or null. */
export function findLostComment(input: readonly Comment[], output: readonly Comment[]): Comment | null {
  const counts = new Map<string, number>();
  for (const c of output) {
    const key = commentText(c);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const c of input) {
    const key = commentText(c);
    const n = counts.get(key) ?? 0;
    if (n === 0) return c;
    counts.set(key, n - 1);
  }
  return null;
}

/**
 * Compares two trees structurally, skipping layout keys. Returns null when equal, otherwise the
 * input node (something with a `start`) nearest to the first difference.
 */
export function findDifference(a: unknown, b: unknown): { start: number } | null {
  return diff(a, b, null);
}

function diff(a: unknown, b: unknown, nearest: { start: number } | null): { start: number } | null {
  if (a === b) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    if (typeof a === 'string' && typeof b === 'string' && normalizeEol(a) === normalizeEol(b)) return null;
    return nearest ?? { start: 0 };
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return nearest ?? { start: 0 };
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], nodeOr(a[i], nearest));
      if (d) return d;
    }
    return null;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const here = nodeOr(a, nearest);
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) {
    if (LAYOUT_KEYS.has(k)) continue;
    const d = diff(ra[k], rb[k], nodeOr(ra[k], here));
    if (d) return d;
  }
  return null;
}

function nodeOr(x: unknown, fallback: { start: number } | null): { start: number } | null {
  if (typeof x === 'object' && x !== null && typeof (x as { start?: unknown }).start === 'number') {
    return x as { start: number };
  }
  return fallback;
}

function normalizeEol(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

/** 1-based line of an offset, for messages. */
export function lineNumber(lines: LineIndex, offset: number): number {
  return lines.lineOf(offset) + 1;
}
