import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root: the nearest ancestor of this file with a package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
}

/** ../shared/corpus/symbiont next to the repository. */
export function corpusDir(): string {
  return path.resolve(repoRoot(), '../shared/corpus/symbiont');
}

export function corpusFiles(): string[] {
  return fs.readdirSync(corpusDir()).filter((f) => !f.endsWith('.md')).sort();
}
