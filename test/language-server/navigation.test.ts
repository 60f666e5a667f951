/**
 * Go to definition and find references over the real LSP (dist/server.js): one test per symbol
 * kind, cross-file cases, policy rule targets, `tools: [...]` lists, type annotations, and the
 * scoping of locals. In each fixture `|` is the cursor and `[[...]]` marks the expected locations
 * (the definition, or every reference).
 */
import * as assert from 'node:assert';
import { LspClient } from './lsp-client';
import { Fixture, withFixture } from './nav-fixture';

describe('language server: navigation', function () {
  this.timeout(20000);
  let client: LspClient;
  before(async () => { client = await LspClient.start(); });
  after(async () => { await client?.stop(); });

  async function expectDefinition(files: Record<string, string>): Promise<void> {
    await withFixture(client, files, async (f: Fixture) => {
      const locs = await client.request('textDocument/definition', f.cursor().params);
      assert.deepStrictEqual(f.show(locs), f.expected());
    });
  }

  async function expectReferences(files: Record<string, string>, includeDeclaration = true): Promise<void> {
    await withFixture(client, files, async (f: Fixture) => {
      const locs = await client.request('textDocument/references', { ...f.cursor().params, context: { includeDeclaration } });
      assert.deepStrictEqual(f.show(locs), f.expected());
    });
  }

  const TOOL = 'tool [[read_file]](path: String) -> String { builtin = "fs.read" }\n';

  describe('definition', () => {
    it('of a tool call', () => expectDefinition({ 'a.baton': `${TOOL}agent a { with { return read_f|ile("x"); } }` }));
    it('of an agent called by another agent', () => expectDefinition({
      'a.baton': 'agent [[child]](q: String) -> String { with { return q; } }\nagent main { with { return chi|ld("x"); } }',
    }));
    it('of a function', () => expectDefinition({
      'a.baton': 'function [[double]](n: int) -> int { return n * 2; }\nagent a { with { return dou|ble(2); } }',
    }));
    it('of an agent-local function', () => expectDefinition({
      'a.baton': 'agent a {\n  function [[helper]]() -> int { return 1; }\n  with { return help|er(); }\n}',
    }));
    it('of a type in an annotation', () => expectDefinition({
      'a.baton': 'type [[Report]] = { title: String }\nagent a { with { let r: Rep|ort = ask("x"); return r; } }',
    }));
    it('of a type in a typed record', () => expectDefinition({
      'a.baton': 'type [[Report]] = { title: String }\nagent a { with { return Rep|ort { title: "x" }; } }',
    }));
    it('of an MCP server in server.tool(...)', () => expectDefinition({
      'a.baton': 'mcp [[github]] { command "gh-mcp" }\nagent a { with { return git|hub.list_issues(repo: "x"); } }',
    }));
    it('of the tool part of server.tool(...): the mcp block', () => expectDefinition({
      'a.baton': 'mcp [[github]] { command "gh-mcp" }\nagent a { with { return github.list_is|sues(repo: "x"); } }',
    }));
    it('of an agent parameter', () => expectDefinition({
      'a.baton': 'agent a([[goal]]: String) { with { return go|al; } }',
    }));
    it('of a function parameter', () => expectDefinition({
      'a.baton': 'function f([[n]]: int) -> int { return |n + 1; }',
    }));
    it('of a let', () => expectDefinition({
      'a.baton': 'agent a { with { let [[x]] = 1; return x| + 1; } }',
    }));
    it('of an implicit Symbiont declaration', () => expectDefinition({
      'a.baton': 'agent a { with { [[report]] = ask("x"); return rep|ort; } }',
    }));
    it('of a loop variable', () => expectDefinition({
      'a.baton': 'agent a { with { for [[item]] in [1, 2] { log(ite|m); } return 1; } }',
    }));
    it('of a catch name', () => expectDefinition({
      'a.baton': 'agent a { with { try { log(1); } catch ([[e]]) { log(|e); } return 1; } }',
    }));
    it('of a lambda parameter', () => expectDefinition({
      'a.baton': 'agent a { with { return map([1], [[v]] => |v * 2); } }',
    }));
    it('of a policy rule target', () => expectDefinition({
      'a.baton': `${TOOL}agent a {\n  policy p { allow: read_fi|le(path) }\n  with { return read_file("x"); }\n}`,
    }));
    it('of a string rule target', () => expectDefinition({
      'a.baton': `${TOOL}agent a {\n  policy p { deny: ["read_fi|le"] }\n  with { return 1; }\n}`,
    }));
    it('of a name bound by a call-shape rule, in its condition', () => expectDefinition({
      'a.baton': `${TOOL.replace('[[read_file]]', 'read_file')}agent a {\n  policy p { allow: read_file([[path]]) if pa|th == "x" }\n  with { return 1; }\n}`,
    }));
    it('of an element of a tools: [...] list', () => expectDefinition({
      'a.baton': `${TOOL}agent a { with { return reason("go", tools: [read_f|ile]); } }`,
    }));
    it('of a named argument: the parameter', () => expectDefinition({
      'a.baton': 'tool read_file([[path]]: String) -> String { builtin = "fs.read" }\nagent a { with { return read_file(pa|th: "x"); } }',
    }));
    it('of a tool declared in another file', () => expectDefinition({
      'a.baton': 'agent a { with { return fet|ch_page("u"); } }',
      'b.baton': 'tool [[fetch_page]](url: String) -> String { builtin = "http.fetch" }',
    }));
    it('of an agent declared in another file', () => expectDefinition({
      'a.baton': 'agent a { with { return summari|zer("text"); } }',
      'b.baton': 'agent [[summarizer]](text: String) -> String { with { return text; } }',
    }));
    it('of a type declared in another file', () => expectDefinition({
      'a.baton': 'agent a { with { let r: Iss|ue = ask("x"); return r; } }',
      'b.baton': 'type [[Issue]] = { id: int }',
    }));
    it('of an MCP server declared in another file', () => expectDefinition({
      'a.baton': 'agent a { with { return git|hub.list_issues(repo: "x"); } }',
      'b.baton': 'mcp [[github]] { command "gh-mcp" }',
    }));
    it('of a rule target in a top-level policy, declared in another file', () => expectDefinition({
      'a.baton': 'policy shared { deny: delete_fi|le }\nagent a { with { return 1; } }',
      'b.baton': 'tool [[delete_file]](path: String) -> String { builtin = "fs.write" }',
    }));
    it('of a built-in: nothing', () => expectDefinition({ 'a.baton': 'agent a { with { return le|n([1]); } }' }));
    it('of a semantic function: nothing', () => expectDefinition({ 'a.baton': 'agent a { with { return summar|ize("x"); } }' }));
  });

  describe('references', () => {
    it('of a tool: declaration, calls, rule targets, tools lists', () => expectReferences({
      'a.baton': 'tool [[read_file]](path: String) -> String { builtin = "fs.read" }\n'
        + 'agent a {\n  policy p { allow: [[read_file]](path)\n    deny: ["[[read_file]]"] if false }\n'
        + '  with { let x = [[read_f|ile]]("a"); return reason(x, tools: [ [[read_file]] ]); }\n}',
    }));
    it('of a tool, without the declaration', () => expectReferences({
      'a.baton': 'tool read_file(path: String) -> String { builtin = "fs.read" }\nagent a { with { return [[read_f|ile]]("a"); } }',
    }, false));
    it('of a tool across files', () => expectReferences({
      'a.baton': 'tool [[fetch_page]](url: String) -> String { builtin = "http.fetch" }',
      'b.baton': 'agent b {\n  policy p { allow: [[fetch_page]] }\n  with { return [[fetch_pa|ge]]("u"); }\n}',
      'c.baton': 'agent c { with { return [[fetch_page]](url: "v"); } }',
    }));
    it('of an agent across files', () => expectReferences({
      'a.baton': 'agent [[summarizer]](text: String) -> String { with { return text; } }',
      'b.baton': 'agent b { with { let s = [[summa|rizer]]("t"); send([[summarizer]], s); return s; } }',
    }));
    it('of a function', () => expectReferences({
      'a.baton': 'function [[double]](n: int) -> int { return n * 2; }\nagent a { with { return [[dou|ble]](1) + [[double]](2); } }',
    }));
    it('of a type: annotations and typed records, across files', () => expectReferences({
      'a.baton': 'type [[Rep|ort]] = { title: String }\nfunction f(r: [[Report]]) -> [[Report]] { return [[Report]] { title: "x" }; }',
      'b.baton': 'agent b -> [[Report]] { with { let r: List<[[Report]]> = ask("x"); return r; } }',
    }));
    it('of an MCP server: calls and mcp = "server/tool" bindings', () => expectReferences({
      'a.baton': 'mcp [[git|hub]] { command "gh-mcp" }\ntool issues(repo: String) -> String { mcp = "[[github]]/list_issues" }\n'
        + 'agent a { with { return [[github]].list_issues(repo: "x"); } }',
    }));
    it('of a tool parameter: named arguments and command placeholders', () => expectReferences({
      'a.baton': 'tool grep([[pat|tern]]: String) -> String { command = ["grep", "{[[pattern]]}"] }\n'
        + 'agent a { with { return grep([[pattern]]: "x"); } }',
      'b.baton': 'agent b { with { return grep([[pattern]] = "y"); } }',
    }));
    it('of an agent parameter, in the body and in policy conditions', () => expectReferences({
      'a.baton': 'tool read_file(path: String) -> String { builtin = "fs.read" }\n'
        + 'agent a([[goal]]: String) {\n  policy p { allow: read_file(path) if path == [[goal]] }\n  with { return read_file([[go|al]]); }\n}',
    }));
    it('of a let: only the uses of that let', () => expectReferences({
      'a.baton': 'function f() -> int { let [[x]] = 1; return [[|x]] + 1; }\nfunction g() -> int { let x = 2; return x; }',
    }));
    it('of a shadowing let: not the outer one', () => expectReferences({
      'a.baton': 'agent a { with { let x = 1; if true { let [[x]] = 2; log([[x|]]); } return x; } }',
    }));
    it('of a loop variable', () => expectReferences({
      'a.baton': 'agent a { with { for [[it|em]] in [1] { log([[item]]); } let item = 3; return item; } }',
    }));
    it('of a built-in: none', () => expectReferences({ 'a.baton': 'agent a { with { return le|n([1]); } }' }));
  });
});
