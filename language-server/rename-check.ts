/**
 * Whether a rename is safe. Three checks, each throwing an Error whose message the editor shows:
 * the new name must be an identifier that is neither a keyword nor a built-in; it must not be
 * declared already in the scope of the renamed symbol (the file's namespace for a top-level item,
 * the agent for its own tools and functions, the parameter list, the block); and, applied to a
 * scratch copy of the workspace, the rename must leave every name meaning what it meant (no use
 * of another symbol captured, no use of the renamed one shadowed) and cause no new error.
 */
import * as A from '../runtime/dsl/ast';
import { Workspace, Analysis } from '../runtime/dsl/workspace';
import { LineIndex } from '../runtime/dsl/line-index';
import { HARD_KEYWORDS, SOFT_KEYWORDS } from '../runtime/dsl/scanner';
import { ALL_ACTIONS, BUILTIN_CONSTANTS, BUILTIN_FUNCTIONS, BUILTIN_TYPES, LLM_BUILTINS } from '../runtime/dsl/builtins';
import { Docs, Occurrence, SymbolIndex } from './symbol-index';
import { localScopes } from './local-scopes';

export interface PlannedEdit { uri: string; start: number; end: number }

const KEYWORDS: ReadonlySet<string> = new Set<string>([...HARD_KEYWORDS, ...SOFT_KEYWORDS]);
const TOP_LEVEL = new Set(['agent', 'function', 'tool', 'type', 'mcp', 'memory', 'policy', 'channel', 'schedule', 'webhook']);
const LOCAL = new Set(['param', 'let', 'implicit', 'loop', 'catch', 'pattern', 'lambda']);

/** Refuses a new name that is not an identifier, is a keyword, or is a built-in of the same kind. */
export function checkNewName(newName: string, target: Occurrence): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) {
    throw new Error(`'${newName}' is not a valid name: use letters, digits and '_', not starting with a digit.`);
  }
  if (KEYWORDS.has(newName)) throw new Error(`'${newName}' is a keyword and cannot be used as a name.`);
  if (target.kind === 'type') {
    if (BUILTIN_TYPES.has(newName)) throw new Error(`'${newName}' is a built-in type.`);
    return;
  }
  if (BUILTIN_FUNCTIONS.has(newName) || LLM_BUILTINS.has(newName)) throw new Error(`'${newName}' is a built-in function; calls of it would change meaning.`);
  if (BUILTIN_CONSTANTS.has(newName)) throw new Error(`'${newName}' is a built-in name.`);
  if (ALL_ACTIONS.has(newName) && (target.kind === 'tool' || target.kind === 'agent')) {
    throw new Error(`'${newName}' matches every action in a policy rule; choose another name.`);
  }
}

/** Refuses a new name already declared in the scope of the renamed symbol. */
export function checkSameScope(index: SymbolIndex, target: Occurrence, newName: string): void {
  const decl = target.decl!;
  const a = index.docs.analysis(decl.uri);
  if (!a) return;
  const where = (start: number) => `line ${new LineIndex(a.text).position(start).line + 1}`;
  const file = a.parse.file;
  const owner = ownerOf(file, decl.start);
  if (TOP_LEVEL.has(target.kind) && owner.agent === null) {
    const s = a.check.symbols;
    for (const map of [s.agents, s.functions, s.tools, s.types, s.mcp, s.memories, s.policies, s.others] as Map<string, A.Node & { name: A.Ident }>[]) {
      const clash = map.get(newName);
      if (clash) throw new Error(`'${newName}' is already declared in this file (${where(clash.name.start)}).`);
    }
    if (target.kind === 'agent' || target.kind === 'function' || target.kind === 'tool' || target.kind === 'type' || target.kind === 'mcp') {
      for (const kind of ['agents', 'functions', 'tools', 'types', 'mcp'] as const) {
        const other = index.findTop(kind, newName, decl.uri);
        if (other && other.uri !== decl.uri) throw new Error(`'${newName}' is already declared in ${other.uri}.`);
      }
    }
    return;
  }
  if (TOP_LEVEL.has(target.kind) && owner.agent) {
    const clash = owner.agent.items.find((it) => (it.kind === 'Function' || it.kind === 'Tool' || it.kind === 'Policy') && it.name.name === newName);
    if (clash && 'name' in clash) throw new Error(`'${newName}' is already declared in agent '${owner.agent.name.name}' (${where(clash.name.start)}).`);
    return;
  }
  if (!LOCAL.has(target.kind)) return;
  const implicit = new Set<number>();
  for (const r of a.check.refs) if (r.sym.kind === 'implicit' && r.sym.decl && r.node.start === r.sym.decl.start) implicit.add(r.node.start);
  const scopes = localScopes(file, implicit);
  const scope = scopes.get(decl.start);
  if (scope === undefined) return;
  for (const o of index.occurrences(decl.uri)) {
    if (o.isDecl && o.name === newName && LOCAL.has(o.kind) && scopes.get(o.start) === scope) {
      throw new Error(`'${newName}' is already declared in the same scope (${where(o.start)}).`);
    }
  }
}

