/**
 * Turns a declared tool (ToolIR) or a direct MCP call into what the kernel executes: the
 * implementation, the capabilities the policy sees, argument validation from the declared
 * parameter types, idempotency and side effects.
 */
import type { Json, ToolIR, TypeIR } from '../ir/schema';
import type { ResolvedTool } from '../kernel/tool-gate';
import type { ToolImpl } from '../tools/tool';
import type { McpManager } from '../tools/mcp';
import { BUILTIN_TOOLS } from '../dsl/builtins';
import { toolFromIR } from '../tools/builtin-tools';
import { validate } from '../interp/types';
import { BatonError } from '../errors';
import { specKey, type SandboxSpec } from '../tools/sandbox/spec';
import { withSandbox } from '../tools/sandbox/bind';
import { toolDefinitionHash } from '../cache/result-cache';

export class ToolResolver {
  // Created on first use (a run that calls no tool holds neither).
  private cacheMap: Map<string, Promise<ResolvedTool>> | undefined;
  private pinnedMap: Map<string, Promise<void>> | undefined;
  private get cache(): Map<string, Promise<ResolvedTool>> { return (this.cacheMap ??= new Map()); }
  private get pinned(): Map<string, Promise<void>> { return (this.pinnedMap ??= new Map()); }

  /**
   * `onServer` runs once per MCP server before its first tool is used (pinning, pin checks).
   * `offline` (an offline replay): MCP tools are never launched — every call is answered from the
   * journal — so they resolve to stand-ins that refuse to execute.
   */
  constructor(
    private readonly mcp: McpManager | undefined,
    private readonly types: Record<string, TypeIR>,
    private readonly onServer: (server: string) => Promise<void> = async () => {},
    private readonly offline = false,
    /** The value of a `vault://` reference (registered as a secret of the journal). */
    private readonly secret: (ref: string) => string = (ref) => { throw new BatonError('usage', `secret vault://${ref} is not available here`); },
  ) {}

  private async mcpImpl(server: string, tool: string): Promise<ToolImpl> {
    const mcp = this.needMcp();
    if (this.offline) {
      return {
        name: `${server}/${tool}`, parameters: { type: 'object' }, idempotent: false, sideEffects: true,
        execute: () => Promise.reject(new BatonError('journal', `an offline replay cannot call MCP tool '${server}/${tool}'`)),
      };
    }
    let p = this.pinned.get(server);
    if (!p) { p = this.onServer(server); this.pinned.set(server, p); }
    await p;
    return mcp.tool(server, tool);
  }

  /**
   * `sandbox`: the calling agent's tier and limits; the tool's own `network = ...` wins over the
   * agent's. Tool processes (command tools, `process.run`) get it in their ToolContext.
   */
  declared(ir: ToolIR, file: string, sandbox?: SandboxSpec): Promise<ResolvedTool> {
    const spec = sandbox && typeof ir.settings.network === 'boolean' ? { ...sandbox, network: ir.settings.network } : sandbox;
    const k = `${file}\0${ir.name}\0${specKey(spec)}`;
    let p = this.cache.get(k);
    if (!p) { p = this.build(ir, file, spec); this.cache.set(k, p); p.catch(() => this.cache.delete(k)); }
    return p;
  }

  /** `server.tool(...)` called directly. */
  mcpTool(server: string, tool: string, file: string): Promise<ResolvedTool> {
    const k = `mcp\0${server}\0${tool}`;
    let p = this.cache.get(k);
    if (!p) {
      p = (async () => {
        const impl = await this.mcpImpl(server, tool);
        return fromImpl(`${server}.${tool}`, impl, [], file, 0);
      })();
      this.cache.set(k, p);
      p.catch(() => this.cache.delete(k));
    }
    return p;
  }

  private needMcp(): McpManager {
    if (!this.mcp) throw new Error('this file declares no mcp servers');
    return this.mcp;
  }

