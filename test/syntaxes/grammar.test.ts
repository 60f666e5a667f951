import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vsctm from 'vscode-textmate';
import * as oniguruma from 'vscode-oniguruma';

/**
 * Tokenizes Baton source with the real TextMate engine VS Code uses
 * (vscode-textmate + vscode-oniguruma) and checks the scopes the grammar assigns.
 */

const GRAMMAR_REL = path.join('syntaxes', 'baton.tmLanguage.json');

/**
 * Walks up from this file (out/test/syntaxes when built with tsc) until the project root, the
 * directory holding the grammar; falls back to walking up from the working directory, so the test
 * also runs when compiled to a scratch directory outside the project.
 */
function findRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    let dir = start;
    for (;;) {
      if (fs.existsSync(path.join(dir, GRAMMAR_REL))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`cannot find ${GRAMMAR_REL} above ${__dirname} or ${process.cwd()}`);
}

const root = findRoot();
const grammarPath = path.join(root, GRAMMAR_REL);
const corpusDir = path.resolve(root, '../shared/corpus/symbiont');

interface Token {
  text: string;
  scopes: string[];
}

let grammar: vsctm.IGrammar;

async function loadGrammar(): Promise<vsctm.IGrammar> {
  const wasm = fs.readFileSync(path.join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) =>
      scopeName === 'source.baton' ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath) : null,
  });
  const g = await registry.loadGrammar('source.baton');
  if (!g) throw new Error('grammar source.baton did not load');
  return g;
}

/** Tokenizes a whole document; returns the tokens of each line and the final rule stack. */
function tokenizeDoc(source: string): { lines: Token[][]; end: vsctm.StateStack } {
  let state: vsctm.StateStack = vsctm.INITIAL;
  const lines: Token[][] = [];
  for (const line of source.split(/\r?\n/)) {
    const r = grammar.tokenizeLine(line, state);
    lines.push(r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes })));
    state = r.ruleStack;
  }
  return { lines, end: state };
}

/** All tokens of a document, flattened. */
function tokens(source: string): Token[] {
  return tokenizeDoc(source).lines.flat();
}

/** The `nth` token whose text (trimmed) is exactly `text`. */
function tok(toks: Token[], text: string, nth = 0): Token {
  const found = toks.filter((t) => t.text.trim() === text);
  assert.ok(
    found.length > nth,
    `no token #${nth} "${text}" in: ${toks.map((t) => JSON.stringify(t.text)).join(' ')}`,
  );
  return found[nth];
}

/** True when one of the token's scopes is `prefix` or starts with `prefix.`. */
function has(t: Token, prefix: string): boolean {
  return t.scopes.some((s) => s === prefix || s.startsWith(prefix + '.'));
}

function assertScope(t: Token, prefix: string): void {
  assert.ok(has(t, prefix), `"${t.text}" should have ${prefix}, has [${t.scopes.join(', ')}]`);
}

function assertNoScope(t: Token, prefix: string): void {
  assert.ok(!has(t, prefix), `"${t.text}" should not have ${prefix}, has [${t.scopes.join(', ')}]`);
}

function isKeyword(t: Token): boolean {
  return t.scopes.some((s) => s.startsWith('keyword.') || s.startsWith('storage.'));
}

