/** Symbols, scopes and the per-file table of top-level declarations. */
import * as A from './ast';

export type SymbolKind =
  | 'agent' | 'function' | 'tool' | 'type' | 'mcp' | 'memory' | 'policy' | 'channel' | 'schedule' | 'webhook'
  | 'param' | 'let' | 'implicit' | 'loop' | 'catch' | 'pattern' | 'lambda' | 'builtin';

export interface Sym {
  kind: SymbolKind;
  name: string;
  /** The identifier that declares it (null for built-ins). */
  decl: A.Ident | null;
  /** The declaring node (agent, tool, let statement, parameter, ...). */
  node: A.Node | null;
  /** URI of the declaring document, when the symbol comes from another file. */
  uri?: string;
}

export class Scope {
  /** Created on the first definition: most block scopes define nothing. */
  private names: Map<string, Sym> | null = null;
  constructor(readonly parent: Scope | null, readonly isFunctionRoot = false) {}

  lookup(name: string): Sym | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const found = s.names?.get(name);
      if (found) return found;
    }
    return undefined;
  }

  own(name: string): Sym | undefined { return this.names?.get(name); }

  define(sym: Sym): void { (this.names ??= new Map()).set(sym.name, sym); }

  /** The nearest agent-body or function scope (where implicit `x = ...` declarations go). */
  functionRoot(): Scope {
    let s: Scope = this;
    while (!s.isFunctionRoot && s.parent) s = s.parent;
    return s;
  }

  /** Every visible name (innermost first), for completion and did-you-mean. */
  *visible(): Iterable<Sym> {
    const seen = new Set<string>();
    for (let s: Scope | null = this; s; s = s.parent) {
      if (!s.names) continue;
      for (const sym of s.names.values()) {
        if (!seen.has(sym.name)) { seen.add(sym.name); yield sym; }
      }
    }
  }
}

/** Top-level declarations of one file, by kind. */
export interface FileSymbols {
  agents: Map<string, A.AgentDecl>;
  functions: Map<string, A.FunctionDecl>;
  tools: Map<string, A.ToolDecl>;
  types: Map<string, A.TypeDecl>;
  mcp: Map<string, A.McpDecl>;
  memories: Map<string, A.SettingsDecl>;
  policies: Map<string, A.PolicyDecl>;
  others: Map<string, A.SettingsDecl>;
  /** Later declarations of a name already declared: [first, duplicate]. */
  duplicates: Array<[A.Ident, A.Ident]>;
}

/** Collects top-level declarations. Names share one namespace per file (an agent and a tool can't share a name). */
export function collectFileSymbols(file: A.SourceFile): FileSymbols {
  const fs: FileSymbols = {
    agents: new Map(), functions: new Map(), tools: new Map(), types: new Map(), mcp: new Map(), memories: new Map(),
    policies: new Map(), others: new Map(), duplicates: [],
  };
  const seen = new Map<string, A.Ident>();
  const add = <T extends A.Node & { name: A.Ident }>(map: Map<string, T>, node: T) => {
    const prev = seen.get(node.name.name);
    if (prev) { fs.duplicates.push([prev, node.name]); return; }
    seen.set(node.name.name, node.name);
    map.set(node.name.name, node);
  };
  for (const item of file.items) {
    switch (item.kind) {
      case 'Agent': add(fs.agents, item); break;
      case 'Function': add(fs.functions, item); break;
      case 'Tool': add(fs.tools, item); break;
      case 'TypeDecl': add(fs.types, item); break;
      case 'Mcp': add(fs.mcp, item); break;
      case 'Memory': add(fs.memories, item); break;
      case 'Policy': add(fs.policies, item); break;
      case 'Schedule': case 'Channel': case 'Webhook': add(fs.others, item); break;
      default: break;
    }
  }
  return fs;
}

/** Looks up declarations in the other files of a workspace. */
export interface WorkspaceLookup {
  /** Declarations named `name` of the given kind in files other than `exceptUri`. */
  find(kind: 'agents' | 'functions' | 'tools' | 'types' | 'mcp', name: string, exceptUri: string): Array<{ uri: string; node: A.Node & { name: A.Ident } }>;
}

export const EMPTY_WORKSPACE: WorkspaceLookup = { find: () => [] };

/** Reads a setting of a settings block by key. */
export function setting(settings: A.Settings | null | undefined, key: string): A.Setting | undefined {
  if (!settings) return undefined;
  for (const e of settings.entries) if (e.kind === 'Setting' && e.key.name === key) return e;
  return undefined;
}

/** A constant value of an expression (literals, arrays, records), or undefined if it is not constant. */
export function constValue(e: A.Expr | null | undefined): unknown {
  if (!e) return undefined;
  switch (e.kind) {
    case 'Literal': return e.value;
    case 'Array': {
      const out: unknown[] = [];
      for (const x of e.elements) { const v = constValue(x); if (v === undefined) return undefined; out.push(v); }
      return out;
    }
    case 'Record': {
      const out: Record<string, unknown> = {};
      for (const en of e.entries) { const v = constValue(en.value); if (v === undefined) return undefined; out[en.key.name] = v; }
      return out;
    }
    case 'Unary': {
      const v = constValue(e.operand);
      return e.op === '-' && typeof v === 'number' ? -v : undefined;
    }
    default: return undefined;
  }
}
