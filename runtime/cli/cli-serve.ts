/**
 * `baton serve [--root DIR]`: runs the workspace's `schedule` blocks on time (orchestration/serve.ts).
 * Approvals are answered as for `baton run` without a terminal: `--approve T1,T2` allows those
 * tools, anything else is denied with a how-to. SIGINT/SIGTERM: running runs are cancelled,
 * journaled as Cancelled and left resumable; the status file is removed.
 */
import * as path from 'node:path';
import { one, Parsed } from './args';
import { CliApprovals } from './cli-approvals';
import { CliError } from './files';
import { providerFor } from './run';
import { fileSettings } from '../providers/choose';
import { DefaultScheduler } from '../orchestration/scheduler';
import { Server } from '../orchestration/serve';
import { readServeStatus } from './cli-ps';

export const SERVE_FLAGS = { bool: [], value: ['--root', '--concurrency', '--provider', '--model', '--base-url', '--cassette', '--approve'] };

export async function serveCommand(p: Parsed, io: { out: (s: string) => void; err: (s: string) => void }, signal: AbortSignal): Promise<number> {
  if (p.positionals.length) throw new CliError('usage: baton serve [--root DIR] [--concurrency N] [--approve T1,T2]');
  const root = path.resolve(one(p, '--root') ?? process.cwd());
  const already = readServeStatus(root);
  if (already && already.pid !== process.pid) throw new CliError(`baton serve: already serving ${root} (pid ${already.pid})`);
  const n = one(p, '--concurrency');
  const concurrency = n === undefined ? 4 : Number(n);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new CliError(`baton serve: --concurrency expects a positive integer, got '${n}'`);
  const approvals = new CliApprovals({
    approve: new Set((p.values.get('--approve') ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)),
    rerunInDoubt: false, interactive: false, err: io.err,
  });
  const server = new Server({
    root, approvals, scheduler: new DefaultScheduler({ concurrency }), log: io.err,
    provider: (file) => providerFor(p, fileSettings(file)),
  });
  const schedules = server.load();
  if (!schedules.length) { io.err(`baton serve: no schedule blocks in the agent files under ${root}`); return 1; }
  for (const s of schedules) io.err(`serve: schedule ${s.name} (${s.cron}${s.utc ? ' UTC' : ''}) → agent ${s.agent} in ${path.relative(root, s.file)}`);
  server.start();
  io.err(`serve: ${schedules.length} schedule(s), at most ${concurrency} runs at once; pid ${process.pid}; Ctrl-C or SIGTERM stops`);
  await new Promise<void>((resolve) => {
    const stop = () => { process.off('SIGTERM', stop); signal.removeEventListener('abort', stop); resolve(); };
    process.once('SIGTERM', stop);
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
  });
  io.err('serve: stopping; running runs are cancelled and stay resumable');
  await server.stop();
  return 0;
}
