/**
 * Journal writer, reader and keys: round-trips through real files in temp dirs, the seq/prev chain,
 * key order, group commit, reopen after a crash (torn tail), redaction, file modes, listRuns.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isBatonError } from '../../../runtime/errors';
import { ZERO_HASH } from '../../../runtime/journal/records';
import type { JournalBody, JournalRecord } from '../../../runtime/journal/records';
import { keysDir, loadOrCreateKey, publicKeyObject, trustedPublicKeys } from '../../../runtime/journal/keys';
import type { LocalKey } from '../../../runtime/journal/keys';
import { FileJournal, MemoryJournal, checkpointMessage } from '../../../runtime/journal/writer';
import { listRuns, readJournal } from '../../../runtime/journal/reader';
import { verifyJournal } from '../../../runtime/journal/audit';
import { started, statement, terminated, tmpDir, toolFinished } from './helpers';

// The real module object (not esbuild's namespace wrapper), so its functions can be counted.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const realFs = require('node:fs') as typeof fs;

const sha = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');
const mode = (p: string) => fs.statSync(p).mode & 0o777;
const fixedClock = () => '2024-05-01T12:00:00.000Z';

const bodies = (pub: string): JournalBody[] => [
  started('r1', pub),
  statement(1),
  { type: 'ToolStarted', key: 'main#1', tool: 'read_file', args: { path: 'a.txt' }, idempotent: true, attempt: 1 },
  toolFinished(1),
  { type: 'EffectRecorded', key: 'main#2', effect: 'now', value: 1714564800000 },
  statement(2),
  terminated(),
];

describe('journal writer and reader', () => {
  let home: string;
  let key: LocalKey;
  let ws: string;
  before(() => {
    home = tmpDir('baton-home-');
    key = loadOrCreateKey(home);
  });
  beforeEach(() => { ws = tmpDir(); });
  const runFile = (id = 'r1') => path.join(ws, '.baton', 'runs', `${id}.jsonl`);

  it('round-trips appended records through a file and keeps the seq/prev chain', () => {
    const j = FileJournal.create(runFile(), 'r1', key);
    const appended = bodies(key.publicKey).map((b) => j.append(b));
    j.close();
    const { records, lines, tornTail } = readJournal(runFile());
    assert.equal(tornTail, undefined);
    assert.deepEqual(records, JSON.parse(JSON.stringify(appended)));
    assert.equal(fs.readFileSync(runFile(), 'utf8'), lines.join('\n') + '\n');
    records.forEach((r, i) => {
      assert.equal(r.seq, i);
      assert.equal(r.v, 1);
      assert.equal(r.prev, i === 0 ? ZERO_HASH : sha(lines[i - 1]));
    });
  });

  it('serialises keys in the order v, seq, type, ts, prev, then the body fields', () => {
    const j = new MemoryJournal('r1');
    j.append(toolFinished(3));
    assert.deepEqual(Object.keys(JSON.parse(j.lines[0])), ['v', 'seq', 'type', 'ts', 'prev', 'key', 'tool', 'ok', 'value', 'ms']);
    assert.match(j.lines[0], /^\{"v":1,"seq":0,"type":"ToolFinished","ts":"[^"]+","prev":"0{64}","key":"main#3"/);
  });

  it('writes the same lines in memory and file mode (identical with the same clock, equal except ts otherwise)', () => {
    const mem = new MemoryJournal('r1', { now: fixedClock, signer: key });
    const file = FileJournal.create(runFile(), 'r1', key, { now: fixedClock });
    for (const b of bodies(key.publicKey)) { mem.append(b); file.append(b); }
    mem.checkpoint(true);
    file.checkpoint(true);
    file.close();
    assert.equal(fs.readFileSync(runFile(), 'utf8'), mem.text());

    const wall = new MemoryJournal('r1');
    for (const b of bodies(key.publicKey)) wall.append(b);
    const strip = (l: string) => { const { ts: _t, prev: _p, ...rest } = JSON.parse(l) as JournalRecord; return rest; };
    assert.deepEqual(wall.lines.map(strip), mem.lines.slice(0, wall.lines.length).map(strip));
  });

  it('append only buffers; commit is one write and one fdatasync, and a no-op when nothing is buffered', () => {
    const j = FileJournal.create(runFile(), 'r1', key);
    const orig = { writeSync: realFs.writeSync, fdatasyncSync: realFs.fdatasyncSync };
    const calls = { writeSync: 0, fdatasyncSync: 0 };
    realFs.writeSync = ((...a: Parameters<typeof fs.writeSync>) => { calls.writeSync++; return (orig.writeSync as (...x: unknown[]) => number)(...a); }) as typeof fs.writeSync;
    realFs.fdatasyncSync = ((fd: number) => { calls.fdatasyncSync++; orig.fdatasyncSync(fd); }) as typeof fs.fdatasyncSync;
    try {
      for (const b of bodies(key.publicKey)) j.append(b);
      assert.equal(fs.statSync(runFile()).size, 0);
      assert.deepEqual(calls, { writeSync: 0, fdatasyncSync: 0 });
      j.commit();
      assert.deepEqual(calls, { writeSync: 1, fdatasyncSync: 1 });
      assert.equal(readJournal(runFile()).records.length, 7);
      j.commit();
      assert.deepEqual(calls, { writeSync: 1, fdatasyncSync: 1 });
    } finally {
      Object.assign(realFs, orig);
      j.close();
    }
  });

  it('checkpoint signs the chain head and commits; without a signer it appends nothing', () => {
    const j = FileJournal.create(runFile(), 'r1', key);
    j.append(started('r1', key.publicKey));
    j.append(statement(1));
    const head = j.head;
    j.checkpoint(false);
    const { records, lines } = readJournal(runFile()); // committed without an explicit commit()
    const cp = records[2];
    assert.ok(cp.type === 'Checkpoint');
    assert.equal(cp.head, head);
    assert.equal(cp.head, sha(lines[1]));
    assert.equal(cp.final, false);
    assert.ok(crypto.verify(null, checkpointMessage('r1', 2, head), publicKeyObject(key.publicKey), Buffer.from(cp.signature, 'base64')));
    assert.ok(!crypto.verify(null, checkpointMessage('r1', 3, head), publicKeyObject(key.publicKey), Buffer.from(cp.signature, 'base64')));
    j.close();

    const m = new MemoryJournal('r2');
    m.append(statement(1));
    m.checkpoint(true);
    assert.equal(m.records.length, 1);
  });

  it('calls onAppend with every record, checkpoints included', () => {
    const seen: JournalRecord[] = [];
    const j = new MemoryJournal('r1', { signer: key, onAppend: (r) => seen.push(r) });
    j.append(started('r1', key.publicKey));
    j.append(statement(1));
    j.checkpoint(false);
    assert.deepEqual(seen.map((r) => `${r.seq}:${r.type}`), ['0:Started', '1:StatementReached', '2:Checkpoint']);
    // A memory journal keeps only its lines: `records` parses them again (equal, not the same object).
    assert.deepEqual(seen[1], j.records[1]);
    assert.notEqual(seen[1], j.records[1]);
  });

  it('openExisting continues seq and the hash chain', () => {
    const a = FileJournal.create(runFile(), 'r1', key);
    a.append(started('r1', key.publicKey));
    a.append(statement(1));
    a.checkpoint(false);
    a.close();
    const b = FileJournal.openExisting(runFile(), key);
    assert.equal(b.runId, 'r1');
    assert.equal(b.nextSeq, 3);
    assert.equal(b.recovered.records.length, 3);
    assert.equal(b.append({ type: 'Resumed', inDoubt: [] }).seq, 3);
    b.append(terminated());
    b.checkpoint(true);
    b.close();
    const { records, lines } = readJournal(runFile());
    assert.deepEqual(records.map((r) => r.seq), [0, 1, 2, 3, 4, 5]);
    assert.equal(records[3].prev, sha(lines[2]));
    const v = verifyJournal(runFile(), { trustedKeys: [key.publicKey] });
    assert.ok(v.ok && v.final && v.records === 6, JSON.stringify(v));
  });

  it('openExisting refuses a finished run, another key, a non-journal; create refuses an existing file', () => {
    const a = FileJournal.create(runFile(), 'r1', key);
    a.append(started('r1', key.publicKey));
    a.append(terminated());
    a.checkpoint(true);
    a.close();
    assert.throws(() => FileJournal.openExisting(runFile(), key), (e) => isBatonError(e, 'journal') && /already ended/.test(e.message));
    assert.throws(() => FileJournal.create(runFile(), 'r1', key), (e) => isBatonError(e, 'journal') && /already exists/.test(e.message));
    const other = loadOrCreateKey(tmpDir('baton-home-'));
    const b = FileJournal.create(runFile('r2'), 'r2', key);
    b.append(started('r2', key.publicKey));
    b.close();
    assert.throws(() => FileJournal.openExisting(runFile('r2'), other), (e) => isBatonError(e, 'journal') && /another key/.test(e.message));
    fs.writeFileSync(runFile('r3'), '');
    assert.throws(() => FileJournal.openExisting(runFile('r3'), key), (e) => isBatonError(e, 'journal') && /no Started/.test(e.message));
  });

  it('tolerates a torn tail when reading, and truncates it on reopen', () => {
    const j = FileJournal.create(runFile(), 'r1', key);
    for (const b of bodies(key.publicKey).slice(0, 4)) j.append(b);
    j.close();
    const whole = fs.statSync(runFile()).size;
    const torn = '{"v":1,"seq":4,"type":"Stat';
    fs.appendFileSync(runFile(), torn);
    const r1 = readJournal(runFile());
    assert.equal(r1.records.length, 4);
    assert.deepEqual(r1.tornTail, { offset: whole, bytes: torn.length });

    const k = FileJournal.openExisting(runFile(), key);
    assert.deepEqual(k.recovered.tornTail, { offset: whole, bytes: torn.length });
    assert.equal(fs.statSync(runFile()).size, whole);
    k.append(statement(9));
    k.close();
    const r2 = readJournal(runFile());
    assert.equal(r2.tornTail, undefined);
    assert.deepEqual(r2.records.map((r) => r.seq), [0, 1, 2, 3, 4]);
    assert.equal(r2.records[4].prev, sha(r2.lines[3]));

    // A complete last line that does not parse is a torn tail too.
    fs.appendFileSync(runFile(), '{"v":1,"seq":5,\n');
    const r3 = readJournal(runFile());
    assert.equal(r3.records.length, 5);
    assert.equal(r3.tornTail?.bytes, 16);
  });

  it('reports an unparsable line in the middle with its path and line number', () => {
    const j = FileJournal.create(runFile(), 'r1', key);
    for (const b of bodies(key.publicKey)) j.append(b);
    j.close();
    const lines = fs.readFileSync(runFile(), 'utf8').split('\n');
    lines[2] = lines[2].slice(0, 30);
    fs.writeFileSync(runFile(), lines.join('\n'));
    assert.throws(() => readJournal(runFile()), (e) => isBatonError(e, 'journal') && e.message.startsWith(`${runFile()}:3: unreadable journal record: `));
    lines[2] = '[1,2]';
    fs.writeFileSync(runFile(), lines.join('\n'));
    assert.throws(() => readJournal(runFile()), (e) => isBatonError(e, 'journal') && /:3: unreadable journal record: not a JSON object/.test(e.message));
  });

  describe('redaction', () => {
    const secret = 'sk-live-4f9a8b7c6d5e';
    const nasty = 'pa"ss\\wörd\n';

    it('a registered secret never reaches the file, even nested in arrays, records and keys', () => {
      const seen: JournalRecord[] = [];
      const j = FileJournal.create(runFile(), 'r1', key, { onAppend: (r) => seen.push(r) });
      j.append(started('r1', key.publicKey));
      j.append({ type: 'ToolStarted', key: 'main#1', tool: 'http', args: { headers: { Authorization: `Bearer ${secret}` } }, idempotent: false, attempt: 1 });
      j.addSecret(secret);
      j.addSecret(nasty);
      const appended = j.append({
        type: 'ToolFinished', key: 'main#1', tool: 'http', ok: true, ms: 3,
        value: { list: ['a', [`x${secret}y`, { deep: secret }]], [`key-${secret}`]: 1, other: `${nasty}|${nasty}` },
      });
      j.append({ type: 'ReasoningComplete', key: 'main#2', text: `the key is ${secret}`, toolCalls: [{ id: 'c1', name: 'http', arguments: JSON.stringify({ token: secret }) }], usage: { inputTokens: 1, outputTokens: 1 }, model: 'm', finishReason: 'stop' });
      j.append({ type: 'ChildStarted', key: 'main#3', agent: 'b', inputs: { source: `agent a { let k = "${secret}"; }` } });
      j.close();
      const text = fs.readFileSync(runFile(), 'utf8');
      const lines = text.trimEnd().split('\n');
      assert.ok(lines[1].includes(secret), 'a value appended before addSecret is not rewritten');
      const after = lines.slice(2).join('\n');
      assert.ok(!after.includes(secret) && !after.includes('sk-live'), after);
      assert.ok(!after.includes(JSON.stringify(nasty).slice(1, -1)), after);
      assert.equal(after.split('[secret]').length - 1, 8);
      assert.deepEqual(appended.type === 'ToolFinished' && appended.ok && appended.value,
        { list: ['a', ['x[secret]y', { deep: '[secret]' }]], 'key-[secret]': 1, other: '[secret]|[secret]' });
      assert.equal(JSON.stringify(seen[2]), lines[2], 'onAppend sees the redacted record');
      const v = verifyJournal(runFile(), { trustedKeys: [key.publicKey] });
      assert.ok(v.ok && v.records === 5 && v.unsigned === 5, JSON.stringify(v)); // redaction keeps the chain intact
    });

    it('ignores secrets shorter than 4 characters and never touches hashes or signatures', () => {
      const j = new MemoryJournal('r1', { signer: key });
      j.addSecret('abc');
      j.append(statement(1));
      j.append({ type: 'EffectRecorded', key: 'main#1', effect: 'log', value: 'abcdef' });
      assert.ok(j.lines[1].includes('abcdef'));
      const s = started('r1', key.publicKey);
      j.addSecret((s as { sourceHash: string }).sourceHash.slice(0, 8));
      j.addSecret(key.publicKey.slice(4, 16));
      j.append({ type: 'McpPinned', server: 'fs', tools: [{ name: 'read', hash: 'ab'.repeat(32) }] });
      j.addSecret(j.head.slice(20, 30));
      j.checkpoint(false);
      const cp = j.records[3];
      assert.ok(cp.type === 'Checkpoint' && !cp.head.includes('[secret]') && !cp.signature.includes('[secret]'));
      const pinned = j.records[2];
      assert.ok(pinned.type === 'McpPinned' && pinned.tools[0].hash === 'ab'.repeat(32));
      const st = j.append(s);
      assert.ok(st.type === 'Started' && st.sourceHash === 'ab'.repeat(32) && st.publicKey === key.publicKey);
      assert.ok(j.lines[4].includes(`"publicKey":"${key.publicKey}"`) && !j.lines[4].includes('[secret]'));
    });

    it('redacts secrets with non-ASCII characters and keeps a __proto__ key', () => {
      const j = new MemoryJournal('r1');
      j.addSecret('clé-🔑-secrète');
      j.addSecret('\ud83dlone'); // a lone high surrogate: no fast path, still redacted
      const value = JSON.parse('{"__proto__":{"a":"x clé-🔑-secrète y"},"b":"\\ud83dlone\\ude00"}') as JournalBody;
      const r = j.append({ type: 'EffectRecorded', key: 'main#1', effect: 'log', value: value as never });
      assert.ok(!j.lines[0].includes('🔑') && !j.lines[0].includes('lone'), j.lines[0]);
      assert.match(j.lines[0], /"value":\{"__proto__":\{"a":"x \[secret\] y"\},"b":"\[secret\]\\ude00"\}/);
      assert.ok(r.type === 'EffectRecorded' && Object.keys(r.value as object).includes('__proto__'));
    });

    it('costs nothing when no secret is registered: the body objects pass through', () => {
      const j = new MemoryJournal('r1');
      const value = { a: ['x'] };
      const r = j.append({ type: 'EffectRecorded', key: 'main#1', effect: 'log', value });
      assert.equal(r.type === 'EffectRecorded' && r.value, value);
    });
  });

  it('creates runs and keys with private modes (dirs 0700, files 0600) and reuses the key', () => {
    const file = runFile();
    const j = FileJournal.create(file, 'r1', key);
    j.close();
    assert.equal(mode(path.join(ws, '.baton')), 0o700);
    assert.equal(mode(path.dirname(file)), 0o700);
    assert.equal(mode(file), 0o600);
    assert.equal(mode(keysDir(home)), 0o700);
    assert.equal(mode(path.join(keysDir(home), 'local.pem')), 0o600);
    const again = loadOrCreateKey(home);
    assert.equal(again.publicKey, key.publicKey);
    assert.equal(again.keyId, key.keyId);
    assert.equal(Buffer.from(key.publicKey, 'base64').length, 32);
    assert.match(key.keyId, /^[0-9a-f]{16}$/);
  });

  it('trusts the local key plus *.pub files (raw base64 or PEM), and names a malformed one', () => {
    const h = tmpDir('baton-home-');
    assert.deepEqual(trustedPublicKeys(h), []);
    const local = loadOrCreateKey(h);
    const a = loadOrCreateKey(tmpDir('baton-home-'));
    const b = crypto.generateKeyPairSync('ed25519');
    fs.writeFileSync(path.join(keysDir(h), 'alice.pub'), a.publicKey + '\n');
    fs.writeFileSync(path.join(keysDir(h), 'bob.pub'), b.publicKey.export({ format: 'pem', type: 'spki' }));
    fs.writeFileSync(path.join(keysDir(h), 'notes.txt'), 'ignored');
    const trusted = trustedPublicKeys(h);
    assert.equal(trusted.length, 3);
    assert.ok(trusted.includes(local.publicKey) && trusted.includes(a.publicKey));
    assert.ok(trusted.some((t) => publicKeyObject(t).equals(b.publicKey)));
    fs.writeFileSync(path.join(keysDir(h), 'bad.pub'), 'not a key');
    assert.throws(() => trustedPublicKeys(h), (e) => isBatonError(e, 'usage') && e.message.includes('bad.pub'));
  });

  it('refuses appends after close', () => {
    const j = FileJournal.create(runFile(), 'r1', key);
    j.close();
    j.close();
    assert.throws(() => j.append(statement(1)), (e) => isBatonError(e, 'journal'));
  });

  it('listRuns lists runs newest first with their Started and Terminated records', () => {
    const big = 'x'.repeat(200_000);
    const a = FileJournal.create(runFile('old'), 'old', key);
    a.append(started('old', key.publicKey, big));
    a.append(statement(1));
    a.append({ ...terminated(), result: big } as JournalBody);
    a.checkpoint(true);
    a.close();
    fs.appendFileSync(runFile('old'), '{"v":1,"se');
    const b = FileJournal.create(runFile('new'), 'new', key);
    b.append(started('new', key.publicKey));
    b.append(statement(1));
    b.close();
    fs.writeFileSync(path.join(path.dirname(runFile()), 'notes.txt'), 'x');
    fs.utimesSync(runFile('old'), new Date(2020, 1, 1), new Date(2020, 1, 1));
    const runs = listRuns(ws);
    assert.deepEqual(runs.map((r) => r.runId), ['new', 'old']);
    assert.equal(runs[0].started?.run, 'new');
    assert.equal(runs[0].terminated, undefined);
    assert.equal(runs[1].started?.source.length, 200_000);
    assert.equal(runs[1].terminated?.result, big);
    assert.equal(runs[1].mtime.getFullYear(), 2020);
    assert.deepEqual(listRuns(tmpDir()), []);
  });
});
