/**
 * A set of documents analysed together: agents, tools, functions, types and MCP servers of one file are
 * visible from the others (local declarations win). Parsing and symbol tables are cached per document;
 * checking is cheap and recomputed on demand.
 */
import * as A from './ast';
import { parse, ParseResult } from './parser';
import { check, CheckResult } from './checker';
import { collectFileSymbols, FileSymbols, WorkspaceLookup } from './symbols';
import { Diagnostic, diag } from './diagnostics';

export interface Analysis {
  uri: string;
  text: string;
  parse: ParseResult;
  check: CheckResult;
  /** Parse and check diagnostics together, sorted by position. */
  diagnostics: Diagnostic[];
}

interface Entry { text: string; parse: ParseResult; symbols: FileSymbols }

export class Workspace implements WorkspaceLookup {
  private readonly docs = new Map<string, Entry>();

  set(uri: string, text: string): void {
    const prev = this.docs.get(uri);
    if (prev && prev.text === text) return;
    const parsed = parse(text);
    this.docs.set(uri, { text, parse: parsed, symbols: collectFileSymbols(parsed.file) });
  }

  delete(uri: string): void { this.docs.delete(uri); }

  has(uri: string): boolean { return this.docs.has(uri); }

  uris(): string[] { return [...this.docs.keys()]; }

  find(kind: 'agents' | 'functions' | 'tools' | 'types' | 'mcp', name: string, exceptUri: string) {
    const out: Array<{ uri: string; node: A.Node & { name: A.Ident } }> = [];
    for (const [uri, e] of this.docs) {
      if (uri === exceptUri) continue;
      const node = e.symbols[kind].get(name);
      if (node) out.push({ uri, node });
    }
    return out;
  }

  analyze(uri: string): Analysis | undefined {
    const e = this.docs.get(uri);
    if (!e) return undefined;
    let checked: CheckResult;
    let sorted = true;
    try {
      checked = check(e.parse.file, uri, this, e.symbols);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      // A chain thousands of calls long exhausts the stack: say so rather than crash the caller.
      checked = check({ ...e.parse.file, items: [] }, uri, this);
      checked.diagnostics.push(diag('nesting-too-deep', 'This file nests expressions too deeply to check.', 0, Math.min(1, e.text.length)));
      sorted = false;
    }
    // The checker's diagnostics come sorted (a stable sort would leave them as they are).
    const diagnostics = sorted && e.parse.diagnostics.length === 0 ? [...checked.diagnostics]
      : [...e.parse.diagnostics, ...checked.diagnostics].sort((a, b) => a.start - b.start || a.end - b.end);
    return { uri, text: e.text, parse: e.parse, check: checked, diagnostics };
  }
}

/** Parses and checks one document on its own. */
export function analyzeText(text: string, uri = 'file'): Analysis {
  const ws = new Workspace();
  ws.set(uri, text);
  return ws.analyze(uri)!;
}
