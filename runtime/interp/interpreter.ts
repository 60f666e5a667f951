/**
 * The interpreter: executes an agent's IR body. Deterministic — every effect (tools, models, child
 * agents, clock, randomness, messages) goes through the `InterpreterHost`, which sends it through
 * the kernel. Expressions without effects are evaluated synchronously (`evalPure`), the rest
 * asynchronously; both share the operators of ops.ts.
 *
 * Control flow: statements return a `Flow` (return / break / continue / a block's trailing value).
 * A `return` inside a block that is an expression (a `match` arm, an `if` expression) escapes as a
 * `ReturnSignal` exception, caught at the function or agent boundary.
 */
import type { AgentIR, BlockIR, ExprIR, FunctionIR, Loc, ParamIR, ProgramIR, StmtIR, TypeIR } from '../ir/schema';
import { BatonError, isBatonError } from '../errors';
import { callBuiltin, callMethod } from './builtin-functions';
import { Branch, CallInfo, InterpreterHost } from './host';
import { binaryOp, compound, index, matchPattern, member, setIndex, setMember, unaryOp } from './ops';
import { Scope } from './scope';
import { isPure } from './purity';
import { bindArgs, catches, copyData, errorRecord } from './support';
import { Closure, ErrorValue, isRecord, Rec, Ref, truthy, typeName, Value } from './values';

type Flow = undefined | { k: 'return'; v: Value } | { k: 'break' } | { k: 'continue' } | { k: 'value'; v: Value };
const BREAK: Flow = { k: 'break' };
const CONTINUE: Flow = { k: 'continue' };

class ReturnSignal { constructor(readonly v: Value) {} }
class LoopSignal { constructor(readonly k: 'break' | 'continue') {} }

/** An agent's frame lists, shared by all its runs (they are read-only). */
const agentFrameLists = new WeakMap<AgentIR, { frames: readonly string[]; frameFiles: readonly string[] }>();
function agentFrames(agent: AgentIR, program: ProgramIR): { frames: readonly string[]; frameFiles: readonly string[] } {
  let f = agentFrameLists.get(agent);
  if (!f || f.frameFiles[0] !== program.source) agentFrameLists.set(agent, f = { frames: [`agent ${agent.name}`], frameFiles: [program.source] });
  return f;
}
const namedPure = ([, x]: [string, ExprIR]): boolean => isPure(x);
const none = (): Flow => undefined;
const valueFlow = (v: Value): Flow => ({ k: 'value', v });
const returnFlow = (v: Value): Flow => ({ k: 'return', v });
const bodyValue = (flow: Flow): Value => (flow && (flow.k === 'return' || flow.k === 'value') ? flow.v : null);
const returned = (e: unknown): Value => { if (e instanceof ReturnSignal) return e.v; throw e; };

interface Ctx {
  branch: Branch;
  frames: readonly string[];
  /** The file of each frame (parallel to `frames`). */
  frameFiles: readonly string[];
  /** The file and program the code being run belongs to (functions of other files run in theirs). */
  program: ProgramIR;
  file: string;
  /** The declared return type of the agent or function being run: `return reason(...)` answers in it. */
  returns?: TypeIR;
}

export class Interpreter {
  /** The program of the agent's own file (set by runBody). */
  private home: ProgramIR | undefined;

  constructor(private readonly host: InterpreterHost, private readonly agent: AgentIR) {}

  /** Runs the agent's body with its inputs bound. Returns the body's value. */
  runBody(program: ProgramIR, inputs: Rec, branch: Branch): Promise<Value> {
    // Not an async function: no suspended frame of its own while the run waits (100,000 waiting runs).
    let flow: Flow | Promise<Flow>;
    try {
      const scope = new Scope();
      // The agent's code works on copies: policy conditions read the inputs as given, and code must
      // not be able to change them (`roles.append("admin")` must not satisfy `allow: x if "admin" in roles`).
      for (const [k, v] of Object.entries(inputs)) scope.define(k, copyData(v));
      this.home = program;
      const ctx: Ctx = { branch, ...agentFrames(this.agent, program), program, file: program.source, returns: this.agent.returns };
      if (!this.agent.body) return Promise.resolve(null);
      flow = this.execBlock(this.agent.body, new Scope(scope), ctx);
    } catch (e) {
      return e instanceof ReturnSignal ? Promise.resolve(e.v) : Promise.reject(e);
    }
    return Promise.resolve(flow).then(bodyValue, returned);
  }

