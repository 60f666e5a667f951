/**
 * `baton/agents`: the runnable summary of each agent — name, parameters with their types and
 * defaults as written, return type, ranges — for the extension's CodeLens and run picker.
 * Descriptions come from the comment block right above the agent, else the file's
 * `metadata { description = "..." }`.
 */
import type * as A from '../runtime/dsl/ast';
import type { Analysis } from '../runtime/dsl/workspace';
import { constValue, setting } from '../runtime/dsl/symbols';
import type { WorkspaceIndex } from './context';
import type { AgentParam, AgentSummary } from './protocol';

function typeOptional(t: A.TypeRef | null): boolean {
  if (!t) return false;
  if (t.kind === 'UnionType') return t.options.some((o) => typeOptional(o) || (o.kind === 'NamedType' && (o.name.name === 'null' || o.name.name === 'None')));
  if (t.kind === 'LiteralType') return false;
  return t.optional || (t.kind === 'NamedType' && ['Optional', 'Option', 'Maybe'].includes(t.name.name));
}

/** The comment lines directly above `offset` (no blank line in between), without their markers. */
function commentAbove(a: Analysis, offset: number): string | undefined {
  const { comments } = a.parse.file;
  const lines = a.parse.lines;
  const out: string[] = [];
  let line = lines.lineOf(offset);
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i];
    if (c.end > offset) continue;
    const endLine = lines.lineOf(Math.max(c.start, c.end - 1));
    if (endLine !== line - 1) break;
    if (a.text.slice(lines.lineStart(lines.lineOf(c.start)), c.start).trim() !== '') break;
    const body = c.style === '/*'
      ? c.text.replace(/^\/\*+/, '').replace(/\*+\/$/, '').split(/\r?\n/).map((l) => l.replace(/^\s*\*?\s?/, '')).join('\n').trim()
      : c.text.replace(/^(\/\/+|#+)\s?/, '');
    out.unshift(body);
    line = lines.lineOf(c.start);
  }
  const text = out.join('\n').trim();
  return text && !/^-+[^-]*-+$/.test(text) ? text : undefined;
}

function metadataDescription(file: A.SourceFile): string | undefined {
  for (const item of file.items) {
    if (item.kind !== 'Metadata') continue;
    const v = constValue(setting(item.body, 'description')?.value);
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return undefined;
}

export function agentSummaries(uri: string, a: Analysis): AgentSummary[] {
  const out: AgentSummary[] = [];
  const lines = a.parse.lines;
  const text = a.text;
  const src = (n: { start: number; end: number }) => text.slice(n.start, n.end);
  let fileDescription: string | null | undefined = null;
  for (const item of a.parse.file.items) {
    if (item.kind !== 'Agent' || !item.name?.name) continue;
    const params: AgentParam[] = (item.params ?? []).map((p) => {
      const param: AgentParam = { name: p.name.name, optional: p.default !== null || typeOptional(p.type) };
      if (p.type) param.type = src(p.type);
      if (p.default) param.default = src(p.default);
      return param;
    });
    const summary: AgentSummary = {
      uri, name: item.name.name, params,
      range: { start: lines.position(item.start), end: lines.position(item.end) },
      nameRange: { start: lines.position(item.name.start), end: lines.position(item.name.end) },
    };
    if (item.returns) summary.returns = src(item.returns);
    if (fileDescription === null) fileDescription = metadataDescription(a.parse.file);
    const description = commentAbove(a, item.start) ?? fileDescription;
    if (description) summary.description = description;
    out.push(summary);
  }
  return out;
}

/** Agents of one document, or of every known document (sorted by URI, then position). */
export function agents(index: WorkspaceIndex, uri?: string): AgentSummary[] {
  const uris = uri ? [uri] : index.uris().sort();
  const out: AgentSummary[] = [];
  for (const u of uris) {
    const a = index.analysis(u);
    if (a) out.push(...agentSummaries(u, a));
  }
  return out;
}
