/**
 * Inlay hints: what the policy gate will decide at every tool call and agent call of a range (agent
 * calls are actions too, capability `invoke_agent`), shown after the call's closing parenthesis —
 * `⟵ ask: require approval(scale) · least_privilege:57`, or a chain when conditions decide
 * (`⟵ deny if amount > 500 · allow if amount <= 50 · else ask`). Tools listed in `tools: [...]` of an
 * LLM built-in (`reason(goal, tools: [a, b])`) get the same hint after their name: the model's calls
 * of them pass the same gate. The tooltip explains the whole decision order (gate-explain.ts),
 * including what happens after a human approves (strict mode denies an approved action no rule allows).
 */
import { InlayHint, MarkupKind } from 'vscode-languageserver';
import type * as A from '../runtime/dsl/ast';
import type { DocContext } from './context';
import { actionOf, actionOfSymbol, explainAction, GateAction, GateExplanation, gateMarkdown, gateSummary } from './gate-explain';
import { referenceAt } from './scope-at';

export function inlayHints(ctx: DocContext, start: number, end: number): InlayHint[] {
  const out: Array<{ at: number; hint: InlayHint }> = [];
  const cache = new Map<string, GateExplanation | null>();
  const explain = (agent: string, action: GateAction): GateExplanation | null => {
    const key = `${agent}\0${action.name}\0${action.toolUri ?? ''}`;
    if (!cache.has(key)) cache.set(key, explainAction(ctx, agent, action));
    return cache.get(key)!;
  };
  const push = (at: number, e: GateExplanation) => {
    out.push({ at, hint: {
      position: ctx.lines.position(at),
      label: `⟵ ${gateSummary(e)}`,
      paddingLeft: true,
      tooltip: { kind: MarkupKind.Markdown, value: gateMarkdown(e) },
    } });
  };
  for (const site of ctx.analysis.check.calls) {
    if (site.call.end < start || site.call.start > end || !site.agent) continue;
    if (site.kind === 'tool' || site.kind === 'agent') {
      const action = actionOf(site);
      const e = action && explain(site.agent, action);
      if (e) push(site.call.end, e);
    } else if (site.kind === 'llm') {
      for (const arg of site.call.args) {
        if (arg.name?.name !== 'tools' || arg.value.kind !== 'Array') continue;
        for (const el of arg.value.elements) {
          if (el.end < start || el.start > end) continue;
          const action = listedTool(ctx, el);
          const e = action && explain(site.agent, action);
          if (e) push(el.end, e);
        }
      }
    }
  }
  out.sort((a, b) => a.at - b.at);
  return out.map((x) => x.hint);
}

/** A tool (or agent) named in a `tools: [...]` list, as the action the gate sees. */
function listedTool(ctx: DocContext, el: A.Expr): GateAction | null {
  return el.kind === 'Name' ? actionOfSymbol(referenceAt(ctx.analysis.check.refs, el)?.sym) : null;
}
