/**
 * Breakpoints of the Baton debugger: source breakpoints moved to the nearest statement line (and
 * then verified), conditions, hit counts and logpoints; function breakpoints by tool name.
 * Statement lines come from the compiled IR of the file (every node with a statement kind `s`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Json, Loc } from '../../runtime/ir/schema';
import { analyzeText } from '../../runtime/dsl/workspace';
import { compile } from '../../runtime/dsl/compiler';
import { evaluate } from './evaluate';

export interface SourceBreakpoint {
  id: number;
  /** Absolute path of the file. */
  file: string;
  requestedLine: number;
  line: number;
  verified: boolean;
  message?: string;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export interface FunctionBreakpoint { id: number; tool: string; condition?: string; hitCondition?: string }

/** The 1-based lines that start a statement, from the file's IR (empty if the file does not compile). */
export function statementLines(source: string, displayName = 'file'): { lines: number[]; error?: string } {
  const r = compile(analyzeText(source, displayName));
  if (!r.ok) return { lines: [], error: r.errors[0]?.message };
  const lines = new Set<number>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) { for (const x of v) walk(x); return; }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o.s === 'string' && Array.isArray(o.loc)) lines.add((o.loc as Loc)[0]);
    for (const k of Object.keys(o)) if (k !== 'loc') walk(o[k]);
  };
  walk(r.program);
  return { lines: [...lines].sort((a, b) => a - b) };
}

/** The statement line a breakpoint on `line` moves to: the first at or after it, else the last before it. */
export function nearestStatement(lines: readonly number[], line: number): number | undefined {
  if (!lines.length) return undefined;
  return lines.find((l) => l >= line) ?? lines[lines.length - 1];
}

/** `5`, `>= 5`, `== 5`, `> 5`, `% 3` (every third hit). */
export function hitMatches(hitCondition: string | undefined, hits: number): boolean {
  if (!hitCondition || !hitCondition.trim()) return true;
  const m = /^\s*(>=|<=|==|>|<|%)?\s*(\d+)\s*$/.exec(hitCondition);
  if (!m) return true;
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=': return hits >= n;
    case '<=': return hits <= n;
    case '>': return hits > n;
    case '<': return hits < n;
    case '%': return n > 0 && hits % n === 0;
    default: return hits === n;
  }
}

export class Breakpoints {
  private nextId = 1;
  private readonly byFile = new Map<string, SourceBreakpoint[]>();
  functions: FunctionBreakpoint[] = [];
  /** Sources that are not on disk (a recorded run's journaled text), by absolute path. */
  readonly texts = new Map<string, string>();
  /** Bumped on every change (hit-count caches are per version). */
  version = 0;

  set(file: string, requested: Array<{ line: number; condition?: string; hitCondition?: string; logMessage?: string }>): SourceBreakpoint[] {
    const abs = path.resolve(file);
    let text = this.texts.get(abs);
    if (text === undefined) { try { text = fs.readFileSync(abs, 'utf8'); } catch { text = undefined; } }
    const st = text === undefined ? { lines: [] as number[], error: 'the file cannot be read' } : statementLines(text, path.basename(abs));
    const list = requested.map((b) => {
      const line = nearestStatement(st.lines, b.line);
      const bp: SourceBreakpoint = {
        id: this.nextId++, file: abs, requestedLine: b.line, line: line ?? b.line, verified: line !== undefined,
        ...(line === undefined ? { message: `no statement in ${path.basename(abs)}${st.error ? ` (${st.error})` : ''}` } : {}),
        ...(b.condition?.trim() ? { condition: b.condition } : {}), ...(b.hitCondition?.trim() ? { hitCondition: b.hitCondition } : {}),
        ...(b.logMessage !== undefined && b.logMessage !== '' ? { logMessage: b.logMessage } : {}),
      };
      return bp;
    });
    this.byFile.set(abs, list);
    this.version++;
    return list;
  }

  /** Places a file's breakpoints again (its text changed: a recorded run's journaled source differs from the file). */
  remap(file: string): void {
    const list = this.byFile.get(file);
    if (!list) return;
    const fresh = this.set(file, list.map((b) => ({ line: b.requestedLine, condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage })));
    fresh.forEach((b, i) => { b.id = list[i].id; }); // the editor knows them by these ids
  }

  setFunctions(requested: Array<{ name: string; condition?: string; hitCondition?: string }>): FunctionBreakpoint[] {
    this.functions = requested.map((f) => ({ id: this.nextId++, tool: f.name.trim(), ...(f.condition ? { condition: f.condition } : {}), ...(f.hitCondition ? { hitCondition: f.hitCondition } : {}) }));
    this.version++;
    return this.functions;
  }

  at(file: string, line: number): SourceBreakpoint[] {
    const list = this.byFile.get(file);
    return list ? list.filter((b) => b.verified && b.line === line) : [];
  }

  get any(): boolean {
    if (this.functions.length) return true;
    for (const l of this.byFile.values()) if (l.some((b) => b.verified)) return true;
    return false;
  }

  /** Whether a breakpoint's condition holds on these variables (an error in the condition counts as true and is reported). */
  static condition(cond: string | undefined, vars: Record<string, Json>, context: Record<string, Json>, onError: (m: string) => void): boolean {
    if (!cond) return true;
    try {
      const v = evaluate(cond, vars, context);
      return v !== null && v !== false && v !== 0 && v !== '';
    } catch (e) {
      onError(`breakpoint condition '${cond}' failed: ${(e as Error).message}`);
      return true;
    }
  }
}
