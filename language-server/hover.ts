/**
 * Hover. Finds the innermost node at the offset (scope-at.ts `nodePathAt`) and explains it:
 * - a call: what it resolves to (LANGUAGE.md §3: function, built-in, tool with its binding, agent,
 *   LLM built-in, MCP tool, method, semantic function "implemented by the model") with signature and
 *   description, and for tool and agent calls the policy decision at this call site and the rule
 *   that makes it (gate-explain.ts);
 * - a name: its declaration (param / let / loop variable with type, agent / tool / function / type);
 * - a field access: the field and its type; `context.x`: the run-context field;
 * - keywords, policy verbs, metadata keys, `with` attributes, tool keys, policy settings, built-in
 *   tool ids, types, capabilities, rule targets, `vault://` references.
 */
import { Hover, MarkupKind } from 'vscode-languageserver';
import type * as A from '../runtime/dsl/ast';
import type { DocContext } from './context';
import type { CallSite } from '../runtime/dsl/check-context';
import {
  BUILTIN_CONSTANTS, BUILTIN_TOOLS, BUILTIN_TYPES, ENFORCED_POLICY_SETTINGS, METADATA_KEYS, TOOL_KEYS, WELL_KNOWN_CAPABILITIES, WITH_ATTRIBUTES, ALL_ACTIONS,
} from '../runtime/dsl/builtins';
import { constValue, setting } from '../runtime/dsl/symbols';
import { nodePathAt, referenceAt, scopeAt } from './scope-at';
import { clip, declMarkdown, fence, keyMarkdown, oneLine, paramLabel, slice } from './describe';
import { resolveCallee } from './callee';
import { actionOfSymbol, actionOfTool, explainAction, explainCall, gateMarkdown } from './gate-explain';
import { CONTEXT_FIELDS, keywordDoc, MCP_KEYS, VAULT_DOC, VERB_DOCS } from './keyword-docs';
import { findTypeDecl, TypeReader, typeText } from './types-at';

export function hover(ctx: DocContext, offset: number): Hover | null {
  const path = nodePathAt(ctx.analysis.parse.file, offset);
  const found = explain(ctx, path, offset);
  if (!found) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: found.md },
    range: { start: ctx.lines.position(found.node.start), end: ctx.lines.position(found.node.end) },
  };
}

type Found = { md: string; node: A.Node } | null;

