/**
 * The expression half of the interpreter: evaluation (pure expressions synchronously, the rest
 * asynchronously), calls (functions, built-ins, methods, lambdas; tools, agents and model built-ins
 * through the `InterpreterHost`), and errors located at the statement or expression they come from.
 * `Interpreter` (interpreter.ts) adds the statements.
 */
import type { AgentIR, BlockIR, ExprIR, FunctionIR, Loc, ParamIR, ProgramIR, TypeIR } from '../ir/schema';
import { BatonError, isBatonError } from '../errors';
import { callBuiltin, callMethod } from './builtin-functions';
import { Branch, CallInfo, InterpreterHost } from './host';
import { binaryOp, index, matchPattern, member, unaryOp } from './ops';
import { Scope } from './scope';
import { isPure } from './purity';
import { bindArgs } from './support';
import { Closure, isRecord, Rec, Ref, truthy, typeName, Value } from './values';
import { Ctx, Flow, LoopSignal, ReturnSignal, frameList, namedPure } from './interp-flow';

export abstract class Evaluator {
  /** The program of the agent's own file (set by runBody). */
  protected home: ProgramIR | undefined;

  constructor(protected readonly host: InterpreterHost, protected readonly agent: AgentIR) {}

  /** Runs a block (the statement half). */
  protected abstract execBlock(b: BlockIR, scope: Scope, ctx: Ctx): Flow | Promise<Flow>;

  // ---- errors ----

  protected located(e: unknown, loc: Loc, ctx: Ctx): unknown {
    if (e instanceof ReturnSignal || e instanceof LoopSignal) return e;
    if (isBatonError(e)) {
      if (e.options.loc || e.code === 'cancelled') return e;
      return new BatonError(e.code, e.message, { ...e.options, loc, file: ctx.file, frames: frameList(ctx) });
    }
    if (e instanceof RangeError) return new BatonError('runtime', 'recursion too deep', { loc, file: ctx.file, cause: e });
    return new BatonError('runtime', e instanceof Error ? e.message : String(e), { loc, file: ctx.file, cause: e, frames: frameList(ctx) });
  }

  // ---- expressions ----

  /** Evaluates an expression. `expected` is the declared type of the binding it initialises. */
  eval(e: ExprIR, scope: Scope, ctx: Ctx, expected?: TypeIR): Promise<Value> {
    // A call is not wrapped in one more async level: a run waiting in an effect holds fewer promises.
    if (e.k === 'call' && !isPure(e)) return this.call(e, scope, ctx, expected);
    return this.evalAsync(e, scope, ctx, expected);
  }

  protected async evalAsync(e: ExprIR, scope: Scope, ctx: Ctx, expected?: TypeIR): Promise<Value> {
    if (isPure(e)) return this.evalPure(e, scope, ctx);
    switch (e.k) {
      case 'array': {
        const out: Value[] = [];
        for (const x of e.items) out.push(await this.eval(x, scope, ctx));
        return out;
      }
      case 'record': {
        const out: Rec = {};
        for (const [k, x] of e.entries) out[k] = await this.eval(x, scope, ctx);
        return out;
      }
      case 'lambda': return new Closure(e.params, e.body, scope, ctx.file);
      case 'unary': return unaryOp(e.op, await this.eval(e.operand, scope, ctx));
      case 'binary': {
        if (e.op === '&&') return truthy(await this.eval(e.left, scope, ctx)) && truthy(await this.eval(e.right, scope, ctx));
        if (e.op === '||') return truthy(await this.eval(e.left, scope, ctx)) || truthy(await this.eval(e.right, scope, ctx));
        return binaryOp(e.op, await this.eval(e.left, scope, ctx), await this.eval(e.right, scope, ctx));
      }
      case 'member': return member(await this.eval(e.object, scope, ctx), e.name);
      case 'index': return index(await this.eval(e.object, scope, ctx), await this.eval(e.index, scope, ctx));
      case 'if': {
        if (truthy(await this.eval(e.cond, scope, ctx))) return this.blockValue(e.then, new Scope(scope), ctx);
        if (!e.else) return null;
        return 'stmts' in e.else ? this.blockValue(e.else, new Scope(scope), ctx) : this.eval(e.else, scope, ctx);
      }
      case 'match': {
        const v = await this.eval(e.subject, scope, ctx);
        for (const arm of e.arms) {
          const inner = new Scope(scope);
          if (!matchPattern(arm.pattern, v, inner)) continue;
          if (arm.guard && !truthy(await this.eval(arm.guard, inner, ctx))) continue;
          return 'stmts' in arm.body ? this.blockValue(arm.body, inner, ctx) : this.eval(arm.body, inner, ctx);
        }
        return null;
      }
      case 'call': return this.call(e, scope, ctx, expected);
      default: return this.evalPure(e, scope, ctx);
    }
  }

