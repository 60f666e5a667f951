/**
 * `verifyJournal`: checks a journal's hash chain and checkpoint signatures and names the first bad
 * record.
 *
 * In file order, for the record at position i (0-based; a torn tail is ignored, as when reading):
 *  - the line parses, its `seq` is i, and its `prev` is the SHA-256 of line i-1's exact bytes
 *    (ZERO_HASH for i = 0);
 *  - record 0 is `Started`, and its `publicKey` is one of `trustedKeys` ("signed by an unknown
 *    key" otherwise — also what a journal re-signed with somebody else's key gets);
 *  - a `Checkpoint`'s `head` is the hash of line i-1 and its `signature` verifies (Started's key)
 *    over `checkpointMessage(run, i, head)`; a final checkpoint follows `Terminated` and ends the
 *    journal.
 *
 * When a check fails, the neighbourhood says which record is the first bad one:
 *  - modified record k: record k+1's `prev` no longer matches → "record k was modified" (the last
 *    record before a checkpoint is caught by the checkpoint, whose head/prev still match each other
 *    and whose signature still verifies);
 *  - removed record k: position k holds seq k+1 → "record seq k is missing";
 *  - reordered: position k holds a later seq → "record k is out of order";
 *  - inserted at k: either position k holds an earlier seq, or the record after it chains to k-1 →
 *    "record k was inserted". Renumbered copies of these (seq fields rewritten) are found through
 *    the `prev` links the same way.
 * Records after the last checkpoint of an unfinished run are not signed: the run verifies, with
 * `final: false` and `unsigned` = how many records follow the last checkpoint. Removing records from
 * the end of a journal can only be seen that way (final: false), as for any hash chain.
 * Note: the signed message does not cover the `final` flag; a forged `final: true` is refused
 * because a final checkpoint must directly follow `Terminated`.
 * A journal that cannot be read at all (missing file) is a `journal` BatonError, not a result.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { BatonError } from '../errors';
import { JOURNAL_VERSION, ZERO_HASH } from './records';
import type { JournalRecord } from './records';
import { keyIdOf, publicKeyObject } from './keys';
import { parseRecord, splitLines } from './reader';
import type { TornTail } from './reader';
import { checkpointMessage, hashLine } from './writer';

export type VerifyResult =
  | {
    ok: true;
    runId: string;
    /** Key id (keys.ts `keyIdOf`) of the key the run is signed with. */
    keyId: string;
    /** Records verified (the torn tail not counted). */
    records: number;
    checkpoints: number;
    /** The journal ends with a final checkpoint: nothing can have been removed from its end. */
    final: boolean;
    /** Records after the last checkpoint (not covered by a signature). 0 when final. */
    unsigned: number;
    tornTail?: TornTail;
  }
  | { ok: false; seq: number; reason: string };

type Bad = { ok: false; seq: number; reason: string };

/** How far back a renumbered checkpoint's original seq is searched for (diagnosis only). */
const RENUMBER_SEARCH = 16;

const bad = (seq: number, reason: string): Bad => ({ ok: false, seq, reason });

