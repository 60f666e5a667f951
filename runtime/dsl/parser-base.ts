/**
 * Shared state and helpers of the Chevrotain parser classes (base → expressions → statements → items).
 * Rules build the AST directly (embedded actions). Side effects (diagnostics, manual skipping) run in
 * `ACTION` so that Chevrotain's grammar-recording phase never performs them.
 */
import { EmbeddedActionsParser, IToken, IRuleConfig, ParserMethod, TokenType, tokenMatcher, EOF } from 'chevrotain';
import * as A from './ast';
import { ALL_TOKENS, LCurly, RCurly, LParen, RParen, LBracket, RBracket, Word, StringLit, Colon } from './lexer';
import { Diagnostic, diag } from './diagnostics';
import { LineIndex } from './line-index';

const id = (at: number): A.Ident => ({ kind: 'Ident', name: '', start: at, end: at });
const anyType = (at: number): A.NamedType => ({ kind: 'NamedType', name: { ...id(at), name: 'Any' }, args: [], optional: false, start: at, end: at });

/** Recovery values of rules whose parent needs something other than an error node. */
const RECOVERY: Record<string, (at: number, error: A.ErrorNode) => unknown> = {
  callArgs: () => [], recordEntries: () => [], paramList: () => [], sourceFile: () => [], elseClause: () => null,
  arg: (at, error) => ({ kind: 'Arg', name: null, sep: null, value: error, start: at, end: at }),
  recordEntry: (at, error) => ({ kind: 'RecordEntry', key: id(at), quoted: false, value: error, start: at, end: at }),
  matchArm: (at, error) => ({ kind: 'MatchArm', pattern: error, guard: null, body: error, start: at, end: at }),
  param: (at) => ({ kind: 'Param', name: id(at), type: null, default: null, start: at, end: at }),
  capabilityRef: (at) => ({ kind: 'Capability', name: '', quoted: false, start: at, end: at }),
  withAttr: (at, error) => ({ kind: 'WithAttr', key: id(at), value: error, start: at, end: at }),
  setting: (at) => ({ kind: 'Setting', key: id(at), sep: null, value: null, block: null, comma: false, start: at, end: at }),
  fieldDecl: (at) => ({ kind: 'Field', name: id(at), type: anyType(at), optional: false, start: at, end: at }),
  typeRef: (at) => anyType(at),
  typeAtom: (at) => anyType(at),
  block: (at) => ({ kind: 'Block', stmts: [], start: at, end: at }),
  settingsBlock: (at) => ({ kind: 'Settings', entries: [], start: at, end: at }),
};

