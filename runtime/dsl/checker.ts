/**
 * The checker: declarations, settings, tools, policies, and (through BodyChecker) bodies.
 * Produces diagnostics plus the facts later stages use: every call site classified (LANGUAGE.md §3),
 * every reference resolved, and the rules in force for each agent.
 */
import * as A from './ast';
import { Diagnostic, diag } from './diagnostics';
import { AgentContext, CallSite, CheckResult, FileContext } from './check-context';
import { BodyChecker } from './check-body';
import { checkTypeRef } from './check-types';
import { collectFileSymbols, constValue, EMPTY_WORKSPACE, Scope, setting, WorkspaceLookup } from './symbols';
import {
  BUILTIN_TOOLS, KeyDoc, METADATA_KEYS, TOOL_BINDINGS, TOOL_KEYS, WELL_KNOWN_CAPABILITIES, WITH_ATTRIBUTES, BUILTIN_FUNCTIONS, ENFORCED_POLICY_SETTINGS,
} from './builtins';
import { closestWordIn, nearestWord } from './suggest';
import { describeTier } from '../tools/sandbox/spec';
import { CronError, parseCron } from '../orchestration/cron';
import { analyzeRule, RuleInfo } from './policy-analysis';
import { actionOfAgent, actionOfCall, asksEveryCall, deniesEveryCall, StaticAction, staticVerdict } from './policy-static';

export { CallSite, CheckResult } from './check-context';

/** Checks a file; `symbols` are its top-level declarations when the caller has them already. */
export function check(file: A.SourceFile, uri = 'file', workspace: WorkspaceLookup = EMPTY_WORKSPACE, symbols = collectFileSymbols(file)): CheckResult {
  const fc: FileContext = { uri, file, symbols, workspace, diags: [], calls: [], refs: [], reportedUnreachable: new Set(), toolHints: new Map(),
    ruleInfos: new Map(), topSyms: new Map(), strictMetadata: undefined };
  for (const [first, dup] of symbols.duplicates) {
    fc.diags.push(diag('duplicate-definition', `'${dup.name}' is already declared in this file.`, dup.start, dup.end,
      { related: [{ start: first.start, end: first.end, message: 'first declared here' }] }));
  }
  const filePolicies = [...symbols.policies.values()];
  const rulesByAgent = new Map<string, RuleInfo[]>();
  for (const item of file.items) {
    switch (item.kind) {
      case 'Metadata': checkKeys(fc, item.body, METADATA_KEYS, 'unknown-metadata-key', 'metadata key'); break;
      case 'Tool': checkTool(fc, item); break;
      case 'TypeDecl': checkTypeRef(fc, item.type); break;
      case 'Function': checkFunction(fc, item, emptyAgentContext()); break;
      case 'Agent': rulesByAgent.set(item.name.name, checkAgent(fc, item, filePolicies)); break;
      case 'Schedule': checkSchedule(fc, item); break;
      default: break;
    }
  }
  // Top-level policies apply to every agent of the file; check their targets against all agents.
  if (filePolicies.length) {
    const known = new Set<string>();
    for (const a of symbols.agents.values()) for (const c of agentCapabilities(a)) known.add(c);
    for (const c of fc.calls) known.add(c.name);
    for (const p of filePolicies) checkPolicy(fc, p, known);
  }
  const callByNode = new Map<A.Call, CallSite>();
  for (const c of fc.calls) callByNode.set(c.call, c);
  fc.diags.sort((a, b) => a.start - b.start || a.end - b.end);
  return { diagnostics: fc.diags, calls: fc.calls, callByNode, refs: fc.refs, symbols, rulesByAgent };
}

const BUILTIN_TOOL_NAMES = [...BUILTIN_TOOLS.keys()];
const keyLists = new WeakMap<object, string[]>();
/** `Object.keys` of a catalog, once (a stable list for `closestWordIn`). */
function keysOf(catalog: Record<string, KeyDoc>): string[] {
  let keys = keyLists.get(catalog);
  if (!keys) keyLists.set(catalog, (keys = Object.keys(catalog)));
  return keys;
}

function emptyAgentContext(): AgentContext {
  return { agent: null, functions: new Map(), tools: new Map(), capabilities: new Set(), calledNames: new Set(), loopDepth: 0 };
}

function report(fc: FileContext, code: string, message: string, node: { start: number; end: number }, extra?: Partial<Diagnostic>): void {
  fc.diags.push(diag(code, message, node.start, node.end, extra));
}

