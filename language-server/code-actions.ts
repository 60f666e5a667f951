/**
 * Quick fixes for the checker's diagnostics (codes of runtime/dsl/diagnostics.ts):
 * - `semantic-function` (an undeclared call): change to a close declared name; declare a tool stub
 *   whose parameters are inferred from the call's arguments;
 * - `unknown-name` in a `tools: [...]` list and `policy-unknown-target` naming a tool: declare it;
 * - `missing-capability`: add the capability to the agent (`data: { capability, agent }`);
 * - `policy-asks-every-call`: allow the tool in the agent's first policy, or in a new policy
 *   (`data: { tool, agent }`);
 * - `policy-unreachable`: remove the shadowed allow rule;
 * - did-you-mean (`unknown-name`, `unknown-metadata-key`, `unknown-with-attr`,
 *   `policy-unknown-target`, `unknown-named-arg` carry `data.suggestion`; for `unknown-type` and
 *   `unknown-builtin-tool` the suggestion is computed here): replace with the suggestion.
 * Every action is a `quickfix` with a minimal WorkspaceEdit and the diagnostic it fixes. Only
 * diagnostics that the current analysis still reports are acted on (a stale one could point at
 * text that has moved).
 */
import type { CodeAction, Diagnostic, TextEdit } from 'vscode-languageserver';
import type { DocContext } from './context';
import type { Diagnostic as DslDiagnostic } from '../runtime/dsl/diagnostics';
import * as A from '../runtime/dsl/ast';
import { ALL_ACTIONS, BUILTIN_FUNCTIONS, BUILTIN_TOOLS, BUILTIN_TYPES, LLM_BUILTINS } from '../runtime/dsl/builtins';
import { closestWord } from '../runtime/dsl/suggest';
import { addAllowRule, addCapability, callSignature, declareTool, OffsetEdit, removeRule } from './code-action-edits';
import { walk } from './symbol-index';

const SUGGESTING = new Set(['unknown-metadata-key', 'unknown-with-attr', 'unknown-named-arg']);

export function codeActions(ctx: DocContext, start: number, end: number, diagnostics: Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    const ds = ctx.lines.offset(d.range.start), de = ctx.lines.offset(d.range.end);
    if (de < start || ds > end) continue;
    const current = ctx.analysis.diagnostics.find((x) => x.code === d.code && x.start === ds && x.end === de);
    if (!current) continue;
    const data = (d.data && typeof d.data === 'object' ? d.data : current.data ?? {}) as Record<string, unknown>;
    for (const a of actionsFor(ctx, current, data)) {
      const action: CodeAction = {
        title: a.title, kind: 'quickfix', diagnostics: [d],
        edit: { changes: { [ctx.uri]: a.edits.map((e) => toTextEdit(ctx, e)) } },
      };
      if (a.preferred) action.isPreferred = true;
      // The same fix for several diagnostics (an allow rule for two calls of one tool): offer it once.
      const same = out.find((x) => x.title === action.title && JSON.stringify(x.edit) === JSON.stringify(action.edit));
      if (same) same.diagnostics!.push(d); else out.push(action);
    }
  }
  return out;
}

interface Fix { title: string; edits: OffsetEdit[]; preferred?: boolean }

function toTextEdit(ctx: DocContext, e: OffsetEdit): TextEdit {
  return { range: { start: ctx.lines.position(e.start), end: ctx.lines.position(e.end) }, newText: e.newText };
}

function actionsFor(ctx: DocContext, d: DslDiagnostic, data: Record<string, unknown>): Fix[] {
  const text = ctx.text;
  const file = ctx.analysis.parse.file;
  const agentNamed = (name: unknown) => typeof name === 'string' ? ctx.analysis.check.symbols.agents.get(name) : undefined;
  switch (d.code) {
    case 'semantic-function': {
      const site = ctx.analysis.check.calls.find((c) => c.kind === 'semantic' && c.call.callee.kind === 'Name' && c.call.callee.start === d.start);
      if (!site) return [];
      const fixes: Fix[] = [];
      const guess = closestWord(site.name, callableNames(ctx, site.call));
      if (guess) fixes.push(replaceWith(text, d, guess));
      const sig = callSignature(ctx.analysis, site.call);
      fixes.push({ title: `Declare tool '${site.name}'`, edits: [declareTool(ctx.analysis, site.name, sig.params, sig.returns, d.start)] });
      return fixes;
    }
    case 'unknown-name': {
      const fixes = typeof data.suggestion === 'string' ? [replaceWith(text, d, data.suggestion, true)] : [];
      // `reason(goal, tools: [search_web])`: the user means a tool.
      const name = text.slice(d.start, d.end);
      if (inToolsList(file, d.start)) fixes.push({ title: `Declare tool '${name}'`, edits: [declareTool(ctx.analysis, name, [], 'Any', d.start)] });
      return fixes;
    }
    case 'policy-unknown-target': {
      const fixes = typeof data.suggestion === 'string' ? [replaceWith(text, d, data.suggestion, true)] : [];
      const target = ruleTool(file, text, d.start, d.end);
      if (target) fixes.push({ title: `Declare tool '${target.name}'`, edits: [declareTool(ctx.analysis, target.name, target.params, 'Any', d.start)] });
      return fixes;
    }
    case 'missing-capability': {
      const agent = agentNamed(data.agent);
      const cap = data.capability;
      if (!agent || typeof cap !== 'string') return [];
      const edit = addCapability(text, agent, cap);
      return edit ? [{ title: `Add capability '${cap}' to agent '${agent.name.name}'`, edits: [edit], preferred: true }] : [];
    }
    case 'policy-asks-every-call': {
      const agent = agentNamed(data.agent);
      const tool = data.tool;
      if (!agent || typeof tool !== 'string') return [];
      const res = addAllowRule(text, agent, tool);
      if (!res) return [];
      const title = res.policy ? `Allow '${tool}' in policy '${res.policy}'` : `Add a policy to agent '${agent.name.name}' that allows '${tool}'`;
      return [{ title, edits: [res.edit] }];
    }
    case 'policy-unreachable': {
      const rule = findRule(file, d.start, d.end);
      return rule ? [{ title: 'Remove the unreachable allow rule', edits: [removeRule(text, rule)], preferred: true }] : [];
    }
    case 'unknown-type': {
      const name = text.slice(d.start, d.end);
      const types = [...BUILTIN_TYPES.keys()];
      for (const uri of ctx.index.uris()) {
        const a = uri === ctx.uri ? ctx.analysis : ctx.index.analysis(uri);
        if (a) types.push(...a.check.symbols.types.keys());
      }
      const guess = closestWord(name, types.filter((t) => t !== name));
      return guess ? [replaceWith(text, d, guess)] : [];
    }
    case 'unknown-builtin-tool': {
      const value = text.slice(d.start, d.end);
      if (!/^"[^"\\]*"$/.test(value)) return [];
      const guess = closestWord(value.slice(1, -1), [...BUILTIN_TOOLS.keys()]);
      return guess ? [replaceWith(text, d, guess, true)] : [];
    }
    default:
      if (SUGGESTING.has(d.code) && typeof data.suggestion === 'string') return [replaceWith(text, d, data.suggestion, true)];
      return [];
  }
}

