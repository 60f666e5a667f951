/**
 * verifyJournal: an intact run verifies; each tamper kind (modify, delete, reorder, insert), at
 * several positions — right before a checkpoint and the last record before the final checkpoint
 * included — is reported with the right first bad seq; unknown and wrong keys; a journal re-signed
 * with an attacker's key; torn tails.
 *
 * The run used throughout (finishedRun): 0 Started, 1-4 steps 1-2, 5 Checkpoint, 6-9 steps 3-4,
 * 10 Checkpoint, 11 Terminated, 12 final Checkpoint.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyJournal } from '../../../runtime/journal/audit';
import type { VerifyResult } from '../../../runtime/journal/audit';
import { loadOrCreateKey } from '../../../runtime/journal/keys';
import type { LocalKey, Signer } from '../../../runtime/journal/keys';
import type { JournalBody, JournalRecord } from '../../../runtime/journal/records';
import { MemoryJournal } from '../../../runtime/journal/writer';
import { finishedRun, modified, tmpDir, writeLines } from './helpers';

const sha = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');
const parse = (l: string) => JSON.parse(l) as Record<string, unknown>;

/** A record with the given fields changed, key order kept. */
function edit(line: string, fields: Record<string, unknown>): string {
  return JSON.stringify({ ...parse(line), ...fields });
}

/** A forged record for position k that chains correctly to line k-1. */
function forged(lines: string[], k: number): string {
  return JSON.stringify({ v: 1, seq: k, type: 'EffectRecorded', ts: '2024-01-01T00:00:00.000Z', prev: sha(lines[k - 1]), key: 'main#99', effect: 'log', value: 'forged' });
}

/** Rewrites seq fields to match positions (without fixing prev: that needs re-hashing). */
function renumber(lines: string[]): string[] {
  return lines.map((l, i) => (parse(l).seq === i ? l : edit(l, { seq: i })));
}

