/**
 * End-to-end test runner, loaded by vscode-offline's `vscode-ext-test` (or @vscode/test-electron)
 * inside a real VS Code extension host: runs every `*.e2e.js` next to this bundle with mocha and
 * rejects when a test fails. Built by esbuild.js into out/test/e2e/ (`vscode`, `mocha` external).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.e2e.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise<void>((resolve, reject) => {
    try {
      mocha.run((failures) => (failures ? reject(new Error(`${failures} end-to-end test(s) failed`)) : resolve()));
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
