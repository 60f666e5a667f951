/**
 * Journal benchmark section: append throughput of the journal writers on realistic records
 * (StatementReached, ToolStarted, ToolFinished with a ~200-byte value), and what durability costs.
 *
 *  - memory mode: `MemoryJournal.append` (serialise, hash chain, keep records and lines), records/s;
 *    also with three secrets registered (the redaction fast path), as information.
 *  - file mode, commit every 100 records: `FileJournal.append` + `commit()` (one write + one
 *    fdatasync per commit), records/s.
 *  - the same on tmpfs (/dev/shm, if there is one), where fdatasync is free: the code's own cost.
 *  - file mode, commit every record, records/s, and the median cost of one commit (write +
 *    fdatasync) in µs — information: it depends on the disk, not on our code.
 *  - checkpoint (Ed25519 signature of the head, memory mode) in µs, and `verifyJournal` throughput
 *    on the file written by the commit-every-100 run, as information.
 * Files go to a temp dir under os.tmpdir() (removed afterwards); each figure is the median of a few
 * repetitions after a warm-up.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { verifyJournal } from '../../runtime/journal/audit';
import { loadOrCreateKey } from '../../runtime/journal/keys';
import type { LocalKey } from '../../runtime/journal/keys';
import type { JournalBody } from '../../runtime/journal/records';
import { FileJournal, MemoryJournal } from '../../runtime/journal/writer';
import { BenchOptions, BenchSection, Metric, median, prng, quantile } from './common';

export const TARGETS = {
  memoryRecordsPerS: 200_000,
  fileCommit100RecordsPerS: 200_000,
};

/** Realistic bodies: per step a StatementReached, a ToolStarted and a ToolFinished. */
function makeBodies(count: number): JournalBody[] {
  const rnd = prng(7);
  const words = ['const', 'value', 'return', 'agent', 'policy', 'tool', 'read', 'file', 'result', 'error'];
  const text = (n: number) => Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(' ');
  const out: JournalBody[] = [];
  for (let s = 1; out.length < count; s++) {
    const key = `main#${s}`;
    out.push({ type: 'StatementReached', branch: 'main', step: s, loc: [10 + (s % 50), 5, 10 + (s % 50), 42], frame: 'agent code_reviewer' });
    out.push({ type: 'ToolStarted', key, tool: 'read_file', args: { path: `src/module${s % 97}.ts` }, idempotent: true, attempt: 1 });
    out.push({ type: 'ToolFinished', key, tool: 'read_file', ok: true, value: { path: `src/module${s % 97}.ts`, content: text(30), lines: 40 + (s % 13) }, ms: 3 + (s % 11) });
  }
  return out.slice(0, count);
}

function started(run: string, key: LocalKey): JournalBody {
  return {
    type: 'Started', run, file: 'examples/review.baton', agent: 'code_reviewer', inputs: { pr: 42 }, source: 'agent code_reviewer { }\n',
    sourceHash: '0'.repeat(64), provider: 'mock', mode: 'live', root: '/ws', publicKey: key.publicKey,
  };
}

function rate(id: string, label: string, records: number, samples: number[], target?: number): Metric {
  const ms = median(samples);
  return {
    id, label, value: records / (ms / 1000), unit: 'records/s', samples,
    ...(target !== undefined ? { target: { op: '>=', value: target } } : {}),
    note: `${records} records, median ${ms.toFixed(1)} ms of ${samples.length}`,
  };
}

function timeMemory(bodies: JournalBody[], key: LocalKey, secrets: string[]): number {
  const t0 = performance.now();
  const j = new MemoryJournal('bench', { signer: key });
  for (const s of secrets) j.addSecret(s);
  for (const b of bodies) j.append(b);
  j.commit();
  const ms = performance.now() - t0;
  if (j.records.length !== bodies.length) throw new Error('lost records');
  return ms;
}

/** File mode: appends `bodies` committing every `every` records; returns total ms and per-commit µs. */
function timeFile(file: string, bodies: JournalBody[], key: LocalKey, every: number): { ms: number; commitUs: number[] } {
  fs.rmSync(file, { force: true });
  const commitUs: number[] = [];
  const t0 = performance.now();
  const j = FileJournal.create(file, 'bench', key);
  j.append(started('bench', key));
  for (let i = 0; i < bodies.length; i++) {
    j.append(bodies[i]);
    if ((i + 1) % every === 0) {
      const c0 = performance.now();
      j.commit();
      commitUs.push((performance.now() - c0) * 1000);
    }
  }
  j.close();
  return { ms: performance.now() - t0, commitUs };
}

