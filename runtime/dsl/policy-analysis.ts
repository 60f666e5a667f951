/**
 * Static reading of policy rules (LANGUAGE.md §4): what a rule's pattern names, and what the gate will
 * decide for a tool call when nothing about the arguments is known. The runtime's policy engine decides
 * for real; this view drives checker diagnostics and the language server's hints.
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

export interface ActionRef {
  /** Tool name as called (`read_file`, `github.list_issues`). */
  name: string;
  /** Alternative names that also identify it (`github/list_issues`). */
  aliases?: string[];
  /** The capability the tool needs, if any. */
  capability?: string;
  /** The tool's own `approval` setting. */
  approval?: 'always' | 'never' | 'policy';
}

export type StaticDecision = 'allow' | 'ask' | 'deny';

export interface StaticVerdict {
  decision: StaticDecision;
  /** The rule that decides, if any (none: the default for unmatched actions, or the tool's own setting). */
  rule?: RuleInfo;
  /** True when an earlier conditional rule could change the outcome at run time. */
  conditional: boolean;
  reason: string;
}

export function ruleMatches(info: RuleInfo, action: ActionRef): boolean {
  if (info.isSettings || info.invalid) return false;
  if (info.matchesAll) return true;
  for (const t of info.targets) {
    if (t === action.name || t === action.capability || action.aliases?.includes(t)) return true;
  }
  return false;
}

function where(info: RuleInfo): string {
  return `\`${info.verb}\` rule of policy ${info.policy.name.name}`;
}

/** What the gate decides for an action when its arguments are unknown (order of LANGUAGE.md §4). */
export function staticDecision(rules: RuleInfo[], action: ActionRef, mode: 'ask' | 'strict' = 'ask'): StaticVerdict {
  let conditional = false;
  for (const r of rules) {
    if (r.verb !== 'deny' || !ruleMatches(r, action)) continue;
    if (r.asksHuman) return { decision: 'ask', rule: r, conditional: true, reason: `asks a human: the ${where(r)} denies it without human approval` };
    if (r.unconditional) return { decision: 'deny', rule: r, conditional: false, reason: `denied by the ${where(r)}` };
    conditional = true;
  }
  if (action.approval === 'always') return { decision: 'ask', conditional, reason: 'asks a human: the tool is declared `approval = "always"`' };
  for (const r of rules) {
    if (r.verb === 'require' && r.isApprovalRequirement && ruleMatches(r, action)) {
      return { decision: 'ask', rule: r, conditional, reason: `asks a human: the ${where(r)} requires approval` };
    }
  }
  for (const r of rules) {
    if (r.verb !== 'allow' || !ruleMatches(r, action)) continue;
    if (r.unconditional) return { decision: 'allow', rule: r, conditional, reason: `allowed by the ${where(r)}` };
    return { decision: 'allow', rule: r, conditional: true, reason: `allowed when the condition of the ${where(r)} holds` };
  }
  if (mode === 'strict') return { decision: 'deny', conditional, reason: 'denied: no rule allows it (strict mode)' };
  return { decision: 'ask', conditional, reason: 'asks a human: no rule allows it' };
}