export function verifyJournal(file: string, opts: { trustedKeys: string[] }): VerifyResult {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new BatonError('journal', `${file}: cannot read journal: ${(e as Error).message}`, { file, cause: e });
  }
  const { starts, ends, rest } = splitLines(buf);
  const recs: Array<JournalRecord | Error> = [];
  const hashes: string[] = [];
  for (let i = 0; i < starts.length; i++) {
    const line = buf.subarray(starts[i], ends[i]);
    try {
      recs.push(parseRecord(line.toString('utf8')));
    } catch (e) {
      recs.push(e as Error);
    }
    hashes.push(hashLine(line));
  }
  let tornTail = rest;
  if (!rest && recs.length > 0 && recs[recs.length - 1] instanceof Error) {
    tornTail = { offset: starts[recs.length - 1], bytes: buf.length - starts[recs.length - 1] };
    recs.pop();
    hashes.pop();
  }
  const n = recs.length;
  if (n === 0) return bad(0, 'the journal has no records');

  const rec = (i: number): JournalRecord | undefined => {
    const r = recs[i];
    return r === undefined || r instanceof Error ? undefined : r;
  };
  const H = (i: number): string => (i < 0 ? ZERO_HASH : hashes[i]);

  let runId = '';
  let key: crypto.KeyObject | undefined;
  let keyId = '';
  const signatureOk = (r: Extract<JournalRecord, { type: 'Checkpoint' }>, at: number): boolean => {
    if (!key || typeof r.signature !== 'string' || typeof r.head !== 'string') return false;
    try {
      return crypto.verify(null, checkpointMessage(runId, at, r.head), key, Buffer.from(r.signature, 'base64'));
    } catch {
      return false;
    }
  };

  /** Position p holds a record with seq < p: a repeat, or something was inserted. */
  const earlierSeq = (p: number, r: JournalRecord): Bad => {
    const next = rec(p + 1);
    if (next && next.prev === H(p - 1)) return bad(p, `record ${p} was inserted (it has seq ${r.seq}; record ${p + 1} chains to record ${p - 1})`);
    if (p >= 2 && r.seq === p - 1 && r.prev === H(p - 2) && H(p - 1) !== H(p)) return bad(p - 1, `record ${p - 1} was inserted`);
    return bad(p, `record ${p} is out of order: found seq ${r.seq} again at line ${p + 1}`);
  };

  /** Position p holds a record with seq > p: p was removed or moved. */
  const laterSeq = (p: number, r: JournalRecord): Bad => {
    for (let j = p + 1; j < n; j++) {
      if (rec(j)?.seq === p) return bad(p, `record ${p} is out of order: found at line ${j + 1}, line ${p + 1} holds record ${r.seq}`);
    }
    return bad(p, `record seq ${p} is missing (line ${p + 1} holds record ${r.seq})`);
  };

  /** Position i has the right seq but its prev is not the hash of line i-1: who changed? */
  const brokenLink = (i: number, r: JournalRecord): Bad => {
    if (i === 0) return bad(0, 'record 0 was modified (its prev is not the zero hash)');
    const next = rec(i + 1);
    if (next && next.prev === H(i - 1)) return bad(i, `record ${i} was inserted (record ${i + 1} chains to record ${i - 1})`);
    if (i >= 2 && r.prev === H(i - 2)) return bad(i - 1, `record ${i - 1} was inserted (record ${i} chains to record ${i - 2})`);
    if (r.type === 'Checkpoint' && r.head === r.prev) {
      // An authentic checkpoint: what it signed was line i-1 as it was then.
      if (signatureOk(r, i)) return bad(i - 1, `record ${i - 1} was modified (checkpoint ${i} signed another version of it)`);
      for (let d = 1; d <= RENUMBER_SEARCH; d++) {
        if (signatureOk(r, i + d)) return bad(i, `record seq ${i} is missing (checkpoint ${i} was signed as record ${i + d}: records before it were removed and the rest renumbered)`);
      }
    }
    if (!next || next.prev === H(i)) return bad(i - 1, `record ${i - 1} was modified`);
    return bad(i, `record ${i} was modified, or a record before it was removed`);
  };

  /** Record i itself is wrong; if the next record no longer chains to it, it was modified. */
  const wrong = (i: number, reason: string): Bad => {
    const next = rec(i + 1);
    return bad(i, next && next.prev !== H(i) ? `record ${i} was modified: ${reason}` : reason);
  };

  let checkpoints = 0;
  let lastCheckpoint = -1;
  let final = false;
  for (let i = 0; i < n; i++) {
    const r = recs[i];
    if (r instanceof Error) return bad(i, `record ${i} is unreadable (line ${i + 1}): ${r.message}`);
    if (r.seq > i) return laterSeq(i, r);
    if (r.seq < i) return earlierSeq(i, r);
    if (r.prev !== H(i - 1)) return brokenLink(i, r);
    if (r.v !== JOURNAL_VERSION) return wrong(i, `record ${i} has an unsupported version ${JSON.stringify(r.v)}`);
    if (final) return bad(i, `record ${i} follows the final checkpoint`);
    if (i === 0) {
      if (r.type !== 'Started') return wrong(0, `the journal does not begin with a Started record (found ${r.type})`);
      runId = r.run;
      try {
        key = publicKeyObject(r.publicKey);
      } catch {
        return wrong(0, 'the Started record has a malformed publicKey');
      }
      keyId = keyIdOf(r.publicKey);
      if (!opts.trustedKeys.includes(r.publicKey)) return bad(0, `signed by an unknown key (key id ${keyId})`);
    } else if (r.type === 'Started') {
      return wrong(i, `record ${i} is a second Started record`);
    }
    if (r.type === 'Checkpoint') {
      if (r.head !== H(i - 1)) return wrong(i, `checkpoint ${i} does not sign the chain head (its head is not the hash of record ${i - 1})`);
      if (!signatureOk(r, i)) return wrong(i, `checkpoint ${i} has an invalid signature`);
      if (r.final && rec(i - 1)?.type !== 'Terminated') return wrong(i, `final checkpoint ${i} does not follow a Terminated record`);
      checkpoints++;
      lastCheckpoint = i;
      final = r.final === true;
    }
  }
  const result: VerifyResult = { ok: true, runId, keyId, records: n, checkpoints, final, unsigned: n - 1 - lastCheckpoint };
  if (tornTail) result.tornTail = tornTail;
  return result;
}
