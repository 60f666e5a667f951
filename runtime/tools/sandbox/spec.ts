/**
 * Sandbox tiers of tool processes (command-bound tools and `process.run`), chosen by the agent's
 * `with sandbox = "..."` attribute, and the report of what was enforced.
 *
 * Tiers (names are case-insensitive):
 * - `process` (default): the plain process of runtime/tools/process-tool.ts (argv only, scrubbed env,
 *   workspace-confined cwd, process-group kill), plus resource limits when `max_memory_mb` /
 *   `max_cpu_cores` are set. No file-system or network isolation.
 * - `bubblewrap` (`bwrap`): the process in new namespaces (mount, pid, net, ipc, uts, user, cgroup):
 *   the whole system read-only, $HOME, /home, /root, /tmp, /var/tmp and /run hidden behind empty
 *   throw-away tmpfs, the workspace the only writable host path (its `.baton/` and `.vscode/`
 *   read-only), its own /proc, all capabilities dropped, no network unless the tool declares
 *   `network = true` (or the agent `with network = true`).
 * - `docker`: `docker run --rm --network none` with the workspace mounted at the same path, when a
 *   daemon is reachable; the image is `with sandbox_image = "..."` (default debian:bookworm-slim).
 *
 * Symbiont's tiers map by isolation class, never down: Symbiont's Tier1 is a container
 * (Docker), and bubblewrap gives the same class of isolation here (namespaces, read-only
 * system, no network) without needing a daemon or an image, so `Tier1` → bubblewrap. Tier2
 * (gVisor) and Tier3 (Firecracker), like `gvisor`, `firecracker` and `e2b`, have no equivalent in
 * this runtime: a tool process that would start under them fails with a clear error. A tier that
 * is not available is never silently replaced by a weaker one.
 */
import type { Json } from '../../ir/schema';

export type TierName = 'process' | 'bubblewrap' | 'docker';

/** What the agent asked for; resolved to a tier when a tool process is about to start. */
export interface SandboxSpec {
  /** The tier as written (`"Tier1"`, `"bwrap"`, ...); `process` when the agent sets none. */
  requested: string;
  /** `max_memory_mb`. */
  memoryMb?: number;
  /** `max_cpu_cores`. */
  cpuCores?: number;
  /** Network for the tool process: the tool's `network = ...`, else the agent's, else false. */
  network?: boolean;
  /** `with sandbox_image = "..."` for the docker tier. */
  image?: string;
}

export const DEFAULT_DOCKER_IMAGE = 'debian:bookworm-slim';

/** The tier a name resolves to, or the reason it cannot run here. */
export type TierResolution = { ok: true; tier: TierName } | { ok: false; message: string };

const ALIASES: ReadonlyMap<string, TierName> = new Map([
  ['process', 'process'], ['none', 'process'],
  ['bubblewrap', 'bubblewrap'], ['bwrap', 'bubblewrap'], ['tier1', 'bubblewrap'],
  ['docker', 'docker'],
]);

const UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ['tier2', 'Symbiont Tier2 (gVisor)'],
  ['tier3', 'Symbiont Tier3 (Firecracker)'],
  ['gvisor', 'gVisor'],
  ['firecracker', 'Firecracker'],
  ['e2b', 'E2B'],
]);

export const KNOWN_TIERS: readonly string[] = ['process', 'bubblewrap', 'bwrap', 'docker', 'Tier1', 'Tier2', 'Tier3', 'gvisor', 'firecracker', 'e2b'];

export function resolveTier(requested: string): TierResolution {
  const k = requested.trim().toLowerCase();
  const tier = ALIASES.get(k);
  if (tier) return { ok: true, tier };
  const what = UNSUPPORTED.get(k);
  if (what) {
    return { ok: false, message: `sandbox = "${requested}": ${what} is not available in this runtime; use sandbox = "bubblewrap" (or "docker" with a reachable daemon, or "process")` };
  }
  return { ok: false, message: `sandbox = "${requested}" is not a known sandbox tier (known: ${KNOWN_TIERS.join(', ')})` };
}

const TIER_TEXT: Record<TierName, string> = {
  process: 'the process tier (resource limits only: no file-system or network isolation)',
  bubblewrap: 'the bubblewrap tier (read-only system, the workspace the only writable path, no network unless a tool declares `network = true`)',
  docker: 'the docker tier (a throw-away container; needs a reachable Docker daemon when a tool runs)',
};

/** For the checker's information diagnostic on `sandbox = "..."`: the tier tool processes will use. */
export function describeTier(requested: string): string {
  const r = resolveTier(requested);
  if (!r.ok) return `${r.message}. Command tools of this agent will fail when they start.`;
  const via = requested.trim().toLowerCase() === 'tier1' ? ' (Symbiont Tier1 is container-class isolation; Baton gives it with bubblewrap)' : '';
  return `Command tools of this agent run in ${TIER_TEXT[r.tier]}${via}.`;
}

/** The spec of an agent's settings (`agentConfig(...)` plus `sandbox_image` from the attributes). */
export function sandboxSpec(config: { sandbox?: string; maxMemoryMb?: number; maxCpuCores?: number; network?: boolean }, image?: unknown): SandboxSpec {
  return {
    requested: config.sandbox ?? 'process',
    ...(config.maxMemoryMb !== undefined ? { memoryMb: config.maxMemoryMb } : {}),
    ...(config.maxCpuCores !== undefined ? { cpuCores: config.maxCpuCores } : {}),
    ...(config.network !== undefined ? { network: config.network } : {}),
    ...(typeof image === 'string' && image ? { image } : {}),
  };
}

/** A stable key of a spec (tools are cached per spec). */
export function specKey(s: SandboxSpec | undefined): string {
  return s ? JSON.stringify([s.requested, s.memoryMb ?? null, s.cpuCores ?? null, s.network ?? null, s.image ?? null]) : '';
}

/** One limit and how (or whether) it was enforced: `{ value: 64, enforced: "prlimit RLIMIT_DATA" }`. */
export interface LimitReport {
  value: number;
  /** The mechanism, or false with `reason` when it could not be enforced here. */
  enforced: string | false;
  reason?: string;
}

/** Written on the ToolFinished record (`sandbox`) and on limit errors (`data.sandbox`). */
export interface SandboxReport {
  tier: TierName;
  /** The name the agent used, when it differs from the tier (`Tier1`, `bwrap`). */
  requested?: string;
  /** `isolated` (no network), `allowed` (declared), or `not isolated` (process tier). */
  network: 'isolated' | 'allowed' | 'not isolated';
  limits: { memoryMb?: LimitReport; cpuCores?: LimitReport; cpuSeconds?: LimitReport; timeoutMs?: LimitReport };
  /** The docker image, for the docker tier. */
  image?: string;
}

export function reportJson(r: SandboxReport): Json {
  return JSON.parse(JSON.stringify(r)) as Json;
}
