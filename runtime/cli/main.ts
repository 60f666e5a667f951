/** The `baton` command line. Never prints a stack trace unless BATON_DEBUG is set. */
import { runCheck } from './check';
import { runFmt } from './fmt';
import { CliError } from './files';

const USAGE = `Usage: baton <command> [options]

Commands:
  check FILE|DIR...        Parse and check agent files (.baton, .symbi); exit 1 on errors.
      --json               Machine-readable output.
      --quiet              Print errors only (and the summary).
  fmt FILE|DIR...          Format files in place.
      --check              Change nothing; exit 1 and name the files that would change.

Options:
  -h, --help               Show this help.
  -v, --version            Show the version.`;

const VERSION = '0.1.0';

export function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + '\n'), err: (s: string) => void = (s) => process.stderr.write(s + '\n')): number {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') { out(USAGE); return command ? 0 : 2; }
  if (command === '-v' || command === '--version') { out(VERSION); return 0; }
  const flags = new Set(rest.filter((a) => a.startsWith('-')));
  const paths = rest.filter((a) => !a.startsWith('-'));
  const allowed: Record<string, string[]> = { check: ['--json', '--quiet'], fmt: ['--check'] };
  if (!allowed[command]) { err(`baton: unknown command '${command}'.\n\n${USAGE}`); return 2; }
  for (const f of flags) {
    if (!allowed[command].includes(f)) { err(`baton ${command}: unknown option '${f}'. Options: ${allowed[command].join(', ')}.`); return 2; }
  }
  if (paths.length === 0) { err(`baton ${command}: give at least one file or directory.`); return 2; }
  try {
    if (command === 'check') return runCheck(paths, { json: flags.has('--json'), quiet: flags.has('--quiet') }, out);
    return runFmt(paths, { check: flags.has('--check') }, out, err);
  } catch (e) {
    if (e instanceof CliError) { err(`baton ${command}: ${e.message}`); return e.exitCode; }
    err(`baton ${command}: internal error: ${(e as Error).message}`);
    if (process.env.BATON_DEBUG) err(String((e as Error).stack));
    return 70;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