export class ParserBase extends EmbeddedActionsParser {
  /** Diagnostics found by rules themselves (besides Chevrotain's recognition errors). */
  protected extraDiags: Diagnostic[] = [];
  protected textLength = 0;
  protected lines: LineIndex = new LineIndex('');

  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: true, maxLookahead: 2, skipValidations: true });
  }

  /** Set when the file ended inside a `{ ... }`: reported once, as an unclosed block. */
  protected endedInsideBlock = false;

  /**
   * Every rule gets a recovery value, so that a rule Chevrotain abandons during error recovery still
   * yields a well-formed node: lists recover as [], nodes as the shape their parent expects.
   */
  protected override RULE<F extends (...args: any[]) => any>(name: string, impl: F, config: IRuleConfig<ReturnType<F>> = {}): ParserMethod<Parameters<F>, ReturnType<F>> {
    const recover = RECOVERY[name];
    return super.RULE(name, impl, {
      recoveryValueFunc: recover ? () => recover(this.here(), this.errorNode()) as ReturnType<F> : () => this.errorNode() as ReturnType<F>,
      ...config,
    });
  }

  /**
   * Chevrotain computes the follow set of a repetition each time it ends on an unexpected token (e.g.
   * every `f(a, b)`, where a trailing `,` was possible) by walking the grammar: the most expensive part
   * of parsing valid code. The set depends only on the grammar path, so it is memoised by that path.
   */
  private readonly followsCache = new Map<string, TokenType[]>();
  getFollowsForInRuleRecovery(tokType: TokenType, tokIdxInRule: number): TokenType[] {
    const self = this as unknown as { RULE_STACK: number[]; RULE_STACK_IDX: number; RULE_OCCURRENCE_STACK: number[]; RULE_OCCURRENCE_STACK_IDX: number };
    let key = `${tokType.tokenTypeIdx}|${tokIdxInRule}|`;
    for (let i = 0; i <= self.RULE_STACK_IDX; i++) key += `${self.RULE_STACK[i]},`;
    key += '|';
    for (let i = 0; i <= self.RULE_OCCURRENCE_STACK_IDX; i++) key += `${self.RULE_OCCURRENCE_STACK[i]},`;
    let follows = this.followsCache.get(key);
    if (follows === undefined) {
      const base = Object.getPrototypeOf(ParserBase.prototype) as { getFollowsForInRuleRecovery(t: TokenType, i: number): TokenType[] };
      follows = base.getFollowsForInRuleRecovery.call(this, tokType, tokIdxInRule);
      if (this.followsCache.size > 20_000) this.followsCache.clear();
      this.followsCache.set(key, follows);
    }
    return follows;
  }

  protected resetState(text: string): void {
    this.endedInsideBlock = false;
    this.extraDiags = [];
    this.textLength = text.length;
    this.lines = new LineIndex(text);
  }

  /** Start offset of the next token (end of text at EOF). */
  protected here(): number {
    const t = this.LA(1);
    const o = t.startOffset;
    return o >= 0 ? o : this.textLength;
  }

  /** End offset (exclusive) of the last consumed token. */
  protected prevEnd(): number {
    const t = this.LA(0) as IToken | undefined;
    return t && t.startOffset >= 0 ? tokEnd(t) : 0;
  }

  protected range<T extends { kind: string }>(node: T, start: number): T & { start: number; end: number } {
    const n = node as T & { start: number; end: number };
    if (this.RECORDING_PHASE) return n;
    n.start = start;
    const end = this.prevEnd();
    n.end = end < start ? start : end;
    return n;
  }

  protected ident(tok: IToken): A.Ident {
    let start = tok.startOffset;
    let end = tokEnd(tok);
    if (!(start >= 0)) { start = end = this.prevEnd(); }
    return { kind: 'Ident', name: tok.image ?? '', start, end };
  }

  protected errorNode(message = 'syntax error'): A.ErrorNode {
    const at = this.here();
    return { kind: 'Error', message, start: at, end: at };
  }

  protected is(offset: number, type: TokenType): boolean {
    return tokenMatcher(this.LA(offset), type);
  }

  /** `{ word:` or `{ "str":` or `{}`: a record literal rather than a block. */
  protected looksLikeRecord(at = 1): boolean {
    if (!this.is(at, LCurly)) return false;
    if (this.is(at + 1, RCurly)) return true;
    return (this.is(at + 1, Word) || this.is(at + 1, StringLit)) && this.is(at + 2, Colon);
  }

  /** `{ word:` or `{ "str":` only (an empty `{}` after a name is a block, not a typed record). */
  protected looksLikeNonEmptyRecord(at = 1): boolean {
    return this.is(at, LCurly) && (this.is(at + 1, Word) || this.is(at + 1, StringLit)) && this.is(at + 2, Colon);
  }

  /** Consumes a closing `}`; at end of file keeps what was parsed and notes the unclosed block instead of failing. */
  protected closeCurly(): void {
    if (!this.RECORDING_PHASE && this.LA(1).tokenType === EOF) {
      this.endedInsideBlock = true;
      return;
    }
    this.consume(0, RCurly);
  }

  get fileEndedInsideBlock(): boolean { return this.endedInsideBlock; }

  protected lineOf(offset: number): number { return this.lines.lineOf(offset); }

  protected report(code: string, message: string, start: number, end: number, data?: Record<string, unknown>): void {
    this.extraDiags.push(diag(code, message, start, end, data ? { data } : undefined));
  }

  /**
   * After an unknown word or a stray token was consumed: skip the rest of what it started — the rest
   * of its line, and any bracketed group that opens on it — without leaving the enclosing block.
   */
  protected skipRestOfItem(first: IToken): number {
    const startLine = this.lineOf(first.startOffset);
    let depth = 0;
    const openers = [LCurly, LParen, LBracket];
    const closers = [RCurly, RParen, RBracket];
    if (openers.some((t) => tokenMatcher(first, t))) depth = 1;
    for (;;) {
      const t = this.LA(1);
      if (t.tokenType === EOF) break;
      if (depth === 0) {
        if (tokenMatcher(t, RCurly)) break;
        if (this.lineOf(t.startOffset) !== startLine) break;
      }
      (this as unknown as { SKIP_TOKEN(): void }).SKIP_TOKEN();
      if (openers.some((o) => tokenMatcher(t, o))) depth++;
      else if (closers.some((c) => tokenMatcher(t, c)) && depth > 0) {
        depth--;
        if (depth === 0 && tokenMatcher(t, RCurly)) break;
      }
    }
    return this.prevEnd();
  }
}

/** End offset (exclusive) of a token. */
export function tokEnd(t: IToken): number {
  // With positionTracking 'onlyOffset' Chevrotain does not fill endOffset.
  return t.startOffset + t.image.length;
}
