/**
 * Extension benchmark section:
 *  - bundle size of dist/extension.js (target ≤ 1.5 MB), with the largest packages from an
 *    esbuild metafile (the same options as esbuild.js) and what the bundle would weigh minified
 *    with the model/MCP SDKs left out of it (loaded lazily at run time) — the fix it points at;
 *  - activation time measured inside the extension host (performance.now() at the start and end
 *    of `activate`), read from out/bench/extension-activation.json written by the e2e tests
 *    (test/e2e/extension-figures.e2e.ts; target ≤ 50 ms);
 *  - UI refresh under a burst of 1,000 journal events/s for 3 s, from
 *    out/bench/extension-refresh.json (same e2e file): tree refreshes per second (target ≤ 10/s)
 *    and records lost (target 0).
 * Metrics whose file is missing are reported with a note (run `npm run test:e2e` first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import type { BenchOptions, BenchSection, Metric } from './common';

export const TARGETS = { bundleBytes: 1.5e6, activationMs: 50, refreshesPerSecond: 10, lostEvents: 0 };

const SDKS = ['@anthropic-ai/sdk', 'openai', '@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/*'];

interface EsbuildLike {
  build(o: Record<string, unknown>): Promise<{ metafile: { outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }> } }>;
}

/** Bytes per package (or top-level source directory) of an esbuild build of the extension. */
async function analyze(root: string, extra: Record<string, unknown>): Promise<{ bytes: number; top: Array<[string, number]> } | undefined> {
  let esbuild: EsbuildLike;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    esbuild = require(require.resolve('esbuild', { paths: [root] })) as EsbuildLike;
  } catch { return undefined; }
  const r = await esbuild.build({
    entryPoints: [path.join(root, 'extension/extension.ts')], absWorkingDir: root, bundle: true, platform: 'node', target: 'node20',
    format: 'cjs', external: ['vscode'], write: false, metafile: true, outfile: path.join(root, 'out/bench/extension-probe.js'),
    legalComments: 'none', logLevel: 'silent', ...extra,
  });
  const out = Object.values(r.metafile.outputs).find((o) => o.bytes > 0 && Object.keys(o.inputs).length)!;
  const by = new Map<string, number>();
  for (const [f, v] of Object.entries(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
    const k = m ? m[1]! : f.split('/').slice(0, 2).join('/');
    by.set(k, (by.get(k) ?? 0) + v.bytesInOutput);
  }
  return { bytes: out.bytes, top: [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12) };
}

function readJson(file: string): Record<string, unknown> | undefined {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>; } catch { return undefined; }
}

function missing(id: string, label: string, unit: string, file: string): Metric {
  return { id, label, value: NaN, unit, note: `${path.relative(repoRoot(), file)} missing: run npm run test:e2e first` };
}

export async function extensionBench(_opts: BenchOptions): Promise<BenchSection> {
  const root = repoRoot();
  const metrics: Metric[] = [];
  const info: Record<string, unknown> = {};
  const bundle = path.join(root, 'dist', 'extension.js');
  const size = fs.existsSync(bundle) ? fs.statSync(bundle).size : NaN;
  const now = await analyze(root, {}).catch(() => undefined);
  const lean = await analyze(root, { minify: true, external: ['vscode', ...SDKS] }).catch(() => undefined);
  metrics.push({
    id: 'extension_bundle_bytes', label: 'extension bundle (dist/extension.js)', value: size / 1e6, unit: 'MB',
    target: { op: '<=', value: TARGETS.bundleBytes / 1e6 },
    note: lean ? `minified without the model/MCP SDKs: ${(lean.bytes / 1e6).toFixed(2)} MB` : 'esbuild not found for the breakdown',
  });
  if (now) info.bundleTop = Object.fromEntries(now.top.map(([k, v]) => [k, v]));
  if (lean) info.leanBundleBytes = lean.bytes;

  const actFile = path.join(root, 'out', 'bench', 'extension-activation.json');
  const act = readJson(actFile);
  metrics.push(act && typeof act.ms === 'number'
    ? { id: 'extension_activation_ms', label: 'activate() in the extension host', value: act.ms, unit: 'ms', target: { op: '<=', value: TARGETS.activationMs }, note: `measured ${String(act.at ?? '')}` }
    : missing('extension_activation_ms', 'activate() in the extension host', 'ms', actFile));

  const refFile = path.join(root, 'out', 'bench', 'extension-refresh.json');
  const ref = readJson(refFile);
  if (ref && typeof ref.runsRefreshesPerSecond === 'number') {
    const worst = Math.max(ref.runsRefreshesPerSecond, Number(ref.journalRefreshesPerSecond ?? 0));
    metrics.push({
      id: 'extension_refreshes_per_s', label: 'tree refreshes under 1,000 events/s', value: worst, unit: '/s', target: { op: '<=', value: TARGETS.refreshesPerSecond },
      note: `Runs ${Number(ref.runsRefreshesPerSecond).toFixed(1)}/s, Journal ${Number(ref.journalRefreshesPerSecond).toFixed(1)}/s over ${String(ref.events)} events in ${String(ref.feedMs)} ms`,
    });
    metrics.push({ id: 'extension_lost_events', label: 'records missing from the Journal tree', value: Number(ref.lost), unit: 'records', target: { op: '<=', value: TARGETS.lostEvents } });
    info.refresh = ref;
  } else {
    metrics.push(missing('extension_refreshes_per_s', 'tree refreshes under 1,000 events/s', '/s', refFile));
  }
  return { name: 'extension', metrics, info };
}
