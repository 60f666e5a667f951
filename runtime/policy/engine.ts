/**
 * The policy engine: LANGUAGE.md §4, compiled once per run (per agent). For one action
 * `{tool, capabilities, args}` the decision is, first that applies:
 *   1. a `deny` whose condition holds → deny; if the condition reads `context.has_human_approval`
 *      and no human has approved yet → ask (a human's yes re-evaluates with the approval) — unless
 *      another deny holds regardless, which wins without asking anyone;
 *   2. not yet approved, and the tool says `approval = "always"` or a `require: approval(...)` rule
 *      matches → ask;
 *   3. an `allow` whose condition holds → allow;
 *   4. nothing matched → ask (`ask` mode) / deny (`strict` mode); after a human's yes: allow in
 *      `ask` mode, deny in `strict` mode (strict needs an allow rule even for approved actions).
 * Every decision names the rule that made it. Matching rules per tool are indexed once, so a
 * decision only evaluates the conditions of rules that can match.
 */
import type { Json, RuleIR } from '../ir/schema';
import type { RuleRef, Verdict } from '../journal/records';
import type { Rec, Value } from '../interp/values';
import { truthy } from '../interp/values';
import { ALL_ACTIONS } from '../dsl/builtins';

export interface PolicyRule { rule: RuleIR; file: string }

export interface Action {
  tool: string;
  /** The tool's capability and, for built-ins, the capabilities it implies. */
  capabilities: readonly string[];
  args: Rec;
  /** Parameter names in declaration order (for call-shape bindings `restart(s)`). */
  params: readonly string[];
  /** The tool declares `approval = "always"` / `"never"`. */
  approval: 'always' | 'never' | 'policy';
  toolLoc?: { file: string; line: number };
}

export interface Decision {
  verdict: Verdict;
  rule: RuleRef;
  reason: string;
}

/** Evaluates a rule condition with the given names bound; must not have effects. */
export type ConditionEvaluator = (rule: RuleIR, bindings: Rec) => Value;

const NO_RULES: PolicyRule[] = [];

interface Indexed { deny: PolicyRule[]; approval: PolicyRule[]; allow: PolicyRule[]; audit: PolicyRule[] }

export class PolicyEngine {
  /** Matching rules per tool, indexed on first use (most runs of a waiting agent never decide anything). */
  private cache: Map<string, Indexed> | undefined;
  private settings: PolicyRule[] | undefined;

  constructor(
    private readonly rules: readonly PolicyRule[],
    private readonly mode: 'ask' | 'strict',
    private readonly evaluate: ConditionEvaluator,
    private readonly agentFile: string,
  ) {}

  private get settingsRules(): PolicyRule[] {
    return (this.settings ??= this.rules.some((r) => r.rule.form === 'settings') ? this.rules.filter((r) => r.rule.form === 'settings') : NO_RULES);
  }

  get strict(): boolean { return this.mode === 'strict'; }

  /**
   * Whether the rule's condition holds for the action: true / false, or — when the condition cannot be
   * evaluated — the reason as a string if `failClosed` (the caller treats it as holding), else false.
   */
  private holds(r: PolicyRule, a: Action, ctx: { inputs: Rec; context: Rec }, approved: boolean, failClosed: boolean): boolean | string {
    if (!r.rule.condition) return true;
    const b: Rec = { ...ctx.inputs, args: a.args, context: { ...ctx.context, has_human_approval: approved } };
    r.rule.pattern.bind.forEach((name, i) => {
      if (name !== '_' && !ALL_ACTIONS.has(name)) b[name] = a.args[a.params[i]] ?? null;
    });
    try {
      return truthy(this.evaluate(r.rule, b));
    } catch (e) {
      return failClosed ? `its condition could not be evaluated (${(e as Error).message})` : false;
    }
  }

