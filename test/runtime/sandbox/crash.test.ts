/**
 * kill -9 of `baton run` (dist/cli.js) while a sandboxed tool runs: nothing inside the bubblewrap
 * sandbox outlives the runtime (its processes die with their parent), so a tool cannot keep
 * acting after the run is gone.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bubblewrapAvailable } from '../../../runtime/tools/sandbox/bubblewrap';
import { repoRoot } from '../../helpers/paths';

const CLI = () => path.join(repoRoot(), 'dist', 'cli.js');

const AGENT = `
tool slow() -> String {
    command = ["/bin/sh", "-c", "echo started > started.txt; sleep 2; echo late > late.txt; echo done"]
}
agent a {
    policy p { allow: slow }
    with sandbox = "bubblewrap" { return slow(); }
}
`;

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

describe('sandbox: kill -9 of the runtime', function () {
  this.timeout(60_000);
  before(async function () {
    const a = await bubblewrapAvailable();
    if (!a.ok) { console.log(`      skipping: ${a.message}`); this.skip(); }
    if (!fs.existsSync(CLI())) { console.log('      skipping: dist/cli.js is not built (node esbuild.js --no-tests)'); this.skip(); }
  });

  it('takes the sandboxed tool process down with it', async () => {
    const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-sbx-crash-')));
    try {
      fs.writeFileSync(path.join(d, 'agent.baton'), AGENT);
      const child = spawn(process.execPath, [CLI(), 'run', 'agent.baton'], { cwd: d, env: { ...process.env, BATON_HOME: d }, stdio: 'ignore' });
      const exited = new Promise((r) => child.on('exit', r));
      assert.ok(await waitFor(() => fs.existsSync(path.join(d, 'started.txt')), 20_000), 'the tool never started');
      child.kill('SIGKILL');
      await exited;
      await new Promise((r) => setTimeout(r, 3000));
      assert.ok(!fs.existsSync(path.join(d, 'late.txt')), 'the sandboxed process kept running after kill -9 of the runtime');
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
