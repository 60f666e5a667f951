/**
 * Static reading of policy rules (LANGUAGE.md §4): what a rule's pattern names, whether it is
 * conditional, whether its condition reads the human's approval. The compiler turns this into the
 * rule IR the runtime's policy engine matches; policy-static.ts uses it for what the gate will decide
 * at a call when nothing about the arguments is known (checker diagnostics, language server hints).
 */
import * as A from './ast';
import { ALL_ACTIONS } from './builtins';

export interface RuleInfo {
  rule: A.Rule;
  policy: A.PolicyDecl;
  verb: A.RuleVerb;
  /** Action names (tools or capabilities) the pattern names; empty when it matches all or is a settings record. */
  targets: string[];
  /** Each target with its own range (for diagnostics). */
  targetNodes: Array<{ name: string; start: number; end: number }>;
  matchesAll: boolean;
  /** A record pattern (`require: { ... }`): settings, not actions. */
  isSettings: boolean;
  /** `require: approval(x)`: the actions named ask a human. */
  isApprovalRequirement: boolean;
  /** Names bound by a call-shape pattern (`read_logs(service)`). */
  bound: string[];
  unconditional: boolean;
  /** The condition mentions `context.has_human_approval`: the runtime asks instead of denying. */
  asksHuman: boolean;
  /** Why the pattern is not a valid action pattern, if it is not. */
  invalid?: string;
}

function isTrue(e: A.Expr | null): boolean {
  return e === null || (e.kind === 'Literal' && e.value === true);
}

function mentionsApproval(e: A.Node | null): boolean {
  if (!e) return false;
  let found = false;
  const visit = (n: unknown): void => {
    if (found || !n || typeof n !== 'object') return;
    const node = n as A.Node;
    if (node.kind === 'Member' && (node as A.Member).property.name === 'has_human_approval') { found = true; return; }
    for (const key in node) {
      const v = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object' && 'kind' in v) visit(v);
    }
  };
  visit(e);
  return found;
}

function nameOfElement(e: A.Expr): { name: string; start: number; end: number } | undefined {
  if (e.kind === 'Name') return { name: e.name, start: e.start, end: e.end };
  if (e.kind === 'Literal' && e.litKind === 'string') return { name: String(e.value), start: e.start, end: e.end };
  if (e.kind === 'Member' && e.object.kind === 'Name') return { name: `${e.object.name}.${e.property.name}`, start: e.start, end: e.end };
  return undefined;
}

export function analyzeRule(rule: A.Rule, policy: A.PolicyDecl): RuleInfo {
  const info: RuleInfo = {
    rule, policy, verb: rule.verb, targets: [], targetNodes: [], matchesAll: false, isSettings: false,
    isApprovalRequirement: false, bound: [], unconditional: isTrue(rule.condition), asksHuman: mentionsApproval(rule.condition),
  };
  const add = (t: { name: string; start: number; end: number }) => {
    if (ALL_ACTIONS.has(t.name)) info.matchesAll = true;
    else { info.targets.push(t.name); info.targetNodes.push(t); }
  };
  const p = rule.pattern;
  switch (p.kind) {
    case 'Call': {
      const callee = nameOfElement(p.callee);
      if (!callee) { info.invalid = 'a call shape must name a tool, like `read_file(path)`'; break; }
      if (rule.verb === 'require' && callee.name === 'approval') {
        info.isApprovalRequirement = true;
        for (const a of p.args) {
          const t = nameOfElement(a.value);
          if (t) add(t); else info.invalid = '`approval(...)` takes tool or capability names';
        }
        break;
      }
      add(callee);
      // One entry per argument, so positions line up with the tool's parameters; `_` where
      // nothing binds (`_`, `any`, a literal).
      for (const a of p.args) {
        info.bound.push(a.value.kind === 'Name' && !ALL_ACTIONS.has(a.value.name) ? a.value.name : '_');
      }
      break;
    }
    case 'Array':
      for (const el of p.elements) {
        const t = nameOfElement(el);
        if (t) add(t); else info.invalid = 'array patterns hold tool or capability names (strings or bare names)';
      }
      break;
    case 'Record':
      if (rule.verb === 'require' || rule.verb === 'audit') info.isSettings = true;
      else info.invalid = 'a record of settings only goes with `require:` or `audit:`';
      break;
    case 'Error':
      break;
    default: {
      const t = nameOfElement(p);
      if (t) add(t);
      else info.invalid = 'expected a call shape `tool(arg)`, a string, an array of names, a name, or (for require/audit) a record';
    }
  }
  return info;
}
