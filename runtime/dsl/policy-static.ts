/**
 * The static policy gate: what runtime/policy/engine.ts `decide` (LANGUAGE.md §4) will decide for
 * an action when its arguments, inputs and context are unknown. The one implementation behind the
 * checker (`CallSite.verdict`, `policy-asks-every-call`, `policy-denied-call`) and the language
 * server (language-server/gate-explain.ts: inlay hints, hover, completion details).
 *
 * The action is built like the runtime builds it (runtime/run/tool-resolver.ts, agent-host.ts):
 * a declared tool's name with its `capability` and, for a built-in binding, the capabilities that
 * built-in implies (BUILTIN_TOOLS); an MCP-bound tool (`mcp = "server/tool"`) is known by its
 * declared name only; `server.tool` for a direct MCP call (no capabilities); another agent's name
 * with capability `invoke_agent`. Matching is the engine's `matchesAction`: the name, `server/tool`
 * written for `server.tool`, a capability, or a match-all word.
 *
 * Conditions are read three-valued: `context.has_human_approval` is known (false before a human
 * answers, true after), boolean literals are known, the rest is unknown. A rule whose condition is
 * unknown becomes a conditional step, so a verdict is a chain kept as data:
 * `deny if amount > 500 · allow if amount <= 50 · else ask` is `{ conditional: [deny…, allow…],
 * decision: 'ask' }`, and `afterApproval` says what a human's yes leads to when some step asks.
 */
import type * as A from './ast';
import type { CallSite } from './check-context';
import type { RuleInfo } from './policy-analysis';
import { ALL_ACTIONS, BUILTIN_TOOLS } from './builtins';
import { constValue, setting } from './symbols';

export type Outcome = 'allow' | 'ask' | 'deny';
export type ToolApproval = 'always' | 'never' | 'policy';

/** An action as the policy engine sees it (`Action` of runtime/policy/engine.ts, without arguments). */
export interface StaticAction {
  name: string;
  /** The tool's `capability` and those its built-in binding implies; `invoke_agent` for agents. */
  capabilities: string[];
  approval: ToolApproval;
}

/** One outcome of the decision order. */
export interface GateStep {
  decision: Outcome;
  /** The rule condition under which this step decides; null when it decides whenever reached. */
  when: A.Expr | null;
  /** What decides: a rule, the tool's `approval = "always"`, or the default for unmatched actions. */
  by: 'rule' | 'tool-approval' | 'default';
  rule?: RuleInfo;
  /** The asks-a-human deny (`deny: x if not context.has_human_approval`): asks instead of denying. */
  liftable?: boolean;
  /** For the default (`by: 'default'`): strict mode, approved by a human, the tool's `approval = "never"`, or ask mode. */
  defaultCase?: 'strict' | 'approved' | 'approval-never' | 'ask-mode';
  /** A sentence without source text, e.g. "denied by the `deny` rule of policy p". */
  reason: string;
}

/** The static verdict: `decision` (with its rule) is what happens when no conditional step applies. */
export interface StaticVerdict extends Omit<GateStep, 'when'> {
  /** Steps that decide first when their condition holds, in order; empty when `decision` is certain. */
  conditional: Array<GateStep & { when: A.Expr }>;
  /** After a human approves (when some step asks); null when no step asks. */
  afterApproval: StaticVerdict | null;
}

type Tri = boolean | undefined;

/** Three-valued reading of a rule condition, given whether a human has approved. */
export function evalCondition(e: A.Expr | null, approved: boolean): Tri {
  if (!e) return true;
  switch (e.kind) {
    case 'Literal': return typeof e.value === 'boolean' ? e.value : undefined;
    case 'Paren': return evalCondition(e.expr, approved);
    case 'Member':
      return e.property.name === 'has_human_approval' && e.object.kind === 'Name' && e.object.name === 'context' ? approved : undefined;
    case 'Unary': {
      if (e.op === '-') return undefined;
      const v = evalCondition(e.operand, approved);
      return v === undefined ? undefined : !v;
    }
    case 'Binary': {
      if (e.op === '&&' || e.op === '||') {
        const l = evalCondition(e.left, approved), r = evalCondition(e.right, approved);
        if (e.op === '&&') return l === false || r === false ? false : l === true && r === true ? true : undefined;
        return l === true || r === true ? true : l === false && r === false ? false : undefined;
      }
      if (e.op === '==' || e.op === '!=') {
        const l = evalCondition(e.left, approved), r = evalCondition(e.right, approved);
        if (l === undefined || r === undefined) return undefined;
        return e.op === '==' ? l === r : l !== r;
      }
      return undefined;
    }
    default: return undefined;
  }
}

