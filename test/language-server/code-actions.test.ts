/**
 * Quick fixes over the real LSP (dist/server.js): for each, the diagnostic the server published is
 * sent back in a codeAction request; the chosen action is applied to the document, which must then
 * equal the expected text exactly, and after re-analysis the diagnostic must be gone.
 */
import * as assert from 'node:assert';
import { LspClient, LspDiagnostic } from './lsp-client';
import { applyEdits, withFixture } from './nav-fixture';

interface Action { title: string; kind?: string; isPreferred?: boolean; diagnostics?: LspDiagnostic[]; edit?: { changes?: Record<string, any[]> } }

describe('language server: code actions', function () {
  this.timeout(20000);
  let client: LspClient;
  before(async () => { client = await LspClient.start(); });
  after(async () => { await client?.stop(); });

  /** Finds the `code` diagnostic (the first, or the one whose text is `at`), applies the action titled `title`. */
  async function expectFix(src: string, code: string, title: RegExp, expected: string, opts: { at?: string; preferred?: boolean } = {}): Promise<void> {
    await withFixture(client, { 'a.baton': src }, async (f) => {
      const uri = f.uri('a.baton');
      const text = f.text('a.baton');
      const diags = await client.waitForDiagnostics(uri, 1);
      const d = diags.find((x) => x.code === code && (opts.at === undefined || textOf(text, x) === opts.at));
      assert.ok(d, `no ${code} diagnostic; got ${diags.map((x) => `${x.code}: ${x.message}`).join(' | ')}`);
      const actions = await client.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
      const action = actions.find((a) => title.test(a.title));
      assert.ok(action, `no action ${title}; got ${actions.map((a) => a.title).join(' | ')}`);
      assert.strictEqual(action.kind, 'quickfix');
      assert.deepStrictEqual(action.diagnostics, [d]);
      if (opts.preferred !== undefined) assert.strictEqual(!!action.isPreferred, opts.preferred);
      const fixed = applyEdits(text, action.edit?.changes?.[uri] ?? []);
      assert.strictEqual(fixed, expected);
      const version = await client.change(uri, fixed);
      const after = await client.waitForDiagnostics(uri, version);
      assert.deepStrictEqual(after.filter((x) => x.code === code).map((x) => x.message), [], `${code} is still reported`);
      assert.deepStrictEqual(after.filter((x) => x.severity === 1).map((x) => x.message), [], 'the fix introduced errors');
    });
  }

  function textOf(text: string, d: LspDiagnostic): string {
    const lines = text.split('\n');
    return lines[d.range.start.line].slice(d.range.start.character, d.range.start.line === d.range.end.line ? d.range.end.character : undefined);
  }

  describe('declare a missing tool', () => {
    it('infers parameters from named, variable and literal arguments, and the return type from a typed let', () => expectFix(
      'type Summary = { text: String }\nagent a(goal: String) {\n  with {\n    let n = 3;\n'
      + '    let s: Summary = summarize(goal, n, "x", 2.5, true, [1, 2], style: "short");\n    return s;\n  }\n}\n',
      'semantic-function', /^Declare tool 'summarize'$/,
      'type Summary = { text: String }\ntool summarize(goal: String, n: int, arg3: String, arg4: float, arg5: bool, arg6: [int], style: String) -> Summary {\n'
      + '  description = "TODO: what summarize does"\n  command = ["TODO"]\n}\n\nagent a(goal: String) {\n  with {\n    let n = 3;\n'
      + '    let s: Summary = summarize(goal, n, "x", 2.5, true, [1, 2], style: "short");\n    return s;\n  }\n}\n',
      { preferred: false },
    ));
    it('goes after the last tool of the file, and keeps a comment with its agent', () => expectFix(
      'tool read_file(path: String) -> String { builtin = "fs.read" }\n\n// The agent.\nagent a {\n  with { return classify(read_file("x")); }\n}\n',
      'semantic-function', /^Declare tool 'classify'$/,
      'tool read_file(path: String) -> String { builtin = "fs.read" }\n\ntool classify(arg1: Any) -> Any {\n  description = "TODO: what classify does"\n  command = ["TODO"]\n}\n\n'
      + '// The agent.\nagent a {\n  with { return classify(read_file("x")); }\n}\n',
    ));
    it('goes above the comment of the calling agent when the file has no tool', () => expectFix(
      '// The agent.\nagent a {\n  with { let path = "x"; return fetch(path); }\n}\n',
      'semantic-function', /^Declare tool 'fetch'$/,
      'tool fetch(path: String) -> Any {\n  description = "TODO: what fetch does"\n  command = ["TODO"]\n}\n\n'
      + '// The agent.\nagent a {\n  with { let path = "x"; return fetch(path); }\n}\n',
    ));
  });

  describe('declare a tool named elsewhere', () => {
    it('an unknown name in a tools: [...] list', () => expectFix(
      'agent a {\n  with { return reason("find it", tools: [search_web]); }\n}\n',
      'unknown-name', /^Declare tool 'search_web'$/,
      'tool search_web() -> Any {\n  description = "TODO: what search_web does"\n  command = ["TODO"]\n}\n\n'
      + 'agent a {\n  with { return reason("find it", tools: [search_web]); }\n}\n',
    ));
    it('an unknown call-shape rule target, its bound names as parameters', () => expectFix(
      'agent a {\n  policy p { allow: read_logs(service, _) if service == "api" }\n  with { return 1; }\n}\n',
      'policy-unknown-target', /^Declare tool 'read_logs'$/,
      'tool read_logs(service: Any, arg2: Any) -> Any {\n  description = "TODO: what read_logs does"\n  command = ["TODO"]\n}\n\n'
      + 'agent a {\n  policy p { allow: read_logs(service, _) if service == "api" }\n  with { return 1; }\n}\n',
    ));
  });

  describe('add a missing capability', () => {
    const TOOL = 'tool write_file(path: String) -> String {\n  builtin = "fs.write"\n  capability = "write"\n}\n';
    it('to an existing capabilities list', () => expectFix(
      `${TOOL}agent a {\n  capabilities = ["read"]\n  policy p { allow: write_file }\n  with { return write_file("x"); }\n}\n`,
      'missing-capability', /^Add capability 'write' to agent 'a'$/,
      `${TOOL}agent a {\n  capabilities = ["read", "write"]\n  policy p { allow: write_file }\n  with { return write_file("x"); }\n}\n`,
      { preferred: true },
    ));
    it('as a new capabilities line', () => expectFix(
      `${TOOL}agent a {\n  policy p { allow: write_file }\n  with { return write_file("x"); }\n}\n`,
      'missing-capability', /^Add capability 'write'/,
      `${TOOL}agent a {\n  capabilities = ["write"]\n  policy p { allow: write_file }\n  with { return write_file("x"); }\n}\n`,
    ));
  });

  describe('allow a tool that asks on every call', () => {
    const TOOL = 'tool read_file(path: String) -> String { builtin = "fs.read" }\n';
    it('in the agent\'s first policy', () => expectFix(
      `${TOOL}agent a {\n  policy p {\n    deny: write_file\n  }\n  with { return read_file("x"); }\n}\n`,
      'policy-asks-every-call', /^Allow 'read_file' in policy 'p'$/,
      `${TOOL}agent a {\n  policy p {\n    deny: write_file\n    allow: read_file\n  }\n  with { return read_file("x"); }\n}\n`,
    ));
    it('in a new policy after the capabilities', () => expectFix(
      `${TOOL}agent a {\n    capabilities = ["read"]\n    with { return read_file("x"); }\n}\n`,
      'policy-asks-every-call', /^Add a policy to agent 'a' that allows 'read_file'$/,
      `${TOOL}agent a {\n    capabilities = ["read"]\n    policy access {\n        allow: read_file\n    }\n    with { return read_file("x"); }\n}\n`,
    ));
  });

  describe('remove an unreachable rule', () => {
    it('deletes the line of the shadowed allow', () => expectFix(
      'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a {\n  policy p {\n    deny: read_file\n    allow: read_file\n  }\n  with { return 1; }\n}\n',
      'policy-unreachable', /^Remove the unreachable allow rule$/,
      'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a {\n  policy p {\n    deny: read_file\n  }\n  with { return 1; }\n}\n',
      { preferred: true },
    ));
    it('deletes only the rule when it shares its line', () => expectFix(
      'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a {\n  policy p { deny: read_file; allow: read_file }\n  with { return 1; }\n}\n',
      'policy-unreachable', /^Remove the unreachable allow rule$/,
      'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a {\n  policy p { deny: read_file; }\n  with { return 1; }\n}\n',
    ));
  });

  describe('fix a misspelled name', () => {
    it('an unknown name', () => expectFix(
      'agent a { with { let total = 1; return totl + 1; } }\n',
      'unknown-name', /^Change to 'total'$/,
      'agent a { with { let total = 1; return total + 1; } }\n',
      { preferred: true },
    ));
    it('an unknown tool in a rule', () => expectFix(
      'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a {\n  policy p { allow: read_fil }\n  with { return read_file("x"); }\n}\n',
      'policy-unknown-target', /^Change to 'read_file'$/,
      'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a {\n  policy p { allow: read_file }\n  with { return read_file("x"); }\n}\n',
    ));
    it('an unknown tool named by a string in a rule', () => expectFix(
      'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a {\n  policy p { allow: ["read_fiel"] }\n  with { return read_file("x"); }\n}\n',
      'policy-unknown-target', /^Change to 'read_file'$/,
      'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a {\n  policy p { allow: ["read_file"] }\n  with { return read_file("x"); }\n}\n',
    ));
    it('an unknown metadata key', () => expectFix(
      'metadata {\n  modle = "gpt-4o"\n}\n',
      'unknown-metadata-key', /^Change to 'model'$/,
      'metadata {\n  model = "gpt-4o"\n}\n',
    ));
    it('an unknown with attribute', () => expectFix(
      'agent a {\n  with temprature = 0.2 { return 1; }\n}\n',
      'unknown-with-attr', /^Change to 'temperature'$/,
      'agent a {\n  with temperature = 0.2 { return 1; }\n}\n',
    ));
    it('an unknown type', () => expectFix(
      'type Report = { title: String }\nfunction f(r: Reprot) -> String { return r.title; }\n',
      'unknown-type', /^Change to 'Report'$/,
      'type Report = { title: String }\nfunction f(r: Report) -> String { return r.title; }\n',
    ));
    it('an unknown built-in tool', () => expectFix(
      'tool read_file(path: String) -> String { builtin = "fs.raed" }\n',
      'unknown-builtin-tool', /^Change to 'fs.read'$/,
      'tool read_file(path: String) -> String { builtin = "fs.read" }\n',
    ));
    it('an unknown named argument', () => expectFix(
      'tool grep(pattern: String) -> String { command = ["grep", "{pattern}"] }\nagent a {\n  policy p { allow: grep }\n  with { return grep(patern: "x"); }\n}\n',
      'unknown-named-arg', /^Change to 'pattern'$/,
      'tool grep(pattern: String) -> String { command = ["grep", "{pattern}"] }\nagent a {\n  policy p { allow: grep }\n  with { return grep(pattern: "x"); }\n}\n',
    ));
    it('an undeclared call close to a declared tool', () => expectFix(
      'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a {\n  policy p { allow: read_file }\n  with { return read_fiel("x"); }\n}\n',
      'semantic-function', /^Change to 'read_file'$/,
      'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a {\n  policy p { allow: read_file }\n  with { return read_file("x"); }\n}\n',
    ));
  });

  it('offers nothing for a diagnostic the document no longer has', async () => {
    await withFixture(client, { 'a.baton': 'agent a { with { let total = 1; return totl; } }\n' }, async (f) => {
      const uri = f.uri('a.baton');
      const [d] = (await client.waitForDiagnostics(uri, 1)).filter((x) => x.code === 'unknown-name');
      await client.change(uri, 'agent a { with { let total = 1; return total; } }\n');
      const actions = await client.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
      assert.deepStrictEqual(actions, []);
    });
  });
});
