/**
 * Top-level items and the public `parse` entry point. One parser instance is built once and reused.
 * Parsing never throws: it returns the tree plus every lexing and parsing diagnostic.
 */
import { IRecognitionException, IToken, tokenMatcher, EOF } from 'chevrotain';
import * as A from './ast';
import {
  Arrow, Colon, Comma, Eq, Identifier, LBracket, LCurly, LParen, Name, Punct, RBracket, RCurly, RParen,
  Semicolon, StringLit, Word, kw, lex, LineComment, HashComment,
} from './lexer';
import { StmtParser } from './parser-statements';
import { tokEnd } from './parser-base';
import { Diagnostic, diag } from './diagnostics';
import { LineIndex } from './line-index';
import { decodeString } from './literals';
import { closestWord } from './suggest';

const Kw = {
  metadata: kw('metadata'), agent: kw('agent'), policy: kw('policy'), type: kw('type'), function: kw('function'),
  tool: kw('tool'), mcp: kw('mcp'), schedule: kw('schedule'), channel: kw('channel'), memory: kw('memory'),
  webhook: kw('webhook'), capabilities: kw('capabilities'), with: kw('with'), allow: kw('allow'), deny: kw('deny'),
  require: kw('require'), audit: kw('audit'), if: kw('if'),
};

export const TOP_LEVEL_KEYWORDS = ['metadata', 'agent', 'policy', 'type', 'function', 'tool', 'mcp', 'schedule', 'channel', 'memory', 'webhook'];
export const AGENT_ITEM_KEYWORDS = ['capabilities', 'policy', 'function', 'tool', 'with'];
export const RULE_VERBS = ['allow', 'deny', 'require', 'audit'];

class BatonParser extends StmtParser {
  /** Items parsed so far: kept when an error ends the whole file early. */
  private items: A.Item[] = [];

  sourceFile = this.RULE('sourceFile', (): A.Item[] => {
    const items: A.Item[] = [];
    this.ACTION(() => { this.items = items; });
    this.MANY(() => { items.push(this.SUBRULE(this.topItem)); });
    return items;
  }, { recoveryValueFunc: () => this.items });

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

  constructor() {
    super();
    this.performSelfAnalysis();
  }

  run(text: string): { items: A.Item[]; tokens: IToken[]; commentTokens: IToken[]; lexDiags: Diagnostic[] } {
    const lexed = lex(text);
    this.resetState(text);
    this.input = lexed.tokens;
    this.items = [];
    const items = this.sourceFile() ?? this.items;
    const lexDiags = lexed.errors.map((e) =>
      diag('lex-error', `Unexpected character '${text.substr(e.offset, e.length || 1)}'.`, e.offset, e.offset + (e.length || 1)));
    if (this.fileEndedInsideBlock && !this.errors.some((e) => e.token.tokenType === EOF)) {
      lexDiags.push(unclosedAtEnd(lexed.tokens, text, this.lines));
    }
    return { items, tokens: lexed.tokens, commentTokens: lexed.comments, lexDiags };
  }

  get ownDiagnostics(): Diagnostic[] { return this.extraDiags; }

  /** The line index of the text parsed last. */
  get lineIndex(): LineIndex { return this.lines; }
}

let shared: BatonParser | undefined;
function parser(): BatonParser {
  return (shared ??= new BatonParser());
}

export interface ParseResult {
  file: A.SourceFile;
  /** Lexing and parsing diagnostics, sorted by position. */
  diagnostics: Diagnostic[];
  lines: LineIndex;
}

/** Parses a document. Never throws. */
export function parse(text: string): ParseResult {
  const p = parser();
  let lines: LineIndex | undefined;
  let items: A.Item[] = [];
  let diagnostics: Diagnostic[] = [];
  let comments: A.Comment[] = [];
  try {
    const r = p.run(text);
    lines = p.lineIndex;
    items = r.items.filter((i) => i && typeof i === 'object');
    comments = r.commentTokens.map((t) => ({
      kind: 'Comment', start: t.startOffset, end: tokEnd(t), text: t.image,
      style: t.tokenType === LineComment ? '//' : t.tokenType === HashComment ? '#' : '/*',
    }));
    diagnostics = [...r.lexDiags, ...p.ownDiagnostics, ...convertErrors(p.errors, r.tokens, text, p.lineIndex)];
  } catch (e) {
    // The parser must not throw; if it ever does, report it instead of crashing the caller.
    diagnostics = [e instanceof RangeError
      ? diag('nesting-too-deep', 'This file nests expressions or blocks too deeply to parse.', 0, Math.min(1, text.length))
      : diag('syntax-error', `Internal parser error: ${(e as Error).message}`, 0, Math.min(1, text.length))];
  }
  diagnostics = dedupe(diagnostics);
  return { file: { kind: 'SourceFile', items, comments, start: 0, end: text.length }, diagnostics, lines: lines ?? new LineIndex(text) };
}

