/**
 * Go to definition, find references and rename, over every document of the workspace. All three
 * start from the occurrence under the cursor (symbol-index.ts) and its declaration key, so a
 * local `let x` of one function is never the `x` of another, and a tool's uses in calls, policy
 * rules, `tools: [...]` lists and other files are one symbol. Rename also rewrites named arguments
 * (`f(path: p)`) and `{param}` command placeholders of a renamed parameter, and is refused
 * (rename-check.ts) when the new name is no identifier, a keyword, a built-in, or would clash.
 */
import type { Location, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import type { DocContext } from './context';
import { LineIndex } from '../runtime/dsl/line-index';
import type { Analysis } from '../runtime/dsl/workspace';
import { Docs, Occurrence, SymbolIndex } from './symbol-index';
import { checkNewName, checkSameScope, PlannedEdit, verifyRename } from './rename-check';

/** Kinds whose uses can only be in the declaring document. */
const DOC_LOCAL = new Set(['let', 'implicit', 'loop', 'catch', 'pattern', 'lambda']);

/** The workspace as one request sees it: the request's own analysis for its document, each analysis fetched once. */
function docsOf(ctx: DocContext): Docs {
  let uris: string[] | undefined;
  const analyses = new Map<string, Analysis | undefined>([[ctx.uri, ctx.analysis]]);
  return {
    uris: () => {
      if (!uris) { const all = ctx.index.uris(); uris = all.includes(ctx.uri) ? all : [ctx.uri, ...all]; }
      return uris;
    },
    analysis: (uri) => {
      if (!analyses.has(uri)) analyses.set(uri, ctx.index.analysis(uri));
      return analyses.get(uri);
    },
  };
}

function linesOf(ctx: DocContext, uri: string): LineIndex {
  if (uri === ctx.uri) return ctx.lines;
  return ctx.index.lines(uri) ?? new LineIndex(ctx.index.text(uri) ?? ctx.index.analysis(uri)?.text ?? '');
}

function range(lines: LineIndex, start: number, end: number): Range {
  return { start: lines.position(start), end: lines.position(end) };
}

/** Every occurrence of the symbol of `target` (declaration included), in document then offset order. */
function occurrencesOf(index: SymbolIndex, target: Occurrence): Occurrence[] {
  const decl = target.decl!;
  const uris = DOC_LOCAL.has(target.kind) ? [decl.uri] : index.docs.uris();
  const out: Occurrence[] = [];
  for (const uri of uris) for (const o of index.occurrences(uri)) if (o.key === target.key && !o.aliasOnly) out.push(o);
  return out;
}

export function definition(ctx: DocContext, offset: number): Location[] {
  const index = new SymbolIndex(docsOf(ctx));
  const occ = index.at(ctx.uri, offset);
  if (!occ?.decl) return [];
  const { uri, start, end } = occ.decl;
  return [{ uri, range: range(linesOf(ctx, uri), start, end) }];
}

export function references(ctx: DocContext, offset: number, includeDeclaration: boolean): Location[] {
  const index = new SymbolIndex(docsOf(ctx));
  const occ = index.at(ctx.uri, offset);
  if (!occ?.decl) return [];
  return occurrencesOf(index, occ)
    .filter((o) => includeDeclaration || !o.isDecl)
    .map((o) => ({ uri: o.uri, range: range(linesOf(ctx, o.uri), o.start, o.end) }));
}

/** The renameable occurrence under the cursor: a declared symbol (not a built-in, not the tool part of `server.tool`). */
function renameTarget(index: SymbolIndex, uri: string, offset: number): Occurrence | undefined {
  const occ = index.at(uri, offset);
  return occ?.decl && !occ.aliasOnly ? occ : undefined;
}

export function prepareRename(ctx: DocContext, offset: number): { range: Range; placeholder: string } | null {
  const occ = renameTarget(new SymbolIndex(docsOf(ctx)), ctx.uri, offset);
  if (!occ) return null;
  return { range: range(ctx.lines, occ.start, occ.end), placeholder: occ.name };
}

export function rename(ctx: DocContext, offset: number, newName: string): WorkspaceEdit | null {
  const index = new SymbolIndex(docsOf(ctx));
  const occ = renameTarget(index, ctx.uri, offset);
  if (!occ) return null;
  checkNewName(newName, occ);
  if (newName === occ.name) return { changes: {} };
  checkSameScope(index, occ, newName);
  const all = occurrencesOf(index, occ);
  const planned: PlannedEdit[] = all.map((o) => ({ uri: o.uri, start: o.start, end: o.end }));
  const texts = new Map<string, string>();
  for (const uri of index.docs.uris()) {
    const text = uri === ctx.uri ? ctx.text : ctx.index.text(uri) ?? index.docs.analysis(uri)?.text;
    if (text !== undefined) texts.set(uri, text);
  }
  verifyRename(index, texts, planned, newName, occ.name);
  const changes: Record<string, TextEdit[]> = {};
  for (const o of all) (changes[o.uri] ??= []).push({ range: range(linesOf(ctx, o.uri), o.start, o.end), newText: newName });
  return { changes };
}
