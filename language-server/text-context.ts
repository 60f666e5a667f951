/**
 * What the raw text says about the cursor, for completion and signature help on documents that are
 * mid-edit (where the parser may have dropped the construct being typed).
 *
 * `textContext(text, from, offset)` scans `text[from, offset)` — `from` is a point at brace depth 0
 * of the frame it starts in — skipping comments and strings, and keeps a stack of the brackets
 * still open at the cursor. Each open bracket is a `Frame` classified from the tokens before it
 * (`agent x {` → agent body, `policy p {` → rules, `with ... {` → statements, `foo(` → call
 * arguments, `Name {` → typed record, ...). Closed brackets collapse into one `group` token of their
 * parent, so a frame's tokens are a flat list; completed statements of a body are dropped (what they
 * declare is kept in `decls`). `segment` is the part of the innermost frame's tokens that belongs to
 * the current statement / entry / argument (per the separators of that frame kind).
 *
 * `cursorContext(file, text, offset)` picks `from` with the tree: the statement around the cursor
 * when a well-formed block holds it (so the cost is one statement, whatever the size of the file),
 * else the start of the top-level item around the cursor.
 */
import type * as A from '../runtime/dsl/ast';
import { lastStartingAtOrBefore, nodePathAt } from './scope-at';
import { AGENT_ITEM_KEYWORDS, RULE_VERBS, TOP_LEVEL_KEYWORDS } from '../runtime/dsl/parser';

export type FrameKind =
  | 'top' | 'agent' | 'policy' | 'policyRecord' | 'policyList' | 'policyCall' | 'metadata' | 'tool' | 'mcp' | 'settings'
  | 'typeRecord' | 'params' | 'body' | 'match' | 'record' | 'typedRecord' | 'call' | 'paren' | 'array' | 'capabilities' | 'unknown';

export interface Tok {
  type: 'word' | 'punct' | 'string' | 'number' | 'group';
  text: string;
  start: number;
  end: number;
  /** First token on its line. */
  nl: boolean;
}

export interface Frame {
  kind: FrameKind;
  /** Offset of the opening bracket (-1 for the top level). */
  open: number;
  /** Tokens of the parent's segment before the opening bracket. */
  header: Tok[];
  /** Tokens inside the frame so far (closed brackets as `group` tokens). */
  toks: Tok[];
  /** For `call` frames: the callee as written (`read_logs`, `github.list_issues`). */
  callee?: string;
  /** For `typedRecord` frames: the type name. */
  typeName?: string;
  /** Names declared by the completed statements of a `body` frame (whose tokens are dropped). */
  decls?: TextLocal[];
  /** The opening bracket was the first token on its line. */
  nlOpen?: boolean;
}

export interface TextContext {
  /** Open frames, outermost (top level) first. */
  frames: Frame[];
  frame: Frame;
  /** Tokens of the current statement / entry / argument of the innermost frame, before `word`. */
  segment: Tok[];
  /** The identifier the cursor is in or right after (empty at a fresh position). */
  word: { text: string; start: number; end: number };
  /** The cursor is inside a string literal opened at `start` (the quote). */
  inString: { start: number } | null;
  inComment: boolean;
  /** `word` follows a `.`. */
  afterDot: boolean;
  /** `word` is the first token on its line. */
  lineStart: boolean;
}

const TOP = new Set(TOP_LEVEL_KEYWORDS);
const AGENT_ITEMS = new Set(AGENT_ITEM_KEYWORDS);
const VERBS = new Set(RULE_VERBS);
const TWO_CHAR = new Set(['=>', '->', '==', '!=', '<=', '>=', '&&', '||', '+=', '-=', '*=', '/=', '%=', '::']);
const SETTINGS_KINDS = new Set<FrameKind>(['metadata', 'tool', 'mcp', 'settings', 'policyRecord', 'typeRecord']);
export const EXPR_KINDS = new Set<FrameKind>(['body', 'match', 'record', 'typedRecord', 'call', 'paren', 'array']);
/** Words after which `(` is not a call. */
const NOT_CALLEE = new Set(['if', 'while', 'match', 'return', 'in', 'not', 'for', 'catch', 'else', 'let', 'and', 'or']);
/** Tokens after which `{` opens a record rather than a block. */
const RECORD_BEFORE = new Set(['=', ':', '(', ',', '[', 'return', '+', '-', '*', '/', '%', '==', '!=', '<', '>', '<=', '>=', '&&', '||', '!', 'in', 'not']);

