/**
 * `baton run --context JSON` (and `--context-file`) as a real process: a policy reading
 * `context.user.role` allows an editor and denies a viewer; the context is recorded in the Started
 * record, so `baton resume` (given no --context) and `baton replay` see it again; `baton fork
 * --context` changes it; bad JSON is reported naming the flag.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';

const AGENT = `
tool note(text: String) -> String {
    description = "Appends text to notes.txt."
    command = ["node", "-e", "require('fs').appendFileSync('notes.txt', process.argv[1] + '\\\\n'); console.log('noted ' + process.argv[1])", "{text}"]
    idempotent = true
}

agent writer() {
    policy by_role {
        allow: note if context.user.role == "editor"
        deny: note if context.user.role == "viewer"
    }
    with {
        let a = note("one");
        let b = note("two");
        return a + "; " + b;
    }
}
`;

let dir: string;

function baton(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [path.join(repoRoot(), 'dist/cli.js'), ...args], {
    cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, BATON_HOME: dir, OPENAI_API_KEY: '', ...env },
  });
}

function runIdOf(stderr: string): string {
  const m = /^run: (\S+)/m.exec(stderr);
  assert.ok(m, stderr);
  return m[1];
}

function journal(runId: string): string { return path.join(dir, '.baton', 'runs', `${runId}.jsonl`); }

function records(runId: string): Array<Record<string, unknown>> {
  return fs.readFileSync(journal(runId), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function notes(): string {
  const f = path.join(dir, 'notes.txt');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
}

describe('baton run --context', function () {
  this.timeout(60_000);
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-ctx-')));
    fs.writeFileSync(path.join(dir, 'w.baton'), AGENT);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an editor is allowed; the context is in Started; resume without --context keeps it; replay agrees', () => {
    const r = baton(['run', 'w.baton', '--context', '{"user":{"role":"editor","name":"ann"}}']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout), 'noted one; noted two');
    const runId = runIdOf(r.stderr);
    const recs = records(runId);
    assert.deepEqual(recs[0].context, { user: { role: 'editor', name: 'ann' } });

    // As if killed after the first call: cut before the second call's policy check, then resume.
    const ls = fs.readFileSync(journal(runId), 'utf8').split('\n').filter(Boolean);
    const second = recs.findIndex((x, i) => x.type === 'PolicyEvaluated' && recs.slice(0, i).some((y) => y.type === 'ToolFinished'));
    assert.ok(second > 0);
    fs.writeFileSync(journal(runId), ls.slice(0, second).map((l) => l + '\n').join(''));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'one\n');
    const again = baton(['resume', runId]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout), 'noted one; noted two');
    assert.equal(notes(), 'one\ntwo\n');
    const verdicts = records(runId).filter((x) => x.type === 'PolicyEvaluated').map((x) => x.verdict);
    assert.deepEqual(verdicts, ['allow', 'allow'], 'the resumed call was allowed by the recorded context');

    const rp = baton(['replay', runId]);
    assert.equal(rp.status, 0, rp.stderr);
    assert.equal(JSON.parse(rp.stdout), 'noted one; noted two');

    // A fork with another context goes live with it: the viewer's second call is denied.
    const at = records(runId).findIndex((x, i, all) => x.type === 'PolicyEvaluated' && all.slice(0, i).some((y) => y.type === 'ToolFinished'));
    const f = baton(['fork', runId, '--at', String(at), '--context', '{"user":{"role":"viewer"}}']);
    const forkId = runIdOf(f.stderr);
    assert.deepEqual(records(forkId)[0].context, { user: { role: 'viewer' } }, 'its top-level keys replace the recorded ones');
    assert.ok(records(forkId).some((x) => x.type === 'ToolDenied' && x.tool === 'note'), f.stderr);
    assert.equal(notes(), 'one\ntwo\n', 'the fork wrote nothing');
  });

  it('a viewer is denied by the policy; --context-file gives the same context', () => {
    fs.writeFileSync(path.join(dir, 'ctx.json'), JSON.stringify({ user: { role: 'viewer' } }));
    const r = baton(['run', 'w.baton', '--context-file', 'ctx.json']);
    assert.notEqual(r.status, 0, r.stdout);
    const runId = runIdOf(r.stderr);
    assert.deepEqual(records(runId)[0].context, { user: { role: 'viewer' } });
    assert.ok(records(runId).some((x) => x.type === 'ToolDenied' && x.tool === 'note'));
    assert.equal(notes(), '', 'nothing written');
    // A secret in the context is redacted in the journal like everywhere else.
    const key = 'sk-ctx-0123456789abcdef0123';
    const sec = baton(['run', 'w.baton', '--context', JSON.stringify({ user: { role: 'editor', token: key } })], { OPENAI_API_KEY: key });
    assert.equal(sec.status, 0, sec.stderr);
    const secId = runIdOf(sec.stderr);
    assert.equal((records(secId)[0].context as { user: { role: string } }).user.role, 'editor');
    assert.ok(!fs.readFileSync(journal(secId), 'utf8').includes(key), 'the secret is not in the journal');
    const none = baton(['run', 'w.baton']);
    assert.equal(records(runIdOf(none.stderr))[0].context, undefined, 'no --context: nothing recorded');
  });

  it('bad context: invalid JSON, not an object, a runtime key, both flags, a missing file, on resume', () => {
    const bad = baton(['run', 'w.baton', '--context', '{user: editor}']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--context: not valid JSON/);
    const arr = baton(['run', 'w.baton', '--context', '[1]']);
    assert.equal(arr.status, 2);
    assert.match(arr.stderr, /--context: expected a JSON object .* got an array/);
    const reserved = baton(['run', 'w.baton', '--context', '{"run_id":"x"}']);
    assert.equal(reserved.status, 2);
    assert.match(reserved.stderr, /--context: 'run_id' is set by the runtime/);
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"user":');
    const file = baton(['run', 'w.baton', '--context-file', 'bad.json']);
    assert.equal(file.status, 2);
    assert.match(file.stderr, /--context-file bad\.json: not valid JSON/);
    assert.match(baton(['run', 'w.baton', '--context-file', 'nope.json']).stderr, /--context-file: cannot read 'nope\.json': no such file/);
    assert.match(baton(['run', 'w.baton', '--context', '{}', '--context-file', 'bad.json']).stderr, /not both/);
    assert.ok(!fs.existsSync(path.join(dir, '.baton', 'runs')) || fs.readdirSync(path.join(dir, '.baton', 'runs')).length === 0, 'no run started');
    const res = baton(['resume', 'x', '--context', '{}']);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /recorded in its journal/);
  });
});