  /** A block used as an expression: its trailing value; `return`/`break` escape as signals. */
  protected async blockValue(b: BlockIR, scope: Scope, ctx: Ctx): Promise<Value> {
    const flow = await this.execBlock(b, scope, ctx);
    if (!flow) return null;
    if (flow.k === 'value') return flow.v;
    if (flow.k === 'return') throw new ReturnSignal(flow.v);
    throw new LoopSignal(flow.k);
  }

  protected evalPure(e: ExprIR, scope: Scope, ctx: Ctx): Value {
    switch (e.k) {
      case 'lit': return e.value;
      case 'vault': return `vault://${e.path}`;
      case 'var': {
        const v = scope.lookup(e.name);
        if (v !== undefined) return v;
        if (scope.has(e.name)) return null;
        if (e.name === 'context') return this.runContext();
        if (e.name === 'None') return null;
        throw new BatonError('runtime', `'${e.name}' has no value here`);
      }
      case 'global': {
        const v = scope.lookup(e.name);
        if (v !== undefined) return v;
        if (e.name === 'context') return this.runContext();
        if (e.name === 'None') return null;
        return new Ref(e.kind, e.name);
      }
      case 'array': return e.items.map((x) => this.evalPure(x, scope, ctx));
      case 'record': {
        const out: Rec = {};
        for (const [k, x] of e.entries) out[k] = this.evalPure(x, scope, ctx);
        return out;
      }
      case 'lambda': return new Closure(e.params, e.body, scope, ctx.file);
      case 'unary': return unaryOp(e.op, this.evalPure(e.operand, scope, ctx));
      case 'binary':
        if (e.op === '&&') return truthy(this.evalPure(e.left, scope, ctx)) && truthy(this.evalPure(e.right, scope, ctx));
        if (e.op === '||') return truthy(this.evalPure(e.left, scope, ctx)) || truthy(this.evalPure(e.right, scope, ctx));
        return binaryOp(e.op, this.evalPure(e.left, scope, ctx), this.evalPure(e.right, scope, ctx));
      case 'member': return member(this.evalPure(e.object, scope, ctx), e.name);
      case 'index': return index(this.evalPure(e.object, scope, ctx), this.evalPure(e.index, scope, ctx));
      case 'call': {
        const args = e.args.map((x) => this.evalPure(x, scope, ctx));
        const named: Rec = {};
        for (const [k, x] of e.named) named[k] = this.evalPure(x, scope, ctx);
        const target = e.kind === 'method' ? this.evalPure(e.target!, scope, ctx) : null;
        if (isRecord(target) && target[e.name] instanceof Closure) return this.applySync(target[e.name], args, ctx);
        const r = e.kind === 'method'
          ? callMethod(target, e.name, args, named, (f, a) => this.applySync(f, a, ctx))
          : callBuiltin(e.name, args, named, (f, a) => this.applySync(f, a, ctx));
        if (r instanceof Promise) throw new BatonError('runtime', `${e.name}() cannot run here`);
        return r;
      }
      default: throw new BatonError('runtime', `cannot evaluate ${e.k} here`);
    }
  }

  /**
   * `context` as the agent's code sees it: a read-only copy. Policy conditions trust the run context
   * (`allow: x if context.user == "ops"`), so code must not be able to change it.
   */
  protected runContext(): Rec {
    return Object.freeze({ ...this.host.context });
  }

