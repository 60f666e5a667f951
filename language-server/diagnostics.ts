/**
 * runtime/dsl diagnostics → LSP diagnostics: range, severity, the stable code (with a link to its
 * description), source `baton`, the quick-fix `data`, and related locations — which may lie in
 * another document of the workspace, so their offsets are converted with that document's lines.
 * Unused/unreachable code is tagged `Unnecessary` (editors fade it).
 */
import {
  Diagnostic as LspDiagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag,
} from 'vscode-languageserver';
import type { Diagnostic, Severity } from '../runtime/dsl/diagnostics';
import type { LineIndex } from '../runtime/dsl/line-index';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

const UNNECESSARY = new Set(['unreachable-code', 'policy-unreachable']);

/** Line index of another document (for related locations), when the server knows it. */
export type LinesOf = (uri: string) => LineIndex | undefined;

export function toLspDiagnostic(d: Diagnostic, lines: LineIndex, uri: string, linesOf?: LinesOf): LspDiagnostic {
  const out: LspDiagnostic = {
    range: { start: lines.position(d.start), end: lines.position(d.end) },
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
    code: d.code,
    source: 'baton',
    message: d.message,
  };
  if (d.data !== undefined) out.data = d.data;
  if (UNNECESSARY.has(d.code)) out.tags = [DiagnosticTag.Unnecessary];
  if (d.related?.length) {
    const related: DiagnosticRelatedInformation[] = [];
    for (const r of d.related) {
      const target = r.file ?? uri;
      const li = target === uri ? lines : linesOf?.(target);
      if (!li) continue;
      related.push({ location: { uri: target, range: { start: li.position(r.start), end: li.position(r.end) } }, message: r.message });
    }
    if (related.length) out.relatedInformation = related;
  }
  return out;
}

export function toLspDiagnostics(ds: readonly Diagnostic[], lines: LineIndex, uri: string, linesOf?: LinesOf): LspDiagnostic[] {
  return ds.map((d) => toLspDiagnostic(d, lines, uri, linesOf));
}

/** Whether a document's diagnostics are worth publishing for a file that is not open. */
export function hasProblems(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error' || d.severity === 'warning');
}
