/**
 * The fast path of `parse`: a hand-written recursive-descent parser over the scanner's token arrays
 * for items that parse without any diagnostic, several times faster than the Chevrotain parser and
 * allocating little but the tree. It is speculative: at the first token where the Chevrotain parser
 * would report an error, recover, or note anything (a missing `;`, a missing value, an unknown item,
 * an unclosed block), it gives up, and the Chevrotain parser, the one source of diagnostics and
 * recovery, parses from the start of that item (and hands the items after it back, parser.ts
 * `fastForward`). On items it accepts, both parsers produce the same tree.
 *
 * The invariant that keeps them equal: each method here mirrors the Chevrotain rule of the same name
 * and takes the branch Chevrotain's lookahead takes (its LL(2) sets, gates, and the runtime fast
 * paths `primaryFast`/`stmtFast`). A grammar change must be made in both parsers. Running the tests
 * with BATON_PARSER_CROSSCHECK=1 compares them on every input (see `crossCheck` in parser.ts).
 */
import * as A from './ast';
import { BAIL } from './fast-base';
import { FastStmtParser } from './fast-statements';
import {
  F_EXPR, F_NAME, F_WORD, K_ARROW, K_COLON, K_COMMA, K_EOF, K_EQ, K_LBRACKET, K_LCURLY,
  K_LPAREN, K_RBRACKET, K_RCURLY, K_RPAREN, K_SEMICOLON, K_STRING, KIND_IMAGE, KW_KIND, Scan, TOKEN_FLAGS, CROSS_CHECK,
} from './scanner';
import { decodeString } from './literals';

const F = TOKEN_FLAGS;
const KW = KW_KIND;
const SETTINGS_KINDS: Record<number, A.McpDecl['kind'] | A.SettingsDecl['kind']> = {
  [KW.mcp]: 'Mcp', [KW.schedule]: 'Schedule', [KW.channel]: 'Channel', [KW.memory]: 'Memory', [KW.webhook]: 'Webhook',
};

/** Items; blocks, statements, expressions, patterns and types are in the classes it extends. */
class FastParser extends FastStmtParser {
  /** Items parsed so far, and the first token of the item being parsed. */
  items: A.Item[] = [];
  itemStart = 0;

  run(text: string, scan: Scan, from: number): A.Item[] {
    this.reset(text, scan);
    this.p = from;
    const items: A.Item[] = (this.items = []);
    while (this.k[this.p] !== K_EOF) {
      this.itemStart = this.p;
      items.push(this.topItem());
    }
    return items;
  }

  private topItem(): A.Item {
    const kind = this.k[this.p];
    const next = this.k[this.p + 1];
    if (kind === KW.metadata) {
      if (next !== K_LCURLY) throw BAIL;
      const start = this.s[this.p++];
      const body = this.settingsBlock();
      return { kind: 'Metadata', body, start, end: this.end(start) };
    }
    if (!(F[next] & F_NAME)) throw BAIL;
    switch (kind) {
      case KW.agent: return this.agentDecl();
      case KW.policy: return this.policyDecl();
      case KW.type: {
        const start = this.s[this.p++];
        const name = this.name();
        this.expect(K_EQ);
        const type = this.typeRef();
        if (this.k[this.p] === K_SEMICOLON) this.p++;
        return { kind: 'TypeDecl', name, type, start, end: this.end(start) };
      }
      case KW.function: return this.functionDecl();
      case KW.tool: return this.toolDecl();
      default: {
        const settingsKind = SETTINGS_KINDS[kind];
        if (settingsKind === undefined) throw BAIL;
        const start = this.s[this.p++];
        const name = this.name();
        const body = this.settingsBlock();
        return { kind: settingsKind, name, body, start, end: this.end(start) } as A.McpDecl | A.SettingsDecl;
      }
    }
  }

