/**
 * `npm run test:vscode`: the end-to-end tests (out/test/e2e/index.js) in a VS Code downloaded by
 * @vscode/test-electron (`runTests`), with the fixture workspace test/fixtures/e2e-workspace — for
 * machines with internet access. Offline, use `npm run test:e2e` (vscode-offline). Env:
 * `VSCODE_VERSION` (default `stable`). Exits 1 with a clear message when VS Code cannot be
 * downloaded or a test fails.
 */
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  // Bundled to out/test/vscode/run.js: the repository is three levels up.
  const repo = path.resolve(__dirname, '..', '..', '..');
  const extensionDevelopmentPath = repo;
  const extensionTestsPath = path.join(repo, 'out', 'test', 'e2e', 'index.js');
  const workspace = path.join(repo, 'test', 'fixtures', 'e2e-workspace');
  const version = process.env.VSCODE_VERSION ?? 'stable';
  try {
    await runTests({
      version, extensionDevelopmentPath, extensionTestsPath,
      launchArgs: [workspace, '--disable-extensions', '--skip-welcome', '--skip-release-notes'],
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo|network|socket|fetch failed|download/i.test(msg);
    console.error(offline
      ? `test:vscode: could not download VS Code (${version}) — this runner needs internet access.\n  ${msg}\n  Offline, run \`npm run test:e2e\` (vscode-offline, see ../shared/tools/vscode-offline/README.md).`
      : `test:vscode: the end-to-end tests failed: ${msg}`);
    process.exit(1);
  }
}

void main();
