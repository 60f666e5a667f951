/**
 * The bubblewrap tier: `bwrap` (Debian package `bubblewrap`) around the command.
 *
 *   bwrap --ro-bind / / --dev /dev --proc /proc
 *         --tmpfs $HOME --tmpfs /home --tmpfs /root --tmpfs /tmp --tmpfs /var/tmp --tmpfs /run
 *         --bind <root> <root> --ro-bind <root>/.baton … --ro-bind <root>/.vscode …
 *         --chdir <cwd> --unshare-all [--share-net] --die-with-parent --new-session --cap-drop ALL
 *         -- [prlimit … --] [taskset -c …] <argv>
 *
 * The system is read-only; the hidden directories are empty and private to this one process (a
 * write there never reaches the host and is gone when it exits); the workspace is the only
 * writable host path, and the kernel's protected folders in it stay read-only; /proc is the
 * sandbox's own pid namespace; no network namespace is shared unless the tool declares
 * `network = true`. Killing bwrap (the timeout kills its process group) kills the whole sandbox:
 * its pid 1 dies with its parent, and with it every process inside.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findBinary } from './limits';

/** Directories replaced by an empty tmpfs inside the sandbox (those that exist). */
export function hiddenDirs(home: string | undefined): string[] {
  const out: string[] = [];
  const add = (p: string | undefined) => {
    if (!p || !path.isAbsolute(p)) return;
    const n = path.resolve(p);
    if (n === '/' || out.includes(n)) return;
    try {
      const st = fs.lstatSync(n);
      if (st.isDirectory() && !st.isSymbolicLink()) out.push(n);
    } catch { /* absent: nothing to hide */ }
  };
  add(home);
  for (const d of ['/home', '/root', '/tmp', '/var/tmp', '/run', '/var/run']) add(d);
  return out;
}

export interface BubblewrapOptions {
  /** Absolute real path of the workspace root. */
  root: string;
  /** Absolute working directory inside the root. */
  cwd: string;
  network: boolean;
  home?: string;
}

/** The full bwrap argv for `command` (already prefixed with the limit wrappers). */
export function bubblewrapArgv(bwrap: string, o: BubblewrapOptions, command: readonly string[]): string[] {
  const a: string[] = [bwrap, '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  for (const d of hiddenDirs(o.home)) a.push('--tmpfs', d);
  // Name resolution keeps working when the tool may use the network and resolv.conf lives under /run.
  if (o.network) {
    try {
      const real = fs.realpathSync('/etc/resolv.conf');
      if (real !== '/etc/resolv.conf') a.push('--ro-bind-try', real, real);
    } catch { /* no resolv.conf */ }
  }
  a.push('--bind', o.root, o.root);
  for (const p of ['.baton', '.vscode']) {
    const full = path.join(o.root, p);
    if (fs.existsSync(full)) a.push('--ro-bind', full, full);
  }
  a.push('--chdir', o.cwd, '--unshare-all');
  if (o.network) a.push('--share-net');
  a.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--');
  a.push(...command);
  return a;
}

export type Availability = { ok: true; bin: string } | { ok: false; message: string };

let probe: Promise<Availability> | undefined;

/**
 * Whether bubblewrap can create its namespaces here (checked once per process by running `true`
 * under the same isolation flags).
 */
export function bubblewrapAvailable(): Promise<Availability> {
  probe ??= (async (): Promise<Availability> => {
    const bin = findBinary('bwrap');
    if (!bin) return { ok: false, message: 'sandbox = "bubblewrap": `bwrap` is not installed here (install the Debian package `bubblewrap`)' };
    const t = findBinary('true') ?? '/bin/true';
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(bin, ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-all', '--die-with-parent', '--cap-drop', 'ALL', '--', t], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => { err += d.toString('utf8'); });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, err: e.message }); });
      child.on('close', (code) => { clearTimeout(timer); resolve({ code, err }); });
    });
    if (r.code === 0) return { ok: true, bin };
    return { ok: false, message: `sandbox = "bubblewrap": ${bin} cannot create a sandbox here (${r.err.trim().split('\n')[0] || `exit code ${r.code}`})` };
  })();
  return probe;
}
