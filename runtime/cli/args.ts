/** A small argument parser: positionals, boolean flags, value flags (repeatable), `--flag=value`. */
import { CliError } from './files';

export interface Parsed {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
}

export function parseArgs(command: string, argv: string[], spec: { bool: string[]; value: string[] }): Parsed {
  const out: Parsed = { positionals: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') { out.positionals.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq > 0 && a.startsWith('--') ? a.slice(0, eq) : a;
    if (spec.bool.includes(name)) { out.flags.add(name); continue; }
    if (spec.value.includes(name)) {
      const v = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new CliError(`baton ${command}: ${name} needs a value`);
      out.values.set(name, [...(out.values.get(name) ?? []), v]);
      continue;
    }
    const all = [...spec.bool, ...spec.value];
    throw new CliError(`baton ${command}: unknown option '${name}'.${all.length ? ` Options: ${all.join(', ')}.` : ''}`);
  }
  return out;
}

export function one(p: Parsed, name: string): string | undefined {
  const v = p.values.get(name);
  return v ? v[v.length - 1] : undefined;
}
