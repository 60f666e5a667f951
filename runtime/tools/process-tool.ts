/**
 * Running a command: `runProcess` (shared by `process.run` and command-bound tools) and the
 * `process.run` built-in.
 *
 * - argv only, `shell: false`: an argument is one argv element and no shell ever parses it.
 * - The working directory is confined to the workspace root.
 * - The environment is scrubbed: PATH, HOME, LANG, LC_ALL, TMPDIR, TERM from the parent, plus
 *   BATON_EFFECT_ID and the variables the caller passes explicitly — no API keys or tokens.
 * - The child gets its own process group (`detached`), so a timeout or a cancel kills it and its
 *   descendants (SIGTERM, SIGKILL 2 s later); when the command exits, any process it left behind
 *   in its group is killed too.
 * - Output beyond `maxOutputBytes` (stdout + stderr together) is dropped, with a note.
 * - With a `sandbox` spec (the agent's `with sandbox = ...`, limits and network), the command runs
 *   under that tier and its limits (runtime/tools/sandbox/); a tier that cannot run here is a
 *   `sandbox-unavailable` error, a limit hit a tool-error naming the limit. Without one (direct
 *   use outside a run) nothing changes.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { BatonError } from '../errors';
import type { Json } from '../ir/schema';
import { confine } from './confine';
import { limitExceeded } from './sandbox/limits';
import { missingCommand, planSandbox, type SandboxPlan } from './sandbox/plan';
import { reportJson, type SandboxReport, type SandboxSpec } from './sandbox/spec';
import type { ToolImpl } from './tool';

/** Variables copied from the parent environment; everything else is dropped. */
export const ENV_ALLOWLIST: readonly string[] = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TERM'];
export const KILL_GRACE_MS = 2000;

export interface RunProcessOptions {
  /** Working directory, relative to `root` or absolute inside it. */
  cwd: string;
  /** Absolute real path of the workspace root. */
  root: string;
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
  effectId: string;
  /** Extra variables for the child (declared by the tool; already resolved, never from process.env). */
  env?: Record<string, string>;
  /** Sandbox tier and limits (from the agent); absent: the plain process, no wrapper. */
  sandbox?: SandboxSpec;
  /** Told which tier ran and what was enforced, just before the process starts. */
  onSandbox?: (report: SandboxReport) => void;
}

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
  /** The sandbox the command ran in (when a spec was given). */
  sandbox?: SandboxReport;
}

/** `git diff` for messages: the program and, if present, its first plain word. */
export function commandLabel(argv: readonly string[]): string {
  const second = argv[1];
  return second !== undefined && /^[A-Za-z][\w.:-]*$/.test(second) ? `${argv[0]} ${second}` : String(argv[0]);
}

export function scrubbedEnv(effectId: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ENV_ALLOWLIST) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, extra);
  env.BATON_EFFECT_ID = effectId;
  return env;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}

/** Signals the process group of `pid`; where groups are not supported, the process itself (if still ours). */
function killGroup(pid: number | undefined, signal: NodeJS.Signals, single?: () => void): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') single?.();
  }
}

/**
 * Runs `argv` under the limits above (and the sandbox, if given). Throws tool-error, tool-timeout,
 * cancelled or sandbox-unavailable; a nonzero exit is a result.
 */
export async function runProcess(argv: string[], opts: RunProcessOptions): Promise<ProcessResult> {
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string')) {
    throw new BatonError('tool-error', 'a command must be a non-empty list of strings');
  }
  if (argv.some((a) => a.includes('\0'))) throw new BatonError('tool-error', 'a command argument contains a NUL byte');
  if (opts.signal?.aborted) throw new BatonError('cancelled', 'cancelled');
  let cwd: string;
  try {
    cwd = confine(opts.root, opts.cwd || '.');
    if (!fs.statSync(cwd).isDirectory()) throw new BatonError('tool-error', `working directory '${opts.cwd}' is not a directory`);
  } catch (e) {
    if (e instanceof BatonError) throw e;
    throw new BatonError('tool-error', `working directory '${opts.cwd}' does not exist`, { cause: e });
  }
  const label = commandLabel(argv);
  const env = scrubbedEnv(opts.effectId, opts.env);
  if (!opts.sandbox) return spawnLimited(argv, cwd, env, label, opts);

  const plan = await planSandbox(argv, opts.sandbox, { root: opts.root, cwd, timeoutMs: opts.timeoutMs, env, effectId: opts.effectId });
  opts.onSandbox?.(plan.report);
  const r = await spawnLimited(plan.argv, cwd, plan.env, label, opts, plan);
  const where = plan.report.tier === 'process' ? '' : ` (inside the ${plan.report.tier} sandbox)`;
  const missing = missingCommand(r.exitCode, r.stderr);
  if (missing !== undefined) throw new BatonError('tool-error', `command not found: ${missing}${where}`, { data: { sandbox: reportJson(plan.report) } });
  const over = limitExceeded(r.exitCode, r.stderr, plan);
  if (over) {
    throw new BatonError('tool-error', `\`${label}\` ${over}${where}`, {
      data: { sandbox: reportJson(plan.report), exit_code: r.exitCode, stderr: r.stderr.slice(-2000) },
    });
  }
  return { ...r, sandbox: plan.report };
}

