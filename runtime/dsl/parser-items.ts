/**
 * Top-level items, agent items, policies and settings blocks: the Chevrotain parser's outermost
 * rules (parser.ts builds the parser and runs it). `sourceFile` lets the fast path parse the items
 * between those with errors (`fastForward`).
 */
import { IToken, EOF } from 'chevrotain';
import * as A from './ast';
import {
  Arrow, Colon, Comma, Eq, LBracket, LCurly, LParen, Name, Punct, RBracket, RCurly, RParen,
  Semicolon, StringLit, Word, kw,
} from './lexer';
import { StmtParser } from './parser-statements';
import { tokEnd } from './parser-base';
import { decodeString } from './literals';
import { closestWord } from './suggest';
import { Scan } from './scanner';
import { fastParse } from './fast-parser';

const Kw = {
  metadata: kw('metadata'), agent: kw('agent'), policy: kw('policy'), type: kw('type'), function: kw('function'),
  tool: kw('tool'), mcp: kw('mcp'), schedule: kw('schedule'), channel: kw('channel'), memory: kw('memory'),
  webhook: kw('webhook'), capabilities: kw('capabilities'), with: kw('with'), allow: kw('allow'), deny: kw('deny'),
  require: kw('require'), audit: kw('audit'), if: kw('if'),
};

export const TOP_LEVEL_KEYWORDS = ['metadata', 'agent', 'policy', 'type', 'function', 'tool', 'mcp', 'schedule', 'channel', 'memory', 'webhook'];
export const AGENT_ITEM_KEYWORDS = ['capabilities', 'policy', 'function', 'tool', 'with'];
export const RULE_VERBS = ['allow', 'deny', 'require', 'audit'];

export class ItemParser extends StmtParser {
  /** Items parsed so far: kept when an error ends the whole file early. */
  protected items: A.Item[] = [];
  /** The text being parsed, its scan when the fast path may take turns, and the scan index of `input[0]`. */
  protected text = '';
  protected scanned: Scan | undefined;
  protected scanOffset = 0;

  sourceFile = this.RULE('sourceFile', (): A.Item[] => {
    const items: A.Item[] = [];
    this.ACTION(() => { this.items = items; });
    this.MANY(() => {
      items.push(this.SUBRULE(this.topItem));
      if (!this.RECORDING_PHASE && this.scanned) this.fastForward(items);
    });
    return items;
  }, { recoveryValueFunc: () => this.items });

  /**
   * Between two items this parser's state is only its position: the fast path parses the items that
   * follow, as far as it can, and this parser continues at the first one it gave up on (or at the
   * end). The result is the same as this parser's own, faster.
   */
  private fastForward(items: A.Item[]): void {
    const self = this as unknown as { exportLexerState(): number; importLexerState(state: number): void };
    const next = this.scanOffset + self.exportLexerState() + 1;
    const scanned = this.scanned!;
    if (next >= scanned.n) return;
    const fast = fastParse(this.text, scanned, next);
    for (const item of fast.items) items.push(item);
    const stop = fast.resumeAt < 0 ? scanned.n : fast.resumeAt;
    self.importLexerState(stop - this.scanOffset - 1);
  }

  topItem = this.RULE('topItem', (): A.Item => this.OR({
    IGNORE_AMBIGUITIES: true,
    DEF: [
      { ALT: () => this.SUBRULE(this.metadataDecl) },
      { ALT: () => this.SUBRULE(this.agentDecl) },
      { ALT: () => this.SUBRULE(this.policyDecl) },
      { ALT: () => this.SUBRULE(this.typeDecl) },
      { ALT: () => this.SUBRULE(this.functionDecl) },
      { ALT: () => this.SUBRULE(this.toolDecl) },
      { ALT: () => this.SUBRULE(this.namedSettingsDecl) },
      { ALT: () => this.unknownItem(this.CONSUME(Word), 'top-level item', TOP_LEVEL_KEYWORDS) },
      { ALT: () => this.strayToken(this.CONSUME(Punct)) },
      { ALT: () => this.strayToken(this.CONSUME(LCurly)) },
      { ALT: () => this.strayToken(this.CONSUME(RCurly)) },
    ],
  }), { recoveryValueFunc: () => this.errorNode() });

