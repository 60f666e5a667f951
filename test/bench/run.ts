/**
 * `npm run bench`: bundled to out/test/bench/run.js and run with node (not a mocha test).
 *
 *   node out/test/bench/run.js [--quick] [--only <section>[,<section>...]]
 *
 * Runs every bench section, prints one table (metric, value, target, ratio to target, PASS/MISS)
 * and writes out/bench/<section>.json. To add a section: write a module exporting
 * `async (opts: BenchOptions) => BenchSection` and list it in SECTIONS below.
 * Exit code is 0 even when a target is missed (the table says MISS); 1 if a section crashes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { BenchOptions, BenchSection, formatTable, judge } from './common';
import { frontendBench, probeFirstParse } from './frontend';
import { runtimeBench } from './runtime';
import { journalBench } from './journal';
import { lspBench } from './lsp';
import { extensionBench } from './extension';
import { repoRoot } from '../helpers/paths';

const SECTIONS: Array<{ name: string; run: (opts: BenchOptions) => Promise<BenchSection> }> = [
  { name: 'frontend', run: frontendBench },
  { name: 'runtime', run: runtimeBench },
  { name: 'journal', run: journalBench },
  { name: 'lsp', run: lspBench },
  { name: 'extension', run: extensionBench },
  { name: 'bus', run: (o) => import('./bus').then((m) => m.busBench(o)) },
  { name: 'debugger', run: (o) => import('./debugger').then((m) => m.debuggerBench(o)) },
  // In a fresh process: memory per waiting run is a heap delta, and what earlier sections leave in
  // the heap (optimised code, caches) would be counted as the runs' (≈ 2 KB per run more).
  { name: 'orchestration', run: (o) => inFreshProcess('orchestration', o) },
];

/** Runs one section in a child process (`--section-child NAME`) and reads its result back. */
function inFreshProcess(name: string, opts: BenchOptions): Promise<BenchSection> {
  return new Promise((resolve, reject) => {
    const args = [...process.execArgv, process.argv[1]!, '--section-child', name, ...(opts.quick ? ['--quick'] : [])];
    execFile(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`section ${name} (child process) failed: ${stderr || err.message}`)); return; }
      try { resolve(JSON.parse(stdout.slice(stdout.indexOf(SECTION_MARK) + SECTION_MARK.length)) as BenchSection); } catch (e) { reject(e); }
    });
  });
}
const SECTION_MARK = '\n@@section@@\n';

async function sectionChild(name: string): Promise<void> {
  const opts: BenchOptions = { quick: process.argv.includes('--quick') };
  const r = name === 'orchestration' ? await (await import('./orchestration')).orchestrationBench(opts) : undefined;
  if (!r) throw new Error(`no child section '${name}'`);
  process.stdout.write(SECTION_MARK + JSON.stringify(r));
}

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const opts: BenchOptions = { quick: process.argv.includes('--quick') };
  const only = argValue('--only')?.split(',');
  const outDir = path.join(repoRoot(), 'out', 'bench');
  fs.mkdirSync(outDir, { recursive: true });
  const machine = {
    node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown', date: new Date().toISOString(), quick: opts.quick,
  };
  console.log(`Baton benchmarks — node ${machine.node}, ${machine.cpus} × ${machine.cpu}${opts.quick ? ' (quick)' : ''}\n`);

  const done: BenchSection[] = [];
  let failed = false;
  for (const s of SECTIONS) {
    if (only && !only.includes(s.name)) continue;
    process.stdout.write(`running ${s.name} ...\n`);
    try {
      const r = await s.run(opts);
      done.push(r);
      const metrics = Object.fromEntries(r.metrics.map((m) => {
        const j = judge(m);
        return [m.id, {
          label: m.label, value: Number.isFinite(m.value) ? m.value : null, unit: m.unit, target: m.target ?? null,
          ratio: j?.ratio ?? null, pass: j ? j.meets : null, note: m.note ?? null, samples: m.samples ?? null,
        }];
      }));
      const file = path.join(outDir, `${r.name}.json`);
      fs.writeFileSync(file, JSON.stringify({ section: r.name, machine, metrics, info: r.info }, null, 2) + '\n');
      console.log(`  wrote ${path.relative(repoRoot(), file)}`);
    } catch (e) {
      failed = true;
      console.error(`  section ${s.name} failed: ${(e as Error)?.stack ?? e}`);
    }
  }
  console.log('\n' + formatTable(done));
  for (const s of done) {
    if (Object.keys(s.info).length) console.log(`\n${s.name} inputs: ${JSON.stringify(s.info)}`);
  }
  return failed ? 1 : 0;
}

if (process.argv.includes('--probe-first-parse')) {
  probeFirstParse();
} else if (argValue('--section-child')) {
  sectionChild(argValue('--section-child')!).catch((e) => { console.error(e); process.exitCode = 1; });
} else {
  main().then((code) => { process.exitCode = code; }, (e) => { console.error(e); process.exitCode = 1; });
}
