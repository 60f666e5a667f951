/**
 * Resource limits of tool processes, with what exists on this machine (no cgroups needed):
 *
 * - `max_memory_mb` → `prlimit --data` (RLIMIT_DATA: the heap and private writable mappings).
 *   RLIMIT_AS would also count address space that runtimes only reserve (Node's V8 reserves
 *   gigabytes and cannot even start under RLIMIT_AS = 64 MB); RLIMIT_DATA counts what is actually
 *   made writable, so an allocation past the limit fails (MemoryError, "allocation failed",
 *   ENOMEM) while small programs run normally.
 * - `max_cpu_cores` → `taskset -c` pinning to ⌈cores⌉ of the CPUs this process may use (taskset
 *   cannot give a fraction of a core: 0.5 becomes one whole core, and the report says so).
 * - CPU time → `prlimit --cpu` (RLIMIT_CPU) as a backstop: the timeout × the cores the process may
 *   use, plus one second (SIGXCPU, then SIGKILL a second later).
 * - The timeout itself is enforced by runProcess (process-group kill) and the kernel.
 *
 * A limit that cannot be enforced (no prlimit, no taskset) is reported with `enforced: false` and
 * the reason — never claimed. The docker tier uses `--memory` / `--cpus` instead (docker.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatonError } from '../../errors';
import type { LimitReport, SandboxReport, SandboxSpec } from './spec';

const binCache = new Map<string, string | undefined>();
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of an executable on PATH (then the system directories), or undefined. */
export function findBinary(name: string): string | undefined {
  if (binCache.has(name)) return binCache.get(name);
  let found: string | undefined;
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SYSTEM_DIRS]) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) { found = p; break; }
    } catch { /* next */ }
  }
  binCache.set(name, found);
  return found;
}

/** The CPUs this process may run on (Cpus_allowed_list), e.g. [0, 1]. */
export function allowedCpus(): number[] {
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) {
      const out: number[] = [];
      for (const part of m[1]!.split(',')) {
        const [a, b] = part.split('-').map(Number);
        if (a === undefined || !Number.isInteger(a)) continue;
        for (let i = a; i <= (b ?? a); i++) out.push(i);
      }
      if (out.length) return out;
    }
  } catch { /* not Linux */ }
  return Array.from({ length: Math.max(1, os.cpus().length) }, (_, i) => i);
}

export interface LimitPlan {
  /** Wrapper argv put before the command (`prlimit ... -- taskset -c 0`), possibly empty. */
  prefix: string[];
  limits: SandboxReport['limits'];
  memoryMb?: number;
  cpuSeconds?: number;
}

function positive(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v) || v <= 0) throw new BatonError('tool-error', `${name} = ${v} must be a positive number`);
  return v;
}

/**
 * The prlimit/taskset wrapper for a spec. `always` adds the CPU-time backstop even without
 * explicit limits (the isolated tiers); the process tier without limits gets no wrapper at all.
 */
export function limitPlan(spec: SandboxSpec, timeoutMs: number, always: boolean): LimitPlan {
  const memoryMb = positive('max_memory_mb', spec.memoryMb);
  const cores = positive('max_cpu_cores', spec.cpuCores);
  const limits: SandboxReport['limits'] = {};
  if (timeoutMs > 0 && Number.isFinite(timeoutMs)) limits.timeoutMs = { value: timeoutMs, enforced: 'process-group kill at the timeout' };
  if (!always && memoryMb === undefined && cores === undefined) return { prefix: [], limits };

  const prefix: string[] = [];
  const prlimit = findBinary('prlimit');
  const taskset = findBinary('taskset');
  const cpus = allowedCpus();

  let pinned = cpus.length;
  let tasksetArgs: string[] = [];
  if (cores !== undefined) {
    const n = Math.min(Math.ceil(cores), cpus.length);
    if (!taskset) {
      limits.cpuCores = { value: cores, enforced: false, reason: 'taskset (util-linux) is not installed here' };
    } else {
      const list = cpus.slice(0, n).join(',');
      tasksetArgs = [taskset, '-c', list];
      pinned = n;
      const notes: string[] = [];
      if (!Number.isInteger(cores)) notes.push(`rounded up to ${n} whole core${n > 1 ? 's' : ''}: taskset cannot give a fraction of a core`);
      if (Math.ceil(cores) > cpus.length) notes.push(`only ${cpus.length} core${cpus.length > 1 ? 's are' : ' is'} available here`);
      limits.cpuCores = { value: cores, enforced: `taskset -c ${list}`, ...(notes.length ? { reason: notes.join('; ') } : {}) };
    }
  }
  let cpuSeconds: number | undefined;
  const rl: string[] = [];
  if (memoryMb !== undefined) {
    if (prlimit) {
      rl.push(`--data=${Math.floor(memoryMb * 1024 * 1024)}`);
      limits.memoryMb = { value: memoryMb, enforced: 'prlimit RLIMIT_DATA' };
    } else {
      limits.memoryMb = { value: memoryMb, enforced: false, reason: 'prlimit (util-linux) is not installed here' };
    }
  }
  if (limits.timeoutMs && prlimit) {
    cpuSeconds = Math.ceil((timeoutMs / 1000) * pinned) + 1;
    rl.push(`--cpu=${cpuSeconds}:${cpuSeconds + 1}`);
    limits.cpuSeconds = { value: cpuSeconds, enforced: 'prlimit RLIMIT_CPU' } satisfies LimitReport;
  }
  if (rl.length) prefix.push(prlimit!, ...rl, '--');
  prefix.push(...tasksetArgs);
  return {
    prefix, limits,
    ...(limits.memoryMb?.enforced ? { memoryMb } : {}),
    ...(cpuSeconds !== undefined ? { cpuSeconds } : {}),
  };
}

const OOM_TEXT = /MemoryError|allocation failed|out of memory|Cannot allocate memory|bad_alloc|ENOMEM|heap limit/i;
const SIG = os.constants.signals;

/**
 * The limit a finished process ran into, as the message of a tool error, or undefined. A memory
 * failure is recognised by the runtime's own words on stderr (definite) or by a crash signal with a
 * memory limit in force (reported as likely).
 */
export function limitExceeded(exitCode: number, stderr: string, plan: Pick<LimitPlan, 'memoryMb' | 'cpuSeconds'>): string | undefined {
  if (exitCode === 0) return undefined;
  if (plan.cpuSeconds !== undefined && (exitCode === 128 + SIG.SIGXCPU)) {
    return `exceeded its CPU time limit (${plan.cpuSeconds} s of CPU, RLIMIT_CPU) and was killed`;
  }
  if (plan.memoryMb !== undefined) {
    if (OOM_TEXT.test(stderr)) return `exceeded max_memory_mb = ${plan.memoryMb} (an allocation failed)`;
    const crash: Array<[number, string]> = [[SIG.SIGKILL, 'SIGKILL'], [SIG.SIGSEGV, 'SIGSEGV'], [SIG.SIGABRT, 'SIGABRT'], [SIG.SIGTRAP, 'SIGTRAP'], [SIG.SIGBUS, 'SIGBUS']];
    const hit = crash.find(([n]) => exitCode === 128 + n);
    if (hit) return `was killed by ${hit[1]}, most likely for exceeding max_memory_mb = ${plan.memoryMb}`;
  }
  return undefined;
}
