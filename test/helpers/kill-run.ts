/**
 * Crash tests: start `baton run ...` (dist/cli.js) in a workspace and SIGKILL it once its journal
 * has a number of lines, to resume it afterwards.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './paths';

/** Lines of a journal file so far (0 when it does not exist yet). */
export function journalLines(file: string): number {
  try { return fs.readFileSync(file, 'utf8').split('\n').length - 1; } catch { return 0; }
}

/** Starts `baton <args>` in `cwd` and SIGKILLs it `extraDelayMs` after its journal has `threshold` lines (or it ends by itself). */
export function runAndKill(cwd: string, args: string[], threshold: number, extraDelayMs = 0): Promise<{ runId: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'cli.js'), ...args], { cwd, env: { ...process.env, BATON_HOME: cwd } });
    let stderr = '';
    let runId = '';
    let done = false;
    child.stderr.on('data', (b) => {
      stderr += String(b);
      const m = /^run: (\S+)/m.exec(stderr);
      if (m) runId = m[1];
    });
    const poll = setInterval(() => {
      if (!runId || done) return;
      if (journalLines(path.join(cwd, '.baton', 'runs', `${runId}.jsonl`)) >= threshold) {
        done = true;
        clearInterval(poll);
        if (extraDelayMs > 0) setTimeout(() => child.kill('SIGKILL'), extraDelayMs);
        else child.kill('SIGKILL');
      }
    }, 1);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      if (!runId) { reject(new Error(`no run id; stderr: ${stderr}`)); return; }
      resolve({ runId, killed: sig === 'SIGKILL' || code === null });
    });
  });
}
