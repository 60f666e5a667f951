/**
 * Where an offset is in the syntax tree, and which names are in scope there. Shared by completion,
 * hover and signature help (and usable by navigation).
 *
 * - `nodePathAt(file, offset)`: the chain of nodes from the file down to the innermost node that
 *   contains the offset (generic over every AST node; arrays are binary-searched, so the cost is the
 *   depth of the tree, not the size of the file).
 * - `enclosingAt(file, offset)`: the top-level item, agent, agent item, function, `with` block,
 *   policy, rule and tool around the offset.
 * - `scopeAt(file, offset)`: `enclosingAt` plus the local names visible at the offset, innermost
 *   first, shadowed names removed: parameters of the agent and function, `let`s completed before the
 *   offset in the enclosing blocks, implicit `x = ...` declarations, `for` variables, `catch` names,
 *   `if let` / match-arm pattern bindings, lambda parameters, and names bound in an earlier
 *   `parallel { }` block (visible after it). The walk follows the checker's scoping (check-body.ts).
 *
 * Offsets are UTF-16 offsets into the document text. Documents may be mid-edit: every walk accepts
 * `null`s and Error nodes.
 */
import type * as A from '../runtime/dsl/ast';
import type { Reference } from '../runtime/dsl/check-context';

export type LocalKind = 'param' | 'let' | 'implicit' | 'loop' | 'catch' | 'pattern' | 'lambda';

export interface LocalName {
  name: string;
  kind: LocalKind;
  /** The identifier that declares it. */
  decl: A.Ident;
  /** The declaring node: Param, Let, Assign, For, Try, pattern, Lambda. */
  node: A.Node;
  /** Declared type (params, typed lets), if any. */
  type: A.TypeRef | null;
  /** Initial value (lets, implicit declarations), if any: used to infer a type. */
  value: A.Expr | null;
}

export interface Enclosing {
  item: A.Item | null;
  agent: A.AgentDecl | null;
  agentItem: A.AgentItem | null;
  fn: A.FunctionDecl | null;
  withBlock: A.WithBlock | null;
  policy: A.PolicyDecl | null;
  rule: A.Rule | null;
  tool: A.ToolDecl | null;
}

export interface ScopeAt extends Enclosing { locals: LocalName[] }

const SKIP_KEYS = new Set(['kind', 'start', 'end', 'comments']);

function isNode(v: unknown): v is A.Node {
  return !!v && typeof v === 'object' && typeof (v as A.Node).kind === 'string' && typeof (v as A.Node).start === 'number';
}

/** Index of the last element of a start-sorted node array with `start <= offset`, or -1. */
export function lastStartingAtOrBefore(nodes: readonly A.Node[], offset: number): number {
  let lo = 0, hi = nodes.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (nodes[mid].start <= offset) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

/** The child of `node` that contains `offset` (`start <= offset < end`, else one ending at `offset`). */
function childAt(node: A.Node, offset: number): A.Node | undefined {
  let touching: A.Node | undefined;
  const consider = (c: A.Node): A.Node | undefined => {
    if (c.start <= offset && offset < c.end) return c;
    if (c.end === offset && c.start <= offset && !touching) touching = c;
    return undefined;
  };
  for (const key in node) {
    if (SKIP_KEYS.has(key)) continue;
    const v = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(v)) {
      if (v.length === 0 || !isNode(v[0])) continue;
      // Sorted by position: look at the element starting last at or before the offset, and the one before.
      const i = lastStartingAtOrBefore(v as A.Node[], offset);
      for (let j = i; j >= 0 && j >= i - 1; j--) {
        const hit = consider(v[j] as A.Node);
        if (hit) return hit;
      }
    } else if (isNode(v)) {
      const hit = consider(v);
      if (hit) return hit;
    }
  }
  return touching;
}

/** Nodes from the file (first) down to the innermost node containing `offset` (last). */
export function nodePathAt(file: A.SourceFile, offset: number): A.Node[] {
  const path: A.Node[] = [file];
  let node: A.Node | undefined = file;
  while ((node = childAt(node, offset))) path.push(node);
  return path;
}

/** The top-level item around `offset`: the last one starting at or before it, if the offset is inside (or it is unclosed). */
export function itemAt(file: A.SourceFile, offset: number): A.Item | null {
  const i = lastStartingAtOrBefore(file.items, offset);
  if (i < 0) return null;
  const item = file.items[i];
  return offset <= item.end || i === file.items.length - 1 && offset <= file.end ? item : null;
}