  decide(a: Action, ctx: { inputs: Rec; context: Rec; humanApproved: boolean }): Decision {
    const ix = this.index(a);
    const holds = (r: PolicyRule, approved: boolean, failClosed: boolean) => this.holds(r, a, ctx, approved, failClosed);
    // A deny a human can lift asks — unless another deny holds anyway (then asking would be in vain).
    let liftable: PolicyRule | undefined;
    for (const r of ix.deny) {
      const h = holds(r, ctx.humanApproved, true);
      if (h === false) continue;
      if (r.rule.asksHuman && !ctx.humanApproved) {
        // Would the deny still hold with a human's approval? If not, a human can lift it.
        if (holds(r, true, true) === false) { liftable ??= r; continue; }
      }
      return { verdict: 'deny', rule: ref(r), reason: typeof h === 'string' ? `denied: ${h}` : `denied by ${ruleText(r)}` };
    }
    if (liftable) return { verdict: 'ask', rule: ref(liftable), reason: `denied unless a human approves (${ruleText(liftable)})` };
    if (!ctx.humanApproved) {
      if (a.approval === 'always') {
        return { verdict: 'ask', rule: { policy: `tool ${a.tool}`, verb: 'tool', file: a.toolLoc?.file ?? this.agentFile, line: a.toolLoc?.line ?? 0 }, reason: `tool '${a.tool}' has approval = "always"` };
      }
      for (const r of ix.approval) {
        if (holds(r, false, true) !== false) return { verdict: 'ask', rule: ref(r), reason: `approval required by ${ruleText(r)}` };
      }
    }
    for (const r of ix.allow) {
      if (holds(r, ctx.humanApproved, false) === true) return { verdict: 'allow', rule: ref(r), reason: `allowed by ${ruleText(r)}` };
    }
    const def: RuleRef = { policy: '(no rule)', verb: 'default', file: this.agentFile, line: 0 };
    if (this.mode === 'strict') return { verdict: 'deny', rule: def, reason: `no rule allows '${a.tool}' (approval_mode = "strict")` };
    if (ctx.humanApproved) return { verdict: 'allow', rule: def, reason: 'approved by a human; no rule decides it' };
    if (a.approval === 'never') return { verdict: 'allow', rule: def, reason: `no rule decides it; tool '${a.tool}' has approval = "never"` };
    return { verdict: 'ask', rule: def, reason: `no rule decides '${a.tool}'` };
  }

  /**
   * `audit:` rules matching the action, with their settings (include_input, include_output, ...).
   * A conditional rule applies only when its condition holds; one that cannot be evaluated (it may
   * read inputs or context the caller did not pass) audits anyway: better an entry too many.
   */
  audits(a: Action, ctx: { inputs: Rec; context: Rec } = { inputs: {}, context: {} }): Array<{ rule: RuleRef; settings: { [k: string]: Json } }> {
    return this.index(a).audit
      .filter((r) => this.holds(r, a, ctx, ctx.context.has_human_approval === true, true) !== false)
      .map((r) => ({ rule: ref(r), settings: r.rule.settings ?? {} }));
  }

  /** Settings of `require: { ... }` rules (rate_limiting, max_document_size, approval_expiry, ...). */
  requirements(): Array<{ rule: RuleRef; settings: { [k: string]: Json } }> {
    return this.settingsRules.filter((r) => r.rule.verb === 'require').map((r) => ({ rule: ref(r), settings: r.rule.settings ?? {} }));
  }

  private index(a: Action): Indexed {
    const key = a.tool + '\0' + a.capabilities.join('\0');
    let ix = this.cache?.get(key);
    if (ix) return ix;
    ix = { deny: [], approval: [], allow: [], audit: [] };
    for (const r of this.rules) {
      const matches = r.rule.form === 'settings' ? r.rule.verb === 'audit' : matchesAction(r.rule, a);
      if (!matches) continue;
      if (r.rule.form === 'approval') ix.approval.push(r);
      else if (r.rule.verb === 'deny') ix.deny.push(r);
      else if (r.rule.verb === 'allow') ix.allow.push(r);
      else if (r.rule.verb === 'audit') ix.audit.push(r);
      else if (r.rule.verb === 'require' && r.rule.form === 'actions') ix.approval.push(r);
    }
    (this.cache ??= new Map()).set(key, ix);
    return ix;
  }
}

export function matchesAction(rule: RuleIR, a: Action): boolean {
  if (rule.pattern.all) return true;
  for (const n of rule.pattern.names) {
    if (ALL_ACTIONS.has(n)) return true;
    if (n === a.tool || n.replace('/', '.') === a.tool || a.capabilities.includes(n)) return true;
  }
  return false;
}

function ref(r: PolicyRule): RuleRef {
  return { policy: r.rule.policy, verb: r.rule.verb, file: r.file, line: r.rule.loc[0] };
}

function ruleText(r: PolicyRule): string {
  return `'${r.rule.verb}' rule of policy ${r.rule.policy} (${r.file}:${r.rule.loc[0]})`;
}

export function describeRule(r: RuleRef): string {
  if (r.verb === 'default') return 'no rule';
  if (r.verb === 'tool') return `${r.policy} (${r.file}:${r.line})`;
  if (r.verb === 'always-allowed' || r.verb === 'approved-for-run' || r.verb === 'flag' || r.verb === 'kernel') return r.policy;
  return `policy ${r.policy}, ${r.verb} (${r.file}:${r.line})`;
}