describe('verifyJournal', () => {
  let key: LocalKey;
  let dir: string;
  let run: { lines: string[]; checkpoints: number[] };
  before(() => {
    key = loadOrCreateKey(tmpDir('baton-home-'));
    run = finishedRun(key);
  });
  beforeEach(() => { dir = tmpDir(); });

  const verify = (lines: string[], trustedKeys = [key.publicKey], extra = ''): VerifyResult => {
    const file = path.join(dir, `run-${Math.random().toString(36).slice(2)}.jsonl`);
    writeLines(file, lines);
    if (extra) fs.appendFileSync(file, extra);
    return verifyJournal(file, { trustedKeys });
  };
  const expectBad = (lines: string[], seq: number, reason: RegExp, trusted?: string[]) => {
    const r = verify(lines, trusted);
    assert.ok(!r.ok, `expected a failure at seq ${seq}, got ${JSON.stringify(r)}`);
    assert.equal(r.seq, seq, r.reason);
    assert.match(r.reason, reason);
  };

  it('accepts an intact finished run', () => {
    assert.deepEqual(run.checkpoints, [5, 10, 12]);
    const r = verify(run.lines);
    assert.deepEqual(r, { ok: true, runId: 'run-1', keyId: key.keyId, records: 13, checkpoints: 3, final: true, unsigned: 0 });
  });

  it('accepts an unfinished run and reports its unsigned tail', () => {
    const { lines } = finishedRun(key, 'run-2', { final: false, tail: 3 });
    assert.deepEqual(verify(lines), { ok: true, runId: 'run-2', keyId: key.keyId, records: 14, checkpoints: 2, final: false, unsigned: 3 });
    const none = new MemoryJournal('run-3');
    none.append(parse(lines[0]) as unknown as JournalBody);
    const r = verify(none.lines);
    assert.ok(r.ok && r.checkpoints === 0 && r.unsigned === 1 && !r.final, JSON.stringify(r));
  });

  describe('modified record', () => {
    for (const k of [0, 1, 3, 4, 5, 6, 9, 10, 11]) {
      it(`finds record ${k}`, () => {
        const lines = [...run.lines];
        lines[k] = modified(lines[k]);
        expectBad(lines, k, new RegExp(`^record ${k} was modified`));
      });
    }
    it('finds a modified prev field', () => {
      const lines = [...run.lines];
      lines[7] = edit(lines[7], { prev: sha('x') });
      expectBad(lines, 7, /^record 7 was modified/);
    });
    it('finds a modified final checkpoint (head or signature)', () => {
      const a = [...run.lines];
      a[12] = edit(a[12], { head: sha('x') });
      expectBad(a, 12, /checkpoint 12 does not sign the chain head/);
      const b = [...run.lines];
      b[12] = edit(b[12], { signature: parse(run.lines[10]).signature });
      expectBad(b, 12, /checkpoint 12 has an invalid signature/);
    });
    it('finds two modifications by the first', () => {
      const lines = [...run.lines];
      lines[3] = modified(lines[3]);
      lines[8] = modified(lines[8]);
      expectBad(lines, 3, /^record 3 was modified/);
    });
  });

  describe('deleted record', () => {
    for (const k of [0, 1, 4, 5, 6, 9, 10, 11]) {
      it(`finds record ${k} missing`, () => {
        const lines = [...run.lines];
        lines.splice(k, 1);
        expectBad(lines, k, new RegExp(`record seq ${k} is missing`));
      });
    }
    for (const k of [3, 9, 11]) {
      it(`finds record ${k} missing when the rest was renumbered`, () => {
        const lines = [...run.lines];
        lines.splice(k, 1);
        expectBad(renumber(lines), k, new RegExp(`record( seq)? ${k} (is missing|was modified, or a record before it was removed)`));
      });
    }
    it('reports a run cut after its last checkpoint as unfinished, not as verified-final', () => {
      const r = verify(run.lines.slice(0, 12));
      assert.ok(r.ok && !r.final && r.unsigned === 1 && r.checkpoints === 2, JSON.stringify(r));
    });
  });

  describe('reordered records', () => {
    for (const k of [0, 1, 4, 5, 9, 10, 11]) {
      it(`finds records ${k} and ${k + 1} swapped`, () => {
        const lines = [...run.lines];
        [lines[k], lines[k + 1]] = [lines[k + 1], lines[k]];
        expectBad(lines, k, new RegExp(`record ${k} is out of order`));
      });
    }
    it('finds a record moved later or earlier', () => {
      const later = [...run.lines];
      later.splice(8, 0, later.splice(2, 1)[0]);
      expectBad(later, 2, /record 2 is out of order: found at line 9/);
      const earlier = [...run.lines];
      earlier.splice(2, 0, earlier.splice(8, 1)[0]);
      expectBad(earlier, 2, /record 2 is out of order/);
    });
    it('finds a swap whose seq fields were rewritten', () => {
      const lines = [...run.lines];
      [lines[6], lines[7]] = [lines[7], lines[6]];
      expectBad(renumber(lines), 6, /^record 6 /);
    });
  });

  describe('inserted record', () => {
    for (const k of [1, 5, 6, 10, 11, 12]) {
      it(`finds a forged record chained in at ${k}`, () => {
        const lines = [...run.lines];
        lines.splice(k, 0, forged(run.lines, k));
        expectBad(lines, k, new RegExp(`record ${k} was inserted`));
      });
      it(`finds a forged record at ${k} when the rest was renumbered`, () => {
        const lines = [...run.lines];
        lines.splice(k, 0, forged(run.lines, k));
        expectBad(renumber(lines), k, new RegExp(`record ${k} was inserted`));
      });
    }
    for (const k of [3, 11, 12]) {
      it(`finds a copy of record ${k - 1} inserted at ${k}`, () => {
        const lines = [...run.lines];
        lines.splice(k, 0, run.lines[k - 1]);
        expectBad(lines, k, new RegExp(`record ${k} was inserted`));
      });
    }
    it('finds a copy of a distant record', () => {
      const lines = [...run.lines];
      lines.splice(9, 0, run.lines[2]);
      expectBad(lines, 9, /record 9 was inserted/);
      const ahead = [...run.lines];
      ahead.splice(3, 0, run.lines[8]);
      expectBad(ahead, 3, /record 3 is out of order/);
    });
    it('refuses records after the final checkpoint', () => {
      expectBad([...run.lines, forged([...run.lines, ''], 13).replace(/"prev":"[0-9a-f]+"/, `"prev":"${sha(run.lines[12])}"`)], 13, /follows the final checkpoint/);
      expectBad([...run.lines, run.lines[11]], 13, /record 13 is out of order/);
    });
    it('refuses a final flag forged onto a non-final checkpoint of a cut run', () => {
      const lines = run.lines.slice(0, 11);
      lines[10] = edit(lines[10], { final: true });
      expectBad(lines, 10, /final checkpoint 10 does not follow a Terminated record/);
    });
  });

  describe('keys', () => {
    it('refuses a run signed by an untrusted key', () => {
      expectBad(run.lines, 0, /signed by an unknown key/, []);
      expectBad(run.lines, 0, /signed by an unknown key/, [loadOrCreateKey(tmpDir('baton-home-')).publicKey]);
    });

    it('refuses checkpoints signed with another key than the Started record names', () => {
      const attacker = loadOrCreateKey(tmpDir('baton-home-'));
      const { lines } = finishedRun({ privateKey: attacker.privateKey, publicKey: key.publicKey });
      expectBad(lines, 5, /checkpoint 5 has an invalid signature/);
    });

    it("refuses a tampered journal re-signed with an attacker's key", () => {
      const attacker = loadOrCreateKey(tmpDir('baton-home-'));
      const resign = (signer: Signer, publicKey: string): string[] => {
        const j = new MemoryJournal('run-1', { signer });
        for (const l of run.lines) {
          const { v: _v, seq: _s, ts: _t, prev: _p, ...body } = parse(l) as unknown as JournalRecord;
          if (body.type === 'Checkpoint') j.checkpoint(body.final);
          else if (body.type === 'Started') j.append({ ...body, publicKey });
          else if (body.type === 'Terminated') j.append({ ...body, result: 'forged result' });
          else j.append(body as JournalBody);
        }
        return j.lines;
      };
      const own = resign(attacker, attacker.publicKey);
      assert.ok(verify(own, [attacker.publicKey]).ok, 'self-consistent with its own key');
      expectBad(own, 0, /signed by an unknown key/);
      expectBad(resign(attacker, key.publicKey), 5, /checkpoint 5 has an invalid signature/);
    });
  });

  describe('torn and unreadable lines', () => {
    it('accepts a torn tail and reports it', () => {
      const size = Buffer.byteLength(run.lines.join('\n') + '\n');
      const r = verify(run.lines, undefined, '{"v":1,"seq":13,"ty');
      assert.deepEqual(r, { ok: true, runId: 'run-1', keyId: key.keyId, records: 13, checkpoints: 3, final: true, unsigned: 0, tornTail: { offset: size, bytes: 19 } });
      const garbled = verify([...run.lines, '{"v":1,"seq":13,']);
      assert.ok(garbled.ok && garbled.tornTail?.bytes === 17 && garbled.records === 13, JSON.stringify(garbled));
    });

    it('names an unreadable line in the middle', () => {
      const lines = [...run.lines];
      lines[4] = lines[4].slice(0, 20);
      expectBad(lines, 4, /record 4 is unreadable \(line 5\)/);
    });

    it('refuses an empty journal', () => {
      const r = verify([]);
      assert.ok(!r.ok && r.seq === 0 && /no records/.test(r.reason));
    });
  });
});