function spawnLimited(argv: string[], cwd: string, env: Record<string, string>, label: string, opts: RunProcessOptions, plan?: SandboxPlan): Promise<ProcessResult> {
  const limit = Math.max(0, opts.maxOutputBytes);
  return new Promise<ProcessResult>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const omitted = { stdout: 0, stderr: 0 };
    let kept = 0;
    let ended: 'timeout' | 'cancelled' | undefined;
    let settled = false;
    let exited = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    const timers: NodeJS.Timeout[] = [];

    const collect = (which: 'stdout' | 'stderr') => (data: Buffer) => {
      const room = limit - kept;
      if (room >= data.length) {
        chunks[which].push(data);
        kept += data.length;
      } else {
        if (room > 0) chunks[which].push(data.subarray(0, room));
        kept += Math.max(room, 0);
        omitted[which] += data.length - Math.max(room, 0);
      }
    };
    child.stdout!.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));

    const cleanup = () => {
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (e: BatonError) => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(e);
    };
    const text = (which: 'stdout' | 'stderr'): string => {
      const s = Buffer.concat(chunks[which]).toString('utf8');
      return omitted[which] > 0 ? `${s}${s && !s.endsWith('\n') ? '\n' : ''}[output truncated: ${omitted[which]} bytes omitted]` : s;
    };
    const finish = () => {
      if (settled) return;
      if (ended === 'timeout') {
        return fail(new BatonError('tool-timeout', `\`${label}\` timed out after ${seconds(opts.timeoutMs)} s`, { retryable: true }));
      }
      if (ended === 'cancelled') return fail(new BatonError('cancelled', `\`${label}\` was cancelled`));
      settled = true;
      cleanup();
      const code = exitCode ?? (exitSignal ? 128 + (os.constants.signals[exitSignal] ?? 0) : 1);
      resolve({ exitCode: code, stdout: text('stdout'), stderr: text('stderr'), truncated: omitted.stdout + omitted.stderr > 0 });
    };
    const stop = (why: 'timeout' | 'cancelled') => {
      if (ended || settled || exited) return;
      ended = why;
      plan?.onStop?.();
      killGroup(child.pid, 'SIGTERM', () => child.kill('SIGTERM'));
      timers.push(setTimeout(() => {
        killGroup(child.pid, 'SIGKILL', () => child.kill('SIGKILL'));
        // Pipes held open by something outside the group must not keep us waiting.
        timers.push(setTimeout(() => { child.stdout?.destroy(); child.stderr?.destroy(); finish(); }, 1000));
      }, KILL_GRACE_MS));
    };
    function onAbort() { stop('cancelled'); }

    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') fail(new BatonError('tool-error', `command not found: ${argv[0]}`, { cause: e }));
      else if (e.code === 'EACCES') fail(new BatonError('tool-error', `command not executable: ${argv[0]}`, { cause: e }));
      else fail(new BatonError('tool-error', `cannot run \`${label}\`: ${e.message}`, { cause: e }));
    });
    child.on('exit', (code, sig) => {
      exited = true;
      exitCode = code;
      exitSignal = sig;
      // Anything the command left running in its group goes with it.
      killGroup(child.pid, 'SIGKILL');
      timers.push(setTimeout(() => { child.stdout?.destroy(); child.stderr?.destroy(); finish(); }, 1000));
    });
    child.on('close', finish);

    if (opts.timeoutMs > 0 && Number.isFinite(opts.timeoutMs)) timers.push(setTimeout(() => stop('timeout'), opts.timeoutMs));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const processRun: ToolImpl = {
  name: 'process.run',
  description: 'Runs a command (argv list, no shell) in the workspace with a scrubbed environment and time/output limits; returns {exit_code, stdout, stderr}.',
  parameters: {
    type: 'object',
    properties: {
      argv: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Program and arguments, e.g. ["npm", "test"]. No shell: no pipes, globs or variables.' },
      cwd: { type: 'string', description: 'Working directory, relative to the workspace root (default ".").' },
    },
    required: ['argv'],
    additionalProperties: false,
  },
  idempotent: false,
  sideEffects: true,
  async execute(args, ctx): Promise<Json> {
    const argv = args.argv;
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
      throw new BatonError('tool-error', "argument 'argv' must be a non-empty list of strings");
    }
    const cwd = args.cwd ?? '.';
    if (typeof cwd !== 'string') throw new BatonError('tool-error', "argument 'cwd' must be a string");
    const r = await runProcess(argv as string[], {
      cwd, root: ctx.root, timeoutMs: ctx.timeoutMs, maxOutputBytes: ctx.maxOutputBytes, signal: ctx.signal, effectId: ctx.effectId,
      ...(ctx.sandbox ? { sandbox: ctx.sandbox } : {}), ...(ctx.onSandbox ? { onSandbox: ctx.onSandbox } : {}),
    });
    return { exit_code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  },
};