describe('TextMate grammar (syntaxes/baton.tmLanguage.json)', function () {
  this.timeout(20000);

  before(async () => {
    grammar = await loadGrammar();
  });

  it('declares scope source.baton', () => {
    const raw = JSON.parse(fs.readFileSync(grammarPath, 'utf8')) as { scopeName: string };
    assert.strictEqual(raw.scopeName, 'source.baton');
    const t = tokens('x')[0];
    assert.strictEqual(t.scopes[0], 'source.baton');
  });

  describe('comments', () => {
    it('scopes // line comments', () => {
      const toks = tokens('let x = 1; // trailing note');
      assertScope(tok(toks, 'trailing note'), 'comment.line.double-slash');
      assertNoScope(tok(toks, 'let'), 'comment');
    });

    it('scopes # line comments', () => {
      const toks = tokens('# Mode B agent\nagent A {}');
      assertScope(tok(toks, 'Mode B agent'), 'comment.line.number-sign');
      assertScope(tok(toks, 'agent'), 'keyword.declaration.agent');
    });

    it('scopes /* */ block comments across lines', () => {
      const { lines } = tokenizeDoc('/* first\n   second */ let y = 2;');
      assertScope(tok(lines[0], 'first'), 'comment.block');
      assertScope(tok(lines[1], 'second'), 'comment.block');
      assertScope(tok(lines[1], 'let'), 'keyword.control');
      assertNoScope(tok(lines[1], 'let'), 'comment');
    });

    it('does not start a comment at # or // inside strings', () => {
      const toks = tokens('channels: ["#ops-agents"]\npublish("topic://alerts", x);');
      assertScope(tok(toks, '#ops-agents'), 'string.quoted.double');
      assertNoScope(tok(toks, '#ops-agents'), 'comment');
      assertNoScope(tok(toks, 'x'), 'comment');
    });
  });

  describe('keywords', () => {
    const declarations: Array<[string, string]> = [
      ['metadata', 'metadata {\n  version = "1"\n}'],
      ['agent', 'agent Foo { }'],
      ['policy', 'policy Foo { }'],
      ['type', 'type Foo = { a: int }'],
      ['function', 'function foo() { }'],
      ['tool', 'tool foo() { }'],
      ['mcp', 'mcp foo { }'],
      ['schedule', 'schedule foo { }'],
      ['channel', 'channel foo { }'],
      ['memory', 'memory foo { }'],
      ['webhook', 'webhook foo { }'],
    ];
    for (const [kw, src] of declarations) {
      it(`scopes top-level keyword "${kw}" and its declared name`, () => {
        const toks = tokens(src);
        assertScope(tok(toks, kw), `keyword.declaration.${kw}`);
        if (kw !== 'metadata') {
          const name = toks[toks.findIndex((t) => t.text === kw) + 2];
          assert.ok(
            has(name, 'entity.name.type') || has(name, 'entity.name.function'),
            `name after ${kw} should be an entity.name, has [${name.scopes.join(', ')}]`,
          );
        }
      });
    }

    it('scopes agent/function/tool names as entity names', () => {
      const toks = tokens('agent triage(x: int) { function helper() { } }\ntool read_file(path: String) -> String { }');
      assertScope(tok(toks, 'triage'), 'entity.name.type');
      assertScope(tok(toks, 'helper'), 'entity.name.function');
      assertScope(tok(toks, 'read_file'), 'entity.name.function');
    });

    it('scopes control keywords', () => {
      const src = [
        'function f(xs: Any) {',
        '  let n = 0;',
        '  for x in xs { if x { break; } else { continue; } }',
        '  while n < 3 { n += 1; }',
        '  match n { 1 => "one", _ => "many" }',
        '  try { parallel { let a = g(); } } catch (e) { return e; }',
        '}',
      ].join('\n');
      const toks = tokens(src);
      for (const kw of ['let', 'if', 'else', 'for', 'in', 'while', 'match', 'try', 'catch', 'return', 'break', 'continue', 'parallel']) {
        assertScope(tok(toks, kw), `keyword.control.${kw}`);
      }
    });

    it('scopes agent items capabilities and with', () => {
      const toks = tokens('agent A {\n  capabilities: [read, write]\n  with sandbox = "docker", timeout = 60.seconds {\n  }\n}');
      assertScope(tok(toks, 'capabilities'), 'keyword.other.capabilities');
      assertScope(tok(toks, 'with'), 'keyword.other.with');
      assertScope(tok(toks, 'sandbox'), 'support.type.property-name');
      assertNoScope(tok(toks, 'sandbox'), 'keyword');
    });

    it('does not treat member names like body.type as keywords', () => {
      const toks = tokens(
        'agent A {\n  with memory = "ephemeral" {\n    if body.type == "x" { return x.memory + y.agent + z.policy + w.tool; }\n  }\n}',
      );
      const members = toks.filter((t, i) => i > 0 && toks[i - 1].text === '.');
      assert.deepStrictEqual(
        members.map((t) => t.text),
        ['type', 'memory', 'agent', 'policy', 'tool'],
      );
      for (const m of members) {
        assertScope(m, 'variable.other.property');
        assert.ok(!isKeyword(m), `.${m.text} scoped as keyword: [${m.scopes.join(', ')}]`);
      }
      // `memory` as a with-attribute is a property name, not the memory declaration keyword.
      const attr = tok(toks, 'memory');
      assertScope(attr, 'support.type.property-name');
      assert.ok(!isKeyword(attr), `with memory scoped as keyword: [${attr.scopes.join(', ')}]`);
      // ...while the real declaration keyword is one.
      assertScope(tok(toks, 'agent'), 'keyword.declaration.agent');
    });
  });

  describe('policy rules', () => {
    it('scopes allow/deny/require/audit as rule heads when followed by ":"', () => {
      const src = [
        'policy guard {',
        '  allow: read_logs(service) if true',
        '  deny: restart(s) if not context.has_human_approval',
        '  require: { rate_limiting: "200/hour" }',
        '  audit: all_operations',
        '}',
      ].join('\n');
      const toks = tokens(src);
      for (const verb of ['allow', 'deny', 'require', 'audit']) {
        assertScope(tok(toks, verb), `keyword.other.policy.${verb}`);
      }
      assertScope(tok(toks, 'read_logs'), 'entity.name.function');
      assertScope(tok(toks, 'if'), 'keyword.control.if');
      assertScope(tok(toks, 'not'), 'keyword.operator.logical');
      assertScope(tok(toks, 'rate_limiting'), 'support.type.property-name');
    });

    it('does not scope policy verbs that are not rule heads', () => {
      const toks = tokens(
        'policy p {\n  allow: "read" if mode != audit\n}\nchannel c {\n  data_classification {\n    public: allow\n  }\n}\nlet deny = require(x);',
      );
      assertScope(tok(toks, 'allow', 0), 'keyword.other.policy.allow');
      for (const [word, nth] of [['audit', 0], ['allow', 1], ['deny', 0], ['require', 0]] as const) {
        assertNoScope(tok(toks, word, nth), 'keyword.other.policy');
      }
    });
  });

  describe('literals', () => {
    it('scopes strings, escapes and {}/{name} placeholders', () => {
      const toks = tokens('let m = format("Service {} is {name} \\"ok\\"", a, b);');
      const open = toks.find((t) => t.text === '"');
      assert.ok(open && has(open, 'punctuation.definition.string.begin'));
      for (const ph of ['{}', '{name}']) {
        const t = tok(toks, ph);
        assertScope(t, 'constant.other.placeholder');
        assertScope(t, 'string.quoted.double');
      }
      assertScope(tok(toks, '\\"'), 'constant.character.escape');
      assertScope(tok(toks, 'Service'), 'string.quoted.double');
      assertNoScope(tok(toks, 'a'), 'string');
    });

    it('scopes numbers (1_000, 0.5)', () => {
      const toks = tokens('let n = 1_000 + 0.5 * 42;');
      for (const n of ['1_000', '0.5', '42']) {
        const t = tok(toks, n);
        assertScope(t, 'constant.numeric');
        assertNoScope(t, 'constant.numeric.duration');
      }
    });

    it('scopes durations (30s ... 500ms, 60.seconds, 5.minutes, 1.hours) as single tokens', () => {
      const all = ['30s', '5m', '2h', '1d', '1w', '365d', '6months', '1y', '500ms', '60.seconds', '5.minutes', '1.hours'];
      const toks = tokens(`let ds = [${all.join(', ')}];`);
      for (const d of all) assertScope(tok(toks, d), 'constant.numeric.duration');
      const w = tokens('with timeout = 60.seconds {\n}');
      assertScope(tok(w, '60.seconds'), 'constant.numeric.duration');
    });

    it('scopes booleans and null/None', () => {
      const toks = tokens('let a = [true, false, null, None];');
      assertScope(tok(toks, 'true'), 'constant.language.boolean');
      assertScope(tok(toks, 'false'), 'constant.language.boolean');
      assertScope(tok(toks, 'null'), 'constant.language.null');
      assertScope(tok(toks, 'None'), 'constant.language.null');
    });

    it('scopes an unquoted vault:// reference as one token, not a comment', () => {
      const toks = tokens('let s = vault://webhooks/slack/secret;');
      const v = tok(toks, 'vault://webhooks/slack/secret');
      assertScope(v, 'constant.other.vault');
      assertNoScope(v, 'comment');
      assertScope(tok(toks, ';'), 'punctuation.terminator.statement');
    });

    it('scopes vault:// references inside strings', () => {
      const toks = tokens('webhook w {\n  secret "vault://webhooks/slack/secret"\n}');
      const v = tok(toks, 'vault://webhooks/slack/secret');
      assertScope(v, 'constant.other.vault');
      assertScope(v, 'string.quoted.double');
      assertScope(tok(toks, 'secret'), 'support.type.property-name');
    });
  });

  describe('operators', () => {
    it('scopes logical, comparison, arithmetic, assignment and arrow operators', () => {
      const toks = tokens('x += a && !b || c == d != e <= f >= g + h - i * j / k % l; y -= 1; z = m => m; w = 1;');
      const expect: Array<[string, string]> = [
        ['+=', 'keyword.operator.assignment'],
        ['-=', 'keyword.operator.assignment'],
        ['&&', 'keyword.operator.logical'],
        ['||', 'keyword.operator.logical'],
        ['!', 'keyword.operator.logical'],
        ['==', 'keyword.operator.comparison'],
        ['!=', 'keyword.operator.comparison'],
        ['<=', 'keyword.operator.comparison'],
        ['>=', 'keyword.operator.comparison'],
        ['+', 'keyword.operator.arithmetic'],
        ['-', 'keyword.operator.arithmetic'],
        ['*', 'keyword.operator.arithmetic'],
        ['/', 'keyword.operator.arithmetic'],
        ['%', 'keyword.operator.arithmetic'],
        ['=>', 'keyword.operator.arrow'],
        ['=', 'keyword.operator.assignment'],
      ];
      for (const [op, scope] of expect) assertScope(tok(toks, op), scope);
    });
  });

  describe('types', () => {
    it('scopes parameter and return types', () => {
      const toks = tokens('agent hitl(action: String, target: Service) -> OperationResult {\n}');
      assertScope(tok(toks, 'action'), 'variable.parameter');
      assertScope(tok(toks, 'String'), 'support.type');
      assertScope(tok(toks, 'Service'), 'entity.name.type');
      const ret = tok(toks, 'OperationResult');
      assertScope(ret, 'entity.name.type');
      assertScope(tok(toks, '->'), 'keyword.operator.arrow');
    });

    it('scopes generic types Map<String, int> and Result<T, E>', () => {
      const toks = tokens('function f(m: Map<String, int>) -> Result<T, E> {\n}');
      assertScope(tok(toks, 'Map'), 'entity.name.type');
      assertScope(tok(toks, 'String'), 'support.type');
      assertScope(tok(toks, 'int'), 'support.type');
      assertScope(tok(toks, 'Result'), 'entity.name.type');
      assertScope(tok(toks, 'T'), 'entity.name.type');
      assertScope(tok(toks, 'E'), 'entity.name.type');
      assertScope(tok(toks, '<'), 'punctuation.definition.typeparameters');
    });

    it('scopes built-in types String int float bool Any JSON as support.type', () => {
      const toks = tokens('type R = { a: String, b: int, c: float, d: bool, e: Any, f: JSON, g: Custom }');
      for (const t of ['String', 'int', 'float', 'bool', 'Any', 'JSON']) assertScope(tok(toks, t), 'support.type');
      assertScope(tok(toks, 'Custom'), 'entity.name.type');
      assertNoScope(tok(toks, 'Custom'), 'support.type');
      assertScope(tok(toks, 'R'), 'entity.name.type');
    });
  });

  describe('calls and records', () => {
    it('scopes function calls, method calls and record keys', () => {
      const toks = tokens(
        'let r = read_logs(target, lines = 500);\nlet ok = body.user.ends_with("@x.com");\nlet rec = { log_level: "info", "content": doc };',
      );
      assertScope(tok(toks, 'read_logs'), 'entity.name.function');
      assertScope(tok(toks, 'ends_with'), 'entity.name.function');
      assertScope(tok(toks, 'user'), 'variable.other.property');
      assertScope(tok(toks, 'lines'), 'variable.parameter');
      assertScope(tok(toks, 'log_level'), 'support.type.property-name');
      assertScope(tok(toks, 'content'), 'support.type.property-name');
    });

    it('scopes metadata keys in both key = value and key: value forms', () => {
      const toks = tokens('metadata {\n  version = "1.0"\n  author: "Symbi",\n  model = "m"\n}');
      for (const k of ['version', 'author', 'model']) assertScope(tok(toks, k), 'support.type.property-name');
    });

    it('scopes tool and mcp declarations (Baton extensions)', () => {
      const src = [
        'tool git_log(count: int = 10) -> String {',
        '  description = "Recent commits"',
        '  command = ["git", "log", "-n", "{count}"]',
        '}',
        'mcp github { command "npx" args ["-y", "@modelcontextprotocol/server-github"] env { GITHUB_TOKEN "vault://github/token" } }',
      ].join('\n');
      const toks = tokens(src);
      assertScope(tok(toks, 'tool'), 'keyword.declaration.tool');
      assertScope(tok(toks, 'git_log'), 'entity.name.function');
      assertScope(tok(toks, 'count'), 'variable.parameter');
      assertScope(tok(toks, 'description'), 'support.type.property-name');
      assertScope(tok(toks, '{count}'), 'constant.other.placeholder');
      assertScope(tok(toks, 'mcp'), 'keyword.declaration.mcp');
      assertScope(tok(toks, 'github'), 'entity.name.type');
      assertScope(tok(toks, 'command', 1), 'support.type.property-name');
      assertScope(tok(toks, 'GITHUB_TOKEN'), 'support.type.property-name');
      assertScope(tok(toks, 'vault://github/token'), 'constant.other.vault');
    });
  });

  describe('Symbiont corpus', () => {
    const files = fs.existsSync(corpusDir)
      ? fs.readdirSync(corpusDir).filter((f) => /\.(symbi|dsl|baton)$/.test(f)).sort()
      : [];

    it('finds the corpus files', () => {
      assert.ok(files.length >= 10, `expected corpus files in ${corpusDir}, found ${files.length}`);
    });

    for (const file of files) {
      it(`tokenizes ${file} without errors, with comment lines scoped as comments`, () => {
        const source = fs.readFileSync(path.join(corpusDir, file), 'utf8');
        const srcLines = source.split(/\r?\n/);
        const { lines, end } = tokenizeDoc(source);
        assert.strictEqual(lines.length, srcLines.length);

        let commentLines = 0;
        srcLines.forEach((text, i) => {
          // Tokens must cover the line exactly.
          assert.strictEqual(lines[i].map((t) => t.text).join(''), text, `line ${i + 1} coverage`);
          const trimmed = text.trim();
          if (trimmed.startsWith('//') || trimmed.startsWith('#')) {
            commentLines++;
            for (const t of lines[i]) {
              if (t.text.trim() === '') continue;
              assert.ok(
                t.scopes.some((s) => s.startsWith('comment.')),
                `${file}:${i + 1} token ${JSON.stringify(t.text)} should be a comment, has [${t.scopes.join(', ')}]`,
              );
            }
          }
          // Top-level declarations (column 0) and nested `policy`/`function` headers are keywords.
          const decl =
            /^(metadata|agent|type|function|tool|mcp|schedule|channel|memory|webhook)\b/.exec(text) ??
            /^\s+(policy|function)\s+\w+.*\{\s*$/.exec(text);
          if (decl) {
            const first = lines[i].find((t) => t.text.trim() !== '');
            assert.ok(
              first && has(first, `keyword.declaration.${decl[1]}`),
              `${file}:${i + 1} "${decl[1]}" should be a declaration keyword, has [${first?.scopes.join(', ')}]`,
            );
          }
        });

        if (/^\/\/|\n\s*(\/\/|#)/.test(source)) {
          assert.ok(commentLines > 0, 'expected comment lines to be checked');
        }
        // Well-formed files must leave the tokenizer back at the top level (all regions closed).
        if (!file.includes('invalid')) {
          assert.strictEqual(end.depth, 1, `${file}: grammar regions left open at end of file (depth ${end.depth})`);
        }
      });
    }
  });
});
