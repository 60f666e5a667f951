/** Checking of agent bodies and functions: scopes, name resolution, call classification, arity. */
import * as A from './ast';
import { diag } from './diagnostics';
import { AgentContext, CallKind, CallSite, FileContext } from './check-context';
import { Scope, Sym, SymbolKind } from './symbols';
import { BUILTIN_CONSTANTS, BUILTIN_FUNCTIONS, BUILTIN_METHODS, LLM_BUILTINS } from './builtins';
import { closestWord, closestWordIn } from './suggest';
import { checkTypeRef } from './check-types';

const BUILTIN_METHOD_NAMES = [...BUILTIN_METHODS.keys()];
const CALLABLE_KINDS = [['functions', 'function'], ['tools', 'tool'], ['agents', 'agent']] as const;
const VALUE_KINDS = ['agents', 'tools', 'functions', 'mcp', 'types'] as const;

export class BodyChecker {
  constructor(private readonly fc: FileContext, private readonly ac: AgentContext) {}

  private report(code: string, message: string, node: { start: number; end: number }, extra?: Parameters<typeof diag>[4]): void {
    this.fc.diags.push(diag(code, message, node.start, node.end, extra));
  }

  /** Declares a name; `refNode` is the node recorded as the declaring reference (defaults to the identifier). */
  define(scope: Scope, kind: SymbolKind, ident: A.Ident, node: A.Node, refNode: A.Ident | A.NameRef = ident): void {
    const sym: Sym = { kind, name: ident.name, decl: ident, node };
    scope.define(sym);
    this.fc.refs.push({ node: refNode, sym });
  }

  block(block: A.Block, parent: Scope): void {
    const scope = new Scope(parent);
    this.stmts(block.stmts, scope);
  }

  stmts(stmts: A.Stmt[], scope: Scope): void {
    let ended: A.Stmt | null = null;
    for (const s of stmts) {
      if (ended && s.kind !== 'Error') {
        this.report('unreachable-code', `Unreachable: the ${ended.kind.toLowerCase()} statement above always leaves this block.`, s);
        ended = null;
      }
      this.stmt(s, scope);
      if (s.kind === 'Return' || s.kind === 'Break' || s.kind === 'Continue') ended = s;
    }
  }

  stmt(s: A.Stmt, scope: Scope): void {
    switch (s.kind) {
      case 'Let':
        if (s.type) checkTypeRef(this.fc, s.type);
        if (s.value) this.expr(s.value, scope);
        this.define(scope, 'let', s.name, s);
        return;
      case 'Assign':
        this.expr(s.value, scope);
        if (s.target.kind === 'Name') {
          const sym = scope.lookup(s.target.name);
          if (sym) this.fc.refs.push({ node: s.target, sym });
          else if (s.op === '=') {
            // Symbiont style: `report = ...` declares `report` for the rest of the function.
            const ident: A.Ident = { kind: 'Ident', name: s.target.name, start: s.target.start, end: s.target.end };
            this.define(scope.functionRoot(), 'implicit', ident, s, s.target);
          } else this.unknownName(s.target, scope);
        } else this.expr(s.target, scope);
        return;
      case 'If':
        this.expr(s.cond, scope);
        this.block(s.then, scope);
        if (s.else) this.stmt(s.else, scope);
        return;
      case 'IfLet': {
        this.expr(s.value, scope);
        const inner = new Scope(scope);
        this.pattern(s.pattern, inner);
        this.stmts(s.then.stmts, inner);
        if (s.else) this.stmt(s.else, scope);
        return;
      }
      case 'For': {
        this.expr(s.iterable, scope);
        const inner = new Scope(scope);
        for (const v of s.vars) this.define(inner, 'loop', v, s);
        this.ac.loopDepth++;
        this.stmts(s.body.stmts, inner);
        this.ac.loopDepth--;
        return;
      }
      case 'While':
        this.expr(s.cond, scope);
        this.ac.loopDepth++;
        this.block(s.body, scope);
        this.ac.loopDepth--;
        return;
      case 'Match':
        this.expr(s, scope);
        return;
      case 'Try': {
        this.block(s.body, scope);
        if (s.catchType) checkTypeRef(this.fc, { kind: 'NamedType', name: s.catchType, args: [], optional: false, start: s.catchType.start, end: s.catchType.end });
        if (s.handler) {
          const inner = new Scope(scope);
          if (s.catchName) this.define(inner, 'catch', s.catchName, s);
          this.stmts(s.handler.stmts, inner);
        }
        return;
      }
      case 'Return':
        if (s.value) this.expr(s.value, scope);
        return;
      case 'Break': case 'Continue':
        if (this.ac.loopDepth === 0) this.report('break-outside-loop', `'${s.kind.toLowerCase()}' is only allowed inside a loop.`, s);
        return;
      case 'ExprStmt':
        this.expr(s.expr, scope);
        return;
      case 'Parallel':
        // Names bound inside `parallel { }` are visible after it: no new scope.
        this.stmts(s.body.stmts, scope);
        return;
      case 'Block':
        this.block(s, scope);
        return;
      case 'Error':
        return;
    }
  }

