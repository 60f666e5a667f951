/**
 * Light static typing for the language server: the declared or inferred type of an expression at a
 * position, and the fields of a record type — enough for `x.` completion and field hovers.
 * Sources: type annotations of lets and params, `Name { ... }` typed records, record literals,
 * declared return types of called tools / functions / agents, element types of `for` loops over
 * typed lists, `type` declarations of the document and then of the workspace (aliases followed).
 */
import type * as A from '../runtime/dsl/ast';
import type { DocContext } from './context';
import { elementType, LocalName, ScopeAt } from './scope-at';

/** A type reference and the document it is written in (for its source text). */
export interface TypeInfo { ref: A.TypeRef; uri?: string }

export interface FieldInfo { name: string; type: TypeInfo | null; optional: boolean; decl: A.Node; uri?: string }

const OPTIONAL_WRAPPERS = new Set(['Optional', 'Option', 'Maybe']);

/** A `type` declaration by name: this document first, then the workspace. */
export function findTypeDecl(ctx: DocContext, name: string): { decl: A.TypeDecl; uri?: string } | undefined {
  const own = ctx.analysis.check.symbols.types.get(name);
  if (own) return { decl: own };
  for (const uri of ctx.index.uris()) {
    if (uri === ctx.uri) continue;
    const decl = ctx.index.analysis(uri)?.check.symbols.types.get(name);
    if (decl) return { decl, uri };
  }
  return undefined;
}

function named(name: A.Ident): A.NamedType {
  return { kind: 'NamedType', name, args: [], optional: false, start: name.start, end: name.end };
}

/** Fields of a record type (following aliases and Optional wrappers), or null if it is not a known record. */
export function fieldsOfType(ctx: DocContext, t: TypeInfo | null, depth = 0): FieldInfo[] | null {
  if (!t || depth > 8) return null;
  const r = t.ref;
  if (r.kind === 'RecordType') {
    return r.fields.map((f) => ({ name: f.name.name, type: { ref: f.type, uri: t.uri }, optional: f.optional, decl: f, uri: t.uri }));
  }
  if (r.kind === 'NamedType') {
    if (OPTIONAL_WRAPPERS.has(r.name.name) && r.args.length === 1) return fieldsOfType(ctx, { ref: r.args[0], uri: t.uri }, depth + 1);
    const found = findTypeDecl(ctx, r.name.name);
    if (found) return fieldsOfType(ctx, { ref: found.decl.type, uri: found.uri }, depth + 1);
  }
  return null;
}

export class TypeReader {
  private readonly locals = new Map<string, LocalName>();
  constructor(private readonly ctx: DocContext, scope: ScopeAt) {
    for (const l of scope.locals) this.locals.set(l.name, l);
  }

  local(name: string): LocalName | undefined { return this.locals.get(name); }

  typeOfLocal(l: LocalName, depth = 0): TypeInfo | null {
    if (l.type) return { ref: l.type };
    if (depth > 8) return null;
    if (l.kind === 'loop' && l.node.kind === 'For') {
      const it = this.typeOf((l.node as A.ForStmt).iterable, depth + 1);
      const el = elementType(it?.ref);
      return el ? { ref: el, uri: it?.uri } : null;
    }
    return l.value ? this.typeOf(l.value, depth + 1) : null;
  }

  typeOf(e: A.Expr | null, depth = 0): TypeInfo | null {
    if (!e || depth > 8) return null;
    switch (e.kind) {
      case 'Name': { const l = this.locals.get(e.name); return l ? this.typeOfLocal(l, depth + 1) : null; }
      case 'Paren': return this.typeOf(e.expr, depth + 1);
      case 'TypedRecord': return { ref: named(e.type) };
      case 'Member': {
        const f = this.fieldsOf(e.object, depth + 1)?.find((x) => x.name === e.property.name);
        return f?.type ?? null;
      }
      case 'Index': {
        const t = this.typeOf(e.object, depth + 1);
        const el = elementType(t?.ref);
        return el ? { ref: el, uri: t?.uri } : null;
      }
      case 'Call': {
        const site = this.ctx.analysis.check.callByNode.get(e);
        const decl = site?.decl as (A.Node & { returns?: A.TypeRef | null }) | undefined;
        return decl?.returns ? { ref: decl.returns, uri: site?.uri } : null;
      }
      default: return null;
    }
  }

  /** Fields of the value of an expression: a record literal's keys, or its type's fields. */
  fieldsOf(e: A.Expr | null, depth = 0): FieldInfo[] | null {
    if (!e) return null;
    if (e.kind === 'Record') return e.entries.map((en) => ({ name: en.key.name, type: null, optional: false, decl: en }));
    if (e.kind === 'Name') {
      const l = this.locals.get(e.name);
      if (l && !l.type && l.value?.kind === 'Record') return this.fieldsOf(l.value, depth + 1);
    }
    return fieldsOfType(this.ctx, this.typeOf(e, depth), depth);
  }
}

/** The source text of a type, from its document. */
export function typeText(ctx: DocContext, t: TypeInfo | null): string {
  if (!t) return '';
  const text = t.uri && t.uri !== ctx.uri ? ctx.index.text(t.uri) ?? '' : ctx.text;
  return text.slice(t.ref.start, t.ref.end).replace(/\s+/g, ' ').trim() || (t.ref.kind === 'NamedType' ? t.ref.name.name : '');
}