function checkKeys(fc: FileContext, body: A.Settings, known: Record<string, KeyDoc>, code: string, what: string): void {
  for (const e of body.entries) {
    if (e.kind !== 'Setting') continue;
    const doc = known[e.key.name];
    if (!doc) {
      const guess = closestWordIn(e.key.name, keysOf(known));
      report(fc, code, `Unknown ${what} '${e.key.name}'.${guess ? ` Did you mean '${guess}'?` : ''} Known: ${Object.keys(known).join(', ')}.`, e.key,
        guess ? { data: { suggestion: guess } } : undefined);
      continue;
    }
    checkValueKind(fc, e.key, e.value, doc);
  }
}

function checkValueKind(fc: FileContext, key: A.Ident, valueExpr: A.Expr | null, doc: KeyDoc): void {
  if (!valueExpr) return;
  const v = constValue(valueExpr);
  if (doc.values && typeof v === 'string' && !doc.values.includes(v) && (key.name === 'planning' || key.name === 'approval' || key.name === 'approval_mode' || key.name === 'provider')) {
    report(fc, 'invalid-attr-value', `'${key.name}' must be one of ${doc.values.map((x) => `"${x}"`).join(', ')}.`, valueExpr);
  }
  if (key.name === 'api_key' && valueExpr.kind !== 'Vault' && !(typeof v === 'string' && v.startsWith('vault://'))) {
    report(fc, 'invalid-attr-value', "'api_key' must be a vault:// reference: a key written in the file would leak into version control.", valueExpr);
  }
  if (doc.type === 'bool' && v !== undefined && typeof v !== 'boolean') {
    report(fc, 'invalid-attr-value', `'${key.name}' must be true or false.`, valueExpr);
  }
  if (doc.type === 'number' && v !== undefined && typeof v !== 'number') {
    report(fc, 'invalid-attr-value', `'${key.name}' must be a number.`, valueExpr);
  }
}

function checkTool(fc: FileContext, tool: A.ToolDecl): void {
  const body = tool.body;
  const seen = new Set<string>();
  for (const p of tool.params) {
    if (seen.has(p.name.name)) report(fc, 'duplicate-definition', `Parameter '${p.name.name}' is declared twice.`, p.name);
    seen.add(p.name.name);
    if (p.type) checkTypeRef(fc, p.type);
  }
  if (tool.returns) checkTypeRef(fc, tool.returns);
  checkKeys(fc, body, TOOL_KEYS, 'unknown-tool-key', 'tool key');
  const bindings = TOOL_BINDINGS.filter((b) => setting(body, b));
  if (bindings.length !== 1) {
    report(fc, 'tool-binding', bindings.length === 0
      ? `Tool '${tool.name.name}' has no binding: add one of builtin = "fs.read", command = [...], mcp = "server/tool", http = "GET https://...".`
      : `Tool '${tool.name.name}' has ${bindings.length} bindings (${bindings.join(', ')}); keep exactly one.`, tool.name);
    return;
  }
  const b = setting(body, bindings[0])!;
  const v = constValue(b.value);
  checkCacheable(fc, tool, bindings[0], v);
  switch (bindings[0]) {
    case 'builtin':
      if (typeof v !== 'string' || !BUILTIN_TOOLS.has(v)) {
        const guess = typeof v === 'string' ? closestWordIn(v, BUILTIN_TOOL_NAMES) : undefined;
        report(fc, 'unknown-builtin-tool', `${typeof v === 'string' ? `Unknown built-in tool "${v}".` : 'A builtin binding is a string naming a built-in tool.'}${guess ? ` Did you mean "${guess}"?` : ''} Built-ins: ${[...BUILTIN_TOOLS.keys()].join(', ')}.`, b.value ?? b);
      }
      break;
    case 'command': {
      if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) {
        report(fc, 'command-template', 'A command is an argv array of strings, e.g. ["git", "log", "-n", "{count}"]; it never goes through a shell.', b.value ?? b);
        break;
      }
      const params = new Set(tool.params.map((p) => p.name.name));
      for (const part of v as string[]) {
        if (!part.includes('{')) continue;
        for (const m of part.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
          if (!params.has(m[1])) report(fc, 'command-template', `The command uses '{${m[1]}}', but tool '${tool.name.name}' has no parameter '${m[1]}'.`, b.value ?? b);
        }
      }
      break;
    }
    case 'mcp': {
      const server = typeof v === 'string' ? v.split('/')[0] : '';
      if (typeof v !== 'string' || !v.includes('/')) {
        report(fc, 'tool-binding', 'An MCP binding is "server/tool".', b.value ?? b);
      } else if (!fc.symbols.mcp.has(server) && fc.workspace.find('mcp', server, fc.uri).length === 0) {
        report(fc, 'unknown-mcp-server', `No MCP server '${server}' is declared; declare it with \`mcp ${server} { command "..." }\`.`, b.value ?? b);
      }
      break;
    }
    case 'http':
      if (typeof v !== 'string' || !/^(GET|POST|PUT|PATCH|DELETE|HEAD)\s+https?:\/\//.test(v)) {
        report(fc, 'tool-binding', 'An HTTP binding is "METHOD https://host/path/{param}".', b.value ?? b);
      }
      break;
  }
}

