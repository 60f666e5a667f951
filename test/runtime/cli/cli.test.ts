import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { corpusDir, repoRoot } from '../../helpers/paths';

function baton(args: string[], cwd = repoRoot()) {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'dist/cli.js'), ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'baton-cli-'));
}

const noStack = (s: string) => assert.ok(!/\n\s+at .+:\d+:\d+/.test(s), `stack trace printed:\n${s}`);

describe('baton CLI', () => {
  before(function () {
    if (!fs.existsSync(path.join(repoRoot(), 'dist/cli.js'))) this.skip();
  });

  describe('check', () => {
    it('checks the examples clean and exits 0', () => {
      const r = baton(['check', 'examples']);
      assert.strictEqual(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /\d+ files checked: 0 errors/);
    });

    it('prints path:line:col: severity CODE message for a broken file and exits 1', () => {
      const f = path.join(corpusDir(), 'samples__invalid_malformed_metadata.dsl');
      const r = baton(['check', f]);
      assert.strictEqual(r.code, 1);
      assert.ok(r.stdout.includes(`${f}:2:5: error missing-value 'version' has no value.`), r.stdout);
      assert.match(r.stdout, /1 file checked: 2 errors, 1 warning, 0 infos\./);
    });

    it('--json gives machine-readable diagnostics with 1-based positions', () => {
      const f = path.join(corpusDir(), 'samples__invalid_missing_brace.dsl');
      const r = baton(['check', '--json', f]);
      assert.strictEqual(r.code, 1);
      const j = JSON.parse(r.stdout);
      assert.strictEqual(j.summary.errors, 1);
      const d = j.files[0].diagnostics[0];
      assert.strictEqual(d.code, 'unclosed-block');
      assert.strictEqual(d.line, 3);
      assert.strictEqual(d.related[0].line, 1);
    });

    it('an unreadable path: a clear message, exit 2, no stack trace', () => {
      const r = baton(['check', 'no/such/file.baton']);
      assert.strictEqual(r.code, 2);
      assert.match(r.stderr, /cannot read 'no\/such\/file.baton': no such file or directory/);
      noStack(r.stderr);
    });

    it('a binary file is an error with a reason, never a crash', () => {
      const d = tmpDir();
      const f = path.join(d, 'blob.baton');
      fs.writeFileSync(f, Buffer.from([0x61, 0x00, 0xff, 0x10]));
      const r = baton(['check', f]);
      assert.strictEqual(r.code, 1);
      assert.match(r.stdout, /error unreadable-file binary file/);
      noStack(r.stdout + r.stderr);
    });

    it('checks the files of a directory together (agents call agents across files)', () => {
      const d = tmpDir();
      fs.writeFileSync(path.join(d, 'a.baton'), 'agent main(q: String) {\n  with {\n    return helper(q);\n  }\n}\n');
      fs.writeFileSync(path.join(d, 'b.baton'), 'agent helper(q: String) {\n  with {\n    return ask(q);\n  }\n}\n');
      const r = baton(['check', d]);
      assert.strictEqual(r.code, 0, r.stdout);
      assert.ok(!r.stdout.includes('semantic-function'), r.stdout);
    });
  });

  describe('fmt', () => {
    it('--check names files that would change and exits 1; fmt rewrites them; then --check exits 0', () => {
      const d = tmpDir();
      const f = path.join(d, 'g.symbi');
      fs.copyFileSync(path.join(corpusDir(), 'fixtures__fmt__02_agent_simple__input.symbi'), f);
      let r = baton(['fmt', '--check', f]);
      assert.strictEqual(r.code, 1);
      assert.ok(r.stdout.includes(f));
      assert.strictEqual(fs.readFileSync(f, 'utf8'), fs.readFileSync(path.join(corpusDir(), 'fixtures__fmt__02_agent_simple__input.symbi'), 'utf8'), '--check changed the file');
      r = baton(['fmt', f]);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(fs.readFileSync(f, 'utf8'), fs.readFileSync(path.join(corpusDir(), 'fixtures__fmt__02_agent_simple__expected.symbi'), 'utf8'));
      r = baton(['fmt', '--check', f]);
      assert.strictEqual(r.code, 0, r.stdout);
    });

    it('refuses to format a file with syntax errors and leaves it untouched', () => {
      const d = tmpDir();
      const f = path.join(d, 'broken.baton');
      fs.writeFileSync(f, 'agent A {\n  with {\n');
      const r = baton(['fmt', f]);
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, /cannot format/);
      assert.strictEqual(fs.readFileSync(f, 'utf8'), 'agent A {\n  with {\n');
    });
  });

  describe('usage', () => {
    it('no command prints usage and exits 2; an unknown command or option exits 2', () => {
      assert.strictEqual(baton([]).code, 2);
      const r = baton(['frobnicate']);
      assert.strictEqual(r.code, 2);
      assert.match(r.stderr, /unknown command 'frobnicate'/);
      const o = baton(['check', '--bogus', 'examples']);
      assert.strictEqual(o.code, 2);
      assert.match(o.stderr, /unknown option '--bogus'/);
    });
    it('--help exits 0 and lists the commands', () => {
      const r = baton(['--help']);
      assert.strictEqual(r.code, 0);
      assert.match(r.stdout, /check FILE\|DIR/);
    });
  });
});
