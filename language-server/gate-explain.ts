/**
 * What the policy gate will decide at a call site, explained: the chain of outcomes the runtime's
 * decision order (LANGUAGE.md §4, runtime/policy/engine.ts `decide`) produces when the arguments are
 * unknown. Used by hover and inlay hints.
 *
 * Rules come from the checker (`check.rulesByAgent`, analysed by runtime/dsl/policy-analysis.ts).
 * The action is built like the runtime builds it: a declared tool's name with its `capability` and,
 * for a built-in binding, the capabilities that built-in implies (BUILTIN_TOOLS); `server.tool` for
 * a direct MCP call (no capabilities); another agent's name with capability `invoke_agent`.
 * Matching follows the engine (`matchesAction`): name, `server/tool` written for `server.tool`, a
 * capability, or a match-all word. Conditions are read three-valued: `context.has_human_approval`
 * is known (false before a human answers, true after), boolean literals are known, the rest is
 * unknown — so a chain reads "deny if amount > 500 · allow if amount <= 50 · else ask".
 */
import type * as A from '../runtime/dsl/ast';
import type { DocContext } from './context';
import type { CallSite } from '../runtime/dsl/check-context';
import type { RuleInfo } from '../runtime/dsl/policy-analysis';
import type { Sym } from '../runtime/dsl/symbols';
import { ALL_ACTIONS, BUILTIN_TOOLS } from '../runtime/dsl/builtins';
import { constValue, setting } from '../runtime/dsl/symbols';
import { clip, oneLine } from './describe';

export type Outcome = 'allow' | 'ask' | 'deny';

export interface GateStep {
  outcome: Outcome;
  /** Source text of the condition under which this step decides; null when it always does (the last step). */
  when: string | null;
  /** What decides: a rule, the tool's `approval` setting, or the default for unmatched actions. */
  by: 'rule' | 'tool-approval' | 'default';
  rule?: RuleInfo;
  /** Short label for hints, e.g. `require approval(scale) · least_privilege:57`. */
  label: string;
  /** Full sentence for hovers. */
  text: string;
  /** The asks-a-human deny (`deny: x if not context.has_human_approval`). */
  liftable?: boolean;
}