/** `cache = true` only on a tool that is safe to answer from a cache (the runtime's rule, runtime/cache/kernel-cache.ts). */
function checkCacheable(fc: FileContext, tool: A.ToolDecl, binding: string, v: unknown): void {
  const c = setting(tool.body, 'cache');
  if (!c || constValue(c.value) !== true) return;
  const idem = constValue(setting(tool.body, 'idempotent')?.value) === true;
  const why = binding === 'builtin' ? (typeof v === 'string' && BUILTIN_TOOLS.get(v)?.sideEffects ? `built-in "${v}" has side effects` : undefined)
    : binding === 'http' ? (typeof v === 'string' && !/^(GET|HEAD)\s/i.test(v) && !idem ? 'a non-GET request may change something and the tool is not marked idempotent = true' : undefined)
    : !idem ? `a ${binding} tool is cached only when marked idempotent = true` : undefined;
  if (why) report(fc, 'cache-not-idempotent', `Tool '${tool.name.name}' has cache = true, but ${why}: its calls are never answered from the cache. Mark it idempotent = true if running it twice is safe, or remove cache.`, c);
}

function agentCapabilities(agent: A.AgentDecl): string[] {
  const out: string[] = [];
  for (const it of agent.items) if (it.kind === 'Capabilities') for (const c of it.items) out.push(c.name);
  return out;
}

function checkFunction(fc: FileContext, fn: A.FunctionDecl, ac: AgentContext, parent: Scope | null = null): void {
  const scope = new Scope(parent, true);
  const bc = new BodyChecker(fc, ac);
  const seen = new Set<string>();
  for (const p of fn.params) {
    if (seen.has(p.name.name)) report(fc, 'duplicate-definition', `Parameter '${p.name.name}' is declared twice.`, p.name);
    seen.add(p.name.name);
    if (p.type) checkTypeRef(fc, p.type);
    if (p.default) bc.expr(p.default, scope);
    bc.define(scope, 'param', p.name, p);
  }
  if (fn.returns) checkTypeRef(fc, fn.returns);
  bc.stmts(fn.body.stmts, scope);
}