export async function journalBench(opts: BenchOptions): Promise<BenchSection> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-journal-bench-'));
  try {
    const key = loadOrCreateKey(dir); // a throwaway key under the temp dir, never the user's
    const reps = opts.quick ? 3 : 7;
    const nMem = opts.quick ? 60_000 : 300_000;
    const nFile = opts.quick ? 30_000 : 150_000;
    const nSync = opts.quick ? 300 : 2_000;
    const bodies = makeBodies(nMem);
    const metrics: Metric[] = [];

    timeMemory(bodies.slice(0, 20_000), key, []); // warm-up
    const mem = Array.from({ length: reps }, () => timeMemory(bodies, key, []));
    metrics.push(rate('journal_memory_records_s', 'append, memory mode', nMem, mem, TARGETS.memoryRecordsPerS));
    const secrets = ['sk-live-0123456789abcdef', 'ghp_aBcDeFgHiJkLmNoPqRsT', 'hunter2-password'];
    const red = Array.from({ length: reps }, () => timeMemory(bodies, key, secrets));
    metrics.push(rate('journal_memory_secrets_records_s', 'append, memory mode, 3 secrets registered', nMem, red));

    const file = path.join(dir, '.baton', 'runs', 'bench.jsonl');
    const fileBodies = bodies.slice(0, nFile);
    timeFile(file, fileBodies.slice(0, 5_000), key, 100); // warm-up
    const c100 = Array.from({ length: reps }, () => timeFile(file, fileBodies, key, 100));
    metrics.push(rate('journal_file_commit100_records_s', 'append, file mode, commit every 100', nFile + 1, c100.map((r) => r.ms), TARGETS.fileCommit100RecordsPerS));
    const fileBytes = fs.statSync(file).size;

    // The same on tmpfs, where fdatasync costs nothing: what the code costs without the disk.
    const shm = '/dev/shm';
    if (fs.existsSync(shm)) {
      const sdir = fs.mkdtempSync(path.join(shm, 'baton-journal-bench-'));
      try {
        const sfile = path.join(sdir, 'bench.jsonl');
        const runs = Array.from({ length: reps }, () => timeFile(sfile, fileBodies, key, 100).ms);
        metrics.push(rate('journal_file_commit100_tmpfs_records_s', 'append, file mode on tmpfs, commit every 100', nFile + 1, runs));
      } finally {
        fs.rmSync(sdir, { recursive: true, force: true });
      }
    }

    const vms: number[] = [];
    for (let i = 0; i < Math.min(reps, 3); i++) {
      const t0 = performance.now();
      const v = verifyJournal(file, { trustedKeys: [key.publicKey] });
      vms.push(performance.now() - t0);
      if (!v.ok) throw new Error(`bench journal does not verify: ${v.reason}`);
    }
    metrics.push(rate('journal_verify_records_s', 'verifyJournal', nFile + 1, vms));

    const syncBodies = bodies.slice(0, nSync);
    const c1 = Array.from({ length: Math.min(reps, 3) }, () => timeFile(file, syncBodies, key, 1));
    metrics.push(rate('journal_file_commit1_records_s', 'append, file mode, commit every record', nSync + 1, c1.map((r) => r.ms)));
    const commitUs = c1.flatMap((r) => r.commitUs);
    metrics.push({
      id: 'journal_commit_us', label: 'one commit (write + fdatasync)', value: median(commitUs), unit: 'µs',
      note: `p95 ${quantile(commitUs, 0.95).toFixed(0)} µs over ${commitUs.length} commits; disk-bound`,
    });

    const j = new MemoryJournal('bench', { signer: key });
    j.append(started('bench', key));
    const cpUs: number[] = [];
    for (let i = 0; i < 200; i++) {
      j.append(bodies[i]);
      const t0 = performance.now();
      j.checkpoint(false);
      cpUs.push((performance.now() - t0) * 1000);
    }
    metrics.push({ id: 'journal_checkpoint_us', label: 'checkpoint (Ed25519 sign), memory mode', value: median(cpUs), unit: 'µs', note: `median of ${cpUs.length}` });

    return {
      name: 'journal',
      metrics,
      info: {
        memoryRecords: nMem, fileRecords: nFile + 1, commitEveryRecordRecords: nSync + 1,
        avgLineBytes: Math.round(fileBytes / (nFile + 1)), fileBytes, tmpdir: os.tmpdir(),
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