  pattern(p: A.Pattern, scope: Scope): void {
    switch (p.kind) {
      case 'BindPat': this.define(scope, 'pattern', p.name, p); return;
      case 'CtorPat': for (const a of p.args) this.pattern(a, scope); return;
      case 'OrPat': for (const o of p.options) this.pattern(o, scope); return;
      default: return;
    }
  }

  expr(e: A.Expr, scope: Scope): void {
    switch (e.kind) {
      case 'Literal': case 'Vault': case 'Error': return;
      case 'Name': {
        const sym = this.resolveValue(e.name, scope);
        if (sym) this.fc.refs.push({ node: e, sym });
        else this.unknownName(e, scope);
        return;
      }
      case 'Array': for (const x of e.elements) this.expr(x, scope); return;
      case 'Record': for (const en of e.entries) this.expr(en.value, scope); return;
      case 'TypedRecord':
        checkTypeRef(this.fc, { kind: 'NamedType', name: e.type, args: [], optional: false, start: e.type.start, end: e.type.end });
        for (const en of e.entries) this.expr(en.value, scope);
        return;
      case 'Lambda': {
        const inner = new Scope(scope, true);
        for (const p of e.params) this.define(inner, 'lambda', p, e);
        if (e.body.kind === 'Block') {
          const depth = this.ac.loopDepth;
          this.ac.loopDepth = 0;
          this.stmts(e.body.stmts, inner);
          this.ac.loopDepth = depth;
        } else this.expr(e.body, inner);
        return;
      }
      case 'Unary': this.expr(e.operand, scope); return;
      case 'Binary': this.expr(e.left, scope); this.expr(e.right, scope); return;
      case 'Member': this.expr(e.object, scope); return;
      case 'Index': this.expr(e.object, scope); this.expr(e.index, scope); return;
      case 'Paren': this.expr(e.expr, scope); return;
      case 'IfExpr':
        this.expr(e.cond, scope);
        this.block(e.then, scope);
        if (e.else) {
          if (e.else.kind === 'Block') this.block(e.else, scope); else this.expr(e.else, scope);
        }
        return;
      case 'Match':
        this.expr(e.subject, scope);
        for (const arm of e.arms) {
          const inner = new Scope(scope);
          this.pattern(arm.pattern, inner);
          if (arm.guard) this.expr(arm.guard, inner);
          if (arm.body.kind === 'Block') this.stmts(arm.body.stmts, inner); else this.expr(arm.body, inner);
        }
        return;
      case 'Call':
        this.call(e, scope);
        return;
    }
  }

  /** A name used as a value: locals, then top-level declarations (agents, tools, MCP servers, memories), then built-ins. */
  private resolveValue(name: string, scope: Scope): Sym | undefined {
    const local = scope.lookup(name);
    if (local) return local;
    const fs = this.fc.symbols;
    const top = this.ac.tools.get(name) ?? this.ac.functions.get(name) ?? fs.tools.get(name) ?? fs.agents.get(name)
      ?? fs.mcp.get(name) ?? fs.memories.get(name) ?? fs.functions.get(name) ?? fs.others.get(name) ?? fs.types.get(name);
    if (top) return this.topSym(top);
    if (BUILTIN_CONSTANTS.has(name)) return builtinSym(name);
    for (const kind of VALUE_KINDS) {
      const found = this.fc.workspace.find(kind, name, this.fc.uri);
      if (found.length) return { kind: symbolKindOf(found[0].node), name, decl: found[0].node.name, node: found[0].node, uri: found[0].uri };
    }
    return undefined;
  }