function checkAgent(fc: FileContext, agent: A.AgentDecl, filePolicies: A.PolicyDecl[]): RuleInfo[] {
  const ac: AgentContext = {
    agent, functions: new Map(), tools: new Map(), capabilities: new Set(agentCapabilities(agent)), calledNames: new Set(), loopDepth: 0,
  };
  const local = new Map<string, A.Ident>();
  for (const it of agent.items) {
    if (it.kind !== 'Function' && it.kind !== 'Tool') continue;
    const prev = local.get(it.name.name);
    if (prev) {
      report(fc, 'duplicate-definition', `'${it.name.name}' is already declared in agent '${agent.name.name}'.`, it.name,
        { related: [{ start: prev.start, end: prev.end, message: 'first declared here' }] });
      continue;
    }
    local.set(it.name.name, it.name);
    if (it.kind === 'Function') ac.functions.set(it.name.name, it); else ac.tools.set(it.name.name, it);
  }
  const scope = new Scope(null, true);
  const bc = new BodyChecker(fc, ac);
  const seen = new Set<string>();
  for (const p of agent.params ?? []) {
    if (seen.has(p.name.name)) report(fc, 'duplicate-definition', `Parameter '${p.name.name}' is declared twice.`, p.name);
    seen.add(p.name.name);
    if (p.type) checkTypeRef(fc, p.type);
    if (p.default) bc.expr(p.default, scope);
    bc.define(scope, 'param', p.name, p);
  }
  if (agent.returns) checkTypeRef(fc, agent.returns);
  const firstCalls = fc.calls.length;
  let withSeen: A.WithBlock | null = null;
  for (const it of agent.items) {
    switch (it.kind) {
      case 'Function': checkFunction(fc, it, ac, scope); break;
      case 'Tool': checkTool(fc, it); break;
      case 'With':
        if (withSeen) {
          report(fc, 'multiple-with', `Agent '${agent.name.name}' already has a \`with\` block; an agent runs one body.`, it,
            { related: [{ start: withSeen.start, end: withSeen.start + 4, message: 'first `with` block' }] });
        }
        withSeen = it;
        for (const attr of it.attrs) {
          const doc = WITH_ATTRIBUTES[attr.key.name];
          if (!doc) {
            const guess = closestWordIn(attr.key.name, keysOf(WITH_ATTRIBUTES));
            report(fc, 'unknown-with-attr', `Unknown \`with\` attribute '${attr.key.name}'.${guess ? ` Did you mean '${guess}'?` : ''} Known: ${Object.keys(WITH_ATTRIBUTES).join(', ')}.`, attr.key,
              guess ? { data: { suggestion: guess } } : undefined);
          } else checkValueKind(fc, attr.key, attr.value, doc);
          const tier = attr.key.name === 'sandbox' && attr.value ? constValue(attr.value) : undefined;
          if (typeof tier === 'string') report(fc, 'sandbox-tier', describeTier(tier), attr.value!);
        }
        bc.stmts(it.body.stmts, new Scope(scope, true));
        break;
      default: break;
    }
  }
  const ownPolicies = agent.items.filter((i): i is A.PolicyDecl => i.kind === 'Policy');
  const known = new Set<string>([...ac.capabilities, ...ac.calledNames, ...ac.tools.keys()]);
  for (const p of ownPolicies) checkPolicy(fc, p, known);
  const rules: RuleInfo[] = [];
  for (const p of ownPolicies) for (const r of p.rules) rules.push(ruleInfo(fc, r, p));
  for (const p of filePolicies) for (const r of p.rules) rules.push(ruleInfo(fc, r, p));
  checkUnreachable(fc, rules);
  const mode = approvalMode(fc, withSeen);
  for (let i = firstCalls; i < fc.calls.length; i++) {
    const site = fc.calls[i];
    if (site.kind === 'tool') checkToolCall(fc, site, agent, ac, rules, mode);
    else if (site.kind === 'agent') site.verdict = staticVerdict(rules, actionOfAgent(site.name), mode);
  }
  return rules;
}

/** `analyzeRule`, once per rule (a file policy applies to every agent of the file). */
function ruleInfo(fc: FileContext, rule: A.Rule, policy: A.PolicyDecl): RuleInfo {
  let info = fc.ruleInfos.get(rule);
  if (!info) fc.ruleInfos.set(rule, (info = analyzeRule(rule, policy)));
  return info;
}

function approvalMode(fc: FileContext, w: A.WithBlock | null): 'ask' | 'strict' {
  const attr = w?.attrs.find((a) => a.key.name === 'approval_mode');
  if (attr) return constValue(attr.value) === 'strict' ? 'strict' : 'ask';
  if (fc.strictMetadata === undefined) {
    fc.strictMetadata = fc.file.items.some((it) => it.kind === 'Metadata' && constValue(setting(it.body, 'approval_mode')?.value) === 'strict');
  }
  return fc.strictMetadata ? 'strict' : 'ask';
}

/** The action the policy engine sees for a tool call (its capabilities include those a built-in implies). */
export function toolAction(site: CallSite): StaticAction {
  return actionOfCall(site) ?? { name: site.name, capabilities: [], approval: 'policy' };
}

function checkToolCall(fc: FileContext, site: CallSite, agent: A.AgentDecl, ac: AgentContext, rules: RuleInfo[], mode: 'ask' | 'strict'): void {
  const callee = site.call.callee;
  const capSetting = site.mcp ? undefined : setting((site.decl as A.ToolDecl | undefined)?.body, 'capability');
  const capability = constValue(capSetting?.value);
  if (typeof capability === 'string' && !ac.capabilities.has(capability)) {
    report(fc, 'missing-capability',
      `Tool '${site.name}' needs capability '${capability}', which agent '${agent.name.name}' does not declare.`, callee,
      { related: capSetting ? [{ file: site.uri, start: capSetting.start, end: capSetting.end, message: 'capability required here' }] : undefined,
        data: { capability, agent: agent.name.name } });
  }
  const verdict = staticVerdict(rules, toolAction(site), mode);
  site.verdict = verdict;
  if (deniesEveryCall(verdict)) {
    report(fc, 'policy-denied-call', `Every call of '${site.name}' is ${verdict.reason}.`, callee,
      verdict.rule ? { related: [{ start: verdict.rule.rule.start, end: verdict.rule.rule.end, message: 'the rule that denies it' }] } : undefined);
  } else if (asksEveryCall(verdict)) {
    report(fc, 'policy-asks-every-call', `No rule allows '${site.name}': every call asks for approval.`, callee,
      { data: { tool: site.name, agent: agent.name.name } });
  }
}

