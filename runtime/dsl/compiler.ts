/**
 * AST → IR (runtime/ir/schema.ts). Uses the checker's facts: each call's kind, each name's symbol.
 * A file with error diagnostics is not compiled: the runtime never runs a broken file.
 */
import * as A from './ast';
import * as I from '../ir/schema';
import { Analysis } from './workspace';
import { LineIndex } from './line-index';
import { CheckResult } from './check-context';
import { Sym } from './symbols';
import { constValue, setting } from './symbols';
import { analyzeRule } from './policy-analysis';
import { parseDurationText } from './literals';
import { Diagnostic } from './diagnostics';

export type CompileResult = { ok: true; program: I.ProgramIR } | { ok: false; errors: Diagnostic[] };

export function compile(analysis: Analysis): CompileResult {
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) return { ok: false, errors };
  return { ok: true, program: new Compiler(analysis.parse.lines, analysis.check, analysis.uri).program(analysis.parse.file) };
}

/** Omits undefined values so the IR is identical after a JSON round-trip. */
function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

class Compiler {
  private readonly symOf = new Map<A.Node, Sym>();

  constructor(private readonly lines: LineIndex, private readonly check: CheckResult, private readonly uri: string) {
    for (const r of check.refs) this.symOf.set(r.node, r.sym);
  }

  loc(n: { start: number; end: number }): I.Loc {
    const s = this.lines.position(n.start);
    const e = this.lines.position(n.end);
    return [s.line + 1, s.character + 1, e.line + 1, e.character + 1];
  }

  program(file: A.SourceFile): I.ProgramIR {
    const p: I.ProgramIR = {
      version: I.IR_VERSION, source: this.uri, metadata: {}, agents: [], functions: [], tools: [], types: {}, policies: [], mcp: [],
      memories: [], schedules: [], channels: [], webhooks: [],
    };
    for (const item of file.items) {
      switch (item.kind) {
        case 'Metadata': Object.assign(p.metadata, this.settings(item.body)); break;
        case 'Agent': p.agents.push(this.agent(item)); break;
        case 'Function': p.functions.push(this.fn(item)); break;
        case 'Tool': p.tools.push(this.tool(item)); break;
        case 'TypeDecl': p.types[item.name.name] = this.type(item.type); break;
        case 'Policy': p.policies.push(this.policy(item)); break;
        case 'Mcp': p.mcp.push(this.mcp(item)); break;
        case 'Memory': p.memories.push(this.named(item)); break;
        case 'Schedule': p.schedules.push(this.named(item)); break;
        case 'Channel': p.channels.push(this.named(item)); break;
        case 'Webhook': p.webhooks.push(this.named(item)); break;
        default: break;
      }
    }
    return p;
  }

  // ---- declarations ----

  agent(a: A.AgentDecl): I.AgentIR {
    const w = a.items.find((i): i is A.WithBlock => i.kind === 'With');
    const attrs: Record<string, unknown> = {};
    for (const at of w?.attrs ?? []) attrs[at.key.name] = this.constOrExpr(at.value);
    return clean({
      name: a.name.name,
      params: (a.params ?? []).map((x) => this.param(x)),
      returns: a.returns ? this.type(a.returns) : undefined,
      capabilities: a.items.flatMap((i) => (i.kind === 'Capabilities' ? i.items.map((c) => c.name) : [])),
      policies: a.items.filter((i): i is A.PolicyDecl => i.kind === 'Policy').map((x) => this.policy(x)),
      functions: a.items.filter((i): i is A.FunctionDecl => i.kind === 'Function').map((x) => this.fn(x)),
      tools: a.items.filter((i): i is A.ToolDecl => i.kind === 'Tool').map((x) => this.tool(x)),
      attrs,
      body: w ? this.block(w.body) : undefined,
      loc: this.loc(a),
    });
  }

  param(p: A.Param): I.ParamIR {
    return clean({ name: p.name.name, type: p.type ? this.type(p.type) : undefined, default: p.default ? this.expr(p.default) : undefined, loc: this.loc(p) });
  }

