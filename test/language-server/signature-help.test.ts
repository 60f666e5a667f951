/**
 * Signature help over the real LSP (dist/server.js): signatures of declared tools, functions and
 * agents (parameters with types and defaults), built-ins with alternatives and LLM built-ins from
 * the catalog; the active parameter from the comma count, from a `name:` / `name =` argument, past
 * nested calls and arrays, and in calls that do not parse yet.
 */
import * as assert from 'node:assert';
import { LspClient } from './lsp-client';
import { withFixture } from './nav-fixture';

interface SigInfo { label: string; documentation?: { value: string }; parameters?: Array<{ label: string | [number, number]; documentation?: { value: string } }>; activeParameter?: number | null }
interface Help { signatures: SigInfo[]; activeSignature?: number; activeParameter?: number | null }

const DECLS = 'tool read_logs(service: String, lines: int = 200) -> String {\n  command = ["kubectl", "logs", "{service}", "--tail", "{lines}"]\n}\n'
  + 'function score(text: String, weight: float = 1.0, strict: bool = false) -> float { return weight; }\n'
  + 'agent reviewer(code: String, depth: int) -> String { with { return code; } }\n';
const inBody = (expr: string) => `${DECLS}agent a(goal: String) {\n  with {\n    ${expr}\n  }\n}\n`;

describe('language server: signature help', function () {
  this.timeout(20000);
  let client: LspClient;
  before(async () => { client = await LspClient.start(); });
  after(async () => { await client?.stop(); });

  async function help(src: string): Promise<Help | null> {
    return withFixture(client, { 'a.baton': src }, async (f) => client.request<Help | null>('textDocument/signatureHelp', f.cursor().params));
  }
  /** The active signature's label and the text of its active parameter. */
  async function active(src: string): Promise<{ label: string; param: string | null }> {
    const h = await help(src);
    assert.ok(h, 'no signature help');
    const sig = h.signatures[h.activeSignature ?? 0];
    const i = sig.activeParameter ?? h.activeParameter;
    const p = i === null || i === undefined ? undefined : sig.parameters?.[i];
    const param = !p ? null : typeof p.label === 'string' ? p.label : sig.label.slice(p.label[0], p.label[1]);
    return { label: sig.label, param };
  }

  it('a tool: its declared signature with defaults; the active parameter follows the commas', async () => {
    assert.deepStrictEqual(await active(inBody('let x = read_logs(|);')), { label: 'tool read_logs(service: String, lines: int = 200) -> String', param: 'service: String' });
    assert.deepStrictEqual(await active(inBody('let x = read_logs(goal, |);')), { label: 'tool read_logs(service: String, lines: int = 200) -> String', param: 'lines: int = 200' });
    const h = await help(inBody('let x = read_logs(goal, |);'));
    assert.match(h!.signatures[0].documentation!.value, /command `kubectl logs \{service\} --tail \{lines\}`/);
    assert.strictEqual(h!.signatures[0].parameters![1].documentation?.value, 'Default: `200`');
  });

  it('a named argument makes its parameter active, whatever its position', async () => {
    assert.strictEqual((await active(inBody('score("t", strict: |)'))).param, 'strict: bool = false');
    assert.strictEqual((await active(inBody('score(weight = 2.0, |)'))).param, 'text: String', 'the next positional argument is the first parameter');
    assert.strictEqual((await active(inBody('score(strict: true, weight: |)'))).param, 'weight: float = 1.0');
  });

  it('an agent call and a function call', async () => {
    assert.deepStrictEqual(await active(inBody('reviewer(goal, |)')), { label: 'agent reviewer(code: String, depth: int) -> String', param: 'depth: int' });
    assert.strictEqual((await active(inBody('score(|'))).label, 'function score(text: String, weight: float = 1.0, strict: bool = false) -> float');
  });

  it('the innermost call, past nested calls, arrays and strings with commas', async () => {
    assert.deepStrictEqual(await active(inBody('score(upper("a, b"), len([1, 2, 3]), |)')), {
      label: 'function score(text: String, weight: float = 1.0, strict: bool = false) -> float', param: 'strict: bool = false',
    });
    assert.deepStrictEqual(await active(inBody('score(upper(|), 1.0)')), { label: 'upper(s) -> String', param: 's' });
  });

  it('built-ins from the catalog, with alternatives', async () => {
    assert.deepStrictEqual(await active(inBody('let s = join(["a"], |);')), { label: 'join(items, separator) -> String', param: 'separator' });
    const range = await help(inBody('let r = range(1, |);'));
    assert.deepStrictEqual(range!.signatures.map((s) => s.label), ['range(end) -> [int]', 'range(start, end, step?) -> [int]']);
    assert.strictEqual(range!.activeSignature, 1, 'a second argument selects the second form');
    assert.strictEqual((await active(inBody('format("{} {}", 1, 2, |)'))).param, '...args', 'variadic');
  });

  it('LLM built-ins: positional and named arguments', async () => {
    assert.deepStrictEqual(await active(inBody('reason(goal, tools: [read_logs, |])')), {
      label: 'reason(goal, tools: [tool, ...], max_iterations: int?) -> Any', param: 'tools: [tool, ...]',
    });
    assert.strictEqual((await active(inBody('ask(|'))).param, 'prompt');
    const h = await help(inBody('ask(goal, temperature: |'));
    assert.strictEqual(h!.signatures[0].activeParameter, null, 'a named argument the label does not show activates nothing');
  });

  it('no help outside a call, or in a body block inside one', async () => {
    assert.strictEqual(await help(inBody('let x = |1;')), null);
    assert.strictEqual(await help(inBody('let y = map([1], x => {\n      let z = |;\n      return z;\n    });')), null);
  });
});
