/** Lexical scopes: a map of names per block, chained to the enclosing block. */
import type { Value } from './values';

export class Scope {
  private readonly vars = new Map<string, Value>();
  constructor(readonly parent?: Scope) {}

  has(name: string): boolean {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.vars.has(name)) return true;
    return false;
  }

  /** The value of `name`, or `undefined` when no scope binds it. */
  lookup(name: string): Value | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined || s.vars.has(name)) return v;
    }
    return undefined;
  }

  define(name: string, v: Value): void { this.vars.set(name, v); }

  /** Assigns in the scope that binds `name`; false if none does. */
  assign(name: string, v: Value): boolean {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.vars.has(name)) { s.vars.set(name, v); return true; }
    }
    return false;
  }

  /** Every visible binding, innermost wins (for the debugger and events). */
  snapshot(): Record<string, Value> {
    const chain: Scope[] = [];
    for (let s: Scope | undefined = this; s; s = s.parent) chain.unshift(s);
    const out: Record<string, Value> = {};
    for (const s of chain) for (const [k, v] of s.vars) out[k] = v;
    return out;
  }
}
