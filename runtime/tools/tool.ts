/**
 * What the kernel executes for a tool effect. Implementations: built-in tools (fs.*, process.run,
 * http.fetch), command-bound and http-bound declared tools, MCP tools. The kernel does the policy
 * gate, approvals, circuit breaker, timeout, retries and journaling around `execute`; a tool only
 * does its work and throws `BatonError` ('tool-error' | 'tool-timeout' | 'path-escape' |
 * 'protected-path' | 'mcp-error') with `retryable` set when a retry may help.
 */
import type { Json } from '../ir/schema';
import type { JsonSchema } from '../providers/provider';
import type { SandboxReport, SandboxSpec } from './sandbox/spec';

export interface ToolContext {
  /** Absolute, real path of the workspace root; every file path is confined to it. */
  root: string;
  signal: AbortSignal;
  /** Time limit for this call (the kernel also enforces it). */
  timeoutMs: number;
  /** Stable id of this effect (`<run-id>/<effect-key>`), passed to command tools as BATON_EFFECT_ID. */
  effectId: string;
  /** Maximum bytes of output kept (stdout+stderr for commands, body for http); the rest is cut with a note. */
  maxOutputBytes: number;
  /** Sandbox tier and limits of tool processes (bound per agent by the ToolResolver); absent: plain process. */
  sandbox?: SandboxSpec;
  /** A tool process reports the tier it ran in and the limits enforced (the kernel journals it on ToolFinished). */
  onSandbox?: (report: SandboxReport) => void;
}

export interface ToolImpl {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (shown to the model; the kernel validates before executing). */
  parameters: JsonSchema;
  /** Safe to run twice (an in-doubt call is re-run only if true). */
  idempotent: boolean;
  /** Has effects outside the run (writes, commands, non-GET requests). */
  sideEffects: boolean;
  /** For MCP tools: SHA-256 of the server's definition of the tool (trust is by hash, not name). */
  definitionHash?: string;
  execute(args: { [k: string]: Json }, ctx: ToolContext): Promise<Json>;
}
