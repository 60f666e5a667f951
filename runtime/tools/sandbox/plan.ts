/**
 * `planSandbox`: how one tool process starts under a SandboxSpec — the argv (tier wrapper + limit
 * wrappers + the command), its environment, the report of what is enforced, and how to read the
 * result (a limit hit, a command missing inside the sandbox). runProcess (process-tool.ts) calls it
 * just before spawning, so an unavailable tier fails at the tool call, never at load or check time.
 */
import { BatonError } from '../../errors';
import { bubblewrapArgv, bubblewrapAvailable } from './bubblewrap';
import { containerName, DOCKER_CLIENT_ENV, dockerArgv, dockerAvailable, killContainer } from './docker';
import { limitPlan } from './limits';
import { DEFAULT_DOCKER_IMAGE, resolveTier, type SandboxReport, type SandboxSpec } from './spec';

export interface SandboxPlan {
  argv: string[];
  env: Record<string, string>;
  report: SandboxReport;
  /** Set when the memory / CPU-time limit is really enforced (for reading the result). */
  memoryMb?: number;
  cpuSeconds?: number;
  /** Extra cleanup on timeout or cancel (docker: stop the container). */
  onStop?: () => void;
}

export interface PlanContext {
  root: string;
  /** Absolute working directory, already confined to the root. */
  cwd: string;
  timeoutMs: number;
  /** The scrubbed environment of the command. */
  env: Record<string, string>;
  effectId: string;
}

/** Throws `sandbox-unavailable` for a tier that cannot run here. */
export async function planSandbox(argv: readonly string[], spec: SandboxSpec, c: PlanContext): Promise<SandboxPlan> {
  const resolved = resolveTier(spec.requested);
  if (!resolved.ok) throw new BatonError('sandbox-unavailable', resolved.message);
  const tier = resolved.tier;
  const requested = spec.requested !== tier ? { requested: spec.requested } : {};
  if (argv[0]!.startsWith('-')) throw new BatonError('tool-error', `a command cannot start with '-' (got '${argv[0]}')`);

  if (tier === 'process') {
    const lp = limitPlan(spec, c.timeoutMs, false);
    return {
      argv: [...lp.prefix, ...argv], env: c.env,
      report: { tier, ...requested, network: 'not isolated', limits: lp.limits },
      ...pick(lp),
    };
  }

  if (tier === 'bubblewrap') {
    const avail = await bubblewrapAvailable();
    if (!avail.ok) throw new BatonError('sandbox-unavailable', avail.message);
    const lp = limitPlan(spec, c.timeoutMs, true);
    const network = spec.network === true;
    return {
      argv: bubblewrapArgv(avail.bin, { root: c.root, cwd: c.cwd, network, home: c.env.HOME }, [...lp.prefix, ...argv]),
      env: { ...c.env, TMPDIR: '/tmp' },
      report: { tier, ...requested, network: network ? 'allowed' : 'isolated', limits: lp.limits },
      ...pick(lp),
    };
  }

  // docker
  const clientEnv: Record<string, string> = { ...c.env };
  for (const k of DOCKER_CLIENT_ENV) { const v = process.env[k]; if (v !== undefined) clientEnv[k] = v; }
  const avail = await dockerAvailable(clientEnv);
  if (!avail.ok) throw new BatonError('sandbox-unavailable', avail.message);
  const name = containerName(c.effectId);
  const network = spec.network === true;
  const envNames = Object.keys(c.env).filter((k) => k !== 'PATH' && k !== 'HOME' && k !== 'TMPDIR');
  const limits: SandboxReport['limits'] = {};
  if (c.timeoutMs > 0 && Number.isFinite(c.timeoutMs)) limits.timeoutMs = { value: c.timeoutMs, enforced: 'docker kill at the timeout' };
  if (spec.memoryMb !== undefined) limits.memoryMb = { value: spec.memoryMb, enforced: 'docker --memory (cgroup)' };
  if (spec.cpuCores !== undefined) limits.cpuCores = { value: spec.cpuCores, enforced: 'docker --cpus (cgroup)' };
  const image = spec.image ?? DEFAULT_DOCKER_IMAGE;
  return {
    argv: dockerArgv(avail.bin, {
      root: c.root, cwd: c.cwd, network, image, envNames, name,
      ...(spec.memoryMb !== undefined ? { memoryMb: spec.memoryMb } : {}),
      ...(spec.cpuCores !== undefined ? { cpuCores: spec.cpuCores } : {}),
      ...(process.getuid && process.getgid ? { uid: process.getuid(), gid: process.getgid() } : {}),
    }, argv),
    env: clientEnv,
    report: { tier, ...requested, network: network ? 'allowed' : 'isolated', limits, image },
    ...(spec.memoryMb !== undefined ? { memoryMb: spec.memoryMb } : {}),
    onStop: () => killContainer(avail.bin, name, clientEnv),
  };
}

function pick(lp: { memoryMb?: number; cpuSeconds?: number }): { memoryMb?: number; cpuSeconds?: number } {
  return { ...(lp.memoryMb !== undefined ? { memoryMb: lp.memoryMb } : {}), ...(lp.cpuSeconds !== undefined ? { cpuSeconds: lp.cpuSeconds } : {}) };
}

/**
 * The command a wrapper (bwrap, prlimit, taskset) could not find, from its stderr, or undefined.
 * (`bwrap: execvp foo: No such file or directory`, `prlimit: failed to execute foo: …`.)
 */
export function missingCommand(exitCode: number, stderr: string): string | undefined {
  if (exitCode === 0) return undefined;
  const m = /^(?:bwrap: execvp|prlimit: failed to execute|taskset: failed to execute) (.+?): No such file or directory\s*$/m.exec(stderr);
  return m?.[1];
}