  // ---- errors ----

  private located(e: unknown, loc: Loc, ctx: Ctx): unknown {
    if (e instanceof ReturnSignal || e instanceof LoopSignal) return e;
    if (isBatonError(e)) {
      if (e.options.loc || e.code === 'cancelled') return e;
      return new BatonError(e.code, e.message, { ...e.options, loc, file: ctx.file, frames: frameList(ctx) });
    }
    if (e instanceof RangeError) return new BatonError('runtime', 'recursion too deep', { loc, file: ctx.file, cause: e });
    return new BatonError('runtime', e instanceof Error ? e.message : String(e), { loc, file: ctx.file, cause: e, frames: frameList(ctx) });
  }

  // ---- statements ----

  /**
   * Runs a block's statements. Not an async function: statements that complete without waiting run
   * in a plain loop, and a statement that waits continues the block from a promise reaction (a
   * closure), not from a suspended async frame (100,000 runs may wait at once). In order, per
   * statement: the cancellation check, the statement hook (`StatementReached`, the pause hook), the
   * statement; its errors are located at it.
   */
  private execBlock(b: BlockIR, scope: Scope, ctx: Ctx): Flow | Promise<Flow> {
    return this.stepBlock(b.stmts, 0, scope, ctx);
  }

  private stepBlock(stmts: StmtIR[], from: number, scope: Scope, ctx: Ctx): Flow | Promise<Flow> {
    for (let i = from; i < stmts.length; i++) {
      const s = stmts[i];
      if (ctx.branch.signal.aborted) throw new BatonError('cancelled', 'cancelled');
      const wait = this.host.statement(ctx.branch, s.loc, ctx.frames, ctx.file, scope);
      if (wait) return wait.then(() => this.resumeBlock(stmts, i, scope, ctx));
      const r = this.startStmt(s, scope, ctx);
      if (r instanceof Promise) return this.thenRest(r, stmts, i, scope, ctx);
      if (r) {
        if (r.k === 'value') { if (i === stmts.length - 1) return r; continue; }
        return r;
      }
    }
    return undefined;
  }

  /** Continues a block after its statement hook waited: runs statement `i`, then the rest. */
  private resumeBlock(stmts: StmtIR[], i: number, scope: Scope, ctx: Ctx): Flow | Promise<Flow> {
    const r = this.startStmt(stmts[i], scope, ctx);
    if (r instanceof Promise) return this.thenRest(r, stmts, i, scope, ctx);
    return this.afterStmt(r, stmts, i, scope, ctx);
  }

  /** One reaction for both: statement `i`'s error located at it, or the rest of the block. */
  private thenRest(r: Promise<Flow>, stmts: StmtIR[], i: number, scope: Scope, ctx: Ctx): Promise<Flow> {
    return r.then((flow) => this.afterStmt(flow, stmts, i, scope, ctx), (e: unknown) => { throw this.located(e, stmts[i].loc, ctx); });
  }

  private afterStmt(flow: Flow, stmts: StmtIR[], i: number, scope: Scope, ctx: Ctx): Flow | Promise<Flow> {
    if (flow) {
      if (flow.k !== 'value') return flow;
      if (i === stmts.length - 1) return flow;
    }
    return this.stepBlock(stmts, i + 1, scope, ctx);
  }

  /** Starts a statement: its synchronous errors are thrown located at it (its later ones: the caller locates them). */
  private startStmt(s: StmtIR, scope: Scope, ctx: Ctx): Flow | Promise<Flow> {
    try {
      return this.execInner(s, scope, ctx);
    } catch (e) {
      throw this.located(e, s.loc, ctx);
    }
  }

  /** One statement, its errors located at it (synchronous ones thrown, later ones rejected). */
  private runStmt(s: StmtIR, scope: Scope, ctx: Ctx): Flow | Promise<Flow> {
    const r = this.startStmt(s, scope, ctx);
    if (r instanceof Promise) return r.then(undefined, (e: unknown) => { throw this.located(e, s.loc, ctx); });
    return r;
  }