function inside(n: A.Node | null | undefined, offset: number): boolean {
  return !!n && n.start <= offset && offset <= n.end;
}

export function enclosingAt(file: A.SourceFile, offset: number): Enclosing {
  const e: Enclosing = { item: null, agent: null, agentItem: null, fn: null, withBlock: null, policy: null, rule: null, tool: null };
  const item = itemAt(file, offset);
  e.item = item;
  if (!item || !inside(item, offset)) return e;
  const inPolicy = (p: A.PolicyDecl) => {
    e.policy = p;
    const i = lastStartingAtOrBefore(p.rules, offset);
    if (i >= 0 && inside(p.rules[i], offset)) e.rule = p.rules[i];
  };
  switch (item.kind) {
    case 'Agent': {
      e.agent = item;
      const i = lastStartingAtOrBefore(item.items, offset);
      const it = i >= 0 ? item.items[i] : undefined;
      if (!it || !inside(it, offset)) break;
      e.agentItem = it;
      if (it.kind === 'Function') e.fn = it;
      else if (it.kind === 'With') e.withBlock = it;
      else if (it.kind === 'Policy') inPolicy(it);
      else if (it.kind === 'Tool') e.tool = it;
      break;
    }
    case 'Function': e.fn = item; break;
    case 'Policy': inPolicy(item); break;
    case 'Tool': e.tool = item; break;
    default: break;
  }
  return e;
}

/** Collects the names visible at an offset; see the file comment. */
class Collector {
  readonly out: LocalName[] = [];
  private readonly seen = new Set<string>();
  constructor(private readonly offset: number) {}

  /** Adds a name unless an inner one (added earlier) shadows it. */
  add(kind: LocalKind, decl: A.Ident | null | undefined, node: A.Node, type: A.TypeRef | null = null, value: A.Expr | null = null): void {
    if (!decl || !decl.name || this.seen.has(decl.name)) return;
    this.seen.add(decl.name);
    this.out.push({ name: decl.name, kind, decl, node, type, value });
  }

  /**
   * Names from a list of statements, for an offset inside or after them. Inner scopes are visited
   * first (so they shadow), then the statements before the offset, last to first.
   */
  stmts(stmts: readonly A.Stmt[], offset = this.offset): void {
    const i = lastStartingAtOrBefore(stmts, offset);
    if (i < 0) return;
    const cur = stmts[i];
    let before = i;
    if (offset < cur.end || (offset === cur.end && !closed(cur))) {
      this.stmt(cur);
      before = i - 1;
    }
    for (let j = before; j >= 0; j--) this.declaredBy(stmts[j]);
  }

  /** What a statement completed before the offset declares for the statements after it. */
  private declaredBy(s: A.Stmt): void {
    switch (s.kind) {
      case 'Let': this.add('let', s.name, s, s.type, s.value); break;
      case 'Assign':
        if (s.op === '=' && s.target.kind === 'Name') {
          this.add('implicit', { kind: 'Ident', name: s.target.name, start: s.target.start, end: s.target.end }, s, null, s.value);
        }
        break;
      case 'Parallel': for (let j = s.body.stmts.length - 1; j >= 0; j--) this.declaredBy(s.body.stmts[j]); break;
      default: break;
    }
  }

  /** The statement containing the offset. */
  private stmt(s: A.Stmt): void {
    const o = this.offset;
    switch (s.kind) {
      case 'Let': if (inside(s.value, o)) this.expr(s.value!); break;
      case 'Assign': if (inside(s.value, o)) this.expr(s.value); else if (inside(s.target, o)) this.expr(s.target); break;
      case 'If': this.ifChain(s); break;
      case 'IfLet': this.ifChain(s); break;
      case 'For':
        if (inside(s.body, o)) {
          this.stmts(s.body.stmts);
          for (const v of s.vars) this.add('loop', v, s);
        } else if (inside(s.iterable, o)) this.expr(s.iterable);
        break;
      case 'While': if (inside(s.body, o)) this.stmts(s.body.stmts); else if (inside(s.cond, o)) this.expr(s.cond); break;
      case 'Match': this.expr(s); break;
      case 'Try':
        if (inside(s.body, o)) this.stmts(s.body.stmts);
        else if (s.handler && inside(s.handler, o)) {
          this.stmts(s.handler.stmts);
          this.add('catch', s.catchName, s);
        }
        break;
      case 'Return': if (inside(s.value, o)) this.expr(s.value!); break;
      case 'ExprStmt': this.expr(s.expr); break;
      case 'Parallel': this.stmts(s.body.stmts); break;
      case 'Block': this.stmts(s.stmts); break;
      default: break;
    }
  }

