/** Workspace confinement: `..`, absolute paths, symlinks, NUL bytes, protected directories, argv checks. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { confine, isProtectedPath, mentionsProtectedPath } from '../../../runtime/tools/confine';
import { compileGlob, globMatch } from '../../../runtime/tools/glob';
import { BatonError } from '../../../runtime/errors';

function throwsCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BatonError, `expected a BatonError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('confine', () => {
  let base: string;
  let root: string;
  let outside: string;

  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-confine-')));
    root = path.join(base, 'ws');
    outside = path.join(base, 'outside');
    fs.mkdirSync(path.join(root, 'src', 'deep'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(root, 'src', 'a.txt'), 'a');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('resolves relative paths inside the root to real absolute paths', () => {
    assert.equal(confine(root, 'src/a.txt'), path.join(root, 'src', 'a.txt'));
    assert.equal(confine(root, './src/deep/../a.txt'), path.join(root, 'src', 'a.txt'));
    assert.equal(confine(root, '.'), root);
    assert.equal(confine(root, ''), root);
    assert.equal(confine(root, 'new/file.txt'), path.join(root, 'new', 'file.txt'));
  });

  it('refuses .. that leaves the root, with the path in the message', () => {
    throwsCode(() => confine(root, '../x'), 'path-escape', /path '\.\.\/x' leaves the workspace/);
    throwsCode(() => confine(root, 'src/../../outside/secret.txt'), 'path-escape');
    throwsCode(() => confine(root, '../ws2/x'), 'path-escape'); // a sibling sharing the prefix "ws"
  });

  it('accepts absolute paths inside the root and refuses those outside', () => {
    assert.equal(confine(root, path.join(root, 'src', 'a.txt')), path.join(root, 'src', 'a.txt'));
    throwsCode(() => confine(root, path.join(outside, 'secret.txt')), 'path-escape');
    throwsCode(() => confine(root, '/etc/passwd'), 'path-escape');
  });

  it('refuses NUL bytes', () => {
    throwsCode(() => confine(root, 'src/a.txt\0.png'), 'path-escape', /NUL/);
  });

  it('refuses a symlinked file pointing outside', () => {
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    throwsCode(() => confine(root, 'link.txt'), 'path-escape', /symbolic link/);
  });

  it('refuses a path through a symlinked directory pointing outside', () => {
    fs.symlinkSync(outside, path.join(root, 'out'));
    throwsCode(() => confine(root, 'out/secret.txt'), 'path-escape');
    throwsCode(() => confine(root, 'out'), 'path-escape');
  });

  it('refuses a new file under a symlinked parent pointing outside (write)', () => {
    fs.symlinkSync(outside, path.join(root, 'out'));
    throwsCode(() => confine(root, 'out/new/file.txt', { write: true }), 'path-escape');
    assert.equal(fs.existsSync(path.join(outside, 'new')), false);
  });

  it('refuses a dangling symlink whose target is outside (writing would create it)', () => {
    fs.symlinkSync(path.join(outside, 'created.txt'), path.join(root, 'dangling.txt'));
    throwsCode(() => confine(root, 'dangling.txt', { write: true }), 'path-escape');
  });

  it('follows symlinks that stay inside the root', () => {
    fs.symlinkSync(path.join(root, 'src'), path.join(root, 'alias'));
    assert.equal(confine(root, 'alias/a.txt'), path.join(root, 'src', 'a.txt'));
    assert.equal(confine(root, 'alias/new.txt', { write: true }), path.join(root, 'src', 'new.txt'));
  });

  it('refuses a symlink loop', () => {
    fs.symlinkSync(path.join(root, 'loop2'), path.join(root, 'loop1'));
    fs.symlinkSync(path.join(root, 'loop1'), path.join(root, 'loop2'));
    throwsCode(() => confine(root, 'loop1/x'), 'path-escape', /loop/);
  });

  it('refuses writes under .baton/ and .vscode/ but allows reads', () => {
    fs.mkdirSync(path.join(root, '.baton', 'runs'), { recursive: true });
    throwsCode(() => confine(root, '.baton/runs/r1.jsonl', { write: true }), 'protected-path',
      /writing under \.baton\/ is not allowed: the runtime's own state \(journals, approvals\) is never writable by an agent/);
    throwsCode(() => confine(root, '.baton', { write: true }), 'protected-path');
    throwsCode(() => confine(root, '.vscode/tasks.json', { write: true }), 'protected-path', /\.vscode\//);
    throwsCode(() => confine(root, 'src/../.baton/approvals.json', { write: true }), 'protected-path');
    assert.equal(confine(root, '.baton/runs/r1.jsonl'), path.join(root, '.baton', 'runs', 'r1.jsonl'));
    assert.equal(confine(root, 'src/.baton/x', { write: true }), path.join(root, 'src', '.baton', 'x'));
  });

  it('refuses writes through a symlink into .baton/', () => {
    fs.mkdirSync(path.join(root, '.baton'));
    fs.symlinkSync(path.join(root, '.baton'), path.join(root, 'state'));
    throwsCode(() => confine(root, 'state/journal.jsonl', { write: true }), 'protected-path');
  });

  it('isProtectedPath covers the directories and everything below', () => {
    assert.equal(isProtectedPath(root, path.join(root, '.baton')), true);
    assert.equal(isProtectedPath(root, path.join(root, '.baton', 'a', 'b')), true);
    assert.equal(isProtectedPath(root, path.join(root, '.vscode', 'settings.json')), true);
    assert.equal(isProtectedPath(root, path.join(root, '.batonx')), false);
    assert.equal(isProtectedPath(root, path.join(root, 'src', '.baton')), false);
    assert.equal(isProtectedPath(root, root), false);
    assert.equal(isProtectedPath(root, path.join(base, '.baton')), false);
  });

  describe('mentionsProtectedPath', () => {
    it('finds argv elements under a protected dir, relative to cwd', () => {
      assert.equal(mentionsProtectedPath(root, root, ['rm', '-rf', '.baton/runs']), '.baton/runs');
      assert.equal(mentionsProtectedPath(root, path.join(root, 'src'), ['cp', 'a.txt', '../.vscode/settings.json']), '../.vscode/settings.json');
      assert.equal(mentionsProtectedPath(root, root, ['tee', path.join(root, '.baton', 'x')]), path.join(root, '.baton', 'x'));
    });

    it('finds --opt=path forms', () => {
      assert.equal(mentionsProtectedPath(root, root, ['tool', '--output=.baton/approvals.json']), '--output=.baton/approvals.json');
    });

    it('finds a symlink into a protected dir', () => {
      fs.mkdirSync(path.join(root, '.baton'));
      fs.symlinkSync(path.join(root, '.baton'), path.join(root, 'state'));
      assert.equal(mentionsProtectedPath(root, root, ['touch', 'state/x']), 'state/x');
    });

    it('returns undefined for ordinary commands', () => {
      assert.equal(mentionsProtectedPath(root, root, ['git', 'commit', '-m', 'fix .baton handling', '--author=a <b@c>']), undefined);
      assert.equal(mentionsProtectedPath(root, path.join(root, 'src'), ['ls', '.baton']), undefined); // src/.baton is not protected
    });
  });
});

describe('glob', () => {
  it('matches **, *, ? and dot files', () => {
    assert.equal(globMatch('**/*', 'a.ts'), true);
    assert.equal(globMatch('**/*', 'x/y/.env'), true);
    assert.equal(globMatch('src/**/*.ts', 'src/a.ts'), true);
    assert.equal(globMatch('src/**/*.ts', 'src/x/y/a.ts'), true);
    assert.equal(globMatch('src/**/*.ts', 'lib/a.ts'), false);
    assert.equal(globMatch('src/*.ts', 'src/x/a.ts'), false);
    assert.equal(globMatch('src/?.ts', 'src/a.ts'), true);
    assert.equal(globMatch('src/?.ts', 'src/ab.ts'), false);
    assert.equal(globMatch('docs/**', 'docs/a/b.md'), true);
  });

  it('matches braces and character classes', () => {
    assert.equal(globMatch('**/*.{ts,js}', 'a/b.js'), true);
    assert.equal(globMatch('**/*.{ts,js}', 'a/b.md'), false);
    assert.equal(globMatch('{src,test/{unit,e2e}}/*.ts', 'test/e2e/x.ts'), true);
    assert.equal(globMatch('file[0-9].txt', 'file7.txt'), true);
    assert.equal(globMatch('file[!0-9].txt', 'file7.txt'), false);
    assert.equal(globMatch('file[!0-9].txt', 'fileA.txt'), true);
    assert.equal(compileGlob('a[/]b').test('a/b'), false);
  });

  it('matches a pattern without / against the base name, and escapes regex characters', () => {
    assert.equal(globMatch('*.md', 'docs/deep/readme.md'), true);
    assert.equal(globMatch('*.md', 'docs/readme.mdx'), false);
    assert.equal(globMatch('a+b(1).txt', 'x/a+b(1).txt'), true);
    assert.equal(globMatch('a.txt', 'abtxt'), false);
  });
});