/** The agent whose body holds an offset (null at top level). */
function ownerOf(file: A.SourceFile, offset: number): { agent: A.AgentDecl | null } {
  for (const it of file.items) if (it.kind === 'Agent' && it.start <= offset && offset < it.end && offset !== it.name.start) return { agent: it };
  return { agent: null };
}

/**
 * Applies the edits to a scratch copy of the workspace and refuses the rename if any name resolves
 * differently afterwards, or if an error appears (a duplicate, a broken command template, ...).
 */
export function verifyRename(before: SymbolIndex, texts: Map<string, string>, edits: PlannedEdit[], newName: string, oldName: string): void {
  const byUri = new Map<string, PlannedEdit[]>();
  for (const e of edits) (byUri.get(e.uri) ?? byUri.set(e.uri, []).get(e.uri)!).push(e);
  for (const list of byUri.values()) list.sort((x, y) => x.start - y.start);
  const map = (uri: string, offset: number) => {
    let delta = 0;
    for (const e of byUri.get(uri) ?? []) if (e.start < offset) delta += newName.length - (e.end - e.start);
    return offset + delta;
  };
  const ws = new Workspace();
  for (const [uri, text] of texts) ws.set(uri, apply(text, byUri.get(uri) ?? [], newName));
  const cache = new Map<string, Analysis | undefined>();
  const afterDocs: Docs = {
    uris: () => ws.uris(),
    analysis: (uri) => (cache.has(uri) ? cache.get(uri) : cache.set(uri, ws.analyze(uri)).get(uri)),
  };
  const after = new SymbolIndex(afterDocs);
  for (const [uri, text] of texts) {
    // Only names spelt like the old or the new one can resolve differently.
    if (!text.includes(oldName) && !text.includes(newName)) continue;
    const expected = new Map<string, Occurrence>();
    for (const o of before.occurrences(uri)) if (!o.aliasOnly) expected.set(`${map(uri, o.start)}`, o);
    const found = new Map<string, Occurrence>();
    for (const o of after.occurrences(uri)) if (!o.aliasOnly) found.set(`${o.start}`, o);
    const lines = new LineIndex(afterDocs.analysis(uri)?.text ?? '');
    const at = (offset: number) => `${uri.split('/').pop()}:${lines.position(offset).line + 1}`;
    for (const [pos, o] of found) {
      const was = expected.get(pos);
      const wasKey = was && (was.decl ? `${was.decl.uri}#${map(was.decl.uri, was.decl.start)}` : was.key);
      if (!was) throw new Error(`Renaming '${oldName}' to '${newName}' would make '${o.name}' at ${at(o.start)} refer to another declaration.`);
      if (wasKey !== o.key) throw new Error(`Renaming '${oldName}' to '${newName}' would change what '${o.name}' at ${at(o.start)} refers to.`);
    }
    for (const [pos, o] of expected) {
      if (!found.has(pos)) throw new Error(`Renaming '${oldName}' to '${newName}' would leave '${o.name === oldName ? newName : o.name}' at ${at(map(uri, o.start))} undefined.`);
    }
    const errorsBefore = countByCode(before.docs.analysis(uri));
    for (const d of afterDocs.analysis(uri)?.diagnostics ?? []) {
      if (d.severity !== 'error') continue;
      const left = errorsBefore.get(d.code) ?? 0;
      if (left === 0) throw new Error(`Renaming '${oldName}' to '${newName}' would cause an error at ${at(d.start)}: ${d.message}`);
      errorsBefore.set(d.code, left - 1);
    }
  }
}

function countByCode(a: Analysis | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of a?.diagnostics ?? []) if (d.severity === 'error') out.set(d.code, (out.get(d.code) ?? 0) + 1);
  return out;
}

function apply(text: string, edits: PlannedEdit[], newName: string): string {
  let out = '';
  let last = 0;
  for (const e of edits) { out += text.slice(last, e.start) + newName; last = e.end; }
  return out + text.slice(last);
}