  /** A single statement (an `else if`, a parallel branch): hook, then the statement. */
  private async exec(s: StmtIR, scope: Scope, ctx: Ctx): Promise<Flow> {
    if (ctx.branch.signal.aborted) throw new BatonError('cancelled', 'cancelled');
    const wait = this.host.statement(ctx.branch, s.loc, ctx.frames, ctx.file, scope);
    if (wait) await wait;
    return this.runStmt(s, scope, ctx);
  }

  /** The statements that need no waiting of their own here; the others run in `execAsync`. */
  private execInner(s: StmtIR, scope: Scope, ctx: Ctx): Flow | Promise<Flow> {
    switch (s.s) {
      case 'let': {
        if (!s.value) { scope.define(s.name, null); return undefined; }
        if (isPure(s.value)) { scope.define(s.name, this.evalPure(s.value, scope, ctx)); return undefined; }
        const name = s.name;
        return this.eval(s.value, scope, ctx, s.type).then((v) => { scope.define(name, v); return undefined; });
      }
      case 'expr': {
        if (isPure(s.expr)) { const v = this.evalPure(s.expr, scope, ctx); return s.value ? { k: 'value', v } : undefined; }
        if (!s.value) return this.eval(s.expr, scope, ctx).then(none);
        return this.eval(s.expr, scope, ctx).then(valueFlow);
      }
      case 'return': {
        if (!s.value) return { k: 'return', v: null };
        if (isPure(s.value)) return { k: 'return', v: this.evalPure(s.value, scope, ctx) };
        return this.eval(s.value, scope, ctx, ctx.returns).then(returnFlow);
      }
      case 'assign': return this.assign(s, scope, ctx);
      case 'for': return this.execFor(s, scope, ctx);
      case 'try': return this.execTry(s, scope, ctx);
      case 'break': return BREAK;
      case 'continue': return CONTINUE;
      case 'block': return this.execBlock(s.body, new Scope(scope), ctx);
      case 'parallel': return this.execParallel(s.body, scope, ctx);
      default: return this.execAsync(s, scope, ctx);
    }
  }

  private async execAsync(s: StmtIR, scope: Scope, ctx: Ctx): Promise<Flow> {
    switch (s.s) {
      case 'if': {
        if (truthy(await this.eval(s.cond, scope, ctx))) return this.execBlock(s.then, new Scope(scope), ctx);
        if (!s.else) return undefined;
        return 'stmts' in s.else ? this.execBlock(s.else, new Scope(scope), ctx) : this.exec(s.else, scope, ctx);
      }
      case 'iflet': {
        const v = await this.eval(s.value, scope, ctx);
        const inner = new Scope(scope);
        if (matchPattern(s.pattern, v, inner)) return this.execBlock(s.then, inner, ctx);
        if (!s.else) return undefined;
        return 'stmts' in s.else ? this.execBlock(s.else, new Scope(scope), ctx) : this.exec(s.else, scope, ctx);
      }
      case 'while': {
        while (truthy(await this.eval(s.cond, scope, ctx))) {
          const flow = await this.loopBody(s.body, new Scope(scope), ctx);
          if (flow === BREAK) break;
          if (flow && flow.k === 'return') return flow;
        }
        return undefined;
      }
      default: return this.execInner(s, scope, ctx);
    }
  }

  private async loopBody(b: BlockIR, scope: Scope, ctx: Ctx): Promise<Flow> {
    try {
      const flow = await this.execBlock(b, scope, ctx);
      if (flow && flow.k === 'value') return undefined;
      return flow;
    } catch (e) {
      if (e instanceof LoopSignal) return e.k === 'break' ? BREAK : CONTINUE;
      throw e;
    }
  }

