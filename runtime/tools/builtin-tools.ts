/**
 * The tool implementations by id, and the ToolImpl of a declared tool (`ToolIR`).
 *
 * - `builtinTool(id)`: `fs.read`, `fs.list`, `fs.search`, `fs.write`, `process.run`, `http.fetch`
 *   (the ids of BUILTIN_TOOLS in runtime/dsl/builtins.ts; `sideEffects` comes from that catalog).
 * - `toolFromIR(ir)`: a `builtin` binding → the built-in under the declared name, description and
 *   parameters (declared literal defaults are applied; a declared parameter the built-in does not
 *   know by name maps to the built-in's parameter at the same position); `command` → commandTool; `http` →
 *   httpTool; `mcp` → an error: the MCP manager builds those.
 */
import { BUILTIN_TOOLS } from '../dsl/builtins';
import { BatonError } from '../errors';
import type { Json, ToolIR } from '../ir/schema';
import { commandTool, withDefaults, type CommandToolOptions } from './command-tool';
import { fsList, fsRead, fsSearch, fsWrite } from './fs-tools';
import { httpFetch, httpTool, type HttpToolOptions } from './http-tool';
import { paramsToJsonSchema } from './json-schema';
import { processRun } from './process-tool';
import type { ToolImpl } from './tool';

const IMPLS: ReadonlyMap<string, ToolImpl> = new Map([fsRead, fsList, fsSearch, fsWrite, processRun, httpFetch].map((t) => [t.name, t]));

/** The built-in tool with this id (`fs.read`, ...), or undefined. */
export function builtinTool(id: string): ToolImpl | undefined {
  const impl = IMPLS.get(id);
  if (!impl) return undefined;
  const entry = BUILTIN_TOOLS.get(id);
  return entry && entry.sideEffects !== impl.sideEffects ? { ...impl, sideEffects: entry.sideEffects } : impl;
}

/** Ids with an implementation (every id of BUILTIN_TOOLS). */
export function builtinToolIds(): string[] {
  return [...IMPLS.keys()];
}

export interface ToolFromIROptions extends CommandToolOptions, HttpToolOptions {}

/** The ToolImpl of a declared tool. Throws `tool-error` for an unknown built-in and for MCP bindings. */
export function toolFromIR(ir: ToolIR, opts: ToolFromIROptions = {}): ToolImpl {
  const b = ir.binding;
  switch (b.type) {
    case 'builtin': {
      const impl = builtinTool(b.id);
      if (!impl) {
        throw new BatonError('tool-error', `tool ${ir.name}: unknown built-in tool '${b.id}' (known: ${builtinToolIds().join(', ')})`, { loc: ir.loc });
      }
      const declaresParams = ir.params.length > 0;
      // Declared parameters whose names the built-in does not know map to its parameters by position.
      const known = BUILTIN_TOOLS.get(b.id)?.params ?? [];
      const rename = new Map<string, string>();
      ir.params.forEach((p, i) => { if (!known.includes(p.name) && known[i] !== undefined) rename.set(p.name, known[i]!); });
      const toBuiltin = (args: { [k: string]: Json }) => {
        const full = withDefaults(ir.name, ir.params, args);
        return rename.size ? Object.fromEntries(Object.entries(full).map(([k, v]) => [rename.get(k) ?? k, v])) : full;
      };
      return {
        ...impl,
        name: ir.name,
        ...(ir.description !== undefined ? { description: ir.description } : impl.description !== undefined ? { description: impl.description } : {}),
        parameters: declaresParams ? paramsToJsonSchema(ir.params) : impl.parameters,
        idempotent: 'idempotent' in ir.settings ? ir.idempotent : impl.idempotent,
        execute: (args, ctx) => impl.execute(declaresParams ? toBuiltin(args) : args, ctx),
      };
    }
    case 'command': return commandTool(ir, opts);
    case 'http': return httpTool(ir, opts);
    case 'mcp':
      throw new BatonError('tool-error', `tool ${ir.name} is bound to MCP server '${b.server}'; MCP tools are provided by the MCP manager`, { loc: ir.loc });
  }
}
