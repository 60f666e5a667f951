/** `baton fmt FILE|DIR... [--check]` */
import * as fs from 'node:fs';
import { format } from '../dsl/format';
import { collectFiles, readSource } from './files';

export function runFmt(args: string[], opts: { check: boolean }, out: (s: string) => void, err: (s: string) => void): number {
  const files = collectFiles(args);
  let failed = 0;
  const changed: string[] = [];
  for (const f of files) {
    const r = readSource(f);
    if (!r.ok) { err(`${f}: error: ${r.message}`); failed++; continue; }
    const res = format(r.text);
    if (res.error) { err(`${f}: error: cannot format: ${res.error}`); failed++; continue; }
    if (!res.changed) continue;
    changed.push(f);
    if (opts.check) continue;
    try { fs.writeFileSync(f, res.text); } catch (e) { err(`${f}: error: cannot write: ${(e as Error).message}`); failed++; }
  }
  if (opts.check) {
    for (const f of changed) out(f);
    out(changed.length ? `${changed.length} of ${files.length} files would be reformatted.` : `${files.length} files already formatted.`);
    return changed.length || failed ? 1 : 0;
  }
  out(`${changed.length} of ${files.length} files reformatted${failed ? `, ${failed} failed` : ''}.`);
  return failed ? 1 : 0;
}
