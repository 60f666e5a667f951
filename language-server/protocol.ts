/**
 * Baton's own LSP messages, shared by the server and the extension (CodeLens, run picker). Imports
 * only the environment-neutral `vscode-languageserver-protocol` entry point: no `vscode`, no Node.
 *
 * - `baton/agents` (request): the runnable agents of one document (`uri` given) or of every document
 *   the server knows, with their parameters as written, for "Run agent" lenses and pickers.
 * - `baton/indexed` (notification, server → client): the initial scan of the workspace folders is
 *   done (files read, parsed and checked); `ms` counts from the `initialize` request.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { Range } from 'vscode-languageserver-protocol';

export interface AgentParam {
  name: string;
  /** The declared type as written (`String`, `[Finding]`, `{ a: int }`), or undefined when untyped. */
  type?: string;
  /** Whether a caller may leave it out (it has a default, or its type is optional `T?`). */
  optional: boolean;
  /** The default value's source text, when there is one. */
  default?: string;
}

export interface AgentSummary {
  /** The document declaring the agent. */
  uri: string;
  name: string;
  /** Parameters in order; empty for `agent Name {` (no parameter list) and `agent Name()`. */
  params: AgentParam[];
  /** The declared return type as written. */
  returns?: string;
  /** The whole agent declaration. */
  range: Range;
  /** The agent's name identifier. */
  nameRange: Range;
  /** The file's `metadata { description = "..." }`, or the comment right above the agent. */
  description?: string;
}

export interface AgentsParams {
  /** A document URI; omitted: every document the server knows (open and workspace files). */
  uri?: string;
}

export const AgentsRequest = new RequestType<AgentsParams, AgentSummary[], void>('baton/agents');

export interface IndexedParams {
  /** Agent files found in the workspace folders. */
  files: number;
  /** Milliseconds from the `initialize` request to the index being complete. */
  ms: number;
  /** Of which: finding and reading the files, parsing them, checking them. */
  readMs?: number;
  parseMs?: number;
  checkMs?: number;
}

export const IndexedNotification = new NotificationType<IndexedParams>('baton/indexed');
