/** The `baton` command line. Never prints a stack trace unless BATON_DEBUG is set. */
import * as path from 'node:path';
import { runCheck } from './check';
import { runFmt } from './fmt';
import { CliError } from './files';
import { one, parseArgs } from './args';
import { RUN_FLAGS, runCommand } from './run';
import { runApprovals, runVerify } from './verify';
import { SERVE_FLAGS, serveCommand } from './cli-serve';
import { runPs } from './cli-ps';
import { DLQ_FLAGS, DLQ_USAGE, runDlq } from './cli-dlq';
import { BatonError } from '../errors';

const USAGE = `Usage: baton <command> [options]

Commands:
  check FILE|DIR...        Parse and check agent files (.baton, .symbi); exit 1 on errors.
      --json               Machine-readable output.
      --quiet              Print errors only (and the summary).
  fmt FILE|DIR...          Format files in place.
      --check              Change nothing; exit 1 and name the files that would change.
  run FILE                 Run an agent: progress on stderr, its result as JSON on stdout.
      --agent NAME         Which agent of the file (needed when it declares several).
      --input name=value   An input (repeatable); typed from the agent's parameters.
      --input-json JSON    Inputs as one JSON object.
      --provider P         openai | anthropic | ollama | vllm | lmstudio | replay (default: the file's, else openai).
      --model M            Model name (default: the file's).
      --base-url URL       OpenAI-compatible endpoint (or OPENAI_BASE_URL).
      --cassette FILE      Recorded model answers for --provider replay (offline, no key).
      --approve T1,T2      Allow these tools for this run when the policy asks a human.
      --context JSON       Extra run context for policies and bodies (context.user, ...), a JSON object;
                           recorded in the journal (resume and replay use it again).
      --context-file PATH  The same, read from a file.
      --root DIR           Workspace root (default: the current directory).
  resume RUN_ID            Finish an interrupted run; recorded effects are not repeated.
      --rerun-in-doubt     Run again a non-idempotent call that was in flight at the crash.
      --in-doubt-result J  Or: it did run; use this result (JSON).
  replay RUN_ID            Re-execute a run offline from its journal; prints the same result.
  fork RUN_ID --at SEQ     A new run that replays RUN_ID before record SEQ, then goes live.
      --input name=value   Change an input for the fork.
      --context JSON       Change the run context for the fork (its top-level keys replace the recorded ones).
  verify RUN_ID            Check a run's hash chain and signatures; exit 1 naming the first bad record.
  approvals                List always-allowed tools.
      --revoke TOOL        Revoke (optionally --agent NAME).
  serve                    Run the workspace's schedule blocks on time; status for 'baton ps'.
      --concurrency N      Runs at once (default 4); --approve, --provider, --model as for run.
  ps                       List runs: from a live 'baton serve', else from .baton/runs/.
      --json               Machine-readable output.
${DLQ_USAGE}

Exit codes: 0 completed · 1 failed · 2 usage error · 3 denied by policy · 4 budget exhausted
(iterations, tokens, time) · 130 cancelled.

Options:
  -h, --help               Show this help.
  -v, --version            Show the version.`;

const VERSION = '0.1.0';

type Out = (s: string) => void;

export async function main(argv: string[], out: Out = (s) => process.stdout.write(s + '\n'), err: Out = (s) => process.stderr.write(s + '\n'), signal: AbortSignal = new AbortController().signal): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') { out(USAGE); return command ? 0 : 2; }
  if (command === '-v' || command === '--version') { out(VERSION); return 0; }
  try {
    switch (command) {
      case 'check': case 'fmt': {
        const p = parseArgs(command, rest, { bool: command === 'check' ? ['--json', '--quiet'] : ['--check'], value: [] });
        if (p.positionals.length === 0) throw new CliError(`baton ${command}: give at least one file or directory.`);
        if (command === 'check') return runCheck(p.positionals, { json: p.flags.has('--json'), quiet: p.flags.has('--quiet') }, out);
        return runFmt(p.positionals, { check: p.flags.has('--check') }, out, err);
      }
      case 'run': case 'resume': case 'replay': case 'fork':
        return await runCommand(command, parseArgs(command, rest, RUN_FLAGS), { out, err }, signal);
      case 'verify': {
        const p = parseArgs(command, rest, { bool: [], value: ['--root'] });
        if (p.positionals.length !== 1) throw new CliError('usage: baton verify RUN_ID');
        return runVerify(path.resolve(one(p, '--root') ?? process.cwd()), p.positionals[0], out, err);
      }
      case 'approvals': {
        const p = parseArgs(command, rest, { bool: [], value: ['--revoke', '--agent', '--root'] });
        return runApprovals(path.resolve(one(p, '--root') ?? process.cwd()), one(p, '--revoke'), one(p, '--agent'), out);
      }
      case 'dlq':
        return runDlq(parseArgs(command, rest, DLQ_FLAGS), out);
      case 'serve':
        return await serveCommand(parseArgs(command, rest, SERVE_FLAGS), { out, err }, signal);
      case 'ps': {
        const p = parseArgs(command, rest, { bool: ['--json'], value: ['--root'] });
        return runPs(path.resolve(one(p, '--root') ?? process.cwd()), p.flags.has('--json'), out);
      }
      default:
        err(`baton: unknown command '${command}'.\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof CliError) { err(e.message.startsWith('baton') || e.message.startsWith('usage') ? e.message : `baton ${command}: ${e.message}`); return e.exitCode; }
    if (e instanceof BatonError && (e.code === 'usage' || e.code === 'journal' || e.code === 'mcp-pin-mismatch')) { err(`baton ${command}: ${e.message}`); return e.code === 'usage' ? 2 : 1; }
    err(`baton ${command}: internal error: ${(e as Error).message}`);
    if (process.env.BATON_DEBUG) err(String((e as Error).stack));
    return 70;
  }
}

if (require.main === module) {
  const ac = new AbortController();
  let interrupted = 0;
  process.on('SIGINT', () => {
    if (++interrupted > 1) process.exit(130);
    process.stderr.write('\ncancelling (Ctrl-C again to quit now)...\n');
    ac.abort();
  });
  main(process.argv.slice(2), undefined, undefined, ac.signal).then((code) => { process.exitCode = code; });
}