  private ifChain(s: A.IfStmt | A.IfLetStmt | A.IfExpr): void {
    const o = this.offset;
    if (inside(s.then, o)) {
      this.stmts(s.then.stmts);
      if (s.kind === 'IfLet') this.pattern(s.pattern, s);
    } else if (s.else && inside(s.else, o)) {
      if (s.else.kind === 'Block') this.stmts(s.else.stmts);
      else if (s.else.kind === 'IfExpr') this.ifChain(s.else);
      else this.ifChain(s.else);
    } else if (s.kind === 'IfLet') {
      if (inside(s.value, o)) this.expr(s.value);
    } else if (inside(s.cond, o)) this.expr(s.cond);
  }

  private pattern(p: A.Pattern, node: A.Node): void {
    switch (p.kind) {
      case 'BindPat': this.add('pattern', p.name, p); break;
      case 'CtorPat': for (const a of p.args) this.pattern(a, node); break;
      case 'OrPat': for (const x of p.options) this.pattern(x, node); break;
      default: break;
    }
  }

  /** Descends into the expression containing the offset, collecting lambda parameters and arm bindings. */
  expr(e: A.Expr): void {
    const o = this.offset;
    switch (e.kind) {
      case 'Lambda':
        if (e.body.kind === 'Block') { if (inside(e.body, o)) this.stmts(e.body.stmts); } else if (inside(e.body, o)) this.expr(e.body);
        for (let i = e.params.length - 1; i >= 0; i--) this.add('lambda', e.params[i], e);
        return;
      case 'Match':
        for (const arm of e.arms) {
          if (!inside(arm, o)) continue;
          if (arm.body.kind === 'Block') { if (inside(arm.body, o)) this.stmts(arm.body.stmts); } else if (inside(arm.body, o)) this.expr(arm.body);
          else if (arm.guard && inside(arm.guard, o)) this.expr(arm.guard);
          this.pattern(arm.pattern, arm);
          return;
        }
        if (inside(e.subject, o)) this.expr(e.subject);
        return;
      case 'IfExpr': this.ifChain(e); return;
      default: {
        const child = childAt(e, o);
        if (child && child.kind !== 'Ident') this.expr(child.kind === 'Arg' || child.kind === 'RecordEntry' ? (child as A.Arg).value : child as A.Expr);
      }
    }
  }
}

/** Whether a statement is finished at its end (`;` or `}`), so a cursor right after it is past it. */
function closed(s: A.Stmt): boolean {
  if (s.kind === 'ExprStmt') return s.semi;
  if (s.kind === 'Let') return !s.value || s.value.end < s.end;
  if (s.kind === 'Assign') return s.value.end < s.end;
  if (s.kind === 'Return') return !s.value || s.value.end < s.end;
  return true;
}

/** The enclosing declarations at `offset` and the local names visible there (innermost first). */
export function scopeAt(file: A.SourceFile, offset: number): ScopeAt {
  const e = enclosingAt(file, offset);
  const c = new Collector(offset);
  const params = (ps: readonly A.Param[] | null | undefined) => { for (const p of ps ?? []) c.add('param', p.name, p, p.type); };
  if (e.fn) {
    if (inside(e.fn.body, offset)) c.stmts(e.fn.body.stmts);
    params(e.fn.params);
  } else if (e.withBlock) {
    if (inside(e.withBlock.body, offset)) c.stmts(e.withBlock.body.stmts);
  }
  if (e.agent) params(e.agent.params);
  return { ...e, locals: c.out };
}

/** Element type of an array-like type (`[T]`, `List<T>`, `Array<T>`, `Vec<T>`), if any. */
export function elementType(t: A.TypeRef | null | undefined): A.TypeRef | null {
  if (!t) return null;
  if (t.kind === 'ArrayType') return t.element;
  if (t.kind === 'NamedType' && ['List', 'Array', 'Vec'].includes(t.name.name) && t.args.length === 1) return t.args[0];
  return null;
}

const refMaps = new WeakMap<readonly Reference[], Map<A.Node, Reference>>();

/** The checker's reference recorded at a node (a name use or a declaring identifier); indexed once per analysis. */
export function referenceAt(refs: readonly Reference[], node: A.Node): Reference | undefined {
  let map = refMaps.get(refs);
  if (!map) {
    map = new Map();
    for (const r of refs) map.set(r.node, r);
    refMaps.set(refs, map);
  }
  return map.get(node);
}
