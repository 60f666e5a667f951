/**
 * Memory stores end to end: real runs through the kernel writing real files under
 * `.baton/memory/<name>/`, read back by later runs, replays and resumes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replayAgent, tempWorkspace } from '../../helpers/run-agent';
import { FileMemoryStore, memorySettings } from '../../../runtime/memory/store';
import { entryFiles, resumeIn, runIn } from './memory-helpers';

const SRC = `
memory notes {
  store markdown
  path "data/notes"
  retention 30d
}

agent writer(items: JSON) {
  capabilities = ["memory_read", "memory_write"]
  policy p { allow: ["memory_read", "memory_write"] }
  with {
    let ids = [];
    for it in items { ids.append(memory_write(notes, it).id); }
    return ids;
  }
}

agent reader(q: String, k: String = "none", n: int = 10) {
  capabilities = ["memory_read"]
  policy p { allow: ["memory_read"] }
  with {
    return { "all": memory_read(notes), "one": memory_read(notes, k), "found": memory_search(notes, q, limit: n) };
  }
}

agent guarded {
  capabilities = ["memory_read", "memory_write"]
  policy p {
    allow: ["memory_read", "memory_write"] if context.user.role == "editor"
    allow: ["memory_read"] if context.user.role == "viewer"
    deny: ["memory_write"] if context.user.role == "viewer"
  }
  with {
    memory_write(notes, { "content": "guarded note" });
    return memory_read(notes);
  }
}
`;

const ITEMS = [
  { title: 'Deploy rollback', content: 'Roll back a failed deploy with the release tool.', key: 'rollback' },
  { title: 'Coffee machine', content: 'Descale the coffee machine every month.', key: 'coffee' },
  { title: 'Release notes', content: 'Write release notes for every deploy; mention the rollback plan.', key: 'notes' },
];

type Entry = { id: string; stored_at: string; record: { [k: string]: unknown }; score?: number };
type ReadResult = { all: Entry[]; one: Entry | null; found: Entry[] };

describe('memory stores', function () {
  this.timeout(60000);
  const dirs: string[] = [];
  after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
  const ws = () => { const d = tempWorkspace(); dirs.push(d); return d; };

  it('writes, reads by key and searches with keyword ranking; entries persist across runs', async () => {
    const dir = ws();
    const w = await runIn(dir, SRC, { agent: 'writer', inputs: { items: ITEMS } });
    assert.equal(w.reason, 'Completed', w.error?.describe());
    const ids = w.result as string[];
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 3);
    assert.deepEqual(entryFiles(dir, 'notes'), ids.map((i) => `${i}.json`).sort());
    // store markdown: each entry also rendered as a readable note
    const md = fs.readFileSync(path.join(dir, '.baton', 'memory', 'notes', 'markdown', `${ids[0]}.md`), 'utf8');
    assert.match(md, /## title\n\nDeploy rollback/);
    assert.match(md, new RegExp(`id: ${ids[0]}`));
    // every write went through the gate with its capability, and is journaled as a tool call
    const evals = w.of('PolicyEvaluated').filter((r) => r.tool === 'memory_write');
    assert.equal(evals.length, 3);
    assert.ok(evals.every((r) => r.capability === 'memory_write' && r.verdict === 'allow'));
    assert.equal(w.of('ToolFinished').filter((r) => r.tool === 'memory_write' && r.ok).length, 3);

    // a later run (a new process state) sees the entries
    const r = await runIn(dir, SRC, { agent: 'reader', inputs: { q: 'deploy rollback', k: 'coffee' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const out = r.result as unknown as ReadResult;
    assert.deepEqual(out.all.map((e) => e.id), ids);
    assert.equal(out.one?.record.title, 'Coffee machine');
    assert.deepEqual(out.found.map((e) => e.id), [ids[0], ids[2]], 'the coffee note does not match; the rollback note ranks first');
    assert.ok(out.found[0].score! > out.found[1].score! && out.found[1].score! > 0);
    assert.equal(r.of('PolicyEvaluated').find((x) => x.tool === 'memory_search')?.capability, 'memory_read');

    const one = await runIn(dir, SRC, { agent: 'reader', inputs: { q: 'rollback', n: 1, k: 'nope' } });
    const o1 = one.result as unknown as ReadResult;
    assert.equal(o1.found.length, 1);
    assert.equal(o1.one, null);
  });

  it('drops entries older than the retention, and journals the drop', async () => {
    const dir = ws();
    const store = new FileMemoryStore(dir, 'notes', memorySettings({ name: 'notes', settings: { store: 'markdown', retention: '30d' }, policies: [], loc: [1, 1, 1, 1] }));
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    store.put({ id: 'old1', stored_at: old, run: 'earlier', record: { content: 'stale rollback note' } });
    store.put({ id: 'new1', stored_at: new Date().toISOString(), run: 'earlier', record: { content: 'fresh rollback note' } });
    assert.equal(entryFiles(dir, 'notes').length, 2);
    const r = await runIn(dir, SRC, { agent: 'reader', inputs: { q: 'rollback' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const out = r.result as unknown as ReadResult;
    assert.deepEqual(out.all.map((e) => e.id), ['new1']);
    assert.deepEqual(out.found.map((e) => e.id), ['new1']);
    assert.deepEqual(entryFiles(dir, 'notes'), ['new1.json']);
    assert.ok(!fs.existsSync(path.join(dir, '.baton', 'memory', 'notes', 'markdown', 'old1.md')));
    const notices = r.of('MemoryNotice').filter((n) => n.notice === 'retention');
    assert.equal(notices.length, 1);
    assert.deepEqual(notices[0].dropped, ['old1']);
    assert.ok(r.events.some((e) => e.kind === 'note' && /older than the retention/.test(e.message)));
  });

  it('a replay answers reads and searches from the journal, not the store', async () => {
    const dir = ws();
    await runIn(dir, SRC, { agent: 'writer', inputs: { items: ITEMS } });
    const r = await runIn(dir, SRC, { agent: 'reader', inputs: { q: 'release notes', k: 'rollback' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    fs.rmSync(path.join(dir, '.baton', 'memory'), { recursive: true, force: true });
    const again = await replayAgent(dir, r.runId);
    assert.equal(again.reason, 'Completed', again.error?.describe());
    assert.deepEqual(again.result, r.result);
    assert.equal((again.result as unknown as ReadResult).all.length, 3);
    assert.ok(!fs.existsSync(path.join(dir, '.baton', 'memory')), 'the replay did not touch the store');
  });

  it('a resume that re-runs an in-doubt write replaces the same entry (no duplicate)', async () => {
    const dir = ws();
    const first = await runIn(dir, SRC, { agent: 'writer', inputs: { items: [ITEMS[0]] } });
    assert.equal(first.reason, 'Completed', first.error?.describe());
    const id = (first.result as string[])[0];
    // The crash: the write reached the store, its ToolFinished never reached the journal.
    const file = first.journalPath!;
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const cut = lines.findIndex((l) => { const r = JSON.parse(l); return r.type === 'ToolStarted' && r.tool === 'memory_write'; });
    assert.ok(cut > 0);
    fs.writeFileSync(file, lines.slice(0, cut + 1).join('\n') + '\n');
    assert.deepEqual(entryFiles(dir, 'notes'), [`${id}.json`]);

    const resumed = await resumeIn(dir, first.runId);
    assert.equal(resumed.reason, 'Completed', resumed.error?.describe());
    assert.deepEqual(resumed.result, [id]);
    assert.ok(resumed.of('RecoveryTriggered').some((r) => /in-doubt call to idempotent tool memory_write/.test(r.what)));
    assert.deepEqual(entryFiles(dir, 'notes'), [`${id}.json`], 'still one entry');
  });

  it('the policy gate applies: a viewer cannot write (context.user.role), an editor can', async () => {
    const dir = ws();
    const viewer = await runIn(dir, SRC, { agent: 'guarded', context: { user: { role: 'viewer', name: 'vic' } } });
    assert.equal(viewer.reason, 'PolicyDenial');
    assert.match(viewer.error!.message, /memory_write.*memory 'notes' denied/);
    const denied = viewer.of('ToolDenied');
    assert.equal(denied.length, 1);
    assert.equal(denied[0].tool, 'memory_write');
    assert.equal(viewer.of('ToolStarted').length, 0);
    assert.deepEqual(entryFiles(dir, 'notes'), []);

    const editor = await runIn(dir, SRC, { agent: 'guarded', context: { user: { role: 'editor', name: 'eve' } } });
    assert.equal(editor.reason, 'Completed', editor.error?.describe());
    assert.equal((editor.result as unknown as Entry[]).length, 1);
    assert.equal(entryFiles(dir, 'notes').length, 1);
  });

  it('an undeclared store is an error naming the call', async () => {
    const dir = ws();
    const src = `agent a {\n  capabilities = ["memory_read"]\n  policy p { allow: ["memory_read"] }\n  with {\n    return memory_read("ghost");\n  }\n}\n`;
    const r = await runIn(dir, src);
    assert.equal(r.reason, 'Error');
    assert.match(r.error!.message, /no memory store 'ghost' is declared/);
    assert.match(r.error!.describe(), /agent\.baton:5/);
  });
});