  /** Policy conditions and other effect-free contexts: evaluates `e` synchronously. */
  evalCondition(e: ExprIR, scope: Scope, program: ProgramIR): Value {
    if (!isPure(e)) throw new BatonError('runtime', 'a policy condition cannot call tools, agents or models');
    return this.evalPure(e, scope, { branch: new Branch('policy', new AbortController().signal), frames: [], frameFiles: [], program, file: program.source });
  }

  protected applySync(f: Value, args: Value[], ctx: Ctx): Value {
    if (!(f instanceof Closure)) throw new BatonError('runtime', `expected a function (a lambda such as x => x.name), got ${typeName(f)}`);
    if ('stmts' in f.body || !isPure(f.body)) throw new BatonError('runtime', 'this lambda cannot run here');
    const s = new Scope(f.env as Scope);
    f.params.forEach((p, i) => s.define(p, args[i] ?? null));
    return this.evalPure(f.body, s, ctx);
  }

  /** Calls a function value: synchronously if it is a lambda with a pure expression body. */
  protected applyAny(f: Value, args: Value[], ctx: Ctx): Value | Promise<Value> {
    if (f instanceof Closure && !('stmts' in f.body) && isPure(f.body)) return this.applySync(f, args, ctx);
    return this.apply(f, args, ctx);
  }

  protected async apply(f: Value, args: Value[], ctx: Ctx): Promise<Value> {
    if (f instanceof Ref && f.kind === 'function') return this.callFunction(f.name, args, {}, undefined, ctx, undefined);
    if (!(f instanceof Closure)) throw new BatonError('runtime', `expected a function (a lambda such as x => x.name), got ${typeName(f)}`);
    const s = new Scope(f.env as Scope);
    f.params.forEach((p, i) => s.define(p, args[i] ?? null));
    if (ctx.returns) ctx = { ...ctx, returns: undefined };
    if (!('stmts' in f.body)) return this.eval(f.body, s, ctx);
    try {
      const flow = await this.execBlock(f.body, s, ctx);
      return flow && (flow.k === 'return' || flow.k === 'value') ? flow.v : null;
    } catch (err) {
      if (err instanceof ReturnSignal) return err.v;
      throw err;
    }
  }

