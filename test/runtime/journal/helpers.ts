/**
 * Shared helpers of the journal tests: temp dirs, a realistic run written through the writers, and
 * line-level tampering.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JournalBody } from '../../../runtime/journal/records';
import type { Signer } from '../../../runtime/journal/keys';
import { MemoryJournal } from '../../../runtime/journal/writer';

export function tmpDir(prefix = 'baton-journal-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function started(run: string, publicKey: string, source = 'agent a { }\n'): JournalBody {
  return {
    type: 'Started', run, file: 'examples/a.baton', agent: 'a', inputs: { topic: 'x' }, source,
    sourceHash: 'ab'.repeat(32), provider: 'mock', mode: 'live', root: '/ws', publicKey,
  };
}

export function statement(step: number): JournalBody {
  return { type: 'StatementReached', branch: 'main', step, loc: [step, 3, step, 20], frame: 'agent a' };
}

export function toolFinished(n: number): JournalBody {
  return { type: 'ToolFinished', key: `main#${n}`, tool: 'read_file', ok: true, value: { path: `src/f${n}.ts`, lines: n * 3 }, ms: 12 };
}

export function terminated(): JournalBody {
  return { type: 'Terminated', reason: 'Completed', result: 'done', usage: { inputTokens: 10, outputTokens: 5 }, steps: 9 };
}

/**
 * A finished run: Started, then 4 steps of (StatementReached, ToolFinished) with a checkpoint after
 * steps 2 and 4, then Terminated and the final checkpoint. Returns the lines and the checkpoint seqs.
 */
export function finishedRun(signer: Signer, run = 'run-1', opts: { final?: boolean; tail?: number } = {}): { lines: string[]; checkpoints: number[] } {
  const j = new MemoryJournal(run, { signer });
  j.append(started(run, signer.publicKey));
  for (let s = 1; s <= 4; s++) {
    j.append(statement(s));
    j.append(toolFinished(s));
    if (s % 2 === 0) j.checkpoint(false);
  }
  if (opts.final !== false) {
    j.append(terminated());
    j.checkpoint(true);
  } else {
    for (let s = 5; s < 5 + (opts.tail ?? 0); s++) j.append(statement(s));
  }
  const checkpoints = j.records.filter((r) => r.type === 'Checkpoint').map((r) => r.seq);
  return { lines: [...j.lines], checkpoints };
}

export function writeLines(file: string, lines: string[]): void {
  fs.writeFileSync(file, lines.map((l) => l + '\n').join(''));
}

/** Line k with one value changed (key order kept). */
export function modified(line: string): string {
  const r = JSON.parse(line) as Record<string, unknown>;
  if (typeof r.step === 'number') r.step += 1000;
  else if (r.type === 'Checkpoint') r.final = !r.final;
  else r.ts = '1999-01-01T00:00:00.000Z';
  const out = JSON.stringify(r);
  if (out === line) throw new Error('modification changed nothing');
  return out;
}