  /** An unknown word where an item should start: one error, then the rest of the item is skipped. */
  private unknownItem(t: IToken, what: string, known: string[]): A.ErrorNode {
    return this.ACTION(() => {
      const guess = closestWord(t.image, known);
      const hint = guess ? ` Did you mean '${guess}'?` : ` Expected one of: ${known.join(', ')}.`;
      const message = `Unknown ${what} '${t.image}'.${hint}`;
      this.report('unknown-item', message, t.startOffset, tokEnd(t), guess ? { suggestion: guess } : undefined);
      const end = this.skipRestOfItem(t);
      return { kind: 'Error', message, start: t.startOffset, end } as A.ErrorNode;
    });
  }

  private strayToken(t: IToken): A.ErrorNode {
    return this.ACTION(() => {
      const message = `Unexpected '${t.image}'.`;
      this.report('syntax-error', message, t.startOffset, tokEnd(t));
      const end = this.skipRestOfItem(t);
      return { kind: 'Error', message, start: t.startOffset, end } as A.ErrorNode;
    });
  }

  metadataDecl = this.RULE('metadataDecl', (): A.MetadataDecl => {
    const start = this.here();
    this.CONSUME(Kw.metadata);
    const body = this.SUBRULE(this.settingsBlock);
    return this.range({ kind: 'Metadata', body } as A.MetadataDecl, start);
  });

  agentDecl = this.RULE('agentDecl', (): A.AgentDecl => {
    const start = this.here();
    this.CONSUME(Kw.agent);
    const name = this.ident(this.CONSUME(Name));
    let params: A.Param[] | null = null;
    let returns: A.TypeRef | null = null;
    this.OPTION(() => { params = this.SUBRULE(this.paramList); });
    this.OPTION2(() => { this.CONSUME(Arrow); returns = this.SUBRULE(this.typeRef); });
    const items: A.AgentItem[] = [];
    this.CONSUME(LCurly);
    this.MANY(() => { items.push(this.SUBRULE(this.agentItem)); });
    this.closeCurly();
    return this.range({ kind: 'Agent', name, params, returns, items } as A.AgentDecl, start);
  });

  agentItem = this.RULE('agentItem', (): A.AgentItem => this.OR({
    IGNORE_AMBIGUITIES: true,
    DEF: [
      { ALT: () => this.SUBRULE(this.capabilities) },
      { ALT: () => this.SUBRULE(this.policyDecl) },
      { ALT: () => this.SUBRULE(this.functionDecl) },
      { ALT: () => this.SUBRULE(this.toolDecl) },
      { ALT: () => this.SUBRULE(this.withBlock) },
      { ALT: () => this.unknownItem(this.CONSUME(Word), 'agent item', AGENT_ITEM_KEYWORDS) },
      { ALT: () => this.strayToken(this.CONSUME(Punct)) },
      { ALT: () => this.strayToken(this.CONSUME(LCurly)) },
    ],
  }), { recoveryValueFunc: () => this.errorNode() });