  /**
   * A call whose arguments are pure and that has no target to evaluate: arguments evaluated at once,
   * and the callee's promise returned as it is (no async frame of its own); the rest in `callAsync`.
   */
  protected call(e: Extract<ExprIR, { k: 'call' }>, scope: Scope, ctx: Ctx, expected?: TypeIR): Promise<Value> {
    if (e.kind === 'method' || e.kind === 'value' || (e.kind === 'builtin' && !e.effect) || !e.args.every(isPure) || !e.named.every(namedPure)) {
      return this.callAsync(e, scope, ctx, expected);
    }
    try {
      const args: Value[] = [];
      for (const x of e.args) args.push(this.evalPure(x, scope, ctx));
      const named: Rec = {};
      for (const [k, x] of e.named) named[k] = this.evalPure(x, scope, ctx);
      return Promise.resolve(this.callWith(e, args, named, scope, ctx, expected));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  protected async callAsync(e: Extract<ExprIR, { k: 'call' }>, scope: Scope, ctx: Ctx, expected?: TypeIR): Promise<Value> {
    const args: Value[] = [];
    for (const x of e.args) args.push(await this.eval(x, scope, ctx));
    const named: Rec = {};
    for (const [k, x] of e.named) named[k] = await this.eval(x, scope, ctx);
    return this.callWith(e, args, named, scope, ctx, expected);
  }

  /** Not async: the callee's promise (or value) as it is. Synchronous throws: the callers make them rejections. */
  protected callWith(e: Extract<ExprIR, { k: 'call' }>, args: Value[], named: Rec, scope: Scope, ctx: Ctx, expected?: TypeIR): Value | Promise<Value> {
    const info = (): CallInfo => ({ branch: ctx.branch, loc: e.loc, frames: ctx.frames, file: ctx.file, agent: this.agent, program: ctx.program, expected });
    switch (e.kind) {
      case 'builtin':
        if (e.effect) return this.host.effect(e.name, args, named, info());
        return callBuiltin(e.name, args, named, (f, a) => this.applyAny(f, a, ctx));
      case 'function': return this.callFunction(e.name, args, named, e.uri, ctx, e.loc);
      case 'tool': {
        if (e.mcp) return this.host.mcpTool(e.mcp.server, e.mcp.tool, bindArgs(this.findTool(e.name, e.uri, ctx)?.params, args, named, e.name), info());
        return this.host.tool(e.name, bindArgs(this.findTool(e.name, e.uri, ctx)?.params, args, named, e.name), info());
      }
      case 'agent': return this.host.agent(e.name, args, named, e.uri, info());
      case 'llm': return this.host.llm(e.name, args, named, info());
      case 'semantic': return this.host.semantic(e.name, args, named, info());
      default: return this.callTarget(e, args, named, scope, ctx, info);
    }
  }

  /** A method call or a call of a value: the target is evaluated after the arguments. */
  protected async callTarget(e: Extract<ExprIR, { k: 'call' }>, args: Value[], named: Rec, scope: Scope, ctx: Ctx, info: () => CallInfo): Promise<Value> {
    if (e.kind === 'method') {
      const target = await this.eval(e.target!, scope, ctx);
      if (isRecord(target) && target[e.name] instanceof Closure) return this.apply(target[e.name], args, ctx);
      return callMethod(target, e.name, args, named, (f, a) => this.applyAny(f, a, ctx));
    }
    const f = await this.eval(e.target!, scope, ctx);
    if (f instanceof Ref) {
      if (f.kind === 'tool') return this.host.tool(f.name, bindArgs(this.findTool(f.name, undefined, ctx)?.params, args, named, f.name), info());
      if (f.kind === 'agent') return this.host.agent(f.name, args, named, undefined, info());
    }
    return this.apply(f, args, ctx);
  }

  protected findTool(name: string, uri: string | undefined, ctx: Ctx) {
    const p = uri ? this.host.program(uri) ?? ctx.program : ctx.program;
    return this.agent.tools.find((t) => t.name === name) ?? p.tools.find((t) => t.name === name);
  }

  protected async callFunction(name: string, args: Value[], named: Rec, uri: string | undefined, ctx: Ctx, loc: Loc | undefined): Promise<Value> {
    let program = ctx.program;
    // The agent's own functions are visible from the agent's file only: a function of another file
    // calling `helper()` means that file's `helper`.
    let fn: FunctionIR | undefined = program === this.home ? this.agent.functions.find((f) => f.name === name) : undefined;
    if (!fn && uri) { program = this.host.program(uri) ?? program; }
    fn ??= program.functions.find((f) => f.name === name) ?? this.agent.functions.find((f) => f.name === name);
    if (!fn) throw new BatonError('runtime', `function '${name}' not found`);
    if (ctx.frames.length > 200) throw new BatonError('runtime', `recursion too deep in function '${name}'`);
    const scope = new Scope();
    const inner: Ctx = { ...ctx, program, file: program.source, frames: [`function ${name}`, ...ctx.frames], frameFiles: [program.source, ...ctx.frameFiles], returns: fn.returns };
    await this.bindParams(fn.params, args, named, scope, inner, name);
    try {
      const flow = await this.execBlock(fn.body, scope, inner);
      return flow && (flow.k === 'return' || flow.k === 'value') ? flow.v : null;
    } catch (err) {
      if (err instanceof ReturnSignal) return err.v;
      if (loc && isBatonError(err) && !err.options.frames?.length) throw this.located(err, loc, ctx);
      throw err;
    }
  }

  protected async bindParams(params: ParamIR[], args: Value[], named: Rec, scope: Scope, ctx: Ctx, what: string): Promise<void> {
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      let v: Value | undefined = i < args.length ? args[i] : named[p.name];
      if (v === undefined) v = p.default ? await this.eval(p.default, scope, ctx) : null;
      if (v === null && !p.default && !(p.name in named) && i >= args.length && !(p.type && 'optional' in p.type && p.type.optional)) {
        throw new BatonError('runtime', `${what}() is missing its argument '${p.name}'`);
      }
      scope.define(p.name, v);
    }
  }
}
