import * as assert from 'node:assert';
import { analyzeText, Workspace } from '../../../runtime/dsl/workspace';
import { DIAGNOSTIC_CODES } from '../../../runtime/dsl/diagnostics';

/** Wraps statements in an agent body. */
const body = (stmts: string, extra = '') => `agent A(x: int) {\n${extra}\n  with {\n${stmts}\n  }\n}\n`;
const FN = 'function f(a: int, b: int = 2) -> int { return a + b; }\n';
const TOOL_READ = 'tool read_file(path: String) -> String { builtin = "fs.read" capability = "read" }\n';

interface Case { positive: string; negative: string; line?: number }

/** One positive and one negative source for every diagnostic code. */
const CASES: Record<string, Case> = {
  'lex-error': { positive: body('let y = 1 @ 2;'), negative: body('let y = 1 + 2;'), line: 4 },
  'unterminated-string': { positive: 'metadata {\n  version = "1.0\n}\n', negative: 'metadata {\n  version = "1.0"\n}\n', line: 2 },
  'syntax-error': { positive: body('let = 5;'), negative: body('let y = 5;'), line: 4 },
  'unclosed-block': { positive: 'agent A {\n  capabilities = ["read"]\n', negative: 'agent A {\n  capabilities = ["read"]\n}\n' },
  'missing-value': { positive: 'metadata {\n  version:\n  author: "me"\n}\n', negative: 'metadata {\n  version: "1"\n  author: "me"\n}\n', line: 2 },
  'unknown-item': { positive: 'agnet A {}\n', negative: 'agent A {}\n', line: 1 },
  'invalid-assignment': { positive: FN + body('f(1) = 2;'), negative: FN + body('let y = f(1);') },
  'duplicate-definition': { positive: 'agent A {}\nagent A {}\n', negative: 'agent A {}\nagent B {}\n', line: 2 },
  'unknown-name': { positive: body('return y;'), negative: body('return x;'), line: 4 },
  'arity': { positive: FN + body('return f(1, 2, 3);'), negative: FN + body('return f(1, 2);') },
  'unknown-named-arg': { positive: FN + body('return f(1, c: 3);'), negative: FN + body('return f(1, b: 3);') },
  'duplicate-arg': { positive: FN + body('return f(1, a: 3);'), negative: FN + body('return f(a: 1, b: 3);') },
  'unknown-metadata-key': { positive: 'metadata {\n  verson = "1"\n}\n', negative: 'metadata {\n  version = "1"\n}\n', line: 2 },
  'unknown-with-attr': {
    positive: 'agent A {\n  with max_iteratons = 3 {\n  }\n}\n', negative: 'agent A {\n  with max_iterations = 3 {\n  }\n}\n', line: 2,
  },
  'invalid-attr-value': {
    positive: 'agent A {\n  with planning = "sometimes" {\n  }\n}\n', negative: 'agent A {\n  with planning = "multi_step" {\n  }\n}\n', line: 2,
  },
  'unknown-tool-key': {
    positive: 'tool t() {\n  builtin = "fs.list"\n  descripton = "x"\n}\n', negative: 'tool t() {\n  builtin = "fs.list"\n  description = "x"\n}\n', line: 3,
  },
  'tool-binding': { positive: 'tool t() {\n  description = "x"\n}\n', negative: 'tool t() {\n  description = "x"\n  builtin = "fs.list"\n}\n', line: 1 },
  'unknown-builtin-tool': { positive: 'tool t() { builtin = "fs.raed" }\n', negative: 'tool t() { builtin = "fs.read" }\n' },
  'command-template': {
    positive: 'tool t(count: int) { command = ["git", "log", "-n", "{n}"] }\n', negative: 'tool t(count: int) { command = ["git", "log", "-n", "{count}"] }\n',
  },
  'unknown-mcp-server': {
    positive: 'tool t() { mcp = "gh/list_issues" }\n', negative: 'mcp gh { command "gh-mcp" }\ntool t() { mcp = "gh/list_issues" }\n',
  },
  'cache-not-idempotent': {
    positive: 'tool t(n: int) {\n  command = ["echo", "{n}"]\n  cache = true\n}\n', negative: 'tool t(n: int) {\n  command = ["echo", "{n}"]\n  idempotent = true\n  cache = true\n}\n', line: 3,
  },
  'multiple-with': { positive: 'agent A {\n  with { }\n  with { }\n}\n', negative: 'agent A {\n  with { }\n}\n', line: 3 },
  'policy-unknown-target': {
    positive: TOOL_READ + 'agent A {\n  capabilities = ["read"]\n  policy p {\n    allow: raed_file(path)\n  }\n}\n',
    negative: TOOL_READ + 'agent A {\n  capabilities = ["read"]\n  policy p {\n    allow: read_file(path)\n  }\n}\n', line: 5,
  },
  'policy-unreachable': {
    positive: TOOL_READ + 'agent A {\n  capabilities = ["read"]\n  policy p {\n    allow: read_file(path)\n    deny: ["read_file"]\n  }\n}\n',
    negative: TOOL_READ + 'agent A {\n  capabilities = ["read"]\n  policy p {\n    allow: read_file(path)\n    deny: ["read_file"] if path == "/etc"\n  }\n}\n', line: 5,
  },
  'policy-asks-every-call': {
    positive: TOOL_READ + 'agent A {\n  capabilities = ["read"]\n  with {\n    return read_file("a.txt");\n  }\n}\n',
    negative: TOOL_READ + 'agent A {\n  capabilities = ["read"]\n  policy p { allow: read_file(path) }\n  with {\n    return read_file("a.txt");\n  }\n}\n', line: 5,
  },
  'policy-denied-call': {
    positive: TOOL_READ + 'agent A {\n  capabilities = ["read"]\n  policy p { deny: read_file(path) }\n  with {\n    return read_file("a.txt");\n  }\n}\n',
    negative: TOOL_READ + 'agent A {\n  capabilities = ["read"]\n  policy p { deny: read_file(path) if path == "x" }\n  with {\n    return read_file("a.txt");\n  }\n}\n', line: 6,
  },
  'policy-invalid-pattern': {
    positive: 'agent A {\n  policy p {\n    allow: 1 + 2\n  }\n}\n', negative: 'agent A {\n  policy p {\n    allow: all_operations\n  }\n}\n', line: 3,
  },
  'policy-unenforced-setting': {
    positive: 'agent A {\n  policy p {\n    require: { quantum_safe: true }\n  }\n}\n', negative: 'agent A {\n  policy p {\n    require: { rate_limiting: "10/minute" }\n  }\n}\n', line: 3,
  },
  'missing-capability': {
    positive: TOOL_READ + 'agent A {\n  policy p { allow: read_file(path) }\n  with {\n    return read_file("a.txt");\n  }\n}\n',
    negative: TOOL_READ + 'agent A {\n  capabilities = ["read"]\n  policy p { allow: read_file(path) }\n  with {\n    return read_file("a.txt");\n  }\n}\n', line: 5,
  },
  'semantic-function': { positive: body('return summarize(x);'), negative: body('return len([x]);'), line: 4 },
  'sandbox-tier': { positive: 'agent A {\n  with sandbox = "Tier1" {\n  }\n}\n', negative: 'agent A {\n  with timeout = 30 {\n  }\n}\n', line: 2 },
  'unknown-type': { positive: 'agent A(x: Service) {}\n', negative: 'type Service = { name: String }\nagent A(x: Service) {}\n', line: 1 },
  'ambiguous-reference': { positive: '', negative: '' }, // needs a workspace: tested below
  'break-outside-loop': { positive: body('break;'), negative: body('for i in [1] { break; }'), line: 4 },
  'nesting-too-deep': { positive: body(`let y = x${'()'.repeat(3000)};`), negative: body(`let y = x${'()'.repeat(30)};`) },
  'unreachable-code': { positive: body('return 1;\nlog("never");'), negative: body('log("first");\nreturn 1;'), line: 5 },
  'bad-cron': { positive: 'agent A {}\nschedule s {\n  cron = "0 25 * * *"\n  agent = "A"\n}\n', negative: 'agent A {}\nschedule s {\n  cron = "0 9 * * 1-5"\n  agent = "A"\n}\n', line: 3 },
};

