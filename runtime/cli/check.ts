/** `baton check FILE|DIR...` */
import { Workspace } from '../dsl/workspace';
import { Diagnostic } from '../dsl/diagnostics';
import { LineIndex } from '../dsl/line-index';
import { collectFiles, readSource } from './files';

export interface CheckOptions { json: boolean; quiet: boolean }

interface Printed {
  line: number; column: number; endLine: number; endColumn: number;
  severity: string; code: string; message: string;
  related?: Array<{ path: string; line: number; column: number; message: string }>;
}

function toPrinted(d: Diagnostic, lines: LineIndex, file: string): Printed {
  const s = lines.position(d.start);
  const e = lines.position(d.end);
  return {
    line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1,
    severity: d.severity, code: d.code, message: d.message,
    related: d.related?.map((r) => {
      const p = lines.position(r.start);
      return { path: r.file ?? file, line: p.line + 1, column: p.character + 1, message: r.message };
    }),
  };
}

export function runCheck(args: string[], opts: CheckOptions, out: (s: string) => void): number {
  const files = collectFiles(args);
  const ws = new Workspace();
  const results: Array<{ path: string; diagnostics: Printed[] }> = [];
  const texts = new Map<string, string>();
  for (const f of files) {
    const r = readSource(f);
    if (r.ok) { texts.set(f, r.text); ws.set(f, r.text); }
    else results.push({ path: f, diagnostics: [{ line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'error', code: 'unreadable-file', message: r.message }] });
  }
  for (const [f, text] of texts) {
    const a = ws.analyze(f)!;
    const lines = new LineIndex(text);
    results.push({ path: f, diagnostics: a.diagnostics.map((d) => toPrinted(d, lines, f)) });
  }
  results.sort((a, b) => files.indexOf(a.path) - files.indexOf(b.path));
  const count = { error: 0, warning: 0, info: 0 } as Record<string, number>;
  for (const r of results) for (const d of r.diagnostics) count[d.severity]++;
  if (opts.json) {
    out(JSON.stringify({ files: results, summary: { files: files.length, errors: count.error, warnings: count.warning, infos: count.info } }, null, 2));
  } else {
    for (const r of results) {
      for (const d of r.diagnostics) {
        if (opts.quiet && d.severity !== 'error') continue;
        out(`${r.path}:${d.line}:${d.column}: ${d.severity} ${d.code} ${d.message}`);
      }
    }
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    out(`${plural(files.length, 'file')} checked: ${plural(count.error, 'error')}, ${plural(count.warning, 'warning')}, ${plural(count.info, 'info')}.`);
  }
  return count.error > 0 ? 1 : 0;
}
