/**
 * Language server benchmark section, through the real stdio connection (dist/server.js driven by
 * the test client of test/language-server/lsp-client.ts; build it first).
 *
 *  - edit → diagnostics on a generated 5,000-line file: one-character incremental edits (a letter
 *    in a string argument or a digit of an integer, so the file stays valid), each sent after the
 *    previous edit's diagnostics arrived; time from sending `didChange` to receiving the
 *    `publishDiagnostics` of that version. Median and p95 after warm-up.
 *  - completion and hover latency (p95) at positions inside agent bodies of that file, document
 *    unchanged (the analysis is cached); plus, for information, completion sent right after an
 *    edit (it waits for the re-analysis).
 *  - initial index of a 500-file workspace (temp dir, ~200 lines per file, unique names): time from
 *    sending `initialize` (server process just spawned, so its start-up counts) to receiving
 *    `baton/indexed` — every file found, read, parsed and checked, problems published.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchOptions, BenchSection, Metric, median, prng, quantile } from './common';
import { countLines, editSpots, generateLines } from './generate';
import { LspClient, position } from '../language-server/lsp-client';

export const TARGETS = { editP95Ms: 25, completionP95Ms: 10, index500Ms: 2000 };

function latencyMetric(id: string, label: string, samples: number[], q: number, target?: number, note?: string): Metric {
  return {
    id, label, value: quantile(samples, q), unit: 'ms', samples,
    ...(target !== undefined ? { target: { op: '<=', value: target } } : {}),
    note: note ?? `${samples.length} samples; median ${median(samples).toFixed(2)} ms, max ${Math.max(...samples).toFixed(1)} ms`,
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

async function editBench(opts: BenchOptions, metrics: Metric[], info: Record<string, unknown>): Promise<void> {
  const doc = generateLines(5000, 2);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-lsp-bench-'));
  const client = await LspClient.start({ root });
  try {
    await client.waitForNotification('baton/indexed', 30000, true);
    const uri = client.uri('bench-5000.baton');
    await client.open(uri, doc.text);
    const first = await client.waitForPublish(uri, 1, 30000);
    info.lines5000 = { lines: countLines(doc.text), bytes: Buffer.byteLength(doc.text), diagnostics: first.diagnostics.length,
      errors: first.diagnostics.filter((d) => d.severity === 1).length };

    // ---- edit → diagnostics ----
    const spots = editSpots(doc.text);
    const rnd = prng(11);
    let errorsAfterEdits = 0;
    const edit = async (): Promise<number> => {
      const s = spots[Math.floor(rnd() * spots.length)];
      const text = client.text(uri)!;
      const old = text[s.at];
      const pool = s.digit ? '123456789' : 'abcdefghijklmnopqrstuvwxyz';
      let ch = pool[Math.floor(rnd() * pool.length)];
      if (ch === old) ch = pool[(pool.indexOf(ch) + 1) % pool.length];
      const start = position(text, s.at);
      const t0 = performance.now();
      const v = await client.change(uri, [{ range: { start, end: { line: start.line, character: start.character + 1 } }, text: ch }]);
      const p = await client.waitForPublish(uri, v, 30000);
      const ms = performance.now() - t0;
      if (p.diagnostics.some((d) => d.severity === 1)) errorsAfterEdits++;
      return ms;
    };
    // Warm-up: the first ~20 analyses run before the JIT has optimised the parser and checker.
    for (let i = 0; i < 30; i++) await edit();
    const editTimes: number[] = [];
    for (let i = 0; i < (opts.quick ? 40 : 100); i++) editTimes.push(await edit());
    const note = `${editTimes.length} one-character incremental edits, one at a time; ${errorsAfterEdits} left errors`;
    metrics.push(latencyMetric('lsp_edit_diag_5000_median_ms', 'edit → diagnostics, 5,000 lines (median)', editTimes, 0.5, undefined, note));
    metrics.push(latencyMetric('lsp_edit_diag_5000_p95_ms', 'edit → diagnostics, 5,000 lines (p95)', editTimes, 0.95, TARGETS.editP95Ms));

    // ---- completion and hover ----
    const text = client.text(uri)!;
    const inBody = [...text.matchAll(/let (\w+) = (\w+)\(/g)];
    const picks = Array.from({ length: opts.quick ? 40 : 100 }, (_, i) => inBody[Math.floor(prng(5 + i)() * inBody.length)]);
    const completionAt = (m: RegExpMatchArray) => m.index! + m[0].length - 1 - 2;  // inside the callee name
    const hoverAt = (m: RegExpMatchArray) => m.index! + m[0].indexOf(m[2]) + 1;
    let items = 0, hovers = 0;
    for (let i = 0; i < 30; i++) {  // warm-up, as above
      await client.request('textDocument/completion', client.at(uri, completionAt(picks[i % picks.length])));
      await client.request('textDocument/hover', client.at(uri, hoverAt(picks[i % picks.length])));
    }
    const completionTimes: number[] = [];
    for (const m of picks) {
      const [ms, r] = await timed(() => client.request('textDocument/completion', client.at(uri, completionAt(m))));
      completionTimes.push(ms);
      items += Array.isArray(r) ? r.length : (r?.items?.length ?? 0);
    }
    const hoverTimes: number[] = [];
    for (const m of picks) {
      const [ms, r] = await timed(() => client.request('textDocument/hover', client.at(uri, hoverAt(m))));
      hoverTimes.push(ms);
      if (r) hovers++;
    }
    metrics.push(latencyMetric('lsp_completion_p95_ms', 'completion, 5,000-line file (p95)', completionTimes, 0.95, TARGETS.completionP95Ms,
      `${completionTimes.length} requests in agent bodies, document unchanged; median ${median(completionTimes).toFixed(2)} ms; `
      + `${(items / completionTimes.length).toFixed(0)} items on average${items === 0 ? ' (completion module returns nothing yet)' : ''}`));
    metrics.push(latencyMetric('lsp_hover_p95_ms', 'hover, 5,000-line file (p95)', hoverTimes, 0.95, undefined,
      `${hoverTimes.length} requests on callee names; median ${median(hoverTimes).toFixed(2)} ms; ${hovers} non-empty${hovers === 0 ? ' (hover module returns nothing yet)' : ''}`));

    // Completion right after an edit: waits for the new version's analysis (informational).
    const afterEdit: number[] = [];
    for (const m of picks.slice(0, opts.quick ? 15 : 40)) {
      const at = completionAt(m);
      const t = client.text(uri)!;
      const p = position(t, at);
      const t0 = performance.now();
      const v = await client.change(uri, [{ range: { start: p, end: p }, text: 'x' }]);
      await client.request('textDocument/completion', client.at(uri, at + 1));
      afterEdit.push(performance.now() - t0);
      await client.waitForPublish(uri, v, 30000);
      await client.change(uri, [{ range: { start: p, end: { line: p.line, character: p.character + 1 } }, text: '' }]);
      await client.waitForPublish(uri, v + 1, 30000);
    }
    metrics.push(latencyMetric('lsp_completion_after_edit_p95_ms', 'edit + completion, 5,000 lines (p95)', afterEdit, 0.95, undefined,
      `typing a character then asking for completion: includes re-analysing the edited file; median ${median(afterEdit).toFixed(2)} ms`));
  } finally {
    await client.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** A workspace of `count` files of about 200 lines; names made unique per file. */