  private async build(ir: ToolIR, file: string, sandbox?: SandboxSpec): Promise<ResolvedTool> {
    const b = ir.binding;
    let impl: ToolImpl;
    if (b.type === 'mcp') {
      const inner = await this.mcpImpl(b.server, b.tool);
      impl = { ...inner, name: ir.name, description: ir.description ?? inner.description };
    } else {
      impl = toolFromIR(ir);
      const refs = vaultEnv(ir);
      if (refs.length) {
        // Resolved at each call, not before: a run that never calls the tool (or replays it) needs no secret.
        impl = {
          ...impl,
          execute: (args, ctx) => {
            const env: Record<string, string> = {};
            for (const [k, ref] of refs) env[k] = this.secret(ref);
            return toolFromIR(ir, { env }).execute(args, ctx);
          },
        };
      }
      if (sandbox) impl = withSandbox(impl, sandbox);
    }
    const caps = new Set<string>();
    if (ir.capability) caps.add(ir.capability);
    if (b.type === 'builtin') for (const c of BUILTIN_TOOLS.get(b.id)?.capabilities ?? []) caps.add(c);
    const builtin = b.type === 'builtin' ? BUILTIN_TOOLS.get(b.id) : undefined;
    const sideEffects = builtin ? builtin.sideEffects
      : b.type === 'command' ? !ir.idempotent
      : b.type === 'http' ? !['GET', 'HEAD'].includes(b.method.toUpperCase()) && !ir.idempotent
      : impl.sideEffects;
    const idempotent = ir.idempotent || (builtin ? !builtin.sideEffects : b.type === 'http' ? !sideEffects : impl.idempotent);
    const recordType: TypeIR = { t: 'record', fields: ir.params.map((p) => ({ name: p.name, type: p.type ?? { t: 'named', name: 'Any', args: [] }, ...(p.default || (p.type && 'optional' in p.type && p.type.optional) ? { optional: true } : {}) })) };
    return {
      name: ir.name,
      impl,
      capabilities: [...caps],
      params: ir.params.map((p) => p.name),
      defaults: literalDefaults(ir),
      approval: ir.approval,
      idempotent,
      sideEffects,
      timeoutMs: ir.timeoutMs,
      loc: { file, line: ir.loc[0] },
      validate: (args) => {
        const known = new Set(ir.params.map((p) => p.name));
        const extra = Object.keys(args).filter((k) => !known.has(k));
        if (extra.length && b.type !== 'mcp') return `unknown argument${extra.length > 1 ? 's' : ''} ${extra.map((x) => `'${x}'`).join(', ')} (parameters: ${[...known].join(', ') || 'none'})`;
        const r = validate(args, recordType, this.types);
        return r.ok ? undefined : r.message;
      },
      secret: ir.settings.secret === true,
      builtin: b.type === 'builtin' ? b.id : undefined,
      argv: b.type === 'command' ? b.argv : undefined,
      ...(ir.cache ? { cache: { definition: toolDefinitionHash(ir) } } : {}),
    };
  }
}

/** `env = { KEY: "vault://path" }` entries of a tool: [KEY, path]. */
function vaultEnv(ir: ToolIR): Array<[string, string]> {
  const env = ir.settings.env;
  if (!env || typeof env !== 'object' || Array.isArray(env)) return [];
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(env)) {
    if (typeof v === 'string' && v.startsWith('vault://')) out.push([k, v.slice('vault://'.length)]);
    else if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as { $vault?: unknown }).$vault === 'string') out.push([k, (v as { $vault: string }).$vault]);
  }
  return out;
}

function fromImpl(name: string, impl: ToolImpl, caps: string[], file: string, line: number): ResolvedTool {
  return {
    name, impl, capabilities: caps, params: Object.keys((impl.parameters.properties as Record<string, Json> | undefined) ?? {}),
    approval: 'policy', idempotent: impl.idempotent, sideEffects: impl.sideEffects, loc: { file, line },
    validate: () => undefined,
  };
}

/** Constant parameter defaults (`lines: int = 200`), filled in before the policy gate sees the call. */
function literalDefaults(ir: ToolIR): { [k: string]: Json } | undefined {
  const out: { [k: string]: Json } = {};
  const lit = (e: NonNullable<ToolIR['params'][number]['default']>): Json | undefined => {
    if (e.k === 'lit') return e.value;
    if (e.k === 'unary' && e.op === '-' && e.operand.k === 'lit' && typeof e.operand.value === 'number') return -e.operand.value;
    if (e.k === 'array') { const xs = e.items.map(lit); return xs.every((x) => x !== undefined) ? (xs as Json[]) : undefined; }
    return undefined;
  };
  for (const p of ir.params) {
    if (!p.default) continue;
    const v = lit(p.default);
    if (v !== undefined) out[p.name] = v;
  }
  return Object.keys(out).length ? out : undefined;
}