  capabilities = this.RULE('capabilities', (): A.Capabilities => {
    const start = this.here();
    this.CONSUME(Kw.capabilities);
    const sep = this.OR([{ ALT: () => this.CONSUME(Colon) }, { ALT: () => this.CONSUME(Eq) }]);
    const items: A.CapabilityRef[] = [];
    this.CONSUME(LBracket);
    this.OPTION(() => {
      items.push(this.SUBRULE(this.capabilityRef));
      this.MANY({
        GATE: () => !this.is(2, RBracket),
        DEF: () => { this.CONSUME(Comma); items.push(this.SUBRULE2(this.capabilityRef)); },
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBracket);
    this.OPTION3(() => this.OR2([{ ALT: () => this.CONSUME3(Comma) }, { ALT: () => this.CONSUME(Semicolon) }]));
    return this.range({ kind: 'Capabilities', sep: sep.image as ':' | '=', items } as A.Capabilities, start);
  });

  capabilityRef = this.RULE('capabilityRef', (): A.CapabilityRef => this.OR([
    {
      ALT: () => {
        const t = this.CONSUME(StringLit);
        return { kind: 'Capability', name: decodeString(t.image ?? '""'), quoted: true, start: t.startOffset, end: tokEnd(t) } as A.CapabilityRef;
      },
    },
    {
      ALT: () => {
        const t = this.CONSUME(Word);
        return { kind: 'Capability', name: t.image, quoted: false, start: t.startOffset, end: tokEnd(t) } as A.CapabilityRef;
      },
    },
  ]));

  policyDecl = this.RULE('policyDecl', (): A.PolicyDecl => {
    const start = this.here();
    this.CONSUME(Kw.policy);
    const name = this.ident(this.CONSUME(Name));
    const rules: A.Rule[] = [];
    this.CONSUME(LCurly);
    this.MANY(() => {
      const r = this.SUBRULE(this.rule);
      this.ACTION(() => { if (r.kind === 'Rule') rules.push(r); });
    });
    this.closeCurly();
    return this.range({ kind: 'Policy', name, rules } as A.PolicyDecl, start);
  });

  rule = this.RULE('rule', (): A.Rule | A.ErrorNode => this.OR({
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        GATE: () => this.is(2, Colon),
        ALT: () => {
          const start = this.here();
          const verb = this.OR2([
            { ALT: () => this.CONSUME(Kw.allow) },
            { ALT: () => this.CONSUME(Kw.deny) },
            { ALT: () => this.CONSUME(Kw.require) },
            { ALT: () => this.CONSUME(Kw.audit) },
          ]);
          this.CONSUME(Colon);
          const pattern = this.SUBRULE(this.expr);
          let condition: A.Expr | null = null;
          this.OPTION(() => { this.CONSUME(Kw.if); condition = this.SUBRULE2(this.expr); });
          this.OPTION2(() => this.OR3([{ ALT: () => this.CONSUME(Comma) }, { ALT: () => this.CONSUME(Semicolon) }]));
          return this.range({ kind: 'Rule', verb: verb.image as A.RuleVerb, pattern, condition } as A.Rule, start);
        },
      },
      { ALT: () => this.unknownItem(this.CONSUME(Word), 'policy rule', RULE_VERBS) },
      { ALT: () => this.strayToken(this.CONSUME(Punct)) },
      { ALT: () => this.strayToken(this.CONSUME(LCurly)) },
    ],
  }), { recoveryValueFunc: () => this.errorNode() });

  withBlock = this.RULE('withBlock', (): A.WithBlock => {
    const start = this.here();
    this.CONSUME(Kw.with);
    const attrs: A.WithAttr[] = [];
    this.OPTION(() => {
      attrs.push(this.SUBRULE(this.withAttr));
      this.MANY(() => { this.CONSUME(Comma); attrs.push(this.SUBRULE2(this.withAttr)); });
    });
    const body = this.SUBRULE(this.block);
    return this.range({ kind: 'With', attrs, body } as A.WithBlock, start);
  });

  withAttr = this.RULE('withAttr', (): A.WithAttr => {
    const start = this.here();
    const key = this.ident(this.CONSUME(Word));
    this.OR([{ ALT: () => this.CONSUME(Eq) }, { ALT: () => this.CONSUME(Colon) }]);
    const value = this.SUBRULE(this.expr, { ARGS: [true] });
    return this.range({ kind: 'WithAttr', key, value } as A.WithAttr, start);
  });

  paramList = this.RULE('paramList', (): A.Param[] => {
    const params: A.Param[] = [];
    this.CONSUME(LParen);
    this.OPTION(() => {
      params.push(this.SUBRULE(this.param));
      this.MANY({
        GATE: () => !this.is(2, RParen),
        DEF: () => { this.CONSUME(Comma); params.push(this.SUBRULE2(this.param)); },
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RParen);
    return params;
  });

  param = this.RULE('param', (): A.Param => {
    const start = this.here();
    const name = this.ident(this.CONSUME(Name));
    let type: A.TypeRef | null = null;
    let def: A.Expr | null = null;
    this.OPTION(() => { this.CONSUME(Colon); type = this.SUBRULE(this.typeRef); });
    this.OPTION2(() => { this.CONSUME(Eq); def = this.SUBRULE(this.expr); });
    return this.range({ kind: 'Param', name, type, default: def } as A.Param, start);
  });

  functionDecl = this.RULE('functionDecl', (): A.FunctionDecl => {
    const start = this.here();
    this.CONSUME(Kw.function);
    const name = this.ident(this.CONSUME(Name));
    const params = this.SUBRULE(this.paramList);
    let returns: A.TypeRef | null = null;
    this.OPTION(() => { this.CONSUME(Arrow); returns = this.SUBRULE(this.typeRef); });
    const body = this.SUBRULE(this.block);
    return this.range({ kind: 'Function', name, params, returns, body } as A.FunctionDecl, start);
  });

  toolDecl = this.RULE('toolDecl', (): A.ToolDecl => {
    const start = this.here();
    this.CONSUME(Kw.tool);
    const name = this.ident(this.CONSUME(Name));
    let params: A.Param[] = [];
    this.OPTION(() => { params = this.SUBRULE(this.paramList); });
    let returns: A.TypeRef | null = null;
    this.OPTION2(() => { this.CONSUME(Arrow); returns = this.SUBRULE(this.typeRef); });
    const body = this.SUBRULE(this.settingsBlock);
    return this.range({ kind: 'Tool', name, params, returns, body } as A.ToolDecl, start);
  });

  typeDecl = this.RULE('typeDecl', (): A.TypeDecl => {
    const start = this.here();
    this.CONSUME(Kw.type);
    const name = this.ident(this.CONSUME(Name));
    this.CONSUME(Eq);
    const type = this.SUBRULE(this.typeRef);
    this.OPTION(() => this.CONSUME(Semicolon));
    return this.range({ kind: 'TypeDecl', name, type } as A.TypeDecl, start);
  });

  namedSettingsDecl = this.RULE('namedSettingsDecl', (): A.McpDecl | A.SettingsDecl => {
    const start = this.here();
    const k = this.OR([
      { ALT: () => this.CONSUME(Kw.mcp) },
      { ALT: () => this.CONSUME(Kw.schedule) },
      { ALT: () => this.CONSUME(Kw.channel) },
      { ALT: () => this.CONSUME(Kw.memory) },
      { ALT: () => this.CONSUME(Kw.webhook) },
    ]);
    const name = this.ident(this.CONSUME(Name));
    const body = this.SUBRULE(this.settingsBlock);
    const kind = ({ mcp: 'Mcp', schedule: 'Schedule', channel: 'Channel', memory: 'Memory', webhook: 'Webhook' } as const)[k.image as 'mcp'];
    return this.range({ kind, name, body } as A.McpDecl | A.SettingsDecl, start);
  });

  settingsBlock = this.RULE('settingsBlock', (): A.Settings => {
    const start = this.here();
    const entries: A.Settings['entries'] = [];
    this.CONSUME(LCurly);
    this.MANY(() => {
      entries.push(this.OR({
        IGNORE_AMBIGUITIES: true,
        DEF: [
          { GATE: () => this.is(2, Name) && this.is(3, LCurly), ALT: () => this.SUBRULE(this.policyDecl) },
          { ALT: () => this.SUBRULE(this.setting) },
          { ALT: () => this.strayToken(this.CONSUME(Punct)) },
          { ALT: () => this.strayToken(this.CONSUME(LCurly)) },
        ],
      }));
    });
    this.closeCurly();
    return this.range({ kind: 'Settings', entries } as A.Settings, start);
  });

  setting = this.RULE('setting', (): A.Setting => {
    const start = this.here();
    const keyTok = this.CONSUME(Word);
    const key = this.ident(keyTok);
    let sep: A.Setting['sep'] = null;
    let value: A.Expr | null = null;
    let block: A.Settings | null = null;
    let comma = false;
    this.OR([
      { ALT: () => { block = this.SUBRULE(this.settingsBlock); } },
      {
        ALT: () => {
          this.OPTION(() => {
            sep = this.OR2([{ ALT: () => this.CONSUME(Colon) }, { ALT: () => this.CONSUME(Eq) }]).image as ':' | '=';
          });
          this.OPTION2({
            GATE: () => !this.nextIsNewKey(),
            DEF: () => { value = this.SUBRULE(this.expr, { ARGS: [sep === null] }); },
          });
          this.ACTION(() => {
            if (value === null) {
              this.report('missing-value', `'${key.name}' has no value.`, key.start, this.prevEnd());
            }
          });
        },
      },
    ]);
    this.OPTION3(() => this.OR3([
      { ALT: () => { this.CONSUME(Comma); comma = true; } },
      { ALT: () => this.CONSUME(Semicolon) },
    ]));
    return this.range({ kind: 'Setting', key, sep, value, block, comma } as A.Setting, start);
  });

  /** `key:` followed by `other:` or `}`: the value of `key` is missing. */
  private nextIsNewKey(): boolean {
    if (this.is(1, RCurly) || this.is(1, Comma) || this.LA(1).tokenType === EOF) return true;
    return this.is(1, Word) && (this.is(2, Colon) || this.is(2, Eq)) && this.lineOf(this.LA(1).startOffset) !== this.lineOf(this.prevEnd() - 1);
  }
}
