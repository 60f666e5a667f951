/**
 * What the policy gate will decide at a call site, explained for hover, inlay hints and completion
 * details. The decision itself is runtime/dsl/policy-static.ts `staticVerdict` (the checker's
 * `CallSite.verdict`, the same order and matching as runtime/policy/engine.ts `decide`); this module
 * only formats it with source text: a chain reads "deny if amount > 500 · allow if amount <= 50 ·
 * else ask", labels name the deciding rule and line, hovers quote the rule.
 */
import type * as A from '../runtime/dsl/ast';
import type { DocContext } from './context';
import type { CallSite } from '../runtime/dsl/check-context';
import type { RuleInfo } from '../runtime/dsl/policy-analysis';
import type { Sym } from '../runtime/dsl/symbols';
import {
  actionOfAgent, actionOfCall, actionOfTool as staticActionOfTool, approvalModeOf, auditsOf, GateStep as StaticStep,
  Outcome, StaticAction, StaticVerdict, staticVerdict, stepsOf,
} from '../runtime/dsl/policy-static';
import { setting } from '../runtime/dsl/symbols';
import { clip, oneLine } from './describe';

export type { Outcome } from '../runtime/dsl/policy-static';
export { evalCondition } from '../runtime/dsl/policy-static';

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

export type GateAction = StaticAction & { toolDecl?: A.ToolDecl; toolUri?: string };

/** The action the runtime sees for a tool or agent call, or null for other calls. */
export function actionOf(site: CallSite): GateAction | null {
  const a = actionOfCall(site);
  if (!a) return null;
  return site.kind === 'tool' && !site.mcp ? { ...a, toolDecl: site.decl as A.ToolDecl | undefined, toolUri: site.uri } : a;
}

/** A declared tool as the runtime's action: its capability, those its built-in implies, its approval setting. */
export function actionOfTool(name: string, tool: A.ToolDecl | undefined, uri?: string): GateAction {
  return { ...staticActionOfTool(name, tool), toolDecl: tool, toolUri: uri };
}

/** The action of a tool or agent named as a value (`tools: [read_logs]`), from the checker's symbol. */
export function actionOfSymbol(sym: Sym | undefined): GateAction | null {
  if (sym?.kind === 'agent') return actionOfAgent(sym.name);
  if (sym?.kind !== 'tool' || !sym.node) return null;
  return actionOfTool(sym.name, sym.node as A.ToolDecl, sym.uri);
}

/** Explains the gate for an action of `agentName` (rules of the document `ctx`). */
export function explainAction(ctx: DocContext, agentName: string, action: GateAction, verdict?: StaticVerdict): GateExplanation | null {
  const agent = ctx.analysis.check.symbols.agents.get(agentName);
  const rules = ctx.analysis.check.rulesByAgent.get(agentName);
  if (!agent || !rules) return null;
  const mode = approvalModeOf(ctx.analysis.parse.file, agent);
  const v = verdict ?? staticVerdict(rules, action, mode);
  const text = ctx.text;
  const line = (n: A.Node) => ctx.lines.lineOf(n.start) + 1;
  const src = (n: A.Node) => oneLine(text.slice(n.start, n.end));
  const pattern = (r: RuleInfo) => clip(src(r.rule.pattern), 36);
  const ruleLabel = (r: RuleInfo) => `${r.verb} ${pattern(r)}${r.rule.condition ? ` if ${clip(src(r.rule.condition), 30)}` : ''} · ${r.policy.name.name}:${line(r.rule)}`;
  const ruleRef = (r: RuleInfo) => `\`${src(r.rule)}\` (policy ${r.policy.name.name}, line ${line(r.rule)})`;
  const name = action.name;

  const format = (s: StaticStep): GateStep => {
    const base = { outcome: s.decision, when: s.when ? src(s.when) : null, by: s.by, ...(s.rule ? { rule: s.rule } : {}), ...(s.liftable ? { liftable: true } : {}) };
    const r = s.rule;
    if (r && s.liftable) {
      return { ...base, label: `deny ${pattern(r)} without approval · ${r.policy.name.name}:${line(r.rule)}`, text: `asks a human: ${ruleRef(r)} denies it unless a human approves` };
    }
    if (r) {
      const text = s.decision === 'deny' ? `denied by ${ruleRef(r)}` : s.decision === 'allow' ? `allowed by ${ruleRef(r)}` : `asks a human: ${ruleRef(r)} requires approval`;
      return { ...base, label: ruleLabel(r), text };
    }
    if (s.by === 'tool-approval') {
      const tool = action.toolDecl;
      const at = setting(tool?.body, 'approval');
      const lines = action.toolUri ? ctx.index.lines(action.toolUri) : ctx.lines;
      const where = tool && at && lines ? `tool ${tool.name.name}:${lines.lineOf(at.start) + 1}` : `tool ${name}`;
      return { ...base, label: `approval = "always" · ${where}`, text: `asks a human: tool \`${name}\` is declared \`approval = "always"\`` };
    }
    switch (s.defaultCase) {
      case 'strict': return { ...base, label: 'no allow rule (strict mode)', text: `denied: no rule allows \`${name}\` and the agent runs with \`approval_mode = "strict"\`` };
      case 'approval-never': return { ...base, label: 'no rule; approval = "never"', text: `allowed: no rule decides and tool \`${name}\` is declared \`approval = "never"\`` };
      case 'approved': return { ...base, label: 'approved, no rule decides', text: 'allowed: a human approved and no rule decides otherwise' };
      default: return { ...base, label: 'no rule matches', text: `asks a human: no rule decides \`${name}\` (ask mode)` };
    }
  };
  return {
    agent: agentName, action: { name, capabilities: action.capabilities, approval: action.approval }, mode,
    steps: stepsOf(v).map(format),
    afterApproval: v.afterApproval ? stepsOf(v.afterApproval).map(format) : null,
    audits: auditsOf(rules, action),
  };
}

/** The gate at a call site (tool and agent calls inside an agent): the checker's verdict, formatted; or null. */
export function explainCall(ctx: DocContext, site: CallSite): GateExplanation | null {
  if (!site.agent) return null;
  const action = actionOf(site);
  if (!action) return null;
  return explainAction(ctx, site.agent, action, site.verdict);
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