function codes(src: string) {
  const a = analyzeText(src);
  return a.diagnostics.map((d) => ({ code: d.code, line: a.parse.lines.position(d.start).line + 1, d }));
}

describe('diagnostic codes', () => {
  it('every code has a positive and a negative case', () => {
    assert.deepStrictEqual(Object.keys(DIAGNOSTIC_CODES).sort(), Object.keys(CASES).sort());
  });

  for (const [code, c] of Object.entries(CASES)) {
    if (!c.positive) continue;
    it(`${code}: reported where it applies, with the documented severity`, () => {
      const found = codes(c.positive).filter((x) => x.code === code);
      assert.ok(found.length > 0, `no ${code} in: ${JSON.stringify(codes(c.positive).map((x) => x.code))}`);
      if (c.line) assert.strictEqual(found[0].line, c.line, `${code} on line ${found[0].line}`);
      assert.strictEqual(found[0].d.severity, DIAGNOSTIC_CODES[code].severity);
      assert.ok(found[0].d.message.length > 10);
    });
    it(`${code}: not reported when the code is right`, () => {
      const found = codes(c.negative).filter((x) => x.code === code);
      assert.deepStrictEqual(found.map((x) => x.d.message), []);
    });
  }

  it('ambiguous-reference: a name declared in two other files is flagged; in one, it resolves', () => {
    const ws = new Workspace();
    ws.set('main.baton', 'agent Main {\n  with {\n    return helper(1);\n  }\n}\n');
    ws.set('a.baton', 'agent helper(n: int) {}\n');
    let a = ws.analyze('main.baton')!;
    assert.ok(!a.diagnostics.some((d) => d.code === 'ambiguous-reference'));
    assert.strictEqual(a.check.calls[0].kind, 'agent');
    assert.strictEqual(a.check.calls[0].uri, 'a.baton');
    ws.set('b.baton', 'agent helper(n: int) {}\n');
    a = ws.analyze('main.baton')!;
    const d = a.diagnostics.find((x) => x.code === 'ambiguous-reference');
    assert.ok(d, 'expected ambiguous-reference');
    assert.strictEqual(d.related?.length, 2);
  });

  it('related locations point at the first declaration of a duplicate', () => {
    const src = 'agent A {}\nagent A {}\n';
    const d = analyzeText(src).diagnostics.find((x) => x.code === 'duplicate-definition')!;
    assert.strictEqual(d.related?.[0].start, src.indexOf('A'));
  });

  it('did-you-mean suggestions carry the fix for quick actions', () => {
    const d = analyzeText('agnet A {}\n').diagnostics[0];
    assert.strictEqual(d.data?.suggestion, 'agent');
    assert.match(d.message, /Did you mean 'agent'\?/);
  });
});