  fn(f: A.FunctionDecl): I.FunctionIR {
    return clean({ name: f.name.name, params: f.params.map((x) => this.param(x)), returns: f.returns ? this.type(f.returns) : undefined, body: this.block(f.body), loc: this.loc(f) });
  }

  tool(t: A.ToolDecl): I.ToolIR {
    const settings = this.settings(t.body);
    const str = (k: string) => (typeof settings[k] === 'string' ? (settings[k] as string) : undefined);
    let binding: I.ToolBinding;
    if (str('builtin')) binding = { type: 'builtin', id: str('builtin')! };
    else if (Array.isArray(settings.command)) binding = { type: 'command', argv: settings.command.map(String) };
    else if (str('mcp')) { const [server, ...rest] = str('mcp')!.split('/'); binding = { type: 'mcp', server, tool: rest.join('/') }; }
    else { const [method, url] = (str('http') ?? 'GET ').split(/\s+/, 2); binding = { type: 'http', method, url: url ?? '' }; }
    const timeout = settings.timeout;
    const timeoutMs = typeof timeout === 'number' ? timeout : typeof timeout === 'string' ? parseDurationText(timeout) : undefined;
    const approval = str('approval');
    return clean({
      name: t.name.name,
      params: t.params.map((x) => this.param(x)),
      returns: t.returns ? this.type(t.returns) : undefined,
      description: str('description'),
      binding,
      idempotent: settings.idempotent === true,
      timeoutMs: timeoutMs !== undefined && Number.isFinite(timeoutMs) ? timeoutMs : undefined,
      capability: str('capability'),
      approval: approval === 'always' || approval === 'never' ? approval : 'policy',
      cache: settings.cache === true,
      settings,
      loc: this.loc(t),
    });
  }

  policy(p: A.PolicyDecl): I.PolicyIR {
    return {
      name: p.name.name,
      rules: p.rules.map((r) => {
        const info = analyzeRule(r, p);
        const settings = info.isSettings ? (this.constOrExpr(r.pattern) as Record<string, I.Json>) : undefined;
        return clean({
          verb: r.verb,
          form: info.isSettings ? 'settings' as const : info.isApprovalRequirement ? 'approval' as const : 'actions' as const,
          pattern: { names: info.targets, all: info.matchesAll, bind: info.bound },
          settings,
          condition: info.unconditional || !r.condition ? undefined : this.expr(r.condition),
          asksHuman: info.asksHuman,
          policy: p.name.name,
          loc: this.loc(r),
        });
      }),
      loc: this.loc(p),
    };
  }

  mcp(m: A.McpDecl): I.McpServerIR {
    const settings = this.settings(m.body);
    const env: Record<string, string | { $vault: string }> = {};
    const envBlock = setting(m.body, 'env');
    if (envBlock?.block) {
      for (const e of envBlock.block.entries) {
        if (e.kind !== 'Setting' || !e.value) continue;
        const v = this.constOrExpr(e.value);
        if (typeof v === 'string') env[e.key.name] = v.startsWith('vault://') ? { $vault: v.slice(8) } : v;
        else if (v && typeof v === 'object' && '$vault' in v) env[e.key.name] = v as { $vault: string };
      }
    }
    return {
      name: m.name.name,
      command: typeof settings.command === 'string' ? settings.command : '',
      args: Array.isArray(settings.args) ? settings.args.map(String) : [],
      env,
      settings,
      loc: this.loc(m),
    };
  }

  named(d: A.SettingsDecl): I.NamedSettingsIR {
    return {
      name: d.name.name,
      settings: this.settings(d.body),
      policies: d.body.entries.filter((e): e is A.PolicyDecl => e.kind === 'Policy').map((p) => this.policy(p)),
      loc: this.loc(d),
    };
  }

  settings(s: A.Settings): Record<string, I.Json> {
    const out: Record<string, I.Json> = {};
    for (const e of s.entries) {
      if (e.kind !== 'Setting') continue;
      if (e.block) out[e.key.name] = this.settings(e.block);
      else if (e.value) out[e.key.name] = this.constOrExpr(e.value) as I.Json;
    }
    return out;
  }

