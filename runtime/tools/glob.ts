/**
 * A small glob matcher for `fs.list` / `fs.search`, compiled to a RegExp over POSIX relative paths.
 *
 * - `**` as a whole segment matches any number of segments (zero included): `**\/*.ts`, `src/**`.
 * - `*` matches within one segment, `?` one character (never `/`).
 * - `{a,b}` alternatives (nestable), `[abc]`, `[a-z]`, `[!a]` / `[^a]` character classes.
 * - `\x` escapes a character. Dot files are matched like any other file.
 * - `globMatcher` (what the tools use): a pattern without `/` is matched against the base name, so
 *   `*.ts` finds TypeScript files at any depth, like ripgrep's `-g`.
 */

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** Index of the `}` closing the `{` at `open`, or -1. */
function closingBrace(p: string, open: number): number {
  let depth = 0;
  for (let i = open; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') { i++; continue; }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Splits the inside of `{...}` on top-level commas. */
function splitAlternatives(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') { i++; continue; }
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) { out.push(s.slice(start, i)); start = i + 1; }
  }
  out.push(s.slice(start));
  return out;
}

/** A `[...]` class starting at `open`: its regex source and the index after it, or undefined. */
function charClass(p: string, open: number): { re: string; next: number } | undefined {
  let i = open + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') { negate = true; i++; }
  let body = '';
  let first = true;
  for (; i < p.length; i++) {
    const c = p[i]!;
    if (c === ']' && !first) return { re: `(?!/)[${negate ? '^' : ''}${body}]`, next: i + 1 };
    first = false;
    if (c === '\\' && i + 1 < p.length) { body += `\\${p[++i]}`; continue; }
    body += c === '-' ? '-' : /[\\\]^[]/.test(c) ? `\\${c}` : c;
  }
  return undefined;
}

function translate(p: string): string {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      if (i + 1 < p.length) re += escapeRe(p[++i]!);
      else re += '\\\\';
    } else if (c === '*') {
      if (p[i + 1] === '*') {
        const atStart = i === 0 || p[i - 1] === '/';
        let j = i;
        while (p[j] === '*') j++;
        const atEnd = j === p.length || p[j] === '/';
        if (atStart && atEnd) {
          if (j === p.length) {
            re += '.*';
          } else {
            re += '(?:[^/]*/)*'; // `**/`: zero or more whole segments
            j++;
          }
          i = j - 1;
          continue;
        }
        i = j - 1; // `a**b`: same as `*`
      }
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const cls = charClass(p, i);
      if (cls) { re += cls.re; i = cls.next - 1; } else re += '\\[';
    } else if (c === '{') {
      const close = closingBrace(p, i);
      if (close < 0) { re += '\\{'; continue; }
      const alts = splitAlternatives(p.slice(i + 1, close)).map(translate);
      re += `(?:${alts.join('|')})`;
      i = close;
    } else {
      re += escapeRe(c);
    }
  }
  return re;
}

/** Compiles a glob to a RegExp matching whole POSIX relative paths (a leading `./` is ignored). */
export function compileGlob(pattern: string): RegExp {
  let p = pattern.trim();
  while (p.startsWith('./')) p = p.slice(2);
  if (p === '' || p === '.') p = '**';
  // `dir/` means everything below dir.
  if (p.endsWith('/')) p += '**';
  return new RegExp(`^${translate(p)}$`, 's');
}

/**
 * A predicate over POSIX relative paths. Patterns containing `/` match the whole path; patterns
 * without one match the base name (`*.md` matches `docs/a.md`).
 */
export function globMatcher(pattern: string): (relPath: string) => boolean {
  const re = compileGlob(pattern);
  const p = pattern.trim();
  const baseOnly = !p.includes('/') && p !== '**';
  return (rel) => {
    if (re.test(rel)) return true;
    if (!baseOnly) return false;
    const slash = rel.lastIndexOf('/');
    return slash >= 0 && re.test(rel.slice(slash + 1));
  };
}

/** True if `relPath` matches `pattern` (see `globMatcher`). */
export function globMatch(pattern: string, relPath: string): boolean {
  return globMatcher(pattern)(relPath);
}