const OPENERS: Record<string, string> = { '{': '}', '(': ')', '[': ']' };

function convertErrors(errors: IRecognitionException[], tokens: IToken[], text: string, lines: LineIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const e of errors) {
    const tok = e.token;
    const atEof = tok.tokenType === EOF || !(tok.startOffset >= 0);
    if (atEof) {
      const unclosed = unclosedAtEnd(tokens, text, lines);
      out.push(unclosed.code === 'unclosed-block' ? unclosed
        : diag('syntax-error', `Unexpected end of file: ${describe(e)}.`, text.length, text.length));
      continue;
    }
    const start = tok.startOffset;
    const end = tokEnd(tok);
    const found = tok.image;
    const m = /Expecting (?:token of type )?--> (.*?) <-- but found --> '(.*)' <--/s.exec(e.message);
    if (m && e.name === 'MismatchedTokenException') {
      const expected = m[1];
      const prev = (e as unknown as { previousToken?: IToken }).previousToken;
      if ((expected === "';'" || expected === "')'" || expected === "']'" || expected === "','") && prev && prev.startOffset >= 0) {
        const at = tokEnd(prev);
        out.push(diag('syntax-error', `Expected ${expected} after '${prev.image}', found '${found}'.`, at, at));
      } else {
        out.push(diag('syntax-error', `Expected ${expected}, found '${found}'.`, start, end));
      }
      continue;
    }
    out.push(diag('syntax-error', `Unexpected '${found}': ${describe(e)}.`, start, end));
  }
  return out;
}

const RULE_DESCRIPTIONS: Record<string, string> = {
  primary: 'expected an expression', expr: 'expected an expression', unaryExpr: 'expected an expression',
  postfixExpr: 'expected an expression', typeAtom: 'expected a type', typeRef: 'expected a type',
  patternAtom: 'expected a pattern', pattern: 'expected a pattern', stmt: 'expected a statement',
  capabilityRef: 'expected a capability name', recordEntry: "expected a record entry 'key: value'",
  arg: 'expected an argument', param: 'expected a parameter', setting: 'expected a setting', rule: 'expected a policy rule',
};

function describe(e: IRecognitionException): string {
  const stack = e.context?.ruleStack ?? [];
  for (let i = stack.length - 1; i >= 0; i--) {
    const d = RULE_DESCRIPTIONS[stack[i]];
    if (d) return d;
  }
  return 'this does not fit here';
}

function unclosedAtEnd(tokens: IToken[], text: string, lines: LineIndex): Diagnostic {
  const open = findUnclosed(tokens);
  const end = text.length;
  if (!open) return diag('syntax-error', 'Unexpected end of file.', end, end);
  const close = OPENERS[open.image];
  return diag('unclosed-block',
    `Expected '${close}' to close the '${open.image}' opened on line ${lines.lineOf(open.startOffset) + 1}; the file ends first.`,
    end, end, { related: [{ start: open.startOffset, end: tokEnd(open), message: `'${open.image}' opened here` }] });
}

function findUnclosed(tokens: IToken[]): IToken | undefined {
  const stack: IToken[] = [];
  for (const t of tokens) {
    if (tokenMatcher(t, LCurly) || tokenMatcher(t, LParen) || tokenMatcher(t, LBracket)) stack.push(t);
    else if (tokenMatcher(t, RCurly) || tokenMatcher(t, RParen) || tokenMatcher(t, RBracket)) stack.pop();
  }
  return stack[stack.length - 1];
}

function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diags.sort((a, b) => a.start - b.start || a.end - b.end)) {
    const key = `${d.start}:${d.severity}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

export { Identifier };
