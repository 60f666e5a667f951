/**
 * Core features over the real LSP connection: document and range formatting, folding ranges,
 * document symbols (outline) and workspace symbols, semantic tokens, document links, and the
 * `baton/agents` request. Inline documents with `|` / `[[...]]` markers (see lsp-client.ts).
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from '../../runtime/dsl/format';
import { fileUri, LspClient, markers, offsetAt, Range } from './lsp-client';

interface TextEdit { range: Range; newText: string }

function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = edits.map((e) => ({ s: offsetAt(text, e.range.start), e: offsetAt(text, e.range.end), t: e.newText })).sort((a, b) => b.s - a.s);
  for (const x of sorted) text = text.slice(0, x.s) + x.t + text.slice(x.e);
  return text;
}

const UNFORMATTED = `agent first(a:String)->String{
with {
return a;
}
}
agent second(b:String)->String{
with {
  let x=b;
return x;
}
}
`;

describe('language server core features (LSP over stdio)', function () {
  this.timeout(30000);
  let root: string;
  let client: LspClient;
  let n = 0;
  const fresh = async (text: string) => {
    const uri = client.uri(`doc${++n}.baton`);
    await client.open(uri, text);
    return uri;
  };

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-lsp-features-'));
    fs.mkdirSync(path.join(root, 'data'));
    fs.writeFileSync(path.join(root, 'data', 'input.txt'), 'hello');
    fs.writeFileSync(path.join(root, 'helpers.baton'), 'tool lookup_record(id: String) -> String {\n    builtin = "fs.read"\n}\n');
    client = await LspClient.start({ root });
    await client.waitForNotification('baton/indexed', 15000, true);
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('formats a document with the runtime formatter (minimal edit)', async () => {
    const uri = await fresh(UNFORMATTED);
    const edits: TextEdit[] = await client.request('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } });
    assert.strictEqual(edits.length, 1);
    assert.ok(edits[0].range.start.line > 0 || edits[0].range.start.character > 0, 'the unchanged prefix is not replaced');
    assert.strictEqual(applyEdits(UNFORMATTED, edits), format(UNFORMATTED).text);
    const v = await client.change(uri, format(UNFORMATTED).text);
    await client.waitForDiagnostics(uri, v);
    assert.deepStrictEqual(await client.request('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } }), []);
  });

  it('range-formats only the top-level items the range touches', async () => {
    const uri = await fresh(UNFORMATTED);
    const range = { start: { line: 7, character: 0 }, end: { line: 7, character: 5 } };  // inside `second`
    const edits: TextEdit[] = await client.request('textDocument/rangeFormatting', { textDocument: { uri }, range, options: { tabSize: 4, insertSpaces: true } });
    assert.ok(edits.length > 0);
    const out = applyEdits(UNFORMATTED, edits);
    assert.ok(out.startsWith('agent first(a:String)->String{\nwith {\nreturn a;\n}\n}\n'), 'first agent untouched');
    assert.ok(out.endsWith(format(UNFORMATTED).text.slice(format(UNFORMATTED).text.indexOf('agent second'))), out);
  });

  it('does not format a file with syntax errors', async () => {
    const uri = await fresh('agent broken( {\n');
    assert.deepStrictEqual(await client.request('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } }), []);
  });

  it('folds blocks, comment runs, multi-line arrays and regions', async () => {
    const text = [
      '// line one',           // 0
      '// line two',           // 1
      'agent folded() {',      // 2
      '    capabilities = [',  // 3
      '        "read",',       // 4
      '        "write",',      // 5
      '    ]',                 // 6
      '    with {',            // 7
      '        // region setup',  // 8
      '        let x = 1;',    // 9
      '        // endregion',  // 10
      '        return x;',     // 11
      '    }',                 // 12
      '}',                     // 13
      '',
    ].join('\n');
    const uri = await fresh(text);
    const ranges: Array<{ startLine: number; endLine: number; kind?: string }> = await client.request('textDocument/foldingRange', { textDocument: { uri } });
    const has = (s: number, e: number, kind?: string) => assert.ok(ranges.some((r) => r.startLine === s && r.endLine === e && r.kind === kind), `${s}-${e} ${kind ?? ''} in ${JSON.stringify(ranges)}`);
    has(0, 1, 'comment');
    has(2, 12);
    has(3, 5);
    has(7, 11);
    has(8, 10, 'region');
  });

  it('gives a hierarchical outline', async () => {
    const uri = await fresh(`metadata { version = "1" }
type Finding = { msg: String }
tool top_tool(p: String) -> String { builtin = "fs.read" }
mcp github { command = "gh-mcp" }
agent outlined(goal: String) -> String {
    capabilities = ["read"]
    policy guard { allow: top_tool(p) }
    function helper(n: int) -> int { return n; }
    with { return goal; }
}
`);
    const syms: any[] = await client.request('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepStrictEqual(syms.map((s) => s.name), ['metadata', 'Finding', 'top_tool', 'github', 'outlined']);
    const agent = syms[4];
    assert.strictEqual(agent.kind, 5 /* Class */);
    assert.strictEqual(agent.detail, '(goal: String) -> String');
    assert.deepStrictEqual(agent.children.map((c: any) => c.name), ['capabilities', 'guard', 'helper', 'with']);
    assert.deepStrictEqual(agent.children[1].children.map((c: any) => [c.name, c.detail]), [['allow', 'top_tool(p)']]);
    assert.deepStrictEqual(agent.selectionRange, { start: { line: 4, character: 6 }, end: { line: 4, character: 14 } });
  });

  it('finds workspace symbols by fuzzy query, across open and indexed files', async () => {
    await fresh('agent record_keeper(q: String) { with { return lookup_record(q); } }\n');
    const hits: any[] = await client.request('workspace/symbol', { query: 'lkrec' });
    assert.strictEqual(hits[0]?.name, 'lookup_record', JSON.stringify(hits));
    assert.strictEqual(hits[0].location.uri, fileUri(path.join(root, 'helpers.baton')));
    const prefix: any[] = await client.request('workspace/symbol', { query: 'record_k' });
    assert.strictEqual(prefix[0]?.name, 'record_keeper');
    assert.deepStrictEqual(await client.request('workspace/symbol', { query: 'zzzqqq' }), []);
  });

  it('emits semantic tokens for what names are', async () => {
    const m = markers(`tool |fetch_it(|url: String) -> String { builtin = "http.fetch", |timeout = |10s }
agent |tokens(|goal: String) -> String {
    capabilities = ["|network_access"]
    policy p { |allow: fetch_it(url) }
    with |api_key = |vault://keys/openai {
        let |page = |fetch_it(|goal);
        return |len(page) + |goal;
    }
}
`);
    const uri = await fresh(m.text);
    const legend = client.capabilities.semanticTokensProvider.legend;
    const res: { data: number[] } = await client.request('textDocument/semanticTokens/full', { textDocument: { uri } });
    assert.strictEqual(res.data.length % 5, 0);
    const tokens = new Map<number, { type: string; mods: string[]; length: number }>();
    let line = 0, ch = 0;
    for (let i = 0; i < res.data.length; i += 5) {
      const [dl, dc, len, type, mods] = res.data.slice(i, i + 5);
      line += dl;
      ch = dl ? dc : ch + dc;
      const offset = offsetAt(m.text, { line, character: ch });
      tokens.set(offset, { type: legend.tokenTypes[type], length: len, mods: legend.tokenModifiers.filter((_: string, b: number) => mods & (1 << b)) });
    }
    const expect = [
      ['method', ['declaration']], ['parameter', ['declaration']], ['property', []], ['number', []],
      ['class', ['declaration']], ['parameter', ['declaration']], ['enumMember', []], ['keyword', []],
      ['property', []], ['macro', []], ['variable', ['declaration']], ['method', []], ['parameter', []],
      ['function', ['defaultLibrary']], ['parameter', []],
    ];
    assert.strictEqual(m.cursors.length, expect.length);
    m.cursors.forEach((c, i) => {
      const t = tokens.get(c);
      assert.deepStrictEqual(t && [t.type, t.mods], expect[i], `token ${i} at ${JSON.stringify(m.text.slice(c, c + 12))}`);
    });
    assert.strictEqual(tokens.get(m.cursors[9])!.length, 'vault://keys/openai'.length);
  });

  it('links vault references (tooltip, no target) and existing file paths', async () => {
    const m = markers(`tool read_input(path: String = "[[data/input.txt]]") -> String { builtin = "fs.read" }
tool read_gone(path: String = "no/such/file.txt") -> String { builtin = "fs.read" }
agent linked() {
    with api_key = [[vault://openai/key]] { return read_input(); }
}
`);
    const uri = await fresh(m.text);
    const links: any[] = await client.request('textDocument/documentLink', { textDocument: { uri } });
    assert.strictEqual(links.length, 2, JSON.stringify(links));
    assert.deepStrictEqual(links[0].range, m.range(0));
    assert.strictEqual(links[0].target, fileUri(path.join(root, 'data', 'input.txt')));
    assert.deepStrictEqual(links[1].range, m.range(1));
    assert.strictEqual(links[1].target, undefined);
    assert.match(links[1].tooltip, /openai\/key.*never written/);
  });

  it('answers baton/agents with each agent\'s runnable summary', async () => {
    const m = markers(`metadata { description = "File-level description" }
// Triage incidents for a service.
[[agent [[triage]](service: String, window: String = "15m", limit: int?) -> Report {
    with { return service; }
}]]
agent plain {
    with { return 1; }
}
`);
    const uri = await fresh(m.text);
    const res: any[] = await client.request('baton/agents', { uri });
    assert.strictEqual(res.length, 2);
    assert.deepStrictEqual(res[0], {
      uri, name: 'triage', returns: 'Report', description: 'Triage incidents for a service.',
      params: [
        { name: 'service', type: 'String', optional: false },
        { name: 'window', type: 'String', optional: true, default: '"15m"' },
        { name: 'limit', type: 'int?', optional: true },
      ],
      range: m.range(0), nameRange: m.range(1),
    });
    assert.deepStrictEqual([res[1].name, res[1].params, res[1].description], ['plain', [], 'File-level description']);
    const all: any[] = await client.request('baton/agents', {});
    assert.ok(all.some((a) => a.name === 'triage') && all.some((a) => a.name === 'record_keeper'));
  });
});