const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdPart = (c: number) => isIdStart(c) || (c >= 48 && c <= 57);
const isDigit = (c: number) => c >= 48 && c <= 57;

/** Index of the first token of the current segment in `toks`, per the frame kind's separators. */
export function segmentStart(kind: FrameKind, toks: readonly Tok[]): number {
  for (let i = toks.length - 1; i >= 0; i--) {
    const t = toks[i];
    if (t.type === 'punct' && (t.text === ';' || t.text === ',')) {
      if (t.text === ',' && (kind === 'body' || kind === 'top' || kind === 'agent')) continue;
      return i + 1;
    }
    if (t.type === 'group' && t.text === '{}' && (kind === 'body' || kind === 'top' || kind === 'agent' || kind === 'match' || kind === 'policy')) return i + 1;
    if (!t.nl) continue;
    if (SETTINGS_KINDS.has(kind)) return i;
    if (kind === 'top' && t.type === 'word' && TOP.has(t.text)) return i;
    if (kind === 'agent' && t.type === 'word' && AGENT_ITEMS.has(t.text)) return i;
    if (kind === 'policy' && t.type === 'word' && VERBS.has(t.text)) return i;
  }
  return 0;
}

/** The last keyword of `set` in the header that starts a line (or the header), else the last one anywhere. */
function headKeyword(header: readonly Tok[], set: ReadonlySet<string>): string | undefined {
  let any: string | undefined;
  for (let i = header.length - 1; i >= 0; i--) {
    const t = header[i];
    if (t.type !== 'word' || !set.has(t.text)) continue;
    if (i === 0 || t.nl) return t.text;
    any ??= t.text;
  }
  return any;
}

/** The callee written before `(` at the end of the header: `name`, `a.b.c`, or undefined. */
function calleeOf(header: readonly Tok[]): string | undefined {
  let i = header.length - 1;
  if (i < 0 || header[i].type !== 'word' || NOT_CALLEE.has(header[i].text)) return undefined;
  let name = header[i].text;
  while (i >= 2 && header[i - 1].text === '.' && header[i - 2].type === 'word') {
    name = `${header[i - 2].text}.${name}`;
    i -= 2;
  }
  return name;
}

function classify(parent: Frame, header: Tok[], opener: string): Omit<Frame, 'open' | 'header' | 'toks'> {
  const p = parent.kind;
  const last = header[header.length - 1];
  if (opener === '{') {
    switch (p) {
      case 'top': {
        const kw = headKeyword(header, TOP);
        const map: Record<string, FrameKind> = {
          agent: 'agent', policy: 'policy', tool: 'tool', metadata: 'metadata', mcp: 'mcp', function: 'body', type: 'typeRecord',
          schedule: 'settings', channel: 'settings', memory: 'settings', webhook: 'settings',
        };
        return { kind: (kw && map[kw]) || 'unknown' };
      }
      case 'agent': {
        const kw = headKeyword(header, AGENT_ITEMS);
        const map: Record<string, FrameKind> = { policy: 'policy', function: 'body', tool: 'tool', with: 'body' };
        return { kind: (kw && map[kw]) || 'unknown' };
      }
      case 'metadata': case 'tool': case 'mcp': case 'settings':
        return { kind: header[0]?.text === 'policy' ? 'policy' : 'settings' };
      case 'policy': return { kind: 'policyRecord' };
      case 'typeRecord': case 'params': return { kind: p === 'params' ? 'record' : 'typeRecord' };
      default:
        if (!EXPR_KINDS.has(p)) return { kind: 'unknown' };
        if (!last) return { kind: p === 'body' || p === 'match' ? 'body' : 'record' };
        if (last.type === 'word' && /^[A-Z]/.test(last.text)) {
          const before = header[header.length - 2];
          if (!before || RECORD_BEFORE.has(before.text) || before.text === '=>') return { kind: 'typedRecord', typeName: last.text };
        }
        if (last.text === '=>') return { kind: 'body' };
        if (RECORD_BEFORE.has(last.text)) return { kind: 'record' };
        if (header.some((t) => t.type === 'word' && t.text === 'match')) return { kind: 'match' };
        return { kind: 'body' };
    }
  }
  if (opener === '(') {
    if (p === 'top' || p === 'agent') {
      return { kind: headKeyword(header, DECL_WORDS) ? 'params' : 'unknown' };
    }
    if (p === 'policy' || p === 'policyList') return { kind: 'policyCall', callee: calleeOf(header) };
    if (EXPR_KINDS.has(p)) {
      const callee = calleeOf(header);
      if (callee || (last && last.type === 'group' && last.text !== '{}')) return { kind: 'call', callee };
      return { kind: 'paren' };
    }
    return { kind: SETTINGS_KINDS.has(p) ? 'paren' : 'unknown' };
  }
  // '['
  if (p === 'agent') return { kind: header.some((t) => t.text === 'capabilities') ? 'capabilities' : 'unknown' };
  if (p === 'policy' || p === 'policyCall') return { kind: 'policyList' };
  if (EXPR_KINDS.has(p) || SETTINGS_KINDS.has(p) || p === 'params') return { kind: 'array' };
  return { kind: 'unknown' };
}

