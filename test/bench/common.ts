/**
 * Shared pieces of the benchmarks: the result model every section returns, timing helpers, a seeded
 * PRNG, and the report table. A section is a function returning a `BenchSection`; `run.ts` runs the
 * sections, prints one table and writes `out/bench/<section>.json` for each.
 */
import { performance } from 'node:perf_hooks';

export interface Target {
  /** `>=`: higher is better (throughput); `<=`: lower is better (latency). */
  op: '>=' | '<=';
  value: number;
}

export interface Metric {
  /** Stable identifier, used as the JSON key (e.g. `parse_check_mb_s`). */
  id: string;
  /** Human-readable label for the table. */
  label: string;
  value: number;
  unit: string;
  target?: Target;
  /** Extra detail for the table (e.g. the p95, or why a metric is missing). */
  note?: string;
  /** All samples (ms) the value was computed from, for the JSON report. */
  samples?: number[];
}

export interface BenchSection {
  name: string;
  metrics: Metric[];
  /** Anything else worth keeping in the JSON (input sizes, diagnostic counts, ...). */
  info: Record<string, unknown>;
}

export interface BenchOptions {
  /** Fewer repetitions, for a quick smoke run (`--quick`). */
  quick: boolean;
}

/** `meets`: whether the target is met; `ratio`: how many times over (≥ 1 means met). */
export function judge(m: Metric): { meets: boolean; ratio: number } | undefined {
  if (!m.target || !Number.isFinite(m.value)) return undefined;
  const { op, value } = m.target;
  const ratio = op === '>=' ? m.value / value : value / m.value;
  return { meets: op === '>=' ? m.value >= value : m.value <= value, ratio };
}

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile (q in [0, 1]). */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Runs `fn` `warmup` times untimed, then `reps` times timed; returns the times in ms. */
export function timeReps(fn: () => unknown, reps: number, warmup: number): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** mulberry32: a small deterministic PRNG, so generated inputs and edits are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** The report table: metric, value, target, ratio to target, PASS/MISS. */
export function formatTable(sections: BenchSection[]): string {
  const header = ['section', 'metric', 'value', 'target', '× target', 'result', 'note'];
  const rows: string[][] = [];
  for (const s of sections) {
    for (const m of s.metrics) {
      const j = judge(m);
      rows.push([
        s.name,
        m.label,
        `${fmtNum(m.value)} ${m.unit}`,
        m.target ? `${m.target.op} ${fmtNum(m.target.value)} ${m.unit}` : '—',
        j ? `${j.ratio.toFixed(2)}×` : '—',
        j ? (j.meets ? 'PASS' : 'MISS') : '—',
        m.note ?? '',
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 || i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
    + '\n(× target: how many times the target is met — value/target for throughput, target/value for latency; ≥ 1.00 passes)';
}