  /** The symbol of a top-level declaration: one object per declaration, shared by its references. */
  private topSym(top: A.Node & { name: A.Ident }): Sym {
    let sym = this.fc.topSyms.get(top);
    if (!sym) this.fc.topSyms.set(top, (sym = { kind: symbolKindOf(top), name: top.name.name, decl: top.name, node: top }));
    return sym;
  }

  private unknownName(e: A.NameRef, scope: Scope): void {
    const candidates = [...scope.visible()].map((s) => s.name)
      .concat([...this.fc.symbols.agents.keys(), ...this.fc.symbols.tools.keys(), ...this.fc.symbols.memories.keys(), ...BUILTIN_CONSTANTS.keys()]);
    const guess = closestWord(e.name, candidates);
    this.report('unknown-name', `Unknown name '${e.name}'.${guess ? ` Did you mean '${guess}'?` : ''}`, e, guess ? { data: { suggestion: guess } } : undefined);
  }

  private call(c: A.Call, scope: Scope): void {
    for (const a of c.args) this.expr(a.value, scope);
    const site = this.classify(c, scope);
    this.fc.calls.push(site);
    if (site.kind !== 'value' && site.kind !== 'method') this.ac.calledNames.add(site.name);
  }

  /** A call site; the optional fields are own keys only where they apply (as the object spreads once made them). */
  private site(c: A.Call, kind: CallKind, name: string, effect = false): CallSite {
    return { call: c, kind, name, agent: this.ac.agent?.name.name ?? null, effect };
  }

  private classify(c: A.Call, scope: Scope): CallSite {
    const callee = c.callee;
    if (callee.kind === 'Member') {
      // `server.tool(...)` on a declared MCP server, else a method of a value.
      if (callee.object.kind === 'Name' && !scope.lookup(callee.object.name)) {
        const server = this.fc.symbols.mcp.get(callee.object.name) ?? this.fc.workspace.find('mcp', callee.object.name, this.fc.uri)[0]?.node;
        if (server) {
          this.fc.refs.push({ node: callee.object, sym: { kind: 'mcp', name: callee.object.name, decl: server.name, node: server } });
          const mcp = { server: callee.object.name, tool: callee.property.name };
          return { call: c, kind: 'tool', name: `${callee.object.name}.${callee.property.name}`, agent: this.ac.agent?.name.name ?? null, effect: false, mcp };
        }
      }
      this.expr(callee.object, scope);
      const method = callee.property.name;
      if (!BUILTIN_METHODS.has(method) && !BUILTIN_FUNCTIONS.has(method)) {
        const guess = closestWordIn(method, BUILTIN_METHOD_NAMES);
        this.report('semantic-function', `'.${method}(...)' is no built-in method; it will be implemented by the model.${guess ? ` Did you mean '${guess}'?` : ''}`, callee.property);
      }
      return this.site(c, 'method', method);
    }
    if (callee.kind !== 'Name') {
      this.expr(callee, scope);
      return this.site(c, 'value', '');
    }
    const name = callee.name;
    const local = scope.lookup(name);
    if (local) {
      this.fc.refs.push({ node: callee, sym: local });
      return this.site(c, 'value', name);
    }
    const fs = this.fc.symbols;
    const fn = this.ac.functions.get(name) ?? fs.functions.get(name);
    if (fn) return this.declared(c, 'function', fn, fn.params);
    const builtin = BUILTIN_FUNCTIONS.get(name);
    if (builtin) {
      this.arity(c, name, builtin.min, builtin.max, builtin.named ?? []);
      return this.site(c, 'builtin', name, !!builtin.effect);
    }
    const tool = this.ac.tools.get(name) ?? fs.tools.get(name);
    if (tool) return this.declared(c, 'tool', tool, tool.params);
    const agent = fs.agents.get(name);
    if (agent) return this.declared(c, 'agent', agent, agent.params ?? []);
    for (const [kind, callKind] of CALLABLE_KINDS) {
      const found = this.fc.workspace.find(kind, name, this.fc.uri);
      if (found.length === 0) continue;
      if (found.length > 1) {
        this.report('ambiguous-reference', `'${name}' is declared in ${found.length} other files; using the one in ${found[0].uri}.`, callee,
          { related: found.map((f) => ({ file: f.uri, start: f.node.name.start, end: f.node.name.end, message: 'declared here' })) });
      }
      const node = found[0].node as A.FunctionDecl | A.ToolDecl | A.AgentDecl;
      const params = node.kind === 'Agent' ? node.params ?? [] : node.params;
      return this.declared(c, callKind, node, params, found[0].uri);
    }
    const llm = LLM_BUILTINS.get(name);
    if (llm) {
      this.arity(c, name, llm.min, llm.max, llm.named);
      return this.site(c, 'llm', name);
    }
    const target = this.ac.agent ? `agent '${this.ac.agent.name.name}'` : 'this function';
    this.report('semantic-function', `'${name}' is not declared: it is a semantic function, implemented by the model of ${target}.`, callee);
    return this.site(c, 'semantic', name);
  }