export interface GateExplanation {
  agent: string;
  action: { name: string; capabilities: string[]; approval: 'always' | 'never' | 'policy' };
  mode: 'ask' | 'strict';
  /** Before any human answers; the last step is unconditional. */
  steps: GateStep[];
  /** After a human approves, when some step asks. */
  afterApproval: GateStep[] | null;
  /** `audit:` rules matching the action. */
  audits: RuleInfo[];
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

function matches(info: RuleInfo, name: string, caps: readonly string[]): boolean {
  if (info.isSettings || info.invalid) return false;
  if (info.matchesAll) return true;
  for (const n of info.targets) {
    if (ALL_ACTIONS.has(n) || n === name || n.replace('/', '.') === name || caps.includes(n)) return true;
  }
  return false;
}

function approvalMode(ctx: DocContext, agent: A.AgentDecl): 'ask' | 'strict' {
  for (const it of agent.items) {
    if (it.kind !== 'With') continue;
    const a = it.attrs.find((x) => x.key.name === 'approval_mode');
    if (a) return constValue(a.value) === 'strict' ? 'strict' : 'ask';
  }
  for (const it of ctx.analysis.parse.file.items) {
    if (it.kind === 'Metadata' && constValue(setting(it.body, 'approval_mode')?.value) === 'strict') return 'strict';
  }
  return 'ask';
}

export type GateAction = GateExplanation['action'] & { toolDecl?: A.ToolDecl; toolUri?: string };

/** The action the runtime sees for a tool or agent call, or null for other calls. */
export function actionOf(site: CallSite): GateAction | null {
  if (site.kind === 'agent') return { name: site.name, capabilities: ['invoke_agent'], approval: 'policy' };
  if (site.kind !== 'tool') return null;
  if (site.mcp) return { name: site.name, capabilities: [], approval: 'policy' };
  return actionOfTool(site.name, site.decl as A.ToolDecl | undefined, site.uri);
}

/** A declared tool as the runtime's action: its capability, those its built-in implies, its approval setting. */
export function actionOfTool(name: string, tool: A.ToolDecl | undefined, uri?: string): GateAction {
  const caps: string[] = [];
  const cap = constValue(setting(tool?.body, 'capability')?.value);
  if (typeof cap === 'string') caps.push(cap);
  const builtin = constValue(setting(tool?.body, 'builtin')?.value);
  for (const c of (typeof builtin === 'string' && BUILTIN_TOOLS.get(builtin)?.capabilities) || []) if (!caps.includes(c)) caps.push(c);
  const approval = constValue(setting(tool?.body, 'approval')?.value);
  return { name, capabilities: caps, approval: approval === 'always' || approval === 'never' ? approval : 'policy', toolDecl: tool, toolUri: uri };
}

/** Explains the gate for an action of `agentName` (rules of the document `ctx`). */
export function explainAction(ctx: DocContext, agentName: string, action: GateAction): GateExplanation | null {
  const agent = ctx.analysis.check.symbols.agents.get(agentName);
  const rules = ctx.analysis.check.rulesByAgent.get(agentName);
  if (!agent || !rules) return null;
  const mode = approvalMode(ctx, agent);
  const { name, capabilities: caps } = action;
  const text = ctx.text;
  const line = (n: A.Node) => ctx.lines.lineOf(n.start) + 1;
  const condText = (r: RuleInfo) => (r.rule.condition ? oneLine(text.slice(r.rule.condition.start, r.rule.condition.end)) : '');
  const ruleLabel = (r: RuleInfo) => {
    const pat = clip(oneLine(text.slice(r.rule.pattern.start, r.rule.pattern.end)), 36);
    const cond = r.rule.condition ? ` if ${clip(condText(r), 30)}` : '';
    return `${r.verb} ${pat}${cond} · ${r.policy.name.name}:${line(r.rule)}`;
  };
  const ruleRef = (r: RuleInfo) => `\`${oneLine(text.slice(r.rule.start, r.rule.end))}\` (policy ${r.policy.name.name}, line ${line(r.rule)})`;
  const relevant = rules.filter((r) => matches(r, name, caps));
  const denies = relevant.filter((r) => r.verb === 'deny');
  const approvals = relevant.filter((r) => r.verb === 'require');
  const allows = relevant.filter((r) => r.verb === 'allow');

  const phase = (approved: boolean): GateStep[] => {
    const steps: GateStep[] = [];
    const step = (s: GateStep, holds: Tri): boolean => {
      if (holds === false) return false;
      steps.push({ ...s, when: holds === true ? null : s.when });
      return holds === true;
    };
    let liftable: { r: RuleInfo; holds: Tri } | undefined;
    for (const r of denies) {
      const h = evalCondition(r.rule.condition, approved);
      if (h === false) continue;
      if (r.asksHuman && !approved && evalCondition(r.rule.condition, true) === false) { liftable ??= { r, holds: h }; continue; }
      if (step({ outcome: 'deny', when: condText(r), by: 'rule', rule: r, label: ruleLabel(r), text: `denied by ${ruleRef(r)}` }, h)) return steps;
    }
    if (liftable) {
      const r = liftable.r;
      const pat = clip(oneLine(text.slice(r.rule.pattern.start, r.rule.pattern.end)), 36);
      if (step({ outcome: 'ask', when: condText(r), by: 'rule', rule: r, liftable: true, label: `deny ${pat} without approval · ${r.policy.name.name}:${line(r.rule)}`,
        text: `asks a human: ${ruleRef(r)} denies it unless a human approves` }, liftable.holds)) return steps;
    }
    if (!approved) {
      if (action.approval === 'always') {
        const tool = action.toolDecl;
        const s = setting(tool?.body, 'approval');
        const lines = action.toolUri ? ctx.index.lines(action.toolUri) : ctx.lines;
        const where = tool && s && lines ? `tool ${tool.name.name}:${lines.lineOf(s.start) + 1}` : `tool ${name}`;
        steps.push({ outcome: 'ask', when: null, by: 'tool-approval', label: `approval = "always" · ${where}`, text: `asks a human: tool \`${name}\` is declared \`approval = "always"\`` });
        return steps;
      }
      for (const r of approvals) {
        const h = evalCondition(r.rule.condition, false);
        if (step({ outcome: 'ask', when: condText(r), by: 'rule', rule: r, label: ruleLabel(r), text: `asks a human: ${ruleRef(r)} requires approval` }, h)) return steps;
      }
    }
    for (const r of allows) {
      const h = evalCondition(r.rule.condition, approved);
      if (step({ outcome: 'allow', when: condText(r), by: 'rule', rule: r, label: ruleLabel(r), text: `allowed by ${ruleRef(r)}` }, h)) return steps;
    }
    if (mode === 'strict') {
      steps.push({ outcome: 'deny', when: null, by: 'default', label: 'no allow rule (strict mode)',
        text: `denied: no rule allows \`${name}\` and the agent runs with \`approval_mode = "strict"\`` });
    } else if (approved) {
      steps.push({ outcome: 'allow', when: null, by: 'default', label: 'approved, no rule decides', text: 'allowed: a human approved and no rule decides otherwise' });
    } else if (action.approval === 'never') {
      steps.push({ outcome: 'allow', when: null, by: 'default', label: 'no rule; approval = "never"', text: `allowed: no rule decides and tool \`${name}\` is declared \`approval = "never"\`` });
    } else {
      steps.push({ outcome: 'ask', when: null, by: 'default', label: 'no rule matches', text: `asks a human: no rule decides \`${name}\` (ask mode)` });
    }
    return steps;
  };
  const steps = phase(false);
  const firstAsk = steps.findIndex((s) => s.outcome === 'ask');
  let afterApproval: GateStep[] | null = null;
  if (firstAsk >= 0) {
    // Reaching the ask means the conditions before it did not hold; those that do not read the
    // approval still do not hold once a human approves.
    const failed = new Set(steps.slice(0, firstAsk).filter((s) => s.rule && !s.rule.asksHuman).map((s) => s.rule));
    afterApproval = phase(true).filter((s) => !s.rule || !failed.has(s.rule) || s.when === null);
  }
  const audits = rules.filter((r) => r.verb === 'audit' && (r.isSettings || matches(r, name, caps)));
  return { agent: agentName, action: { name, capabilities: caps, approval: action.approval }, mode, steps, afterApproval, audits };
}

/** The action of a tool or agent named as a value (`tools: [read_logs]`), from the checker's symbol. */
export function actionOfSymbol(sym: Sym | undefined): GateAction | null {
  if (sym?.kind === 'agent') return { name: sym.name, capabilities: ['invoke_agent'], approval: 'policy' };
  if (sym?.kind !== 'tool' || !sym.node) return null;
  return actionOfTool(sym.name, sym.node as A.ToolDecl, sym.uri);
}

/** The gate at a call site (tool and agent calls inside an agent), or null. */
export function explainCall(ctx: DocContext, site: CallSite): GateExplanation | null {
  if (!site.agent) return null;
  const action = actionOf(site);
  if (!action) return null;
  return explainAction(ctx, site.agent, action);
}

/** One-line summary: `ask: require approval(scale) · least_privilege:57`, or a chain `deny if … · allow if … · else ask`. */
export function gateSummary(e: GateExplanation): string {
  const s = e.steps;
  let out: string;
  if (s.length === 1) out = `${s[0].outcome}: ${s[0].label}`;
  else out = s.map((x, i) => (x.when !== null ? `${x.outcome} if ${clip(x.when, 28)}` : `${i ? 'else ' : ''}${x.outcome}`)).join(' · ');
  const after = e.afterApproval;
  if (after && after.length === 1 && after[0].outcome === 'deny') out += ` → denied even if approved (${after[0].by === 'default' ? 'strict mode' : after[0].label})`;
  return out;
}

/** Markdown: the decision chain, what happens after a human approves, audits. */
export function gateMarkdown(e: GateExplanation, heading = true): string {
  const out: string[] = [];
  const first = e.steps[0];
  const list = (steps: GateStep[]) => steps.map((x, i) => {
    const cond = x.when !== null ? `if \`${x.when}\`: ` : i > 0 ? 'otherwise: ' : '';
    return `- ${cond}**${x.outcome}** — ${x.text}`;
  });
  if (e.steps.length === 1) out.push(`Policy: **${first.outcome}** — ${first.text}`);
  else out.push('Policy (first that applies):', ...list(e.steps));
  if (e.afterApproval) {
    const a = e.afterApproval;
    if (a.length === 1) out.push(`If a human approves: **${a[0].outcome}** — ${a[0].text}`);
    else out.push('If a human approves:', ...list(a));
  }
  if (heading) {
    const caps = e.action.capabilities.length ? ` · capabilities ${e.action.capabilities.map((c) => `\`${c}\``).join(', ')}` : '';
    out.push(`_Agent \`${e.agent}\`, approval mode \`${e.mode}\`; action \`${e.action.name}\`${caps}._`);
  }
  if (e.audits.length) out.push(`Audited by ${e.audits.map((r) => `policy ${r.policy.name.name}`).filter((v, i, a) => a.indexOf(v) === i).join(', ')}.`);
  return out.join('\n\n');
}
