/**
 * Command-bound tools: `tool git_diff(base: String = "main") { command = ["git", "diff", "{base}"] }`.
 *
 * Each `{param}` inside an argv element is replaced by the argument's text (strings as is, numbers
 * and booleans stringified, arrays and records as JSON, none as ""); `{{` and `}}` are literal
 * braces. An argument never becomes more than one argv element and no shell ever sees it, so
 * `"; rm -rf /"` or `$(whoami)` stay plain text. A missing argument takes the parameter's literal
 * default. Exit 0 → stdout (one trailing newline trimmed); nonzero → a non-retryable tool-error
 * with the last lines of stderr. The process runs in the calling agent's sandbox tier with its
 * limits when the context carries a spec (`ctx.sandbox`, bound by the ToolResolver; see
 * runtime/tools/sandbox/); the tool's `network = true` lets it use the network there.
 *
 * Also exports the argument helpers shared with http-bound tools.
 */
import { BatonError } from '../errors';
import type { ExprIR, Json, ParamIR, ToolIR } from '../ir/schema';
import { paramsToJsonSchema } from './json-schema';
import { commandLabel, runProcess } from './process-tool';
import type { ToolImpl } from './tool';

type Args = { [k: string]: Json };

/** The value of a constant expression (literals, and arrays/records of them), or undefined. */
export function literalValue(e: ExprIR): Json | undefined {
  switch (e.k) {
    case 'lit': return e.value;
    case 'array': {
      const items = e.items.map(literalValue);
      return items.every((v) => v !== undefined) ? (items as Json[]) : undefined;
    }
    case 'record': {
      const out: { [k: string]: Json } = {};
      for (const [k, v] of e.entries) {
        const val = literalValue(v);
        if (val === undefined) return undefined;
        out[k] = val;
      }
      return out;
    }
    case 'unary': {
      const v = literalValue(e.operand);
      if (e.op === '-' && typeof v === 'number') return -v;
      if ((e.op === '!' || e.op === 'not') && typeof v === 'boolean') return !v;
      return undefined;
    }
    default: return undefined;
  }
}

/**
 * The arguments with declared defaults filled in for missing ones. A missing argument without a
 * default is left out (the caller decides); a default that is not a constant is a tool-error.
 */
export function withDefaults(toolName: string, params: readonly ParamIR[], args: Args): Args {
  const out: Args = { ...args };
  for (const p of params) {
    if (out[p.name] !== undefined || p.default === undefined) continue;
    const v = literalValue(p.default);
    if (v === undefined) {
      throw new BatonError('tool-error', `tool ${toolName}: the default of parameter '${p.name}' is not a constant, so a call must pass it`);
    }
    out[p.name] = v;
  }
  return out;
}

/** The text of an argument inside an argv element or a URL. */
export function argText(v: Json): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export type TemplatePart = { lit: string } | { param: string };

/** Splits `"--since={since}"` into literal and placeholder parts (`{{`/`}}` are literal braces). */
export function parseTemplate(s: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let lit = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if ((c === '{' || c === '}') && s[i + 1] === c) { lit += c; i++; continue; }
    if (c === '{') {
      const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(s.slice(i));
      if (m) {
        if (lit) parts.push({ lit });
        lit = '';
        parts.push({ param: m[1]! });
        i += m[0].length - 1;
        continue;
      }
    }
    lit += c;
  }
  if (lit) parts.push({ lit });
  return parts;
}

/** Names of the placeholders used in a set of templates. */
export function placeholders(templates: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const t of templates) for (const p of parseTemplate(t)) if ('param' in p) out.add(p.param);
  return out;
}

/** Fills one template; `encode` is applied to each argument's text (identity for argv). */
export function fillTemplate(toolName: string, template: string, args: Args, encode: (s: string) => string = (s) => s): string {
  let out = '';
  for (const part of parseTemplate(template)) {
    if ('lit' in part) { out += part.lit; continue; }
    const v = args[part.param];
    if (v === undefined) throw new BatonError('tool-error', `tool ${toolName}: missing argument '${part.param}'`);
    out += encode(argText(v));
  }
  return out;
}

/** The last `n` non-empty lines of `text`, at most `maxChars` characters. */
export function tail(text: string, n = 5, maxChars = 600): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  let s = lines.slice(-n).join('\n');
  if (s.length > maxChars) s = `…${s.slice(-maxChars)}`;
  return s;
}

function stringSetting(ir: ToolIR, key: string): string | undefined {
  const v = ir.settings[key];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The argv a command-bound tool would run for these arguments (defaults applied), e.g. for the
 * kernel's `mentionsProtectedPath` check before executing. Throws tool-error like `execute`.
 */
export function commandArgv(ir: ToolIR, args: Args): string[] {
  if (ir.binding.type !== 'command') throw new BatonError('tool-error', `tool ${ir.name} is not bound to a command`);
  const full = withDefaults(ir.name, ir.params, args);
  return ir.binding.argv.map((t) => fillTemplate(ir.name, t, full));
}

export interface CommandToolOptions {
  /** Resolved environment variables for the command (e.g. the tool's `env` with vault references resolved). */
  env?: Record<string, string>;
}

/** The ToolImpl of a `command = [...]` binding. */
export function commandTool(ir: ToolIR, opts: CommandToolOptions = {}): ToolImpl {
  if (ir.binding.type !== 'command') throw new BatonError('tool-error', `tool ${ir.name} is not bound to a command`);
  const template = ir.binding.argv;
  if (template.length === 0) throw new BatonError('tool-error', `tool ${ir.name}: the command is empty`);
  const declaredEnv: Record<string, string> = {};
  const envSetting = ir.settings.env;
  if (envSetting && typeof envSetting === 'object' && !Array.isArray(envSetting)) {
    for (const [k, v] of Object.entries(envSetting)) if (typeof v === 'string') declaredEnv[k] = v;
  }
  const maxOutput = typeof ir.settings.max_output === 'number' ? ir.settings.max_output : undefined;
  const cwd = stringSetting(ir, 'cwd') ?? '.';
  const label = commandLabel(template.map((t) => (parseTemplate(t).every((p) => 'lit' in p) ? t : '…')));

  return {
    name: ir.name,
    ...(ir.description !== undefined ? { description: ir.description } : {}),
    parameters: paramsToJsonSchema(ir.params),
    idempotent: ir.idempotent,
    sideEffects: true,
    async execute(args, ctx): Promise<Json> {
      const argv = commandArgv(ir, args);
      const r = await runProcess(argv, {
        cwd,
        root: ctx.root,
        timeoutMs: ctx.timeoutMs,
        maxOutputBytes: maxOutput !== undefined ? Math.min(maxOutput, ctx.maxOutputBytes) : ctx.maxOutputBytes,
        signal: ctx.signal,
        effectId: ctx.effectId,
        env: { ...declaredEnv, ...opts.env },
        ...(ctx.sandbox ? { sandbox: ctx.sandbox } : {}),
        ...(ctx.onSandbox ? { onSandbox: ctx.onSandbox } : {}),
      });
      if (r.exitCode === 0) return r.stdout.replace(/\r?\n$/, '');
      const why = tail(r.stderr) || tail(r.stdout) || '(no output)';
      throw new BatonError('tool-error', `\`${label}\` exited with code ${r.exitCode}: ${why}`, {
        data: { exit_code: r.exitCode, stderr: tail(r.stderr, 20, 4000), ...(r.sandbox ? { sandbox: r.sandbox as unknown as Json } : {}) },
      });
    },
  };
}
