/**
 * Front-end benchmark section: lexer, parser, checker, incremental re-analysis, parser construction,
 * formatter. Inputs are generated deterministically (see generate.ts).
 *
 *  - lex / parse (lex+parse) / check (an already-parsed file) / parse+check (`analyzeText`)
 *    throughput on a ~1 MB file: median over repetitions after warm-up, in MB/s (10^6 bytes).
 *  - re-analysis of a 5,000-line file after a one-character edit (`Workspace.set` with the edited
 *    text, then `analyze`): median and p95 over ≥ 30 distinct edits, after warm-up.
 *  - parser construction: the first `parse()` in a fresh process (child `node` running this bundle
 *    with --probe-first-parse), median over a few processes.
 *  - formatter time on the 5,000-line file, when runtime/dsl/format exists.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { lex } from '../../runtime/dsl/lexer';
import { parse } from '../../runtime/dsl/parser';
import { check } from '../../runtime/dsl/checker';
import { analyzeText, Workspace } from '../../runtime/dsl/workspace';
import { BenchOptions, BenchSection, Metric, median, quantile, prng, timeReps } from './common';
import { countLines, editSpots, generateAgents, generateLines } from './generate';

export const TARGETS = {
  parseCheckMBs: 20,
  reanalysisMedianMs: 25,
};

type FormatFn = (text: string) => { text: string; changed: boolean; error?: string };

/** The formatter if it is there (bundled when present; a caught runtime require failure otherwise). */
function loadFormatter(): FormatFn | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('../../runtime/dsl/format/index') as { format?: unknown };
    return typeof m.format === 'function' ? (m.format as FormatFn) : undefined;
  } catch {
    return undefined;
  }
}

const MB = 1e6;

function throughput(id: string, label: string, bytes: number, samples: number[], target?: number): Metric {
  const ms = median(samples);
  return {
    id, label, value: bytes / MB / (ms / 1000), unit: 'MB/s', samples,
    ...(target !== undefined ? { target: { op: '>=', value: target } } : {}),
    note: `median ${ms.toFixed(1)} ms of ${samples.length}`,
  };
}

function countDiagnostics(ds: Array<{ severity: string }>): Record<string, number> {
  const out: Record<string, number> = { error: 0, warning: 0, info: 0 };
  for (const d of ds) out[d.severity] = (out[d.severity] ?? 0) + 1;
  return out;
}

/**
 * One-character edits that keep the file valid: replace a letter inside a string literal that is a
 * call argument (not a setting, capability, policy target or argv/URL template, whose contents the
 * checker validates), or a digit of an integer literal, at positions picked by a seeded PRNG. Each
 * edit is applied to the original text, so consecutive texts always differ (no `Workspace.set`
 * short-circuit).
 */
function makeEdits(text: string, count: number, seed: number): string[] {
  const spots = editSpots(text);
  if (spots.length === 0) throw new Error('no editable spots in the generated file');
  const rnd = prng(seed);
  const edits: string[] = [];
  let prev = '';
  while (edits.length < count) {
    const s = spots[Math.floor(rnd() * spots.length)];
    const old = text[s.at];
    const pool = s.digit ? '0123456789' : 'abcdefghijklmnopqrstuvwxyz';
    let ch = pool[Math.floor(rnd() * pool.length)];
    if (ch === old) ch = pool[(pool.indexOf(ch) + 1) % pool.length];
    const edited = text.slice(0, s.at) + ch + text.slice(s.at + 1);
    if (edited === prev) continue;
    edits.push(edited);
    prev = edited;
  }
  return edits;
}

/** Child-process probe: time of the very first parse() (parser construction + one tiny parse). */
export function probeFirstParse(): void {
  const t0 = performance.now();
  parse('agent A {}\n');
  const first = performance.now() - t0;
  const t1 = performance.now();
  parse('agent B {}\n');
  const second = performance.now() - t1;
  process.stdout.write(JSON.stringify({ first, second, sinceProcessStart: performance.now() }) + '\n');
}

function measureFirstParse(script: string, runs: number): { first: number[]; second: number[]; sinceStart: number[]; error?: string } {
  const first: number[] = [];
  const second: number[] = [];
  const sinceStart: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [script, '--probe-first-parse'], { encoding: 'utf8' });
    const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    try {
      const j = JSON.parse(line) as { first: number; second: number; sinceProcessStart: number };
      first.push(j.first);
      second.push(j.second);
      sinceStart.push(j.sinceProcessStart);
    } catch {
      return { first, second, sinceStart, error: `probe failed: ${(r.stderr || r.stdout || String(r.error)).slice(0, 200)}` };
    }
  }
  return { first, second, sinceStart };
}

