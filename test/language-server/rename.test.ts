/**
 * Rename over the real LSP (dist/server.js). In each fixture `|` is the cursor and `[[...]]` marks
 * every range the rename must rewrite: the expected result is each file with its ranges replaced
 * by the new name, and the renamed workspace must have no more errors than before. Refusals
 * (not an identifier, a keyword, a built-in, a clash in the same scope, a captured or shadowed
 * use) must fail the request with a clear message; prepareRename refuses built-ins.
 */
import * as assert from 'node:assert';
import { LspClient } from './lsp-client';
import { Fixture, withFixture, WorkspaceEdit } from './nav-fixture';

describe('language server: rename', function () {
  this.timeout(20000);
  let client: LspClient;
  before(async () => { client = await LspClient.start(); });
  after(async () => { await client?.stop(); });

  async function errors(f: Fixture, texts?: Record<string, string>): Promise<string[]> {
    const out: string[] = [];
    for (const name of f.uris.keys()) {
      const uri = f.uri(name);
      const version = texts ? await client.change(uri, texts[name]) : client.version(uri);
      const diags = await client.waitForDiagnostics(uri, version);
      for (const d of diags) if (d.severity === 1) out.push(`${name}: ${d.code}: ${d.message}`);
    }
    return out;
  }

  async function expectRename(files: Record<string, string>, newName: string): Promise<void> {
    await withFixture(client, files, async (f) => {
      const before = await errors(f);
      const edit = await client.request<WorkspaceEdit | null>('textDocument/rename', { ...f.cursor().params, newName });
      const expected = f.replacedRanges(newName);
      assert.deepStrictEqual(f.applied(edit), expected);
      assert.deepStrictEqual(await errors(f, expected), before, 'the rename introduced errors');
    });
  }

  async function expectRefused(files: Record<string, string>, newName: string, message: RegExp): Promise<void> {
    await withFixture(client, files, async (f) => {
      await assert.rejects(client.request('textDocument/rename', { ...f.cursor().params, newName }), message);
    });
  }

  describe('renames', () => {
    it('a tool: declaration, calls, rule targets (names and strings), tools lists', () => expectRename({
      'a.baton': 'tool [[read_file]](path: String) -> String { builtin = "fs.read" }\n'
        + 'agent a {\n  capabilities = ["read"]\n  policy p {\n    allow: [[read_file]](path)\n    audit: ["[[read_file]]"]\n  }\n'
        + '  with { let x = [[read_fi|le]]("a"); return reason(x, tools: [ [[read_file]] ]); }\n}',
    }, 'read_document'));
    it('a tool across files', () => expectRename({
      'a.baton': 'tool [[fetch_page]](url: String) -> String { builtin = "http.fetch" }',
      'b.baton': 'agent b {\n  policy p { allow: [[fetch_page]] }\n  with { return [[fetch_p|age]]("u"); }\n}',
    }, 'fetch_url'));
    it('an agent called from another file', () => expectRename({
      'a.baton': 'agent [[summa|rizer]](text: String) -> String { with { return text; } }',
      'b.baton': 'agent b { with { return [[summarizer]]("t"); } }',
    }, 'condenser'));
    it('a function', () => expectRename({
      'a.baton': 'function [[double]](n: int) -> int { return n * 2; }\nagent a { with { return [[dou|ble]](1); } }',
    }, 'twice'));
    it('a type: declaration, annotations, typed records, other files', () => expectRename({
      'a.baton': 'type [[Report]] = { title: String }\nfunction f(r: [[Rep|ort]]) -> [[Report]] { return [[Report]] { title: "x" }; }',
      'b.baton': 'agent b -> [[Report]] { with { let r: [[Report]] = ask("x"); return r; } }',
    }, 'Summary'));
    it('a tool parameter: named arguments (both separators) and command placeholders', () => expectRename({
      'a.baton': 'tool grep([[pat|tern]]: String, path: String) -> String { command = ["grep", "{[[pattern]]}", "{path}"] }\n'
        + 'agent a {\n  policy p { allow: grep(pattern, path) if pattern != "" }\n'
        + '  with { return grep([[pattern]]: "x", path: "."); }\n}',
      'b.baton': 'agent b { with { return grep([[pattern]] = "y", path = "."); } }',
    }, 'regex'));
    it('a parameter from a named argument at a call site in another file', () => expectRename({
      'a.baton': 'tool fetch_page([[url]]: String) -> String { http = "GET https://example.com/{[[url]]}" }',
      'b.baton': 'agent b { with { return fetch_page([[u|rl]]: "x"); } }',
    }, 'page'));
    it('a function parameter: uses in the body and named arguments', () => expectRename({
      'a.baton': 'function scale([[fac|tor]]: int, x: int) -> int { return x * [[factor]]; }\nagent a { with { return scale(x: 2, [[factor]]: 3); } }',
    }, 'k'));
    it('an agent parameter: body and policy conditions', () => expectRename({
      'a.baton': 'tool read_file(path: String) -> String { builtin = "fs.read" }\n'
        + 'agent a([[goal]]: String) {\n  policy p { allow: read_file(path) if path == [[goal]] }\n  with { return read_file([[go|al]]); }\n}',
    }, 'target'));
    it('a let, not the let of the same name in another function', () => expectRename({
      'a.baton': 'function f() -> int { let [[x]] = 1; return [[|x]] + 1; }\nfunction g() -> int { let x = 2; return x; }',
    }, 'count'));
    it('an implicit Symbiont declaration and its later assignments', () => expectRename({
      'a.baton': 'agent a { with { [[rep|ort]] = ask("x"); [[report]] = [[report]] + "!"; return [[report]]; } }',
    }, 'draft'));
    it('a loop variable', () => expectRename({
      'a.baton': 'agent a { with { for [[it|em]] in [1] { log([[item]]); } return 1; } }',
    }, 'entry'));
    it('a catch name', () => expectRename({
      'a.baton': 'agent a { with { try { log(1); } catch ([[e|rr]]) { log([[err]]); } return 1; } }',
    }, 'failure'));
    it('a lambda parameter', () => expectRename({
      'a.baton': 'agent a { with { return map([1], [[v]] => [[|v]] * 2); } }',
    }, 'n'));
    it('an MCP server: calls and bindings', () => expectRename({
      'a.baton': 'mcp [[git|hub]] { command "gh-mcp" }\ntool issues(repo: String) -> String { mcp = "[[github]]/list_issues" }\n'
        + 'agent a { with { return [[github]].list_issues(repo: "x"); } }',
    }, 'gh'));
  });

  describe('refuses', () => {
    const SRC = { 'a.baton': 'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a { with { let x = 1; let y = 2; return read_f|ile("a"); } }' };
    it('a name that is not an identifier', () => expectRefused(SRC, 'read-file', /not a valid name/));
    it('a name starting with a digit', () => expectRefused(SRC, '2read', /not a valid name/));
    it('a keyword', () => expectRefused(SRC, 'while', /keyword/));
    it('a soft keyword', () => expectRefused(SRC, 'agent', /keyword/));
    it('a built-in function', () => expectRefused(SRC, 'len', /built-in/));
    it('a name already declared in the file', () => expectRefused({
      'a.baton': 'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a { with { return read_f|ile("a"); } }',
    }, 'a', /already declared in this file/));
    it('a name declared in another file of the workspace', () => expectRefused({
      'a.baton': 'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a { with { return read_f|ile("a"); } }',
      'b.baton': 'tool write_file(path: String) -> String { builtin = "fs.write" }',
    }, 'write_file', /already declared in .*b\.baton/));
    it('a let clashing with another let of the same scope', () => expectRefused({
      'a.baton': 'agent a { with { let x = 1; let y = 2; return |x + y; } }',
    }, 'y', /already declared in the same scope/));
    it('a parameter clashing with a sibling parameter', () => expectRefused({
      'a.baton': 'function f(a: int, b: int) -> int { return |a + b; }',
    }, 'b', /already declared in the same scope/));
    it('a rename that an inner declaration would shadow', () => expectRefused({
      'a.baton': 'agent a { with { let x = 1; if true { let y = 2; log(|x, y); } return x; } }',
    }, 'y', /would change what 'y'/));
    it('a rename that would break a command template it cannot rewrite (an escape in the string)', () => expectRefused({
      'a.baton': 'tool grep(pat|tern: String) -> String { command = ["grep", "-e\\t{pattern}"] }',
    }, 'regex', /would cause an error.*command/));
    it('a rename that would capture an undeclared call', () => expectRefused({
      'a.baton': 'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a { with { let s = summarize("t"); return read_f|ile(s); } }',
    }, 'summarize', /would make 'summarize'.*refer to another declaration/));
  });

  describe('prepareRename', () => {
    it('gives the range and name of the name under the cursor', async () => {
      await withFixture(client, { 'a.baton': 'agent a { with { let total = 1; return [[tot|al]]; } }' }, async (f) => {
        const res = await client.request('textDocument/prepareRename', f.cursor().params);
        assert.deepStrictEqual(res, { range: f.marked.get('a.baton')!.range(0), placeholder: 'total' });
      });
    });
    it('refuses a built-in function', async () => {
      await withFixture(client, { 'a.baton': 'agent a { with { return le|n([1]); } }' }, async (f) => {
        assert.strictEqual(await client.request('textDocument/prepareRename', f.cursor().params), null);
      });
    });
    it('refuses a built-in constant', async () => {
      await withFixture(client, { 'a.baton': 'agent a { with { return No|ne; } }' }, async (f) => {
        assert.strictEqual(await client.request('textDocument/prepareRename', f.cursor().params), null);
      });
    });
    it('refuses a keyword', async () => {
      await withFixture(client, { 'a.baton': 'agent a { with { ret|urn 1; } }' }, async (f) => {
        assert.strictEqual(await client.request('textDocument/prepareRename', f.cursor().params), null);
      });
    });
  });
});