  /** A constant as JSON; vault references as `{ $vault }`; bare names as strings; anything else as `{ $expr }`. */
  constOrExpr(e: A.Expr): unknown {
    const v = constValue(e);
    if (v !== undefined) return v;
    switch (e.kind) {
      case 'Vault': return { $vault: e.path };
      case 'Name': return e.name;
      case 'Member': if (e.object.kind === 'Name') return `${e.object.name}.${e.property.name}`; break;
      case 'Array': return e.elements.map((x) => this.constOrExpr(x));
      case 'Record': return Object.fromEntries(e.entries.map((en) => [en.key.name, this.constOrExpr(en.value)]));
      default: break;
    }
    return { $expr: this.expr(e) };
  }

  type(t: A.TypeRef): I.TypeIR {
    switch (t.kind) {
      case 'NamedType': return clean({ t: 'named' as const, name: t.name.name, args: t.args.map((x) => this.type(x)), optional: t.optional || undefined });
      case 'ArrayType': return clean({ t: 'array' as const, element: this.type(t.element), optional: t.optional || undefined });
      case 'RecordType': return clean({
        t: 'record' as const,
        fields: t.fields.map((f) => clean({ name: f.name.name, type: this.type(f.type), optional: f.optional || undefined })),
        optional: t.optional || undefined,
      });
      case 'UnionType': return { t: 'union', options: t.options.map((x) => this.type(x)) };
      case 'LiteralType': return { t: 'lit', value: t.value };
    }
  }

  // ---- statements ----

  block(b: A.Block): I.BlockIR {
    return { stmts: b.stmts.filter((s) => s.kind !== 'Error').map((s) => this.stmt(s)), loc: this.loc(b) };
  }

  elseOf(e: A.IfStmt['else']): I.BlockIR | I.StmtIR | undefined {
    if (!e) return undefined;
    return e.kind === 'Block' ? this.block(e) : this.stmt(e);
  }

  stmt(s: A.Stmt): I.StmtIR {
    const loc = this.loc(s);
    switch (s.kind) {
      case 'Let': return clean({ s: 'let' as const, name: s.name.name, type: s.type ? this.type(s.type) : undefined, value: s.value ? this.expr(s.value) : undefined, loc });
      case 'Assign': {
        const declares = s.target.kind === 'Name' && this.symOf.get(s.target)?.kind === 'implicit' && this.symOf.get(s.target)?.node === s;
        return clean({ s: 'assign' as const, target: this.expr(s.target), op: s.op, value: this.expr(s.value), declares: declares || undefined, loc });
      }
      case 'If': return clean({ s: 'if' as const, cond: this.expr(s.cond), then: this.block(s.then), else: this.elseOf(s.else), loc });
      case 'IfLet': return clean({ s: 'iflet' as const, pattern: this.pattern(s.pattern), value: this.expr(s.value), then: this.block(s.then), else: this.elseOf(s.else), loc });
      case 'For': return { s: 'for', vars: s.vars.map((v) => v.name), iterable: this.expr(s.iterable), body: this.block(s.body), loc };
      case 'While': return { s: 'while', cond: this.expr(s.cond), body: this.block(s.body), loc };
      case 'Match': return { s: 'expr', expr: this.expr(s), loc };
      case 'Try': return clean({
        s: 'try' as const, body: this.block(s.body), catchType: s.catchType?.name, catchName: s.catchName?.name,
        handler: s.handler ? this.block(s.handler) : undefined, loc,
      });
      case 'Return': return clean({ s: 'return' as const, value: s.value ? this.expr(s.value) : undefined, loc });
      case 'Break': return { s: 'break', loc };
      case 'Continue': return { s: 'continue', loc };
      case 'ExprStmt': return clean({ s: 'expr' as const, expr: this.expr(s.expr), value: s.semi ? undefined : true as const, loc });
      case 'Parallel': return { s: 'parallel', body: s.body.stmts.filter((x) => x.kind !== 'Error').map((x) => this.stmt(x)), loc };
      case 'Block': return { s: 'block', body: this.block(s), loc };
      case 'Error': return { s: 'expr', expr: { k: 'lit', value: null, loc }, loc };
    }
  }

