/**
 * The parts of a tool effect that sit between the journal lookup and the execution: the kernel's
 * own protections (nothing writes under `.baton/` or `.vscode/`), the enforced `require:` settings
 * (rate limits, sizes), and the shape of a resolved tool.
 */
import * as path from 'node:path';
import type { Json } from '../ir/schema';
import type { ToolImpl } from '../tools/tool';
import { isProtectedPath, mentionsProtectedPath } from '../tools/confine';
import { parseDurationText } from '../dsl/literals';

export interface ResolvedTool {
  /** The name policies see: the declared tool name, or `server.tool` for a direct MCP call. */
  name: string;
  impl: ToolImpl;
  capabilities: string[];
  /** Parameter names in declaration order. */
  params: string[];
  /** Declared constant defaults: filled in before the gate, so policy conditions see them. */
  defaults?: { [k: string]: Json };
  approval: 'always' | 'never' | 'policy';
  idempotent: boolean;
  sideEffects: boolean;
  timeoutMs?: number;
  loc?: { file: string; line: number };
  /** A message when the arguments do not fit the declared parameters. */
  validate(args: { [k: string]: Json }): string | undefined;
  /** The tool's result is secret: journaled as `[secret]`. */
  secret?: boolean;
  /** The built-in this tool is bound to (`fs.write`, `process.run`), if any. */
  builtin?: string;
  /** `command` binding argv template, if any. */
  argv?: string[];
  /** Declared `cache = true`: the hash of the tool's definition (used only if idempotent without side effects; runtime/cache/). */
  cache?: { definition: string };
}

/** The kernel's own veto: a write under `.baton/` or `.vscode/`, whatever the policies say. */
export function protectedWrite(root: string, tool: ResolvedTool, args: { [k: string]: Json }): string | undefined {
  const str = (v: Json | undefined) => (typeof v === 'string' ? v : undefined);
  if (tool.builtin === 'fs.write') {
    const p = str(args.path);
    if (p !== undefined && isProtectedPath(root, path.resolve(root, p))) return p;
    return undefined;
  }
  if (!tool.sideEffects) return undefined;
  const cwd = str(args.cwd) ? path.resolve(root, str(args.cwd)!) : root;
  if (str(args.cwd) && isProtectedPath(root, cwd)) return str(args.cwd);
  const strings: string[] = [];
  const collect = (v: Json) => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  collect(args as Json);
  if (tool.argv) strings.push(...tool.argv.filter((a) => !a.includes('{')));
  return mentionsProtectedPath(root, cwd, strings);
}

const PERIODS: Record<string, number> = { second: 1e3, sec: 1e3, s: 1e3, minute: 6e4, min: 6e4, m: 6e4, hour: 3.6e6, h: 3.6e6, day: 8.64e7, d: 8.64e7 };

/** `"200/hour"` → { count: 200, windowMs: 3_600_000 }. */
export function parseRate(text: string): { count: number; windowMs: number } | undefined {
  const m = /^\s*(\d+)\s*\/\s*(\d*)\s*([a-z]+?)s?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = PERIODS[m[3].toLowerCase()];
  if (!unit) return undefined;
  return { count: Number(m[1]), windowMs: unit * (m[2] ? Number(m[2]) : 1) };
}

/** `"5MB"` → bytes. */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return text;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?\s*$/i.exec(text);
  if (!m) return undefined;
  const mult: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };
  return Math.round(Number(m[1]) * mult[(m[2] ?? 'b').toLowerCase()]);
}

export function parseDuration(v: Json | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') { const ms = parseDurationText(v); return Number.isFinite(ms) ? ms : undefined; }
  return undefined;
}

/** Sliding-window call counters for `rate_limiting` settings, per tool. */
export class RateLimiter {
  private readonly calls = new Map<string, number[]>();
  constructor(private readonly now: () => number = Date.now) {}
  /** Records a call, or returns a message when the limit is reached. */
  take(tool: string, limit: { count: number; windowMs: number }, text: string): string | undefined {
    const t = this.now();
    const list = (this.calls.get(tool) ?? []).filter((x) => t - x < limit.windowMs);
    if (list.length >= limit.count) {
      this.calls.set(tool, list);
      return `rate limit ${text} reached for '${tool}' (next call allowed in ${Math.ceil((limit.windowMs - (t - list[0])) / 1000)} s)`;
    }
    list.push(t);
    this.calls.set(tool, list);
    return undefined;
  }
}