/** Replaces the diagnostic's range with a suggestion (inside the quotes when the range is a string). */
function replaceWith(text: string, d: DslDiagnostic, suggestion: string, preferred = false): Fix {
  const quoted = /^["']/.test(text.slice(d.start, d.end)) && !/^["']/.test(suggestion);
  const start = quoted ? d.start + 1 : d.start, end = quoted ? d.end - 1 : d.end;
  return { title: `Change to '${suggestion}'`, edits: [{ start, end, newText: suggestion }], preferred };
}

/** Names an undeclared call may have meant: functions, tools and agents of the agent, the file and the workspace; built-ins. */
function callableNames(ctx: DocContext, call: A.Call): string[] {
  const names = new Set<string>([...BUILTIN_FUNCTIONS.keys(), ...LLM_BUILTINS.keys()]);
  const agent = ctx.analysis.parse.file.items.find((it): it is A.AgentDecl => it.kind === 'Agent' && it.start <= call.start && call.end <= it.end);
  for (const it of agent?.items ?? []) if (it.kind === 'Function' || it.kind === 'Tool') names.add(it.name.name);
  for (const uri of new Set([ctx.uri, ...ctx.index.uris()])) {
    const s = (uri === ctx.uri ? ctx.analysis : ctx.index.analysis(uri))?.check.symbols;
    if (!s) continue;
    for (const map of [s.functions, s.tools, s.agents]) for (const k of map.keys()) names.add(k);
  }
  return [...names];
}

/** The rule of a policy (top-level, in an agent, or in a channel) with exactly this range. */
function findRule(file: A.SourceFile, start: number, end: number): A.Rule | undefined {
  const policies: A.PolicyDecl[] = [];
  for (const it of file.items) {
    if (it.kind === 'Policy') policies.push(it);
    else if (it.kind === 'Agent') for (const ai of it.items) { if (ai.kind === 'Policy') policies.push(ai); }
    else if ('body' in it && it.body && it.body.kind === 'Settings') {
      for (const e of it.body.entries) if (e.kind === 'Policy') policies.push(e);
    }
  }
  for (const p of policies) for (const r of p.rules) if (r.start === start && r.end === end) return r;
  return undefined;
}

/** Whether the name at `start` is an element of a `tools: [...]` argument. */
function inToolsList(file: A.SourceFile, start: number): boolean {
  let found = false;
  walk(file, (n) => {
    if (found || n.kind !== 'Arg' || n.start > start || n.end < start) return;
    const arg = n as A.Arg;
    found = arg.name?.name === 'tools' && arg.value.kind === 'Array' && arg.value.elements.some((e) => e.kind === 'Name' && e.start === start);
  });
  return found;
}

/**
 * The tool an unknown rule target would declare: a bare name, a name in an array, or the callee of
 * a call shape, whose bound arguments name the parameters (`allow: read_logs(service)`).
 */
function ruleTool(file: A.SourceFile, text: string, start: number, end: number): { name: string; params: string[] } | undefined {
  const name = text.slice(start, end);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined;
  let params: string[] = [];
  walk(file, (n) => {
    if (n.kind !== 'Rule' || n.start > start || n.end < end) return;
    const p = (n as A.Rule).pattern;
    if (p.kind !== 'Call' || p.callee.start !== start) return;
    const used = new Set<string>();
    params = p.args.map((a, i) => {
      const bound = a.value.kind === 'Name' && a.value.name !== '_' && !ALL_ACTIONS.has(a.value.name) && !used.has(a.value.name) ? a.value.name : `arg${i + 1}`;
      used.add(bound);
      return `${bound}: Any`;
    });
  });
  return { name, params };
}