function checkPolicy(fc: FileContext, policy: A.PolicyDecl, known: Set<string>): void {
  let candidates: string[] | undefined;
  for (const rule of policy.rules) {
    const info = ruleInfo(fc, rule, policy);
    if (info.invalid) {
      report(fc, 'policy-invalid-pattern', `Invalid rule pattern: ${info.invalid}.`, rule.pattern);
      continue;
    }
    if (info.isSettings && rule.pattern.kind === 'Record') {
      for (const e of rule.pattern.entries) {
        if (!ENFORCED_POLICY_SETTINGS.has(e.key.name)) {
          report(fc, 'policy-unenforced-setting', `Baton does not enforce '${e.key.name}'; it is kept as documentation and in the audit log.`, e.key);
        }
      }
    }
    for (const t of info.targetNodes) {
      if (isKnownAction(fc, t.name, known)) continue;
      const guess = closestAction(fc, t.name, (candidates ??= [...known]));
      report(fc, 'policy-unknown-target',
        `'${t.name}' names no declared tool, capability or call of this agent, so this rule never matches.${guess ? ` Did you mean '${guess}'?` : ''}`, t,
        guess ? { data: { suggestion: guess } } : undefined);
    }
  }
}

/**
 * `closestWord(name, [...own, ...file tools])`: the part over the file's tools (long, the same for
 * every policy of the file) is memoised per name.
 */
function closestAction(fc: FileContext, name: string, own: string[]): string | undefined {
  const near = nearestWord(name, own);
  let inFile = fc.toolHints.get(name);
  if (inFile === undefined) {
    inFile = nearestWord(name, [...fc.symbols.tools.keys()]) ?? null;
    fc.toolHints.set(name, inFile);
  }
  if (!near) return inFile?.word;
  return inFile && inFile.distance < near.distance ? inFile.word : near.word;
}

function isKnownAction(fc: FileContext, name: string, known: Set<string>): boolean {
  if (known.has(name) || WELL_KNOWN_CAPABILITIES.has(name) || BUILTIN_FUNCTIONS.get(name)?.effect) return true;
  if (fc.symbols.tools.has(name) || fc.symbols.agents.has(name)) return true;
  const dot = name.indexOf('.') >= 0 ? name.split('.')[0] : name.split('/')[0];
  if (fc.symbols.mcp.has(dot)) return true;
  return fc.workspace.find('tools', name, fc.uri).length > 0 || fc.workspace.find('agents', name, fc.uri).length > 0;
}

function checkUnreachable(fc: FileContext, rules: RuleInfo[]): void {
  const denies = rules.filter((r) => r.verb === 'deny' && r.unconditional && !r.asksHuman && !r.invalid);
  for (const allow of rules) {
    if (allow.verb !== 'allow' || allow.invalid) continue;
    const shadow = denies.find((d) => d.matchesAll || (!allow.matchesAll && allow.targets.length > 0 && allow.targets.every((t) => d.targets.includes(t))));
    if (!shadow) continue;
    // Top-level policies are shared by every agent of the file: report each allow once.
    if (fc.reportedUnreachable.has(allow.rule)) continue;
    fc.reportedUnreachable.add(allow.rule);
    report(fc, 'policy-unreachable', `This allow never applies: the unconditional deny of policy ${shadow.policy.name.name} always wins for ${allow.targets.map((t) => `'${t}'`).join(', ') || 'every action'}.`, allow.rule,
      { related: [{ start: shadow.rule.start, end: shadow.rule.end, message: 'the deny that shadows it' }] });
  }
}

/** A `schedule` block's cron expression must parse (runtime/orchestration/cron.ts); the error points into the string. */
function checkSchedule(fc: FileContext, item: A.SettingsDecl): void {
  for (const e of item.body.entries) {
    if (e.kind !== 'Setting' || e.key.name !== 'cron' || e.value?.kind !== 'Literal' || typeof e.value.value !== 'string') continue;
    const lit = e.value;
    try { parseCron(lit.value as string); } catch (err) {
      if (!(err instanceof CronError)) throw err;
      const exact = lit.raw.length === (lit.value as string).length + 2;
      const start = exact ? lit.start + 1 + err.offset : lit.start;
      report(fc, 'bad-cron', `Bad cron expression: ${err.message}.`, { start, end: exact ? start + err.length : lit.end });
    }
  }
}