/** The engine's `matchesAction` over an analysed rule (settings and invalid patterns match nothing). */
export function ruleMatchesAction(info: RuleInfo, action: StaticAction): boolean {
  if (info.isSettings || info.invalid) return false;
  if (info.matchesAll) return true;
  for (const n of info.targets) {
    if (ALL_ACTIONS.has(n) || n === action.name || n.replace('/', '.') === action.name || action.capabilities.includes(n)) return true;
  }
  return false;
}

/** A declared tool as the runtime's action: its capability, those its built-in implies, its approval setting. */
export function actionOfTool(name: string, tool: A.ToolDecl | undefined): StaticAction {
  const caps: string[] = [];
  const cap = constValue(setting(tool?.body, 'capability')?.value);
  if (typeof cap === 'string') caps.push(cap);
  const builtin = constValue(setting(tool?.body, 'builtin')?.value);
  for (const c of (typeof builtin === 'string' && BUILTIN_TOOLS.get(builtin)?.capabilities) || []) if (!caps.includes(c)) caps.push(c);
  const approval = constValue(setting(tool?.body, 'approval')?.value);
  return { name, capabilities: caps, approval: approval === 'always' || approval === 'never' ? approval : 'policy' };
}

/** Another agent called as an action (runtime/run/agent-host.ts `agentAction`). */
export function actionOfAgent(name: string): StaticAction {
  return { name, capabilities: ['invoke_agent'], approval: 'policy' };
}

/** The action the runtime gates for a tool or agent call site, or null for other calls. */
export function actionOfCall(site: CallSite): StaticAction | null {
  if (site.kind === 'agent') return actionOfAgent(site.name);
  if (site.kind !== 'tool') return null;
  if (site.mcp) return { name: site.name, capabilities: [], approval: 'policy' };
  return actionOfTool(site.name, site.decl as A.ToolDecl | undefined);
}

/** `audit:` rules that apply to the action (settings records audit everything). */
export function auditsOf(rules: readonly RuleInfo[], action: StaticAction): RuleInfo[] {
  return rules.filter((r) => r.verb === 'audit' && (r.isSettings || ruleMatchesAction(r, action)));
}

function where(r: RuleInfo): string {
  return `the \`${r.verb}\` rule of policy ${r.policy.name.name}`;
}