export async function frontendBench(opts: BenchOptions): Promise<BenchSection> {
  const reps = opts.quick ? 3 : 9;
  const warmup = opts.quick ? 1 : 3;
  const editCount = opts.quick ? 30 : 60;
  const metrics: Metric[] = [];
  const info: Record<string, unknown> = {};

  // Parser construction first, in fresh processes (this process has not parsed yet either).
  const probe = measureFirstParse(process.argv[1], opts.quick ? 3 : 5);
  metrics.push({
    id: 'first_parse_ms', label: 'first parse() in a fresh process (parser construction)',
    value: median(probe.first), unit: 'ms', samples: probe.first,
    note: probe.error ?? `median of ${probe.first.length} processes; next parse ${median(probe.second).toFixed(2)} ms; `
      + `process start → first parse done ${median(probe.sinceStart).toFixed(0)} ms`,
  });

  // ---- 1 MB file ----
  const big = generateAgents(1_000_000, 1);
  const bytes = Buffer.byteLength(big.text, 'utf8');
  const bigAnalysis = analyzeText(big.text, 'bench-1mb.baton');
  info.big = {
    bytes, lines: countLines(big.text), units: big.units,
    tokens: lex(big.text).tokens.length,
    diagnostics: countDiagnostics(bigAnalysis.diagnostics),
  };

  metrics.push(throughput('lex_mb_s', 'lex (1 MB)', bytes, timeReps(() => lex(big.text), reps, warmup)));
  metrics.push(throughput('parse_mb_s', 'parse = lex+parse (1 MB)', bytes, timeReps(() => parse(big.text), reps, warmup)));
  const parsed = parse(big.text);
  metrics.push(throughput('check_mb_s', 'check, already parsed (1 MB)', bytes,
    timeReps(() => check(parsed.file, 'bench-1mb.baton'), reps, warmup)));
  metrics.push(throughput('parse_check_mb_s', 'parse+check = analyzeText (1 MB)', bytes,
    timeReps(() => analyzeText(big.text, 'bench-1mb.baton'), reps, warmup), TARGETS.parseCheckMBs));

  // ---- 5,000-line file: re-analysis after a one-character edit ----
  const doc = generateLines(5000, 2);
  const uri = 'bench-5000.baton';
  const docAnalysis = analyzeText(doc.text, uri);
  info.lines5000 = {
    bytes: Buffer.byteLength(doc.text, 'utf8'), lines: countLines(doc.text), units: doc.units,
    diagnostics: countDiagnostics(docAnalysis.diagnostics),
  };
  // Where the re-analysis time goes: parse and check of the 5,000-line file alone.
  const docParse = timeReps(() => parse(doc.text), reps, warmup);
  const docParsed = parse(doc.text);
  const docCheck = timeReps(() => check(docParsed.file, uri), reps, warmup);
  metrics.push({ id: 'parse_5000_ms', label: 'parse, 5,000 lines', value: median(docParse), unit: 'ms', samples: docParse });
  metrics.push({ id: 'check_5000_ms', label: 'check, 5,000 lines, already parsed', value: median(docCheck), unit: 'ms', samples: docCheck });

  const ws = new Workspace();
  ws.set(uri, doc.text);
  ws.analyze(uri);
  const warmEdits = makeEdits(doc.text, 10, 99);
  for (const e of warmEdits) { ws.set(uri, e); ws.analyze(uri); }
  const edits = makeEdits(doc.text, editCount, 7);
  const editTimes: number[] = [];
  let editErrors = 0;
  for (const e of edits) {
    const t0 = performance.now();
    ws.set(uri, e);
    const a = ws.analyze(uri)!;
    editTimes.push(performance.now() - t0);
    if (a.diagnostics.some((d) => d.severity === 'error')) editErrors++;
  }
  const p95 = quantile(editTimes, 0.95);
  metrics.push({
    id: 'reanalysis_5000_median_ms', label: 're-analysis after 1-char edit, 5,000 lines (median)',
    value: median(editTimes), unit: 'ms', samples: editTimes, target: { op: '<=', value: TARGETS.reanalysisMedianMs },
    note: `${editTimes.length} edits; ${editErrors} produced errors`,
  });
  metrics.push({
    id: 'reanalysis_5000_p95_ms', label: 're-analysis after 1-char edit, 5,000 lines (p95)',
    value: p95, unit: 'ms', note: `max ${Math.max(...editTimes).toFixed(1)} ms`,
  });

  // ---- formatter ----
  const format = loadFormatter();
  if (format) {
    const r = format(doc.text);
    const fmtTimes = timeReps(() => format(doc.text), opts.quick ? 3 : 5, 1);
    metrics.push({
      id: 'format_5000_ms', label: 'format, 5,000 lines', value: median(fmtTimes), unit: 'ms', samples: fmtTimes,
      note: r.error ? `returned unchanged: ${r.error}` : r.changed ? 'reformatted the file' : 'file already formatted',
    });
    if (r.changed) {
      const again = timeReps(() => format(r.text), opts.quick ? 3 : 5, 1);
      metrics.push({
        id: 'format_5000_formatted_ms', label: 'format, 5,000 lines, already formatted', value: median(again), unit: 'ms', samples: again,
      });
    }
    info.format = { changed: r.changed, error: r.error ?? null };
  } else {
    metrics.push({ id: 'format_5000_ms', label: 'format, 5,000 lines', value: NaN, unit: 'ms', note: 'formatter not present' });
  }

  return { name: 'frontend', metrics, info };
}
