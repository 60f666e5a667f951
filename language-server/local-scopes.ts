/**
 * Which scope each local declaration of a file lives in, mirroring the scopes of
 * runtime/dsl/check-body.ts: a function's parameters and its top-level statements share one scope,
 * an agent's parameters have their own and its `with` body another, every `{ }` block opens one
 * (`parallel { }` does not), `for`, `if let`, `catch`, match arms and lambdas open one for what
 * they bind, and an implicit `x = ...` declaration belongs to the enclosing function root.
 * Rename uses it to refuse a new name already declared in the same scope.
 */
import * as A from '../runtime/dsl/ast';

/**
 * Scope id of each local declaration, by the offset of its declaring identifier.
 * `implicitDecls` holds the offsets of the assignments that declare a name (from the checker's refs).
 */
export function localScopes(file: A.SourceFile, implicitDecls: ReadonlySet<number>): Map<number, number> {
  const out = new Map<number, number>();
  let next = 0;
  const fresh = () => ++next;
  const params = (ps: A.Param[] | null, scope: number, root: number) => {
    for (const p of ps ?? []) {
      out.set(p.name.start, scope);
      if (p.default) visit(p.default, scope, root);
    }
  };
  const stmts = (list: A.Stmt[], scope: number, root: number) => { for (const s of list) visit(s, scope, root); };
  const bindings = (p: A.Pattern, scope: number) => {
    const stack: A.Pattern[] = [p];
    while (stack.length) {
      const q = stack.pop()!;
      if (q.kind === 'BindPat') out.set(q.name.start, scope);
      else if (q.kind === 'CtorPat') stack.push(...q.args);
      else if (q.kind === 'OrPat') stack.push(...q.options);
    }
  };

  function visit(n: A.Node, scope: number, root: number): void {
    switch (n.kind) {
      case 'Function': {
        const f = n as A.FunctionDecl;
        const s = fresh();
        params(f.params, s, s);
        stmts(f.body.stmts, s, s);
        return;
      }
      case 'Tool': params((n as A.ToolDecl).params, fresh(), root); return;
      case 'Agent': {
        const a = n as A.AgentDecl;
        const s = fresh();
        params(a.params, s, s);
        for (const it of a.items) {
          if (it.kind === 'With') { const w = fresh(); stmts(it.body.stmts, w, w); } else visit(it, s, s);
        }
        return;
      }
      case 'Block': stmts((n as A.Block).stmts, fresh(), root); return;
      case 'Parallel': stmts((n as A.ParallelStmt).body.stmts, scope, root); return;
      case 'Let': {
        const l = n as A.LetStmt;
        if (l.value) visit(l.value, scope, root);
        out.set(l.name.start, scope);
        return;
      }
      case 'Assign': {
        const s = n as A.AssignStmt;
        visit(s.value, scope, root);
        if (s.target.kind === 'Name' && implicitDecls.has(s.target.start)) out.set(s.target.start, root);
        else visit(s.target, scope, root);
        return;
      }
      case 'For': {
        const f = n as A.ForStmt;
        visit(f.iterable, scope, root);
        const s = fresh();
        for (const v of f.vars) out.set(v.start, s);
        stmts(f.body.stmts, s, root);
        return;
      }
      case 'IfLet': {
        const f = n as A.IfLetStmt;
        visit(f.value, scope, root);
        const s = fresh();
        bindings(f.pattern, s);
        stmts(f.then.stmts, s, root);
        if (f.else) visit(f.else, scope, root);
        return;
      }
      case 'Try': {
        const t = n as A.TryStmt;
        visit(t.body, scope, root);
        if (t.handler) {
          const s = fresh();
          if (t.catchName) out.set(t.catchName.start, s);
          stmts(t.handler.stmts, s, root);
        }
        return;
      }
      case 'Lambda': {
        const l = n as A.Lambda;
        const s = fresh();
        for (const p of l.params) out.set(p.start, s);
        if (l.body.kind === 'Block') stmts(l.body.stmts, s, s); else visit(l.body, s, s);
        return;
      }
      case 'Match': {
        const m = n as A.MatchExpr;
        visit(m.subject, scope, root);
        for (const arm of m.arms) {
          const s = fresh();
          bindings(arm.pattern, s);
          if (arm.guard) visit(arm.guard, s, root);
          if (arm.body.kind === 'Block') stmts(arm.body.stmts, s, root); else visit(arm.body, s, root);
        }
        return;
      }
      default:
        for (const key in n) {
          const v = (n as unknown as Record<string, unknown>)[key];
          if (Array.isArray(v)) { for (const x of v) if (x && typeof x === 'object' && 'kind' in x) visit(x, scope, root); }
          else if (v && typeof v === 'object' && 'kind' in v) visit(v as A.Node, scope, root);
        }
    }
  }

  try {
    for (const item of file.items) visit(item, 0, 0);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err; // too deep to walk: the scopes found so far
  }
  return out;
}
