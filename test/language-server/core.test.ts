/**
 * Language server core, over the real LSP connection (dist/server.js on stdio): initialize,
 * diagnostics of open documents and after edits (newer versions win), the workspace index
 * (`baton/indexed`, diagnostics of closed files with problems, watched-file events), cross-file
 * agents and tools, and the Symbiont corpus. Features (formatting, folding, symbols, semantic
 * tokens, links, `baton/agents`) are in core-features.test.ts.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { corpusDir, corpusFiles } from '../helpers/paths';
import { fileUri, LspClient, LspDiagnostic, markers } from './lsp-client';

const ERROR = 1;
const errors = (ds: LspDiagnostic[] | undefined) => (ds ?? []).filter((d) => d.severity === ERROR);
const codes = (ds: LspDiagnostic[] | undefined) => (ds ?? []).map((d) => d.code);

const TOOL_B = `tool fetch_page(url: String) -> String {
    description = "Fetches a page."
    builtin = "http.fetch"
}
`;
const AGENT_A = `agent reader(url: String) -> String {
    capabilities = ["network_access"]
    policy p { allow: fetch_page(url) }
    with {
        let page = fetch_page(url);
        return reason(page, tools: [fetch_page]);
    }
}
`;
const BROKEN_C = `agent broken() {
    with { return missing_thing; }
}
`;

function tempWorkspace(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-lsp-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe('language server core (LSP over stdio)', function () {
  this.timeout(30000);
  let root: string;
  let client: LspClient;
  let indexed: { files: number; ms: number };

  before(async () => {
    root = tempWorkspace({
      'a.baton': AGENT_A, 'b.baton': TOOL_B, 'c.baton': BROKEN_C,
      'node_modules/pkg/skipped.baton': 'agent skipped( {', 'nested/deep/d.symbi': 'agent deep_one() { with { return 1; } }\n',
    });
    client = await LspClient.start({ root });
    indexed = await client.waitForNotification('baton/indexed', 15000, true);
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('advertises every feature', () => {
    const c = client.capabilities;
    assert.strictEqual(c.textDocumentSync.change, 2, 'incremental sync');
    for (const k of ['hoverProvider', 'definitionProvider', 'referencesProvider', 'workspaceSymbolProvider', 'foldingRangeProvider',
      'documentFormattingProvider', 'documentRangeFormattingProvider', 'documentSymbolProvider']) assert.ok(c[k], k);
    assert.ok(c.completionProvider.triggerCharacters.includes('.'));
    assert.ok(c.completionProvider.resolveProvider);
    assert.deepStrictEqual(c.signatureHelpProvider.triggerCharacters, ['(', ',']);
    assert.ok(c.renameProvider.prepareProvider);
    assert.ok(c.inlayHintProvider);
    assert.ok(c.documentLinkProvider);
    assert.ok(c.codeActionProvider.codeActionKinds.includes('quickfix') && c.codeActionProvider.codeActionKinds.includes('refactor'));
    assert.ok(c.semanticTokensProvider.full && c.semanticTokensProvider.legend.tokenTypes.includes('class'));
  });

  it('indexes the workspace folders, skipping node_modules (baton/indexed)', () => {
    assert.strictEqual(indexed.files, 4);
    assert.ok(indexed.ms > 0 && indexed.ms < 10000, `ms ${indexed.ms}`);
  });

  it('publishes diagnostics of closed workspace files with errors only', async () => {
    const c = client.diagnostics(client.uri('c.baton')) ?? await client.waitForDiagnostics(client.uri('c.baton'));
    assert.deepStrictEqual(codes(errors(c)), ['unknown-name']);
    assert.strictEqual(client.diagnostics(client.uri('a.baton')), undefined, 'a.baton has no problems: nothing published');
    assert.strictEqual(client.diagnostics(client.uri('node_modules/pkg/skipped.baton')), undefined);
  });

  it('publishes diagnostics for an open document, with the document version and exact ranges', async () => {
    const m = markers('agent solo(query: String) -> String {\n    with { return [[qurey]]; }\n}\n');
    const uri = client.uri('solo.baton');
    await client.open(uri, m.text);
    const p = await client.waitForPublish(uri, 1);
    assert.strictEqual(p.version, 1);
    assert.deepStrictEqual(codes(errors(p.diagnostics)), ['unknown-name']);
    const d = errors(p.diagnostics)[0];
    assert.deepStrictEqual(d.range, m.range(0));
    assert.strictEqual(d.source, 'baton');
    assert.match(d.message, /qurey/);
    assert.deepStrictEqual(d.data, { suggestion: 'query' }, 'quick-fix data passes through');
    // Fix it (full text), then break it again with an incremental edit.
    const v2 = await client.change(uri, m.text.replace('qurey', 'query'));
    const fixed = await client.waitForPublish(uri, v2);
    assert.strictEqual(fixed.version, v2);
    assert.deepStrictEqual(errors(fixed.diagnostics), []);
    const at = m.ranges[0].start;
    const v3 = await client.change(uri, [{ range: { start: m.range(0).start, end: { line: m.range(0).start.line, character: m.range(0).start.character + 1 } }, text: 'y' }]);
    const again = await client.waitForPublish(uri, v3);
    assert.strictEqual(client.text(uri)!.slice(at, at + 1), 'y');
    assert.deepStrictEqual(codes(errors(again.diagnostics)), ['unknown-name']);
    assert.match(errors(again.diagnostics)[0].message, /'yuery'/);
    await client.close(uri);
    const cleared = await client.waitForDiagnostics(uri);
    assert.deepStrictEqual(cleared, []);
  });

  it('never lets a stale version win: rapid edits end with the last version\'s diagnostics', async () => {
    const uri = client.uri('rapid.baton');
    const good = 'agent rapid(q: String) -> String { with { return q; } }\n';
    const bad = (i: number) => `agent rapid(q: String) -> String { with { return missing_${i}; } }\n`;
    await client.open(uri, bad(0));
    await client.waitForPublish(uri, 1);
    const from = client.published.length;
    let last = 0;
    for (let i = 1; i <= 12; i++) last = await client.change(uri, i === 12 ? good : bad(i));
    const final = await client.waitForPublish(uri, last);
    await new Promise((r) => setTimeout(r, 150));  // anything late would arrive now
    const mine = client.published.slice(from).filter((p) => p.uri === uri);
    const versions = mine.map((p) => p.version!);
    assert.deepStrictEqual(versions, [...versions].sort((a, b) => a - b), `versions out of order: ${versions}`);
    assert.strictEqual(versions[versions.length - 1], last);
    assert.ok(versions.length < 12, `no debounce/coalescing: ${versions.length} publishes`);
    assert.deepStrictEqual(errors(final.diagnostics), []);
    assert.deepStrictEqual(errors(client.diagnostics(uri)), []);
    for (const p of mine) {
      const expectError = p.version !== last;
      assert.strictEqual(errors(p.diagnostics).length > 0, expectError, `v${p.version}`);
      if (expectError) assert.match(errors(p.diagnostics)[0].message, new RegExp(`missing_${p.version! - 1}`));
    }
    await client.close(uri);
  });

  it('resolves an agent\'s tool declared in another file; deleting it there reports in the caller', async () => {
    const a = client.uri('a.baton'), b = client.uri('b.baton');
    await client.open(a, AGENT_A);
    assert.deepStrictEqual(errors(await client.waitForDiagnostics(a, 1)), []);
    await client.open(b, TOOL_B);
    await client.waitForDiagnostics(b, 1);
    const nextA = client.waitForDiagnostics(a);
    await client.change(b, '// fetch_page moved away\n');
    const broken = await nextA;
    assert.deepStrictEqual(codes(errors(broken)), ['unknown-name'], JSON.stringify(broken));
    assert.ok(codes(broken).includes('semantic-function'), 'the call is now a semantic function');
    const restored = client.waitForDiagnostics(a);
    await client.change(b, TOOL_B);
    assert.deepStrictEqual(errors(await restored), []);
    await client.close(b);
  });

  it('follows watched-file events for closed files (deleted, created)', async () => {
    const a = client.uri('a.baton'), b = client.uri('b.baton');
    fs.renameSync(path.join(root, 'b.baton'), path.join(root, 'b.moved'));
    let next = client.waitForDiagnostics(a);
    await client.watched([{ uri: b, type: 3 }]);
    assert.deepStrictEqual(codes(errors(await next)), ['unknown-name']);
    fs.writeFileSync(path.join(root, 'e.baton'), TOOL_B);
    next = client.waitForDiagnostics(a);
    await client.watched([{ uri: client.uri('e.baton'), type: 1 }]);
    assert.deepStrictEqual(errors(await next), []);
    await client.close(a);
  });

  it('does not double a workspace file opened under another spelling of its URI', async () => {
    const d = client.uri('nested/deep/d.symbi').replace('/deep/', '/%64eep/');
    await client.open(d, 'agent deep_one() { with { return deep_two(); } }\nagent deep_two() { with { return 2; } }\n');
    const ds = await client.waitForDiagnostics(d, 1);
    assert.ok(!codes(ds).includes('ambiguous-reference'), JSON.stringify(ds));
    const all = await client.request('baton/agents', {});
    assert.strictEqual(all.filter((x: { name: string }) => x.name === 'deep_one').length, 1);
    await client.close(d);
  });
});

describe('language server: the Symbiont corpus', function () {
  this.timeout(60000);
  let client: LspClient;
  before(async () => { client = await LspClient.start(); });
  after(async () => { await client?.stop(); });

  it('opened together, valid_* and agents__* files give zero error diagnostics; invalid_* give errors', async () => {
    const files = corpusFiles().filter((f) => /valid_|agents__/.test(f));
    const valid = files.filter((f) => !f.includes('invalid_'));
    const invalid = files.filter((f) => f.includes('invalid_'));
    assert.ok(valid.length >= 10 && invalid.length >= 3, `${valid.length} valid, ${invalid.length} invalid`);
    const uris = files.map((f) => fileUri(path.join(corpusDir(), f)));
    const waits = uris.map((u) => client.waitForDiagnostics(u, 1, 20000));
    for (let i = 0; i < files.length; i++) await client.open(uris[i], fs.readFileSync(path.join(corpusDir(), files[i]), 'utf8'));
    const results = await Promise.all(waits);
    // Let cross-file re-validation settle, then read the latest.
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < files.length; i++) {
      const ds = client.diagnostics(uris[i]) ?? results[i];
      if (files[i].includes('invalid_')) assert.ok(errors(ds).length > 0, `${files[i]}: expected errors`);
      else assert.deepStrictEqual(errors(ds).map((d) => `${d.range.start.line + 1}: ${d.message}`), [], files[i]);
    }
  });
});