function explain(ctx: DocContext, path: A.Node[], offset: number): Found {
  const n = path[path.length - 1];
  const parent = path[path.length - 2];
  const grand = path[path.length - 3];
  const at = (md: string | undefined, node: A.Node = n): Found => (md ? { md, node } : null);
  switch (n.kind) {
    case 'Vault': return at(`${fence(`vault://${(n as A.VaultRef).path}`)}\n\n${VAULT_DOC}`);
    case 'Name': {
      const rule = path.find((p): p is A.Rule => p.kind === 'Rule');
      if (rule && inside(rule.pattern, n)) return at(targetDoc(ctx, path, (n as A.NameRef).name));
      if (parent?.kind === 'Call' && (parent as A.Call).callee === n) return callHover(ctx, parent as A.Call, n);
      return at(refDoc(ctx, n, offset) ?? (rule ? ruleNameDoc(ctx, rule, (n as A.NameRef).name) : undefined));
    }
    case 'Ident': return identHover(ctx, path, n as A.Ident, parent, grand, offset);
    case 'Capability': return at(capabilityDoc(ctx, (n as A.CapabilityRef).name));
    case 'NamedType': return at(typeDoc(ctx, (n as A.NamedType).name.name));
    case 'Literal': {
      const s = (n as A.Literal).value;
      if (typeof s === 'string' && s.startsWith('vault://')) return at(`${fence(s)}\n\n${VAULT_DOC}`);
      const key = parent?.kind === 'Setting' ? (parent as A.Setting).key.name : undefined;
      if (key === 'builtin' && typeof s === 'string' && BUILTIN_TOOLS.has(s)) return at(`${fence(s)}\n\nBuilt-in tool — ${BUILTIN_TOOLS.get(s)!.doc}\n\nImplies capabilities ${BUILTIN_TOOLS.get(s)!.capabilities.map((c) => `\`${c}\``).join(', ')}.`);
      const rule = path.find((p): p is A.Rule => p.kind === 'Rule');
      if (rule && typeof s === 'string' && inside(rule.pattern, n)) return at(targetDoc(ctx, path, s));
      return null;
    }
    default: {
      const word = wordAt(ctx.text, offset);
      if (!word) return null;
      const doc = n.kind === 'Rule' && word.text === (n as A.Rule).verb ? VERB_DOCS[word.text] : keywordDoc(word.text);
      return doc ? { md: `${fence(word.text)}\n\n${doc}`, node: { kind: 'Word', start: word.start, end: word.end } } : null;
    }
  }
}

function inside(outer: A.Node, n: A.Node): boolean { return outer.start <= n.start && n.end <= outer.end; }

function wordAt(text: string, offset: number): { text: string; start: number; end: number } | null {
  let s = offset, e = offset;
  while (s > 0 && /\w/.test(text[s - 1])) s--;
  while (e < text.length && /\w/.test(text[e])) e++;
  return e > s ? { text: text.slice(s, e), start: s, end: e } : null;
}

function identHover(ctx: DocContext, path: A.Node[], n: A.Ident, parent: A.Node, grand: A.Node | undefined, offset: number): Found {
  const at = (md: string | undefined): Found => (md ? { md, node: n } : null);
  switch (parent?.kind) {
    case 'Member': {
      const m = parent as A.Member;
      if (m.property !== n) return null;
      if (grand?.kind === 'Call' && (grand as A.Call).callee === m) return callHover(ctx, grand as A.Call, n);
      if (m.object.kind === 'Name' && m.object.name === 'context' && CONTEXT_FIELDS[n.name]) return at(`${fence(`context.${n.name}`)}\n\nRun context — ${CONTEXT_FIELDS[n.name]}`);
      const reader = new TypeReader(ctx, scopeAt(ctx.analysis.parse.file, offset));
      const owner = reader.typeOf(m.object);
      const field = reader.fieldsOf(m.object)?.find((f) => f.name === n.name);
      if (!field) return null;
      const t = typeText(ctx, field.type);
      return at(`${fence(`(field) ${n.name}${field.optional ? '?' : ''}${t ? `: ${t}` : ''}`)}${owner ? `\n\nField of \`${typeText(ctx, owner)}\`.` : ''}`);
    }
    case 'WithAttr': return at(WITH_ATTRIBUTES[n.name] && keyMarkdown('`with` attribute', n.name, WITH_ATTRIBUTES[n.name]));
    case 'Setting': return at(settingDoc(path, n.name));
    case 'Agent': case 'Tool': case 'Function': case 'TypeDecl': case 'Mcp': case 'Policy': case 'Memory': case 'Schedule': case 'Channel': case 'Webhook':
      return (parent as A.Node & { name: A.Ident }).name === n ? at(declMarkdown(ctx, parent)) : null;
    case 'Param': return at(`${fence(`(parameter) ${paramLabel(parent as A.Param, ctx.text)}`)}`);
    case 'Let': case 'For': case 'Try': case 'BindPat': case 'Lambda': return at(refDoc(ctx, n, offset));
    case 'NamedType': return at(typeDoc(ctx, n.name));
    case 'Field': return at(fence(`(field) ${slice(ctx.text, parent)}`));
    case 'Arg': {
      const call = grand as A.Call;
      const site = ctx.analysis.check.callByNode.get(call);
      if (!site) return null;
      const p = site.decl ? ((site.decl as A.ToolDecl).params ?? []).find((x) => x.name.name === n.name) : undefined;
      return at(p ? `${fence(`(parameter) ${paramLabel(p, textOf(ctx, site))}`)}\n\nArgument of \`${site.name}\`.` : `Named argument \`${n.name}\` of \`${site.name}\`.`);
    }
    case 'RecordEntry': {
      const rule = path.find((p): p is A.Rule => p.kind === 'Rule');
      if (rule) {
        const s = ENFORCED_POLICY_SETTINGS.get(n.name);
        return at(s ? `${fence(n.name)}\n\nPolicy setting — ${s}` : `${fence(n.name)}\n\nPolicy setting Baton does not enforce: kept as documentation and in the audit log.`);
      }
      if (grand?.kind === 'TypedRecord') {
        const t = (grand as A.TypedRecord).type.name;
        const decl = findTypeDecl(ctx, t);
        const f = decl?.decl.type.kind === 'RecordType' ? decl.decl.type.fields.find((x) => x.name.name === n.name) : undefined;
        return at(f ? `${fence(`(field) ${n.name}: ${oneLine((decl!.uri ? ctx.index.text(decl!.uri) ?? '' : ctx.text).slice(f.type.start, f.type.end))}`)}\n\nField of \`${t}\`.` : undefined);
      }
      return null;
    }
    case 'Capability': return at(capabilityDoc(ctx, n.name));
    default: return null;
  }
}

