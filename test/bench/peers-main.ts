/**
 * Standalone check of the peer baselines in `peers.ts`: runs both peers on the scripted workload and
 * prints their per-step cost.
 *
 *   npx esbuild test/bench/peers-main.ts --bundle --platform=node --target=node20 --outdir=out/tt-peers
 *   node out/tt-peers/peers-main.js [--steps 200] [--reps 7]
 */
import { langgraphPerStep, openaiAgentsPerStep, PeerResult } from './peers';

function intArg(flag: string, fallback: number): number {
  const i = process.argv.indexOf(flag);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer`);
  return n;
}

function show(r: PeerResult): void {
  const samples = r.samples.map((s) => s.toFixed(1)).join(', ');
  console.log(`${r.name}@${r.version}: ${r.perStepUs.toFixed(1)} µs/step (median)  [${samples}]`);
  if (r.note) console.log(`  ${r.note}`);
}

async function main(): Promise<void> {
  const steps = intArg('--steps', 200);
  const reps = intArg('--reps', 7);
  console.log(`node ${process.version}, steps=${steps}, reps=${reps} (after warm-up)`);
  show(await openaiAgentsPerStep(steps, reps));
  show(await langgraphPerStep(steps, reps));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