/**
 * Where to start scanning for the cursor at `offset`: the start of the last parsed item (not an
 * Error node: recovery leaves those inside broken items) starting at or before it; 0 if none.
 */
export function scanStart(file: A.SourceFile, offset: number): number {
  const items = file.items;
  let lo = 0, hi = items.length - 1, i = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].start <= offset) { i = mid; lo = mid + 1; } else hi = mid - 1;
  }
  while (i >= 0 && items[i].kind === 'Error') i--;
  return i >= 0 ? items[i].start : 0;
}

/**
 * At the end of a statement of a body (or an item of the top level / an agent), the tokens before it
 * are no longer needed: what a completed statement declares is kept in `decls` and the tokens are
 * dropped, so a long body costs one scan and no memory.
 */
function compact(f: Frame): void {
  if (f.kind !== 'body' && f.kind !== 'top' && f.kind !== 'agent') return;
  const toks = f.toks;
  if (f.kind === 'body') {
    let i = 0;
    if (toks[0] && (toks[0].text === ';' || toks[0].text === '{}') && toks.length > 1) i = 1;
    const t = toks[i], n = toks[i + 1];
    if (t && t.type === 'word' && t.text === 'let' && n?.type === 'word') {
      const ty = toks[i + 2]?.text === ':' && toks[i + 3]?.type === 'word' ? toks[i + 3].text : undefined;
      (f.decls ??= []).push({ name: n.text, kind: 'let', start: n.start, end: n.end, typeName: ty });
    } else if (t && t.type === 'word' && n?.text === '=') (f.decls ??= []).push({ name: t.text, kind: 'implicit', start: t.start, end: t.end });
  }
  if (toks.length > 1) f.toks = [toks[toks.length - 1]];
}

const CLOSE: Record<string, string> = { '}': '{', ')': '(', ']': '[' };
const DECL_WORDS = new Set(['agent', 'tool', 'function']);

/**
 * The text context at `offset`, scanning as little as possible: from the statement around the cursor
 * when the tree has a well-formed block there (its frames above are summarised as one `body` frame,
 * with a `for` header when the block is inside a loop), else from the start of the top-level item.
 */
export function cursorContext(file: A.SourceFile, text: string, offset: number): TextContext {
  const path = nodePathAt(file, offset);
  for (let i = path.length - 1; i > 0; i--) {
    const b = path[i];
    if (b.kind !== 'Block' || !(b.start < offset && offset < b.end) || text[b.start] !== '{' || text[b.end - 1] !== '}') continue;
    const stmts = (b as A.Block).stmts;
    let k = lastStartingAtOrBefore(stmts, offset);
    while (k >= 0 && stmts[k].kind === 'Error') k--;
    const from = k >= 0 ? stmts[k].start : b.start + 1;
    let loop = false;
    for (let j = i - 1; j > 0 && !loop; j--) {
      const n = path[j].kind;
      if (n === 'Lambda' || n === 'Function' || n === 'With') break;
      loop = n === 'For' || n === 'While';
    }
    return textContext(text, from, offset, loop ? 'loop' : 'body');
  }
  return textContext(text, scanStart(file, offset), offset);
}