function writeWorkspace(dir: string, count: number): number {
  let bytes = 0;
  for (let f = 0; f < count; f++) {
    const sub = path.join(dir, `team${f % 10}`, f % 3 === 0 ? 'agents' : '');
    fs.mkdirSync(sub, { recursive: true });
    const text = generateLines(200, 100 + f).text.replace(/([A-Za-z]_)(\d+)\b/g, `$1f${f}_$2`);
    fs.writeFileSync(path.join(sub, `agent_${f}.baton`), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

async function indexBench(opts: BenchOptions, metrics: Metric[], info: Record<string, unknown>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-lsp-index-'));
  try {
    const bytes = writeWorkspace(dir, 500);
    const runs = opts.quick ? 2 : 4;
    const client: number[] = [], server: number[] = [];
    let last: Record<string, number> = {};
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const c = await LspClient.start({ root: dir });
      const indexed = await c.waitForNotification('baton/indexed', 60000, true);
      client.push(performance.now() - t0);
      server.push(indexed.ms);
      last = indexed;
      await c.stop();
    }
    info.index500 = { files: last.files, bytes, last };
    metrics.push({
      id: 'lsp_index_500_ms', label: 'initial index, 500-file workspace', value: median(client), unit: 'ms', samples: client,
      target: { op: '<=', value: TARGETS.index500Ms },
      note: `median of ${runs} server starts, from spawn+initialize to baton/indexed (${last.files} files, ${(bytes / 1e6).toFixed(1)} MB); `
        + `server-side ${median(server).toFixed(0)} ms from initialize: read ${last.readMs?.toFixed(0)}, parse ${last.parseMs?.toFixed(0)}, check ${last.checkMs?.toFixed(0)} ms`,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function lspBench(opts: BenchOptions): Promise<BenchSection> {
  const metrics: Metric[] = [];
  const info: Record<string, unknown> = {};
  await editBench(opts, metrics, info);
  await indexBench(opts, metrics, info);
  return { name: 'lsp', metrics, info };
}

/** Run alone: `node out/test/bench/lsp.js [--quick]` (prints the metrics as JSON lines). */
// Only when this file itself is the script (not when bundled into run.js).
if (require.main === module && /lsp\.js$/.test(process.argv[1] ?? '')) {
  void lspBench({ quick: process.argv.includes('--quick') }).then((s) => {
    for (const m of s.metrics) console.log(`${m.label}: ${m.value.toFixed(2)} ${m.unit}${m.target ? ` (target ${m.target.op} ${m.target.value})` : ''} — ${m.note ?? ''}`);
    console.log(JSON.stringify(s.info));
  }, (e) => { console.error(e); process.exit(1); });
}