  pattern(p: A.Pattern): I.PatternIR {
    const loc = this.loc(p);
    switch (p.kind) {
      case 'WildcardPat': return { p: 'wild', loc };
      case 'LiteralPat': return { p: 'lit', value: p.literal.value, loc };
      case 'BindPat': return { p: 'bind', name: p.name.name, loc };
      case 'CtorPat': return { p: 'ctor', name: p.name.name, args: p.args.map((x) => this.pattern(x)), loc };
      case 'OrPat': return { p: 'or', options: p.options.map((x) => this.pattern(x)), loc };
      case 'Error': return { p: 'wild', loc };
    }
  }

  // ---- expressions ----

  expr(e: A.Expr): I.ExprIR {
    const loc = this.loc(e);
    switch (e.kind) {
      case 'Literal': return clean({ k: 'lit' as const, value: e.value, duration: e.litKind === 'duration' ? true as const : undefined, loc });
      case 'Vault': return { k: 'vault', path: e.path, loc };
      case 'Name': {
        const sym = this.symOf.get(e);
        if (!sym || ['param', 'let', 'implicit', 'loop', 'catch', 'pattern', 'lambda'].includes(sym.kind)) return { k: 'var', name: e.name, loc };
        return { k: 'global', name: e.name, kind: sym.kind as I.GlobalKind, loc };
      }
      case 'Array': return { k: 'array', items: e.elements.map((x) => this.expr(x)), loc };
      case 'Record': return { k: 'record', entries: e.entries.map((en) => [en.key.name, this.expr(en.value)] as [string, I.ExprIR]), loc };
      case 'TypedRecord': return { k: 'record', type: e.type.name, entries: e.entries.map((en) => [en.key.name, this.expr(en.value)] as [string, I.ExprIR]), loc };
      case 'Lambda': return { k: 'lambda', params: e.params.map((p) => p.name), body: e.body.kind === 'Block' ? this.block(e.body) : this.expr(e.body), loc };
      case 'Unary': return { k: 'unary', op: e.op === 'not' ? '!' : e.op, operand: this.expr(e.operand), loc };
      case 'Binary': return { k: 'binary', op: e.op, left: this.expr(e.left), right: this.expr(e.right), loc };
      case 'Member': return { k: 'member', object: this.expr(e.object), name: e.property.name, loc };
      case 'Index': return { k: 'index', object: this.expr(e.object), index: this.expr(e.index), loc };
      case 'Paren': return this.expr(e.expr);
      case 'IfExpr': return clean({
        k: 'if' as const, cond: this.expr(e.cond), then: this.block(e.then),
        else: e.else ? (e.else.kind === 'Block' ? this.block(e.else) : this.expr(e.else)) : undefined, loc,
      });
      case 'Match': return {
        k: 'match', subject: this.expr(e.subject), loc,
        arms: e.arms.map((a) => clean({
          pattern: this.pattern(a.pattern), guard: a.guard ? this.expr(a.guard) : undefined,
          body: a.body.kind === 'Block' ? this.block(a.body) : this.expr(a.body), loc: this.loc(a),
        })),
      };
      case 'Call': return this.call(e, loc);
      case 'Error': return { k: 'lit', value: null, loc };
    }
  }

  call(c: A.Call, loc: I.Loc): I.ExprIR {
    const site = this.check.callByNode.get(c);
    const args = c.args.filter((a) => a.name === null).map((a) => this.expr(a.value));
    const named = c.args.filter((a) => a.name !== null).map((a) => [a.name!.name, this.expr(a.value)] as [string, I.ExprIR]);
    const kind = site?.kind ?? 'value';
    let target: I.ExprIR | undefined;
    if (kind === 'method' && c.callee.kind === 'Member') target = this.expr(c.callee.object);
    if (kind === 'value') target = this.expr(c.callee);
    return clean({
      k: 'call' as const, kind, name: site?.name ?? '', args, named, target,
      effect: site?.effect ? true as const : undefined, mcp: site?.mcp, uri: site?.uri, loc,
    });
  }
}