/** The decision order for one phase (before / after a human's yes); the last step is unconditional. */
function phase(rules: readonly RuleInfo[], action: StaticAction, mode: 'ask' | 'strict', approved: boolean): GateStep[] {
  const steps: GateStep[] = [];
  /** Adds the step unless its condition is known false; true when it decides for sure (stop). */
  const step = (s: GateStep, holds: Tri): boolean => {
    if (holds === false) return false;
    steps.push({ ...s, when: holds === true ? null : s.when });
    return holds === true;
  };
  const relevant = rules.filter((r) => ruleMatchesAction(r, action));
  // 1. Denies; a deny a human can lift asks — unless another deny holds anyway.
  let liftable: { r: RuleInfo; holds: Tri } | undefined;
  for (const r of relevant) {
    if (r.verb !== 'deny') continue;
    const cond = r.rule.condition;
    const h = evalCondition(cond, approved);
    if (h === false) continue;
    if (r.asksHuman && !approved && evalCondition(cond, true) === false) { liftable ??= { r, holds: h }; continue; }
    if (step({ decision: 'deny', when: cond, by: 'rule', rule: r, reason: `denied by ${where(r)}` }, h)) return steps;
  }
  if (liftable) {
    const r = liftable.r;
    if (step({ decision: 'ask', when: r.rule.condition, by: 'rule', rule: r, liftable: true,
      reason: `asks a human: ${where(r)} denies it without human approval` }, liftable.holds)) return steps;
  }
  // 2. Not yet approved: the tool's approval = "always", then `require:` rules (approval(...) or plain actions).
  if (!approved) {
    if (action.approval === 'always') {
      steps.push({ decision: 'ask', when: null, by: 'tool-approval', reason: `asks a human: tool '${action.name}' is declared \`approval = "always"\`` });
      return steps;
    }
    for (const r of relevant) {
      if (r.verb !== 'require') continue;
      if (step({ decision: 'ask', when: r.rule.condition, by: 'rule', rule: r, reason: `asks a human: ${where(r)} requires approval` }, evalCondition(r.rule.condition, false))) return steps;
    }
  }
  // 3. Allows.
  for (const r of relevant) {
    if (r.verb !== 'allow') continue;
    if (step({ decision: 'allow', when: r.rule.condition, by: 'rule', rule: r, reason: `allowed by ${where(r)}` }, evalCondition(r.rule.condition, approved))) return steps;
  }
  // 4. The default.
  const def = (decision: Outcome, defaultCase: GateStep['defaultCase'], reason: string) => steps.push({ decision, when: null, by: 'default', defaultCase, reason });
  if (mode === 'strict') def('deny', 'strict', 'denied: no rule allows it (strict mode)');
  else if (approved) def('allow', 'approved', 'allowed: a human approved and no rule decides otherwise');
  else if (action.approval === 'never') def('allow', 'approval-never', 'allowed: no rule decides it and the tool is declared `approval = "never"`');
  else def('ask', 'ask-mode', 'asks a human: no rule allows it');
  return steps;
}

function verdictOf(steps: GateStep[], afterApproval: StaticVerdict | null): StaticVerdict {
  const { when: _unconditional, ...last } = steps[steps.length - 1];
  return { ...last, conditional: steps.slice(0, -1) as StaticVerdict['conditional'], afterApproval };
}

/** What the gate decides for `action` under `rules` (in order: the agent's policies, then the file's). */
export function staticVerdict(rules: readonly RuleInfo[], action: StaticAction, mode: 'ask' | 'strict' = 'ask'): StaticVerdict {
  const before = phase(rules, action, mode, false);
  const firstAsk = before.findIndex((s) => s.decision === 'ask');
  let after: StaticVerdict | null = null;
  if (firstAsk >= 0) {
    // Reaching the ask means the conditions before it did not hold; those that do not read the
    // approval still do not hold once a human approves.
    const failed = new Set(before.slice(0, firstAsk).filter((s) => s.rule && !s.rule.asksHuman).map((s) => s.rule));
    after = verdictOf(phase(rules, action, mode, true).filter((s) => !s.rule || !failed.has(s.rule) || s.when === null), null);
  }
  return verdictOf(before, after);
}

/** The chain of a verdict: its conditional steps, then the unconditional decision (`when: null`). */
export function stepsOf(v: StaticVerdict): GateStep[] {
  const { conditional, afterApproval: _after, ...last } = v;
  return [...conditional, { ...last, when: null }];
}

/** Every call asks a human by default: no rule decides it (nothing conditional either). */
export function asksEveryCall(v: StaticVerdict): boolean {
  return v.decision === 'ask' && v.by === 'default' && v.conditional.length === 0;
}

/** Every call is denied before anyone is asked. */
export function deniesEveryCall(v: StaticVerdict): boolean {
  return v.decision === 'deny' && v.conditional.length === 0;
}

/** The agent's `approval_mode`: its `with` block's attribute, else the file metadata's, else "ask". */
export function approvalModeOf(file: A.SourceFile, agent: A.AgentDecl): 'ask' | 'strict' {
  for (const it of agent.items) {
    if (it.kind !== 'With') continue;
    const a = it.attrs.find((x) => x.key.name === 'approval_mode');
    if (a) return constValue(a.value) === 'strict' ? 'strict' : 'ask';
  }
  for (const it of file.items) {
    if (it.kind === 'Metadata' && constValue(setting(it.body, 'approval_mode')?.value) === 'strict') return 'strict';
  }
  return 'ask';
}
