/** fs.read, fs.list, fs.search, fs.write on real files in a temporary workspace. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatonError } from '../../../runtime/errors';
import type { Json } from '../../../runtime/ir/schema';
import { fsList, fsRead, fsSearch, fsWrite, READ_LIMIT_BYTES } from '../../../runtime/tools/fs-tools';
import type { ToolContext } from '../../../runtime/tools/tool';

async function rejectsCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof BatonError, `expected a BatonError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('fs tools', () => {
  let base: string;
  let root: string;
  let ctx: ToolContext;
  const write = (rel: string, content: string | Buffer) => {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  };

  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-fs-')));
    root = path.join(base, 'ws');
    fs.mkdirSync(root);
    ctx = { root, signal: new AbortController().signal, timeoutMs: 10_000, effectId: 'run1/e1', maxOutputBytes: 100_000 };
    write('README.md', '# Title\nhello world\n');
    write('src/main.ts', 'export const x = 1;\n// TODO: fix\nconst y = 2; // todo later\n');
    write('src/util/helpers.ts', 'export function help() {}\n');
    write('src/util/data.bin', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    write('.git/config', '[core] TODO');
    write('node_modules/pkg/index.js', 'TODO');
    write('.baton/runs/r.jsonl', '{"TODO":1}');
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  describe('fs.read', () => {
    it('reads a text file', async () => {
      assert.equal(await fsRead.execute({ path: 'src/main.ts' }, ctx), 'export const x = 1;\n// TODO: fix\nconst y = 2; // todo later\n');
      assert.equal(fsRead.idempotent, true);
      assert.equal(fsRead.sideEffects, false);
      assert.deepEqual((fsRead.parameters as { required: string[] }).required, ['path']);
    });

    it('refuses binary files and directories', async () => {
      await rejectsCode(fsRead.execute({ path: 'src/util/data.bin' }, ctx), 'tool-error', /binary/);
      await rejectsCode(fsRead.execute({ path: 'src' }, ctx), 'tool-error', /directory/);
      write('latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])); // "café" in Latin-1: invalid UTF-8
      await rejectsCode(fsRead.execute({ path: 'latin1.txt' }, ctx), 'tool-error', /binary|UTF-8/);
    });

    it('reports a missing file and an escape', async () => {
      await rejectsCode(fsRead.execute({ path: 'nope.txt' }, ctx), 'tool-error', /cannot read 'nope\.txt': no such file/);
      fs.writeFileSync(path.join(base, 'secret.txt'), 'secret');
      await rejectsCode(fsRead.execute({ path: '../secret.txt' }, ctx), 'path-escape');
      fs.symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'link.txt'));
      await rejectsCode(fsRead.execute({ path: 'link.txt' }, ctx), 'path-escape');
    });

    it('returns the first MiB of a larger file with a note', async () => {
      const line = 'é'.repeat(49) + '\n'; // 99 bytes, multi-byte characters cross the limit
      write('big.txt', line.repeat(Math.ceil((READ_LIMIT_BYTES * 1.5) / 99)));
      const size = fs.statSync(path.join(root, 'big.txt')).size;
      const text = (await fsRead.execute({ path: 'big.txt' }, ctx)) as string;
      const [body, note] = text.split('\n[file truncated: ');
      assert.ok(Buffer.byteLength(body!) <= READ_LIMIT_BYTES && Buffer.byteLength(body!) > READ_LIMIT_BYTES - 4);
      assert.ok(!body!.includes('\uFFFD'), 'a cut character is dropped, not replaced');
      assert.equal(note, `showing the first ${READ_LIMIT_BYTES} of ${size} bytes]`);
    });
  });

  describe('fs.list', () => {
    it('lists files sorted, skipping .git, node_modules and .baton', async () => {
      assert.deepEqual(await fsList.execute({}, ctx), ['README.md', 'src/main.ts', 'src/util/data.bin', 'src/util/helpers.ts']);
    });

    it('filters with a glob relative to the directory and returns workspace paths', async () => {
      assert.deepEqual(await fsList.execute({ path: 'src', glob: '**/*.ts' }, ctx), ['src/main.ts', 'src/util/helpers.ts']);
      assert.deepEqual(await fsList.execute({ path: 'src', glob: 'util/*' }, ctx), ['src/util/data.bin', 'src/util/helpers.ts']);
      assert.deepEqual(await fsList.execute({ glob: '*.md' }, ctx), ['README.md']);
    });

    it('does not follow a symlinked directory out of the workspace', async () => {
      fs.mkdirSync(path.join(base, 'outside'));
      fs.writeFileSync(path.join(base, 'outside', 'leak.txt'), 'x');
      fs.symlinkSync(path.join(base, 'outside'), path.join(root, 'out'));
      fs.symlinkSync(path.join(base, 'outside', 'leak.txt'), path.join(root, 'leak.txt'));
      const files = (await fsList.execute({}, ctx)) as string[];
      assert.ok(!files.some((f) => f.includes('leak')), files.join(','));
      await rejectsCode(fsList.execute({ path: 'out' }, ctx), 'path-escape');
    });

    it('caps the list at 2000 entries with a note', async () => {
      for (let i = 0; i < 2100; i++) fs.writeFileSync(path.join(root, `f${String(i).padStart(4, '0')}.log`), '');
      const files = (await fsList.execute({ glob: '*.log' }, ctx)) as string[];
      assert.equal(files.length, 2001);
      assert.equal(files[0], 'f0000.log');
      assert.equal(files[1999], 'f1999.log');
      assert.match(files[2000]!, /^\[list truncated: 2000 of 2100 files shown/);
    });

    it('refuses a file as the directory', async () => {
      await rejectsCode(fsList.execute({ path: 'README.md' }, ctx), 'tool-error', /not a directory/);
    });
  });

  describe('fs.search', () => {
    it('finds matching lines with file and line, skipping binary files and skipped dirs', async () => {
      write('src/util/data2.bin', Buffer.concat([Buffer.from('TODO'), Buffer.from([0, 1, 2])]));
      const hits = await fsSearch.execute({ pattern: 'TODO' }, ctx);
      assert.deepEqual(hits, [{ file: 'src/main.ts', line: 2, text: '// TODO: fix' }]);
    });

    it('uses regular expressions, path and glob', async () => {
      const hits = await fsSearch.execute({ pattern: '[Tt][Oo][Dd][Oo]', path: 'src', glob: '*.ts' }, ctx);
      assert.deepEqual((hits as Array<{ line: number }>).map((h) => h.line), [2, 3]);
      assert.deepEqual(await fsSearch.execute({ pattern: '^export', glob: 'util/**', path: 'src' }, ctx), [{ file: 'src/util/helpers.ts', line: 1, text: 'export function help() {}' }]);
    });

    it('reports an invalid regular expression by name', async () => {
      await rejectsCode(fsSearch.execute({ pattern: 'foo(' }, ctx), 'tool-error', /invalid regular expression 'foo\('/);
    });

    it('caps results at 200 with a note', async () => {
      write('many.txt', 'match\n'.repeat(250));
      const hits = (await fsSearch.execute({ pattern: 'match', glob: 'many.txt' }, ctx)) as Json[];
      assert.equal(hits.length, 201);
      assert.deepEqual(hits[199], { file: 'many.txt', line: 200, text: 'match' });
      assert.match((hits[200] as { note: string }).note, /search truncated: first 200 matches/);
    });
  });

  describe('fs.write', () => {
    it('creates parent directories and writes atomically, returning path and bytes', async () => {
      const r = await fsWrite.execute({ path: 'out/deep/new.txt', content: 'héllo\n' }, ctx);
      assert.deepEqual(r, { path: 'out/deep/new.txt', bytes: 7 });
      assert.equal(fs.readFileSync(path.join(root, 'out/deep/new.txt'), 'utf8'), 'héllo\n');
      assert.deepEqual(fs.readdirSync(path.join(root, 'out/deep')), ['new.txt'], 'no temporary file left');
      assert.equal(fsWrite.idempotent, false);
      assert.equal(fsWrite.sideEffects, true);
    });

    it('replaces an existing file and keeps its mode', async () => {
      fs.chmodSync(path.join(root, 'README.md'), 0o640);
      await fsWrite.execute({ path: 'README.md', content: 'new' }, ctx);
      assert.equal(fs.readFileSync(path.join(root, 'README.md'), 'utf8'), 'new');
      assert.equal(fs.statSync(path.join(root, 'README.md')).mode & 0o777, 0o640);
    });

    it('refuses protected paths, escapes and directories', async () => {
      await rejectsCode(fsWrite.execute({ path: '.baton/runs/r.jsonl', content: 'x' }, ctx), 'protected-path', /\.baton\//);
      assert.equal(fs.readFileSync(path.join(root, '.baton/runs/r.jsonl'), 'utf8'), '{"TODO":1}');
      await rejectsCode(fsWrite.execute({ path: '.vscode/tasks.json', content: 'x' }, ctx), 'protected-path');
      assert.equal(fs.existsSync(path.join(root, '.vscode')), false);
      await rejectsCode(fsWrite.execute({ path: '../evil.txt', content: 'x' }, ctx), 'path-escape');
      assert.equal(fs.existsSync(path.join(base, 'evil.txt')), false);
      await rejectsCode(fsWrite.execute({ path: 'src', content: 'x' }, ctx), 'tool-error', /directory/);
    });

    it('refuses writing through a symlinked parent that points outside', async () => {
      fs.mkdirSync(path.join(base, 'outside'));
      fs.symlinkSync(path.join(base, 'outside'), path.join(root, 'out'));
      await rejectsCode(fsWrite.execute({ path: 'out/new.txt', content: 'x' }, ctx), 'path-escape');
      assert.deepEqual(fs.readdirSync(path.join(base, 'outside')), []);
    });
  });
});