function textOf(ctx: DocContext, site: CallSite): string {
  return site.uri && site.uri !== ctx.uri ? ctx.index.text(site.uri) ?? '' : ctx.text;
}

/** A call: what it resolves to, its signature and description; for tool / agent calls, the gate. */
function callHover(ctx: DocContext, call: A.Call, node: A.Node): Found {
  const site = ctx.analysis.check.callByNode.get(call);
  if (!site) return null;
  const agent = site.agent ? ctx.analysis.check.symbols.agents.get(site.agent) ?? null : null;
  const parts: string[] = [];
  switch (site.kind) {
    case 'function': case 'tool': case 'agent':
      if (site.decl) parts.push(declMarkdown(ctx, site.decl, site.uri));
      else if (site.mcp) parts.push(fence(`${site.name}(...)`), `MCP tool \`${site.mcp.tool}\` of server \`${site.mcp.server}\` — an effect: policy gate, approval, journal.`);
      break;
    case 'value': parts.push(fence(`${site.name}(...)`), 'Calls a local value (a lambda).'); break;
    default: {
      const callee = call.callee.kind === 'Member' ? `x.${site.name}` : site.name;
      const info = resolveCallee(ctx, callee, agent, () => false);
      if (info) parts.push(fence(info.signatures.map((s) => s.label).join('\n')), info.doc);
    }
  }
  if (site.kind === 'tool' || site.kind === 'agent') {
    const e = explainCall(ctx, site);
    if (e) parts.push(gateMarkdown(e));
    else if (!site.agent) parts.push('Policy: decided by the policies of the agent that calls this function.');
  }
  return parts.length ? { md: parts.join('\n\n'), node } : null;
}

function refDoc(ctx: DocContext, n: A.Node, offset: number): string | undefined {
  const ref = referenceAt(ctx.analysis.check.refs, n);
  if (!ref) return undefined;
  const sym = ref.sym;
  if (sym.kind === 'builtin') return BUILTIN_CONSTANTS.has(sym.name) ? `${fence(sym.name)}\n\n${BUILTIN_CONSTANTS.get(sym.name)}` : undefined;
  const node = sym.node;
  if (!node) return undefined;
  const scope = scopeAt(ctx.analysis.parse.file, offset);
  const local = scope.locals.find((l) => l.name === sym.name);
  const reader = new TypeReader(ctx, scope);
  const inferred = local && !local.type ? typeText(ctx, reader.typeOfLocal(local)) : '';
  switch (sym.kind) {
    case 'param': return fence(`(parameter) ${paramLabel(node as A.Param, ctx.text)}`);
    case 'let': {
      const l = node as A.LetStmt;
      const t = l.type ? `: ${slice(ctx.text, l.type)}` : inferred ? `: ${inferred}` : '';
      return `${fence(`let ${sym.name}${t}${l.value ? ` = ${clip(slice(ctx.text, l.value), 60)}` : ''}`)}${!l.type && inferred ? '\n\nType inferred from the value.' : ''}`;
    }
    case 'implicit': return `${fence(`${sym.name}${inferred ? `: ${inferred}` : ''} = ${clip(slice(ctx.text, (node as A.AssignStmt).value), 60)}`)}\n\nDeclared by its first assignment (visible in the rest of the function).`;
    case 'loop': return fence(`(loop variable) ${sym.name}${inferred ? `: ${inferred}` : ''} in ${clip(slice(ctx.text, (node as A.ForStmt).iterable), 50)}`);
    case 'catch': { const t = node as A.TryStmt; return fence(`(error) catch (${t.catchType ? `${t.catchType.name} ` : ''}${sym.name})`); }
    case 'pattern': return fence(`(pattern binding) ${sym.name}`);
    case 'lambda': return fence(`(lambda parameter) ${sym.name}`);
    default: {
      const md = declMarkdown(ctx, node, sym.uri);
      // A tool or agent named as a value (`reason(goal, tools: [read_logs])`): the model's calls pass the gate.
      const action = scope.agent ? actionOfSymbol(sym) : null;
      const e = action && explainAction(ctx, scope.agent!.name.name, action);
      return e ? `${md}\n\n${gateMarkdown(e)}` : md;
    }
  }
}