  private agentDecl(): A.AgentDecl {
    const start = this.s[this.p++];
    const name = this.name();
    let params: A.Param[] | null = null;
    let returns: A.TypeRef | null = null;
    if (this.k[this.p] === K_LPAREN) params = this.paramList();
    if (this.k[this.p] === K_ARROW) { this.p++; returns = this.typeRef(); }
    const base = this.mark();
    this.expect(K_LCURLY);
    for (;;) {
      const kind = this.k[this.p];
      if (kind === K_RCURLY || kind === K_EOF) break;
      const next = this.k[this.p + 1];
      if (kind === KW.capabilities && (next === K_COLON || next === K_EQ)) this.push(this.capabilities());
      else if (kind === KW.with && ((F[next] & F_WORD) || next === K_LCURLY)) this.push(this.withBlock());
      else if (!(F[next] & F_NAME)) throw BAIL;
      else if (kind === KW.policy) this.push(this.policyDecl());
      else if (kind === KW.function) this.push(this.functionDecl());
      else if (kind === KW.tool) this.push(this.toolDecl());
      else throw BAIL;
    }
    this.closeCurly();
    const items = this.list<A.AgentItem>(base);
    return { kind: 'Agent', name, params, returns, items, start, end: this.end(start) };
  }

  private capabilities(): A.Capabilities {
    const start = this.s[this.p++];
    const sep = this.k[this.p++] === K_COLON ? ':' : '=';
    const items: A.CapabilityRef[] = [];
    this.expect(K_LBRACKET);
    if (this.isCapability(this.k[this.p])) {
      items.push(this.capabilityRef());
      while (this.k[this.p] === K_COMMA && this.isCapability(this.k[this.p + 1])) { this.p++; items.push(this.capabilityRef()); }
      if (this.k[this.p] === K_COMMA) this.p++;
    }
    this.expect(K_RBRACKET);
    if (this.k[this.p] === K_COMMA || this.k[this.p] === K_SEMICOLON) this.p++;
    return { kind: 'Capabilities', sep, items, start, end: this.end(start) };
  }

  private isCapability(kind: number): boolean { return kind === K_STRING || (F[kind] & F_WORD) !== 0; }

  private capabilityRef(): A.CapabilityRef {
    const q = this.p++;
    if (this.k[q] === K_STRING) return { kind: 'Capability', name: decodeString(this.image(q)), quoted: true, start: this.s[q], end: this.e[q] };
    return { kind: 'Capability', name: this.word(q), quoted: false, start: this.s[q], end: this.e[q] };
  }

  private policyDecl(): A.PolicyDecl {
    const start = this.s[this.p++];
    const name = this.name();
    const base = this.mark();
    this.expect(K_LCURLY);
    for (;;) {
      const kind = this.k[this.p];
      if (kind === K_RCURLY || kind === K_EOF) break;
      if (!(kind === KW.allow || kind === KW.deny || kind === KW.require || kind === KW.audit) || this.k[this.p + 1] !== K_COLON) throw BAIL;
      const ruleStart = this.s[this.p];
      this.p += 2;
      const pattern = this.expr(false);
      let condition: A.Expr | null = null;
      if (this.k[this.p] === KW.if) { this.p++; condition = this.expr(false); }
      if (this.k[this.p] === K_COMMA || this.k[this.p] === K_SEMICOLON) this.p++;
      this.push({ kind: 'Rule', verb: KIND_IMAGE[kind] as A.RuleVerb, pattern, condition, start: ruleStart, end: this.end(ruleStart) });
    }
    this.closeCurly();
    const rules = this.list<A.Rule>(base);
    return { kind: 'Policy', name, rules, start, end: this.end(start) };
  }

  private withBlock(): A.WithBlock {
    const start = this.s[this.p++];
    const base = this.mark();
    if (F[this.k[this.p]] & F_WORD) {
      this.push(this.withAttr());
      while (this.k[this.p] === K_COMMA) { this.p++; this.push(this.withAttr()); }
    }
    const attrs = this.list<A.WithAttr>(base);
    const body = this.block();
    return { kind: 'With', attrs, body, start, end: this.end(start) };
  }

  private withAttr(): A.WithAttr {
    const q = this.p;
    const start = this.s[q];
    if (!(F[this.k[q]] & F_WORD)) throw BAIL;
    const sep = this.k[q + 1];
    if (sep !== K_EQ && sep !== K_COLON) throw BAIL;
    this.p += 2;
    const value = this.expr(true);
    return { kind: 'WithAttr', key: this.ident(q), value, start, end: this.end(start) };
  }

  private paramList(): A.Param[] {
    const base = this.mark();
    this.expect(K_LPAREN);
    if (F[this.k[this.p]] & F_NAME) {
      this.push(this.param());
      while (this.k[this.p] === K_COMMA && (F[this.k[this.p + 1]] & F_NAME)) { this.p++; this.push(this.param()); }
      if (this.k[this.p] === K_COMMA) this.p++;
    }
    this.expect(K_RPAREN);
    return this.list(base);
  }

