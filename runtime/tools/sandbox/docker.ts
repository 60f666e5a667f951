/**
 * The docker tier: the command in a throw-away container, when a Docker daemon is reachable.
 *
 *   docker run --rm --init --name baton-<id> --network none --read-only --tmpfs /tmp
 *     --cap-drop ALL --security-opt no-new-privileges --user <uid>:<gid>
 *     -v <root>:<root> [-v <root>/.baton:<root>/.baton:ro] -w <cwd>
 *     [--memory <mb>m --memory-swap <mb>m] [--cpus <n>] -e NAME … <image> <argv>
 *
 * Variables go by name only (`-e NAME`: the client passes its own value), so values never appear
 * on a command line. The client being killed does not stop a container, so a timeout or cancel
 * also runs `docker kill <name>`. Without a reachable daemon the tier is an error naming the
 * daemon address — never a fallback to another tier.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { findBinary } from './limits';
import { DEFAULT_DOCKER_IMAGE } from './spec';

/** Client variables the docker CLI needs (kept out of the scrubbed tool environment otherwise). */
export const DOCKER_CLIENT_ENV = ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY'];

/** Where the client will look for the daemon. */
export function dockerHost(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || (env.DOCKER_CONTEXT ? `docker context ${env.DOCKER_CONTEXT}` : 'unix:///var/run/docker.sock');
}

export interface DockerOptions {
  root: string;
  cwd: string;
  network: boolean;
  image?: string;
  memoryMb?: number;
  cpuCores?: number;
  /** Names of the variables passed into the container. */
  envNames: readonly string[];
  /** Container name (unique per effect). */
  name: string;
  uid?: number;
  gid?: number;
}

/** A container name for an effect id: `baton-<12 hex>`. */
export function containerName(effectId: string): string {
  return `baton-${createHash('sha256').update(effectId).update(String(process.pid)).update(String(Date.now())).digest('hex').slice(0, 12)}`;
}

export function dockerArgv(docker: string, o: DockerOptions, command: readonly string[]): string[] {
  const a = [docker, 'run', '--rm', '--init', '--name', o.name, '--network', o.network ? 'bridge' : 'none',
    '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];
  if (o.uid !== undefined && o.gid !== undefined) a.push('--user', `${o.uid}:${o.gid}`);
  a.push('-v', `${o.root}:${o.root}`);
  for (const p of ['.baton', '.vscode']) {
    const full = path.join(o.root, p);
    if (fs.existsSync(full)) a.push('-v', `${full}:${full}:ro`);
  }
  a.push('-w', o.cwd);
  if (o.memoryMb !== undefined) {
    const mb = Math.max(6, Math.ceil(o.memoryMb)); // docker's minimum is 6 MB
    a.push('--memory', `${mb}m`, '--memory-swap', `${mb}m`);
  }
  if (o.cpuCores !== undefined) a.push('--cpus', String(o.cpuCores));
  for (const n of o.envNames) a.push('-e', n);
  a.push(o.image ?? DEFAULT_DOCKER_IMAGE, ...command);
  return a;
}

export type DockerAvailability = { ok: true; bin: string } | { ok: false; message: string };

const cached = new Map<string, { at: number; value: Promise<DockerAvailability> }>();
const PROBE_TTL_MS = 10_000;

/** Whether a daemon answers (`docker version` with a 10 s limit); cached for 10 s. */
export function dockerAvailable(env: Record<string, string>): Promise<DockerAvailability> {
  const key = DOCKER_CLIENT_ENV.map((k) => env[k] ?? '').join('\0');
  const hit = cached.get(key);
  if (hit && Date.now() - hit.at < PROBE_TTL_MS) return hit.value;
  const value = (async (): Promise<DockerAvailability> => {
    const bin = findBinary('docker');
    const host = dockerHost(env);
    if (!bin) return { ok: false, message: 'sandbox = "docker": the `docker` client is not installed here' };
    const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(bin, ['version', '--format', '{{.Server.Version}}'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => { out += d.toString('utf8'); });
      child.stderr!.on('data', (d: Buffer) => { err += d.toString('utf8'); });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, out, err: e.message }); });
      child.on('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
    });
    if (r.code === 0 && r.out.trim()) return { ok: true, bin };
    const at = /Cannot connect to the Docker daemon at ([^\s]+?)\.?(\s|$)/.exec(r.err)?.[1] ?? host;
    const why = r.err.trim().split('\n')[0] || `exit code ${r.code}`;
    return { ok: false, message: `sandbox = "docker": no Docker daemon reachable at ${at} (${why}); start Docker, set DOCKER_HOST, or choose sandbox = "bubblewrap"` };
  })();
  cached.set(key, { at: Date.now(), value });
  return value;
}

/** Stops a container left running after its client was killed (fire and forget). */
export function killContainer(docker: string, name: string, env: Record<string, string>): void {
  try {
    const c = spawn(docker, ['kill', name], { env, stdio: 'ignore', detached: true });
    c.on('error', () => {});
    c.unref();
  } catch { /* nothing to stop */ }
}