/** A name in a rule pattern: the tool, agent or capability it matches. */
function targetDoc(ctx: DocContext, path: A.Node[], name: string): string | undefined {
  if (ALL_ACTIONS.has(name)) return `${fence(name)}\n\nMatches every action.`;
  const agent = path.find((p): p is A.AgentDecl => p.kind === 'Agent') ?? null;
  const fs = ctx.analysis.check.symbols;
  const tool = agent?.items.find((i): i is A.ToolDecl => i.kind === 'Tool' && i.name.name === name) ?? fs.tools.get(name);
  const parts: string[] = [];
  if (tool) {
    parts.push(declMarkdown(ctx, tool));
    if (agent) {
      const e = explainAction(ctx, agent.name.name, actionOfTool(name, tool));
      if (e) parts.push(gateMarkdown(e, false));
    }
    return parts.join('\n\n');
  }
  const other = resolveCallee(ctx, name, agent, () => false);
  if (other && (other.kind === 'tool' || other.kind === 'agent')) return other.doc;
  if (name === 'approval') return VERB_DOCS.require;
  return capabilityDoc(ctx, name);
}

function ruleNameDoc(ctx: DocContext, rule: A.Rule, name: string): string | undefined {
  if (rule.pattern.kind === 'Call' && rule.pattern.args.some((a) => a.value.kind === 'Name' && a.value.name === name)) {
    return `${fence(name)}\n\nAn argument of the action, bound by the rule's call shape \`${slice(ctx.text, rule.pattern)}\`.`;
  }
  if (name === 'context') return `${fence('context')}\n\n${BUILTIN_CONSTANTS.get('context')}`;
  if (name === 'args') return `${fence('args')}\n\nThe arguments of the action, by parameter name.`;
  return undefined;
}

function capabilityDoc(ctx: DocContext, name: string): string {
  const tools = [...ctx.analysis.check.symbols.tools.values()].filter((t) => constValue(setting(t.body, 'capability')?.value) === name).map((t) => `\`${t.name.name}\``);
  const builtins = [...BUILTIN_TOOLS.values()].filter((b) => b.capabilities.includes(name)).map((b) => `\`${b.id}\``);
  const parts = [`${fence(name)}\n\nCapability${WELL_KNOWN_CAPABILITIES.has(name) ? ' known to the runtime' : ''}.`];
  if (name === 'invoke_agent') parts.push('Needed to call other agents: each agent call is an action the caller\'s policy decides.');
  if (tools.length) parts.push(`Needed by ${tools.join(', ')}.`);
  if (builtins.length) parts.push(`Implied by built-in tools ${builtins.join(', ')}.`);
  return parts.join('\n\n');
}

function typeDoc(ctx: DocContext, name: string): string | undefined {
  const decl = findTypeDecl(ctx, name);
  if (decl) return declMarkdown(ctx, decl.decl, decl.uri);
  const b = BUILTIN_TYPES.get(name);
  return b ? `${fence(name)}\n\nBuilt-in type — ${b}` : `${fence(name)}\n\nNot declared: treated as \`Any\`.`;
}

/** A settings key: by the declaration that owns the settings block. */
function settingDoc(path: A.Node[], key: string): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    switch (path[i].kind) {
      case 'Metadata': return METADATA_KEYS[key] && keyMarkdown('Metadata key', key, METADATA_KEYS[key]);
      case 'Tool': return TOOL_KEYS[key] && keyMarkdown('Tool key', key, TOOL_KEYS[key]);
      case 'Mcp': return MCP_KEYS[key] && `${fence(key)}\n\nMCP server key — ${MCP_KEYS[key]}`;
      case 'Agent': case 'SourceFile': return undefined;
    }
  }
  return undefined;
}