  private async execFor(s: Extract<StmtIR, { s: 'for' }>, scope: Scope, ctx: Ctx): Promise<Flow> {
    const it = await this.eval(s.iterable, scope, ctx);
    let items: Array<Value[]>;
    if (Array.isArray(it)) items = it.map((x, i) => (s.vars.length > 1 ? [i, x] : [x]));
    else if (typeof it === 'string') items = [...it].map((x, i) => (s.vars.length > 1 ? [i, x] : [x]));
    else if (isRecord(it)) items = Object.keys(it).map((k) => (s.vars.length > 1 ? [k, it[k]] : [k]));
    else throw new BatonError('runtime', `cannot iterate over a ${typeName(it)}`);
    for (const vals of items) {
      const inner = new Scope(scope);
      if (s.vars.length > 1 && vals.length === 1 && Array.isArray(vals[0])) {
        s.vars.forEach((n, i) => inner.define(n, (vals[0] as Value[])[i] ?? null));
      } else s.vars.forEach((n, i) => inner.define(n, vals[i] ?? null));
      const flow = await this.loopBody(s.body, inner, ctx);
      if (flow === BREAK) break;
      if (flow && flow.k === 'return') return flow;
    }
    return undefined;
  }

  private async execTry(s: Extract<StmtIR, { s: 'try' }>, scope: Scope, ctx: Ctx): Promise<Flow> {
    try {
      return await this.execBlock(s.body, new Scope(scope), ctx);
    } catch (e) {
      if (!isBatonError(e) || !catches(s.catchType, e)) throw e;
      if (!s.handler) return undefined;
      const inner = new Scope(scope);
      if (s.catchName) inner.define(s.catchName, errorRecord(e));
      return this.execBlock(s.handler, inner, ctx);
    }
  }

  private async execParallel(stmts: StmtIR[], scope: Scope, ctx: Ctx): Promise<Flow> {
    const ac = new AbortController();
    const parent = ctx.branch.signal;
    const onAbort = () => ac.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    const signal = ac.signal;
    // Branch ids must be unique for every execution of a parallel block (one inside a loop runs many
    // times): number the block like an effect of the enclosing branch, `main.<n>.<i>`.
    const block = ctx.branch.effects++;
    const errors: unknown[] = new Array(stmts.length);
    try {
      const results = await Promise.all(stmts.map(async (st, i) => {
        const branch = new Branch(`${ctx.branch.id}.${block}.${i}`, signal);
        try {
          return await this.exec(st, scope, { ...ctx, branch });
        } catch (e) {
          errors[i] = e;
          ac.abort(e);
          return undefined;
        }
      }));
      // The failure raised is the first real one in branch order, never a sibling's cancellation:
      // which branch noticed first depends on timing, and a replay must raise the same error.
      if (errors.some((e) => e !== undefined)) {
        if (parent.aborted) throw new BatonError('cancelled', 'cancelled');
        throw errors.find((e) => e !== undefined && !isBatonError(e, 'cancelled')) ?? errors.find((e) => e !== undefined);
      }
      return results.find((f) => f && f.k === 'return');
    } finally {
      parent.removeEventListener('abort', onAbort);
    }
  }

  private async assign(s: Extract<StmtIR, { s: 'assign' }>, scope: Scope, ctx: Ctx): Promise<Flow> {
    const t = s.target;
    const v = await this.eval(s.value, scope, ctx);
    if (t.k === 'var' || t.k === 'global') {
      const old = scope.lookup(t.name);
      if (old === undefined && !scope.has(t.name)) {
        if (s.op !== '=') throw new BatonError('runtime', `'${t.name}' has no value yet`);
        scope.define(t.name, v);
      } else scope.assign(t.name, compound(s.op, old ?? null, v));
      return undefined;
    }
    if (t.k === 'member') {
      const obj = await this.eval(t.object, scope, ctx);
      setMember(obj, t.name, s.op === '=' ? v : compound(s.op, member(obj, t.name), v));
      return undefined;
    }
    if (t.k === 'index') {
      const obj = await this.eval(t.object, scope, ctx);
      const i = await this.eval(t.index, scope, ctx);
      setIndex(obj, i, s.op === '=' ? v : compound(s.op, index(obj, i), v));
      return undefined;
    }
    throw new BatonError('runtime', 'cannot assign to this expression');
  }

  // ---- expressions ----

  /** Evaluates an expression. `expected` is the declared type of the binding it initialises. */
  eval(e: ExprIR, scope: Scope, ctx: Ctx, expected?: TypeIR): Promise<Value> {
    // A call is not wrapped in one more async level: a run waiting in an effect holds fewer promises.
    if (e.k === 'call' && !isPure(e)) return this.call(e, scope, ctx, expected);
    return this.evalAsync(e, scope, ctx, expected);
  }

