/**
 * Loading a program to run: the agent file is analysed together with the other agent files of its
 * directory (so cross-file agents, tools and functions resolve); only the file being run must be
 * free of errors. Also input coercion: command-line strings to the declared parameter types.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AgentIR, Json, ProgramIR, TypeIR } from '../ir/schema';
import { BatonError } from '../errors';
import { Workspace } from '../dsl/workspace';
import { compile } from '../dsl/compiler';

export interface LoadedProgram {
  program: ProgramIR;
  load(uri: string): ProgramIR | undefined;
}

const EXT = /\.(baton|symbi)$/;

export function loadProgram(file: string, source: string, displayName: string): LoadedProgram {
  const ws = new Workspace();
  ws.set(displayName, source);
  const dir = path.dirname(file);
  let siblings: string[] = [];
  try { siblings = fs.readdirSync(dir).filter((f) => EXT.test(f)).map((f) => path.join(dir, f)).filter((f) => path.resolve(f) !== path.resolve(file)); } catch { /* no directory listing: run the file alone */ }
  const uriOf = new Map<string, string>();
  for (const s of siblings) {
    try {
      const uri = path.join(path.dirname(displayName), path.basename(s));
      ws.set(uri, fs.readFileSync(s, 'utf8'));
      uriOf.set(uri, s);
    } catch { /* unreadable sibling: ignore */ }
  }
  const a = ws.analyze(displayName)!;
  const r = compile(a);
  if (!r.ok) {
    const first = r.errors[0];
    const pos = a.parse.lines.position(first.start);
    throw new BatonError('usage', `${displayName}:${pos.line + 1}:${pos.character + 1}: ${first.message}${r.errors.length > 1 ? ` (and ${r.errors.length - 1} more errors; run 'baton check ${displayName}')` : ''}`);
  }
  const cache = new Map<string, ProgramIR | undefined>();
  return {
    program: r.program,
    load(uri) {
      if (uri === displayName) return r.program;
      if (!cache.has(uri)) {
        const an = ws.analyze(uri);
        const c = an ? compile(an) : undefined;
        cache.set(uri, c && c.ok ? c.program : undefined);
      }
      return cache.get(uri);
    },
  };
}

export function pickAgent(program: ProgramIR, name: string | undefined, file: string): AgentIR {
  const names = program.agents.map((a) => a.name);
  if (name) {
    const a = program.agents.find((x) => x.name === name);
    if (!a) throw new BatonError('usage', `no agent '${name}' in ${file}${names.length ? `; agents: ${names.join(', ')}` : ''}`);
    return a;
  }
  if (program.agents.length === 1) return program.agents[0];
  if (!program.agents.length) throw new BatonError('usage', `${file} declares no agent`);
  throw new BatonError('usage', `${file} declares ${names.length} agents (${names.join(', ')}); choose one with --agent NAME`);
}

function typeLabel(t: TypeIR | undefined): string {
  if (!t) return 'Any';
  if (t.t === 'named') return t.name;
  if (t.t === 'array') return `[${typeLabel(t.element)}]`;
  return t.t;
}

function coerce(name: string, raw: Json, t: TypeIR | undefined): Json {
  if (typeof raw !== 'string' || !t) return raw;
  const n = t.t === 'named' ? t.name.toLowerCase() : '';
  const bad = () => new BatonError('usage', `input '${name}': expected ${typeLabel(t)}, got '${raw}'`);
  if (n === 'int' || n === 'integer') { if (!/^-?\d+$/.test(raw.trim())) throw bad(); return Number(raw); }
  if (n === 'float' || n === 'number') { const v = Number(raw); if (raw.trim() === '' || !Number.isFinite(v)) throw bad(); return v; }
  if (n === 'bool' || n === 'boolean') { if (raw === 'true') return true; if (raw === 'false') return false; throw bad(); }
  if (t.t === 'array' || t.t === 'record' || ['list', 'map', 'record', 'json', 'object', 'array'].includes(n)) {
    try { return JSON.parse(raw) as Json; } catch { throw new BatonError('usage', `input '${name}': expected JSON for ${typeLabel(t)}, got '${raw}'`); }
  }
  return raw;
}

/** Inputs by name → values of the declared types, defaults filled; clear errors otherwise. */
export function coerceInputs(agent: AgentIR, inputs: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  const known = new Set(agent.params.map((p) => p.name));
  for (const k of Object.keys(inputs)) {
    if (!known.has(k)) throw new BatonError('usage', `agent ${agent.name} has no input '${k}'${known.size ? `; inputs: ${[...known].join(', ')}` : ' (it takes no inputs)'}`);
  }
  for (const p of agent.params) {
    if (p.name in inputs) out[p.name] = coerce(p.name, inputs[p.name], p.type);
    else if (p.default?.k === 'lit') out[p.name] = p.default.value;
    else if (p.default?.k === 'array' && p.default.items.length === 0) out[p.name] = [];
    else if ((p.type && 'optional' in p.type && p.type.optional)) out[p.name] = null;
    else throw new BatonError('usage', `agent ${agent.name} needs --input ${p.name}=<${typeLabel(p.type)}>`);
  }
  return out;
}