export function textContext(text: string, from: number, offset: number, base?: 'body' | 'loop'): TextContext {
  const top: Frame = { kind: 'top', open: -1, header: [], toks: [], callee: undefined, typeName: undefined, decls: undefined, nlOpen: true };
  const frames: Frame[] = [top];
  let frame = top;
  if (base) {
    const header: Tok[] = base === 'loop' ? [{ type: 'word', text: 'for', start: from, end: from, nl: true }] : [];
    frame = { kind: 'body', open: -1, header, toks: [], callee: undefined, typeName: undefined, decls: undefined, nlOpen: true };
    frames.push(frame);
  }
  let nl = true;
  let inString: { start: number } | null = null;
  let inComment = false;
  const push = (t: Tok) => {
    frame.toks.push(t);
    nl = false;
    if ((t.text === ';' && t.type === 'punct') || (t.type === 'group' && t.text === '{}')) compact(frame);
  };
  let i = Math.max(0, from);
  const end = Math.min(offset, text.length);
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) { nl = true; i++; continue; }
    if (c === 32 || c === 9 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff) { i++; continue; }
    const next = text.charCodeAt(i + 1);
    if (c === 35 || (c === 47 && next === 47)) { // # or //
      let j = i;
      while (j < text.length && text.charCodeAt(j) !== 10 && text.charCodeAt(j) !== 13) j++;
      if (j >= offset) { inComment = true; break; }
      i = j;
      continue;
    }
    if (c === 47 && next === 42) { // /* */
      const j = text.indexOf('*/', i + 2);
      if (j < 0 || j + 2 > offset) { inComment = true; break; }
      i = j + 2;
      continue;
    }
    if (c === 34) { // "
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 92) { j += 2; continue; }
        if (d === 34) break;
        j++;
      }
      if (j >= offset) { inString = { start: i }; break; }
      push({ type: 'string', text: text.slice(i, j + 1), start: i, end: j + 1, nl });
      i = j + 1;
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < end && isIdPart(text.charCodeAt(j))) j++;
      if (j - i === 5 && text.startsWith('vault://', i)) { // a vault reference is one token
        j = i + 8;
        while (j < end && /[A-Za-z0-9_\-./]/.test(text[j])) j++;
        push({ type: 'string', text: text.slice(i, j), start: i, end: j, nl });
      } else push({ type: 'word', text: text.slice(i, j), start: i, end: j, nl });
      i = j;
      continue;
    }
    if (isDigit(c)) {
      let j = i + 1;
      while (j < end && (isIdPart(text.charCodeAt(j)) || (text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1))))) j++;
      push({ type: 'number', text: text.slice(i, j), start: i, end: j, nl });
      i = j;
      continue;
    }
    const ch = text[i];
    if (ch === '{' || ch === '(' || ch === '[') {
      const header = frame.toks.slice(segmentStart(frame.kind, frame.toks));
      const c = classify(frame, header, ch);
      const f: Frame = { kind: c.kind, open: i, header, toks: [], callee: c.callee, typeName: c.typeName, decls: undefined, nlOpen: nl };
      frames.push(f);
      frame = f;
      nl = false;
      i++;
      continue;
    }
    if (ch === '}' || ch === ')' || ch === ']') {
      const want = CLOSE[ch];
      // Pop to the matching opener; a stray closer is kept as punctuation.
      let k = frames.length - 1;
      while (k > 0 && text[frames[k].open] !== want) k--;
      if (k > 0) {
        const closed = frames[k];
        frames.length = k;
        frame = frames[k - 1];
        push({ type: 'group', text: want + ch, start: closed.open, end: i + 1, nl: closed.nlOpen ?? false });
      } else push({ type: 'punct', text: ch, start: i, end: i + 1, nl });
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    const p = i + 1 < end && TWO_CHAR.has(two) ? two : ch;
    push({ type: 'punct', text: p, start: i, end: i + p.length, nl });
    i += p.length;
  }
  // The word at the cursor: the identifier ending at the cursor, extended to the right.
  let word = { text: '', start: offset, end: offset };
  let lineStart = nl;
  const lastTok = frame.toks[frame.toks.length - 1];
  if (!inString && !inComment && lastTok && lastTok.type === 'word' && lastTok.end === offset) {
    frame.toks.pop();
    let e = offset;
    while (e < text.length && isIdPart(text.charCodeAt(e))) e++;
    word = { text: text.slice(lastTok.start, offset), start: lastTok.start, end: e };
    lineStart = lastTok.nl;
  }
  // Newline-separated entries: a word starting a line starts a new entry.
  const seg = lineStart && SETTINGS_KINDS.has(frame.kind) ? [] : frame.toks.slice(segmentStart(frame.kind, frame.toks));
  const prev = frame.toks[frame.toks.length - 1];
  const afterDot = !!prev && prev.text === '.' && prev.end === word.start;
  return { frames, frame, segment: seg, word, inString, inComment, afterDot, lineStart };
}

/** A name declared in the text (see text-locals.ts). */
export interface TextLocal { name: string; kind: 'param' | 'let' | 'implicit' | 'loop' | 'catch' | 'lambda'; start: number; end: number; typeName?: string }