  private declared(c: A.Call, kind: CallKind, decl: A.Node & { name: A.Ident }, params: A.Param[], uri?: string): CallSite {
    if (c.callee.kind === 'Name') {
      this.fc.refs.push({ node: c.callee, sym: { kind: kind === 'tool' ? 'tool' : kind === 'agent' ? 'agent' : 'function', name: decl.name.name, decl: decl.name, node: decl, uri } });
    }
    this.checkArgs(c, decl.name.name, params);
    return { call: c, kind, name: decl.name.name, agent: this.ac.agent?.name.name ?? null, effect: false, decl, uri };
  }

  private checkArgs(c: A.Call, name: string, params: A.Param[]): void {
    const given: string[] = [];
    let positional = 0;
    for (const a of c.args) {
      if (a.name === null) {
        if (positional >= params.length) {
          this.report('arity', `'${name}' takes ${params.length} argument${params.length === 1 ? '' : 's'}, but more were given.`, a);
        } else given.push(params[positional].name.name);
        positional++;
        continue;
      }
      const p = params.find((x) => x.name.name === a.name!.name);
      if (!p) {
        const guess = closestWord(a.name.name, params.map((x) => x.name.name));
        this.report('unknown-named-arg', `'${name}' has no parameter '${a.name.name}'.${guess ? ` Did you mean '${guess}'?` : ` Its parameters: ${params.map((x) => x.name.name).join(', ') || 'none'}.`}`, a.name,
          guess ? { data: { suggestion: guess } } : undefined);
        continue;
      }
      if (given.includes(p.name.name)) this.report('duplicate-arg', `'${p.name.name}' is given twice.`, a);
      given.push(p.name.name);
    }
    const missing = params.filter((p) => p.default === null && !given.includes(p.name.name) && !(p.type && isOptionalType(p.type)));
    if (missing.length) {
      this.report('arity', `'${name}' is missing ${missing.length === 1 ? 'argument' : 'arguments'} ${missing.map((m) => `'${m.name.name}'`).join(', ')}.`, c,
        { related: missing.map((m) => ({ start: m.start, end: m.end, message: 'parameter declared here' })) });
    }
  }

  private arity(c: A.Call, name: string, min: number, max: number, named: string[]): void {
    let positional = 0;
    for (const a of c.args) if (a.name === null) positional++;
    if (positional < min || positional > max) {
      const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      this.report('arity', `'${name}' takes ${expected} positional argument${expected === '1' ? '' : 's'}, but ${positional} ${positional === 1 ? 'was' : 'were'} given.`, c);
    }
    for (const a of c.args) {
      if (a.name && !named.includes(a.name.name)) {
        const guess = closestWord(a.name.name, named);
        this.report('unknown-named-arg', `'${name}' has no named argument '${a.name.name}'.${guess ? ` Did you mean '${guess}'?` : named.length ? ` It accepts: ${named.join(', ')}.` : ''}`, a.name);
      }
    }
  }
}

const builtinSyms = new Map<string, Sym>();
function builtinSym(name: string): Sym {
  let sym = builtinSyms.get(name);
  if (!sym) builtinSyms.set(name, (sym = { kind: 'builtin', name, decl: null, node: null }));
  return sym;
}

function isOptionalType(t: A.TypeRef): boolean {
  if (t.kind === 'NamedType') return t.optional || ['Optional', 'Option', 'Maybe'].includes(t.name.name);
  return (t as { optional?: boolean }).optional === true;
}

function symbolKindOf(node: A.Node): SymbolKind {
  switch (node.kind) {
    case 'Agent': return 'agent';
    case 'Function': return 'function';
    case 'Tool': return 'tool';
    case 'Mcp': return 'mcp';
    case 'Memory': return 'memory';
    case 'TypeDecl': return 'type';
    case 'Channel': return 'channel';
    case 'Schedule': return 'schedule';
    default: return 'webhook';
  }
}
