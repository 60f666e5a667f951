/** Did-you-mean suggestions by edit distance. */

/**
 * Damerau–Levenshtein distance (adjacent transpositions count 1); gives up and returns `limit + 1` as
 * soon as every prefix alignment is already farther than `limit` (cheap for dissimilar words).
 */
let rows: Int32Array[] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

export function editDistance(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0;
  const m = a.length, n = b.length;
  if (Math.abs(m - n) > limit) return limit + 1;
  if (rows[0].length <= n) rows = [0, 1, 2].map(() => new Int32Array(2 * n + 2));
  let [prev2, prev, cur] = rows;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        d = Math.min(d, prev2[j - 2] + 1);
      }
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}

/** The closest candidate within a distance that scales with the word's length, if any. */
export function closestWord(word: string, candidates: Iterable<string>): string | undefined {
  return nearestWord(word, Array.isArray(candidates) ? candidates : [...candidates])?.word;
}

const memo = new WeakMap<object, Map<string, string | null>>();

/**
 * `closestWord` over a list that never changes (a catalog of built-ins), memoised per list and
 * word: the same unknown key or method is usually met many times in a file.
 */
export function closestWordIn(word: string, fixed: readonly string[]): string | undefined {
  let byWord = memo.get(fixed);
  if (!byWord) memo.set(fixed, (byWord = new Map()));
  let guess = byWord.get(word);
  if (guess === undefined) {
    guess = closestWord(word, fixed) ?? null;
    if (byWord.size < 10_000) byWord.set(word, guess);
  }
  return guess ?? undefined;
}

/** Letter counts of the word being matched (ASCII, lower case), for the bag-distance bound. */
const counts = new Int32Array(128);

/**
 * The first of the closest candidates and its distance, within the limit of `closestWord`. Being
 * the first minimum, the result over a concatenation `A ++ B` is the result over A unless B's is
 * strictly closer: callers combine a memoised result over a long fixed list with a short one.
 * Candidates are skipped when a lower bound of their distance already rules them out: the length
 * difference, and the bag distance (characters of one word that the other lacks, which no edit
 * but an insertion, deletion or substitution changes, each by at most one).
 */
export function nearestWord(word: string, candidates: readonly string[]): { word: string; distance: number } | undefined {
  const max = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  let best: string | undefined;
  let bestD = max + 1;
  const lower = word.toLowerCase();
  const ascii = isAscii(lower);
  if (ascii) for (let i = 0; i < lower.length; i++) counts[lower.charCodeAt(i)]++;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i];
    if (Math.abs(c.length - word.length) >= bestD) continue; // cannot be closer than the best so far
    if (ascii && bagDistance(c, lower.length) >= bestD) continue;
    const d = editDistance(lower, c.toLowerCase(), bestD - 1);
    if (d < bestD) { best = c; bestD = d; }
  }
  if (ascii) for (let i = 0; i < lower.length; i++) counts[lower.charCodeAt(i)]--;
  return best === undefined ? undefined : { word: best, distance: bestD };
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/** Bag distance between `c` (lower-cased here, ASCII only; 0 otherwise) and the word in `counts`. */
function bagDistance(c: string, wordLength: number): number {
  let extra = 0;
  let i = 0;
  for (; i < c.length; i++) {
    let ch = c.charCodeAt(i);
    if (ch > 127) break;
    if (ch >= 65 && ch <= 90) ch += 32;
    if (--counts[ch] < 0) extra++;
  }
  for (let j = 0; j < i; j++) {
    let ch = c.charCodeAt(j);
    if (ch >= 65 && ch <= 90) ch += 32;
    counts[ch]++;
  }
  if (i < c.length) return 0;
  const missing = wordLength - (c.length - extra);
  return extra > missing ? extra : missing;
}