  private param(): A.Param {
    const start = this.s[this.p];
    const name = this.name();
    let type: A.TypeRef | null = null;
    let def: A.Expr | null = null;
    if (this.k[this.p] === K_COLON) { this.p++; type = this.typeRef(); }
    if (this.k[this.p] === K_EQ) { this.p++; def = this.expr(false); }
    return { kind: 'Param', name, type, default: def, start, end: this.end(start) };
  }

  private functionDecl(): A.FunctionDecl {
    const start = this.s[this.p++];
    const name = this.name();
    const params = this.paramList();
    let returns: A.TypeRef | null = null;
    if (this.k[this.p] === K_ARROW) { this.p++; returns = this.typeRef(); }
    const body = this.block();
    return { kind: 'Function', name, params, returns, body, start, end: this.end(start) };
  }

  private toolDecl(): A.ToolDecl {
    const start = this.s[this.p++];
    const name = this.name();
    let params: A.Param[] = [];
    if (this.k[this.p] === K_LPAREN) params = this.paramList();
    let returns: A.TypeRef | null = null;
    if (this.k[this.p] === K_ARROW) { this.p++; returns = this.typeRef(); }
    const body = this.settingsBlock();
    return { kind: 'Tool', name, params, returns, body, start, end: this.end(start) };
  }

  private settingsBlock(): A.Settings {
    this.enter();
    const start = this.s[this.p];
    const base = this.mark();
    this.expect(K_LCURLY);
    for (;;) {
      const kind = this.k[this.p];
      if (kind === K_RCURLY || kind === K_EOF) break;
      if (kind === KW.policy && (F[this.k[this.p + 1]] & F_NAME) && this.k[this.p + 2] === K_LCURLY) this.push(this.policyDecl());
      else if (F[kind] & F_WORD) this.push(this.setting());
      else throw BAIL;
    }
    this.closeCurly();
    this.leave();
    const entries = this.list<A.Settings['entries'][number]>(base);
    return { kind: 'Settings', entries, start, end: this.end(start) };
  }

  private setting(): A.Setting {
    const q = this.p++;
    const start = this.s[q];
    const key = this.ident(q);
    let sep: A.Setting['sep'] = null;
    let value: A.Expr | null = null;
    let block: A.Settings | null = null;
    let comma = false;
    if (this.k[this.p] === K_LCURLY) {
      if (this.k[this.p + 1] === K_EOF) throw BAIL;
      block = this.settingsBlock();
    } else {
      const s = this.k[this.p];
      if (s === K_COLON || s === K_EQ) { sep = s === K_COLON ? ':' : '='; this.p++; }
      // No value (`key:` then `}`, `,`, or `other:`) is a missing-value error; so is `key: a: b`.
      const v = this.k[this.p];
      const after = this.k[this.p + 1];
      if (!(F[v] & F_EXPR) || ((F[v] & F_WORD) && (after === K_COLON || after === K_EQ))) throw BAIL;
      value = this.expr(sep === null);
    }
    const end = this.k[this.p];
    if (end === K_COMMA) { this.p++; comma = true; } else if (end === K_SEMICOLON) this.p++;
    return { kind: 'Setting', key, sep, value, block, comma, start, end: this.end(start) };
  }
}

let shared: FastParser | undefined;

/**
 * What the fast path parsed: every item to the end of the text (`resumeAt` -1), or the items before
 * the first one it gave up on, which starts at token `resumeAt`. Up to there, the Chevrotain parser
 * would have made the same choices without reporting anything, so it can continue from that token.
 */
export interface FastParse { items: A.Item[]; resumeAt: number }

/**
 * Parses the items of `text` from token `from` (the start of an item) as far as the fast path can
 * (see the file comment and `FastParse`).
 */
export function fastParse(text: string, scan: Scan, from: number): FastParse {
  const parser = (shared ??= new FastParser());
  try {
    return { items: parser.run(text, scan, from), resumeAt: -1 };
  } catch (e) {
    // BAIL, or stack exhaustion; anything else is a bug here, but parsing must not throw: the
    // Chevrotain parser takes over (cross-check runs surface it).
    if (CROSS_CHECK && e !== BAIL && !(e instanceof RangeError)) throw e;
    return { items: parser.items, resumeAt: parser.itemStart };
  } finally {
    parser.items = [];
    parser.release();
  }
}