  private async evalAsync(e: ExprIR, scope: Scope, ctx: Ctx, expected?: TypeIR): Promise<Value> {
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
  private async blockValue(b: BlockIR, scope: Scope, ctx: Ctx): Promise<Value> {
    const flow = await this.execBlock(b, scope, ctx);
    if (!flow) return null;
    if (flow.k === 'value') return flow.v;
    if (flow.k === 'return') throw new ReturnSignal(flow.v);
    throw new LoopSignal(flow.k);
  }

  private evalPure(e: ExprIR, scope: Scope, ctx: Ctx): Value {
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
  private runContext(): Rec {
    return Object.freeze({ ...this.host.context });
  }

  /** Policy conditions and other effect-free contexts: evaluates `e` synchronously. */
  evalCondition(e: ExprIR, scope: Scope, program: ProgramIR): Value {
    if (!isPure(e)) throw new BatonError('runtime', 'a policy condition cannot call tools, agents or models');
    return this.evalPure(e, scope, { branch: new Branch('policy', new AbortController().signal), frames: [], frameFiles: [], program, file: program.source });
  }

  private applySync(f: Value, args: Value[], ctx: Ctx): Value {
    if (!(f instanceof Closure)) throw new BatonError('runtime', `expected a function (a lambda such as x => x.name), got ${typeName(f)}`);
    if ('stmts' in f.body || !isPure(f.body)) throw new BatonError('runtime', 'this lambda cannot run here');
    const s = new Scope(f.env as Scope);
    f.params.forEach((p, i) => s.define(p, args[i] ?? null));
    return this.evalPure(f.body, s, ctx);
  }

  /** Calls a function value: synchronously if it is a lambda with a pure expression body. */
  private applyAny(f: Value, args: Value[], ctx: Ctx): Value | Promise<Value> {
    if (f instanceof Closure && !('stmts' in f.body) && isPure(f.body)) return this.applySync(f, args, ctx);
    return this.apply(f, args, ctx);
  }

  private async apply(f: Value, args: Value[], ctx: Ctx): Promise<Value> {
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
  private call(e: Extract<ExprIR, { k: 'call' }>, scope: Scope, ctx: Ctx, expected?: TypeIR): Promise<Value> {
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

  private async callAsync(e: Extract<ExprIR, { k: 'call' }>, scope: Scope, ctx: Ctx, expected?: TypeIR): Promise<Value> {
    const args: Value[] = [];
    for (const x of e.args) args.push(await this.eval(x, scope, ctx));
    const named: Rec = {};
    for (const [k, x] of e.named) named[k] = await this.eval(x, scope, ctx);
    return this.callWith(e, args, named, scope, ctx, expected);
  }

  /** Not async: the callee's promise (or value) as it is. Synchronous throws: the callers make them rejections. */
  private callWith(e: Extract<ExprIR, { k: 'call' }>, args: Value[], named: Rec, scope: Scope, ctx: Ctx, expected?: TypeIR): Value | Promise<Value> {
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
  private async callTarget(e: Extract<ExprIR, { k: 'call' }>, args: Value[], named: Rec, scope: Scope, ctx: Ctx, info: () => CallInfo): Promise<Value> {
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

  private findTool(name: string, uri: string | undefined, ctx: Ctx) {
    const p = uri ? this.host.program(uri) ?? ctx.program : ctx.program;
    return this.agent.tools.find((t) => t.name === name) ?? p.tools.find((t) => t.name === name);
  }

  private async callFunction(name: string, args: Value[], named: Rec, uri: string | undefined, ctx: Ctx, loc: Loc | undefined): Promise<Value> {
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

  private async bindParams(params: ParamIR[], args: Value[], named: Rec, scope: Scope, ctx: Ctx, what: string): Promise<void> {
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

function frameList(ctx: Ctx): Array<{ name: string; file: string }> {
  return ctx.frames.map((name, i) => ({ name, file: ctx.frameFiles[i] ?? ctx.file }));
}

export { ErrorValue, isPure, bindArgs };
