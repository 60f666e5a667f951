/** `baton run` as a real process on the README's example: offline, from a cassette. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../helpers/paths';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-home-'));

function baton(args: string[], cwd = repoRoot()) {
  return spawnSync(process.execPath, [path.join(repoRoot(), 'dist/cli.js'), ...args], {
    cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, BATON_HOME: home, OPENAI_API_KEY: '' },
  });
}

describe('baton run (README main command)', () => {
  it('runs the quickstart offline: run id first, replay notice, a denial fed back, an approval by flag, typed JSON on stdout', () => {
    const r = baton(['run', 'examples/quickstart.baton', '--cassette', 'examples/quickstart.cassette.json', '--approve', 'word_count']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split('\n');
    assert.match(lines[0], /^run: \d{8}-\d{6}-[0-9a-f]{6}$/);
    assert.match(r.stderr, /replaying recorded answers/);
    assert.match(r.stderr, /write_file → DENY — policy read_only_guide, deny \(examples\/quickstart\.baton:\d+\)/);
    assert.match(r.stderr, /approved by --approve word_count/);
    assert.match(r.stderr, /✓ word_count/);
    const out = JSON.parse(r.stdout);
    assert.equal(typeof out.examples, 'number');
    assert.equal(typeof out.longest, 'string');
    const runId = lines[0].slice(5);
    const v = baton(['verify', runId]);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /intact/);
    const rp = baton(['replay', runId]);
    assert.equal(rp.status, 0, rp.stderr);
    assert.deepEqual(JSON.parse(rp.stdout), out);
  });

  it('without a terminal and without --approve, the asked call is denied with a message saying how to approve', () => {
    const r = baton(['run', 'examples/quickstart.baton', '--cassette', 'examples/quickstart.cassette.json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /re-run with --approve word_count/);
    assert.match(r.stderr, /✗ word_count denied/);
  });

  it('reports usage errors with exit 2: unknown agent, bad input type, missing file, no cassette for replay', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-cli-'));
    fs.writeFileSync(path.join(d, 'a.baton'), 'agent a(n: int) {\n  with {\n    return n + 1;\n  }\n}\n');
    assert.equal(baton(['run', 'a.baton', '--agent', 'nope'], d).status, 2);
    const bad = baton(['run', 'a.baton', '--input', 'n=abc'], d);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /input 'n': expected int, got 'abc'/);
    const missing = baton(['run', 'a.baton'], d);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /needs --input n=<int>/);
    assert.equal(baton(['run', 'nope.baton'], d).status, 2);
    assert.match(baton(['run', 'a.baton', '--provider', 'replay', '--input', 'n=1'], d).stderr, /--cassette/);
    const ok = baton(['run', 'a.baton', '--input', 'n=41'], d);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '42');
  });

  it('a run that returns error(...) exits 1 with the message; a policy denial in the body exits 3', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-cli-'));
    fs.writeFileSync(path.join(d, 'e.baton'), [
      'tool w(path: String, content: String) { builtin = "fs.write" }',
      'agent fails() {', '  with {', '    return error("nothing to do");', '  }', '}',
      'agent denied() {', '  policy p {', '    deny: w', '  }', '  with {', '    w("x.txt", "hi");', '    return "unreachable";', '  }', '}', '',
    ].join('\n'));
    const f = baton(['run', 'e.baton', '--agent', 'fails'], d);
    assert.equal(f.status, 1, f.stderr);
    assert.match(f.stderr, /nothing to do/);
    const g = baton(['run', 'e.baton', '--agent', 'denied'], d);
    assert.equal(g.status, 3, g.stderr);
    assert.match(g.stderr, /PolicyDenial/);
    assert.ok(!fs.existsSync(path.join(d, 'x.txt')));
  });
});
