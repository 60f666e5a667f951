/** Shared types of the checker: call sites, results and the per-file checking context. */
import * as A from './ast';
import { Diagnostic } from './diagnostics';
import { FileSymbols, Sym, WorkspaceLookup } from './symbols';
import { RuleInfo } from './policy-analysis';
import type { StaticVerdict } from './policy-static';

/** What a call resolves to (LANGUAGE.md §3). */
export type CallKind = 'function' | 'builtin' | 'method' | 'tool' | 'agent' | 'llm' | 'semantic' | 'value';

export interface CallSite {
  call: A.Call;
  kind: CallKind;
  /** The resolved name: `read_file`, `github.list_issues`, `ask`, `append`. */
  name: string;
  /** The declaration (function, tool, agent), when there is one. */
  decl?: A.Node & { name: A.Ident };
  /** The declaring document, when it is another file of the workspace. */
  uri?: string;
  /** Enclosing agent, or null in a top-level function. */
  agent: string | null;
  /** A built-in that is a journaled effect (`now`, `log`, `send`, `memory_write`...). */
  effect: boolean;
  /** For MCP tools called as `server.tool(...)`. */
  mcp?: { server: string; tool: string };
  /** For tool and agent calls inside an agent: what the policy gate will decide, statically (policy-static.ts). */
  verdict?: StaticVerdict;
}

export interface Reference { node: A.NameRef | A.Ident; sym: Sym }

export interface CheckResult {
  diagnostics: Diagnostic[];
  calls: CallSite[];
  callByNode: Map<A.Call, CallSite>;
  refs: Reference[];
  symbols: FileSymbols;
  /** Rules in force for each agent (its own policies, then the file's top-level policies). */
  rulesByAgent: Map<string, RuleInfo[]>;
}

export interface AgentContext {
  agent: A.AgentDecl | null;
  functions: Map<string, A.FunctionDecl>;
  tools: Map<string, A.ToolDecl>;
  capabilities: Set<string>;
  /** Names called anywhere in the agent (known action names for policy checks). */
  calledNames: Set<string>;
  loopDepth: number;
}

export interface FileContext {
  uri: string;
  file: A.SourceFile;
  symbols: FileSymbols;
  workspace: WorkspaceLookup;
  diags: Diagnostic[];
  calls: CallSite[];
  refs: Reference[];
  /** Allow rules already reported as unreachable (a file policy is checked once per agent). */
  reportedUnreachable: Set<A.Rule>;
  /** Memoised did-you-mean over the file's tools, by name (see `closestAction` in checker.ts). */
  toolHints: Map<string, { word: string; distance: number } | null>;
  /** Each rule's analysis, computed once (checker.ts `ruleInfo`). */
  ruleInfos: Map<A.Rule, RuleInfo>;
  /** Symbols of top-level declarations, one per declaration (check-body.ts `topSym`). */
  topSyms: Map<A.Node, Sym>;
  /** Whether the file's metadata sets `approval_mode = "strict"` (computed on first use). */
  strictMetadata: boolean | undefined;
}
