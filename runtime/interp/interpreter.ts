/**
 * The interpreter: executes an agent's IR body. Deterministic — every effect (tools, models, child
 * agents, clock, randomness, messages) goes through the `InterpreterHost`, which sends it through
 * the kernel. Expressions without effects are evaluated synchronously (`evalPure`), the rest
 * asynchronously; both share the operators of ops.ts.
 *
 * This file is the statement half; `evaluator.ts` (its base class) evaluates expressions and calls;
 * `interp-flow.ts` holds what both share.
 *
 * Control flow: statements return a `Flow` (return / break / continue / a block's trailing value).
 * A `return` inside a block that is an expression (a `match` arm, an `if` expression) escapes as a
 * `ReturnSignal` exception, caught at the function or agent boundary.
 */
import type { AgentIR, BlockIR, ProgramIR, StmtIR } from '../ir/schema';
import { BatonError, isBatonError } from '../errors';
import { Branch, InterpreterHost } from './host';
import { compound, index, matchPattern, member, setIndex, setMember } from './ops';
import { Scope } from './scope';
import { isPure } from './purity';
import { bindArgs, catches, copyData, errorRecord } from './support';
import { ErrorValue, isRecord, Rec, truthy, typeName, Value } from './values';
import { Evaluator } from './evaluator';
import { BREAK, CONTINUE, Ctx, Flow, LoopSignal, ReturnSignal, agentFrames, bodyValue, none, returnFlow, returned, valueFlow } from './interp-flow';

export class Interpreter extends Evaluator {
  constructor(host: InterpreterHost, agent: AgentIR) { super(host, agent); }

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

  // ---- statements ----

  /**
   * Runs a block's statements. Not an async function: statements that complete without waiting run
   * in a plain loop, and a statement that waits continues the block from a promise reaction (a
   * closure), not from a suspended async frame (100,000 runs may wait at once). In order, per
   * statement: the cancellation check, the statement hook (`StatementReached`, the pause hook), the
   * statement; its errors are located at it.
   */
  protected execBlock(b: BlockIR, scope: Scope, ctx: Ctx): Flow | Promise<Flow> {
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
}

export { ErrorValue, isPure, bindArgs };
