/** `baton run | resume | replay | fork`: a run's result as JSON on stdout, progress on stderr. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Json } from '../ir/schema';
import type { InferenceProvider } from '../providers/provider';
import { ReplayProvider } from '../providers/index';
import { providerFrom, ChosenProvider, fileSettings, FileSettings } from '../providers/choose';
import { forkRun, journalPathOf, replayRun, resumeRun, RunOutcome, startRun, vaultEnvName } from '../run/run';
import { readJournal } from '../journal/reader';
import { BatonError } from '../errors';
import { CliApprovals } from './cli-approvals';
import { ProgressPrinter } from './progress';
import { one, Parsed } from './args';
import { CliError } from './files';

export const RUN_FLAGS = {
  bool: ['--rerun-in-doubt', '--verbose', '--memory'],
  value: ['--agent', '--input', '--input-json', '--provider', '--model', '--base-url', '--cassette', '--approve', '--in-doubt-result', '--root', '--at', '--context', '--context-file'],
};

interface Io { out: (s: string) => void; err: (s: string) => void }

function inputsOf(p: Parsed): Record<string, Json> {
  const inputs: Record<string, Json> = {};
  const json = one(p, '--input-json');
  if (json !== undefined) {
    try {
      const v = JSON.parse(json);
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      Object.assign(inputs, v);
    } catch (e) { throw new CliError(`--input-json: expected a JSON object (${(e as Error).message})`); }
  }
  for (const kv of p.values.get('--input') ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new CliError(`--input expects name=value, got '${kv}'`);
    inputs[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return inputs;
}

/** Keys of `context` the runtime sets itself. */
const RUNTIME_CONTEXT = ['run_id', 'agent', 'mode', 'has_human_approval'];

/** `--context JSON` or `--context-file PATH`: extra run context (`context.user`, ...), a JSON object. */
export function contextOf(p: Parsed): Record<string, Json> | undefined {
  const text = one(p, '--context');
  const file = one(p, '--context-file');
  if (text !== undefined && file !== undefined) throw new CliError('give the run context with --context or --context-file, not both');
  if (text === undefined && file === undefined) return undefined;
  const flag = text !== undefined ? '--context' : `--context-file ${file}`;
  let raw = text;
  if (file !== undefined) {
    try { raw = fs.readFileSync(file, 'utf8'); } catch (e) {
      throw new CliError(`--context-file: cannot read '${file}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  let v: unknown;
  try { v = JSON.parse(raw!); } catch (e) { throw new CliError(`${flag}: not valid JSON (${(e as Error).message})`); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new CliError(`${flag}: expected a JSON object such as {"user":{"role":"editor"}}, got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`);
  const reserved = Object.keys(v).filter((k) => RUNTIME_CONTEXT.includes(k));
  if (reserved.length) throw new CliError(`${flag}: ${reserved.map((k) => `'${k}'`).join(', ')} ${reserved.length > 1 ? 'are' : 'is'} set by the runtime and cannot be given`);
  return v as Record<string, Json>;
}

export function providerFor(p: Parsed, file: FileSettings, recorded?: { id: string; model?: string; baseUrl?: string }): ChosenProvider {
  const id = one(p, '--provider') ?? recorded?.id ?? (one(p, '--cassette') ? 'replay' : file.provider ?? 'openai');
  const model = one(p, '--model') ?? recorded?.model;
  const baseUrl = one(p, '--base-url') ?? (recorded?.id === id ? recorded?.baseUrl : undefined) ?? (file.provider === id || !file.provider ? file.baseUrl : undefined);
  let apiKey: string | undefined;
  if (file.apiKeyRef) {
    apiKey = process.env[vaultEnvName(file.apiKeyRef)];
    if (apiKey === undefined) throw new CliError(`the file's api_key is vault://${file.apiKeyRef}: set ${vaultEnvName(file.apiKeyRef)}`);
  }
  const cassette = one(p, '--cassette') ?? (id === 'replay' ? recorded?.baseUrl : undefined);
  if (id === 'replay' && !cassette) throw new CliError('--provider replay needs --cassette FILE (a recorded cassette)');
  return providerFrom({ id, model, baseUrl, cassette, apiKey });
}

export async function runCommand(command: 'run' | 'resume' | 'replay' | 'fork', p: Parsed, io: Io, signal: AbortSignal): Promise<number> {
  const root = path.resolve(one(p, '--root') ?? process.cwd());
  const approvals = new CliApprovals({
    approve: new Set((p.values.get('--approve') ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)),
    rerunInDoubt: p.flags.has('--rerun-in-doubt'),
    inDoubtResult: parseResult(one(p, '--in-doubt-result')),
    interactive: !!process.stdin.isTTY,
    err: io.err,
  });
  const sink = new ProgressPrinter(io.err, p.flags.has('--verbose'));
  // A hung model connection fails after 2 minutes (and is retried), well inside the run's timeout.
  const common = { root, approvals, sink, signal, modelTimeoutMs: 120_000, journal: p.flags.has('--memory') ? 'memory' as const : 'file' as const };
  let outcome: RunOutcome;
  if (command === 'run') {
    const [file, ...extra] = p.positionals;
    if (!file || extra.length) throw new CliError('usage: baton run FILE [--agent NAME] [--input name=value ...]');
    if (!fs.existsSync(file)) throw new CliError(`cannot read '${file}': no such file`);
    const { provider, info, secrets } = providerFor(p, fileSettings(file));
    const context = contextOf(p);
    outcome = await startRun({ ...common, secrets, file, agent: one(p, '--agent'), inputs: inputsOf(p), ...(context ? { context } : {}), provider, providerInfo: info, onStart: (id: string) => { io.err(`run: ${id}`); announceProvider(provider, io); } });
  } else {
    const [runId, ...extra] = p.positionals;
    if (command !== 'fork' && (one(p, '--context') !== undefined || one(p, '--context-file') !== undefined)) {
      throw new CliError(`baton ${command}: the run's context is recorded in its journal; --context is for run and fork`);
    }
    if (!runId || extra.length) throw new CliError(`usage: baton ${command} RUN_ID${command === 'fork' ? ' --at SEQ [--input name=value ...]' : ''}`);
    const started = readJournal(journalPathOfChecked(root, runId)).records[0];
    const recorded = started?.type === 'Started' ? { id: started.provider, model: started.model, baseUrl: started.baseUrl } : undefined;
    if (command === 'replay') {
      io.err(`replay: ${runId} (offline: answers come from the journal; no model or tool is called)`);
      const provider = { id: 'journal', replaying: true, complete: () => Promise.reject(new BatonError('journal', 'replay asked the model')) };
      outcome = await replayRun(runId, { ...common, provider, providerInfo: { id: 'journal' } });
    } else if (command === 'resume') {
      const { provider, info, secrets } = providerFor(p, {}, recorded);
      skipRecordedAnswers(provider, journalPathOfChecked(root, runId));
      io.err(`run: ${runId} (resuming)`);
      announceProvider(provider, io);
      outcome = await resumeRun(runId, { ...common, secrets, provider, providerInfo: info });
    } else {
      const at = Number(one(p, '--at'));
      if (!one(p, '--at') || !Number.isInteger(at)) throw new CliError('baton fork: --at SEQ is required (a record sequence number of the run; see its journal)');
      const { provider, info, secrets } = providerFor(p, {}, recorded);
      const context = contextOf(p);
      outcome = await forkRun(runId, at, inputsOf(p), { ...common, secrets, provider, providerInfo: info, ...(context ? { context } : {}), onStart: (id: string) => { io.err(`run: ${id} (fork of ${runId} at seq ${at})`); announceProvider(provider, io); } });
    }
  }
  if (outcome.result !== undefined && outcome.reason === 'Completed') io.out(JSON.stringify(outcome.result, null, 2));
  // A run left unfinished (in doubt, a journal that diverged, a changed MCP tool) has no Terminated
  // record for the progress printer to show: say why here.
  if (outcome.error && outcome.exitCode !== 0 && ['in-doubt', 'journal', 'mcp-pin-mismatch'].includes(outcome.error.code)) io.err(`baton ${command}: ${outcome.error.message}`);
  return outcome.exitCode;
}

function journalPathOfChecked(root: string, runId: string): string {
  const p = journalPathOf(root, runId);
  if (!fs.existsSync(p)) throw new CliError(`no run '${runId}' in ${path.dirname(p)}`);
  return p;
}

function parseResult(s: string | undefined): Json | undefined {
  if (s === undefined) return undefined;
  try { return JSON.parse(s) as Json; } catch { return s; }
}

function announceProvider(provider: InferenceProvider, io: Io): void {
  if (provider instanceof ReplayProvider) io.err(`model: replaying recorded answers from ${provider.file} (offline; no API key needed)`);
}

/** A resumed run's recorded model calls are answered from the journal: a cassette continues after them. */
function skipRecordedAnswers(provider: InferenceProvider, journal: string): void {
  if (!(provider instanceof ReplayProvider)) return;
  const n = readJournal(journal).records.filter((r) => r.type === 'ReasoningComplete').length;
  provider.skip(n);
}
