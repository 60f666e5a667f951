/**
 * `baton serve`: schedules fire on time through the scheduler (in-process, scripted model), the
 * status file lists the runs, and the real CLI stops cleanly on SIGTERM leaving the running run
 * Cancelled and resumable; `baton ps` reads the status file, or the journals without a server.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import { ScriptedProvider } from '../../../runtime/providers/scripted';
import { DefaultScheduler } from '../../../runtime/orchestration/scheduler';
import { Server, ServeStatus, statusFile } from '../../../runtime/orchestration/serve';
import { readJournal } from '../../../runtime/journal/reader';
import { journalPathOf } from '../../../runtime/run/run';
import { tempWorkspace } from '../../helpers/run-agent';
import { repoRoot } from '../../helpers/paths';

const CLI = () => path.join(repoRoot(), 'dist', 'cli.js');

const JOBS = `tool note(x: String) -> String {
    command = ["node", "-e", "require('fs').appendFileSync('ticks.txt', process.argv[1] + '\\\\n'); process.stdout.write(process.argv[1])", "{x}"]
}

agent tick(label: String = "t") {
    policy p { allow: note }
    with priority = 3 { return note(label); }
}

schedule every_second {
    cron = "* * * * * *"
    agent = "tick"
    inputs = { label: "s" }
}
`;

const SLOW = `agent sleeper() {
    with { sleep(60000); return "woke"; }
}

schedule soon {
    cron: "* * * * * *"
    agent: "sleeper"
    one_shot: true
}
`;

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function ticks(dir: string): string[] {
  const f = path.join(dir, 'ticks.txt');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
}

async function until(pred: () => boolean, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('baton serve', function () {
  this.timeout(90_000);

  it('fires a schedule on time, through the scheduler, and journals what fired it', async () => {
    const dir = tempWorkspace({ 'jobs.baton': JOBS });
    dirs.push(dir);
    const logs: string[] = [];
    const server = new Server({
      root: dir, home: dir, approvals: new FixedApprovals({ kind: 'deny' }), scheduler: new DefaultScheduler({ concurrency: 1 }),
      provider: () => ({ provider: new ScriptedProvider([]), info: { id: 'scripted' } }), log: (s) => logs.push(s), statusEveryMs: 50,
    });
    const schedules = server.load();
    assert.deepEqual(schedules.map((s) => [s.name, s.agent, s.cron]), [['every_second', 'tick', '* * * * * *']]);
    server.start();
    const status = JSON.parse(fs.readFileSync(statusFile(dir), 'utf8')) as ServeStatus;
    assert.equal(status.pid, process.pid);
    assert.ok(status.schedules[0].next);
    await until(() => ticks(dir).length >= 2);
    await until(() => server.status().finished.length >= 2);
    await server.stop();
    assert.ok(!fs.existsSync(statusFile(dir)), 'the status file is removed on stop');
    const finished = server.status().finished;
    assert.ok(finished.every((f) => f.reason === 'Completed' && f.schedule === 'every_second'), JSON.stringify(finished));
    const recs = readJournal(journalPathOf(dir, finished[0].id)).records;
    const fired = recs.find((r) => r.type === 'ScheduleFired');
    assert.ok(fired && fired.type === 'ScheduleFired' && fired.schedule === 'every_second');
    const t = recs.find((r) => r.type === 'Terminated');
    assert.ok(t && t.type === 'Terminated');
    assert.equal(t.result, 's');
    // Fired at whole seconds, one second apart at least.
    const ats = finished.map((f) => readJournal(journalPathOf(dir, f.id)).records.find((r) => r.type === 'ScheduleFired')).map((r) => (r as { at: string }).at).sort();
    assert.ok(ats.every((a) => a.endsWith('.000Z')), ats.join());
    assert.ok(new Date(ats[1]).getTime() - new Date(ats[0]).getTime() >= 1000);
  });

  it('a bad schedule is reported with its file and line, and skipped', () => {
    const dir = tempWorkspace({ 'bad.baton': 'agent a() { with { return 1; } }\nagent b() { with { return 2; } }\n\nschedule s {\n    cron = "@hourly"\n}\n' });
    dirs.push(dir);
    const logs: string[] = [];
    const server = new Server({ root: dir, approvals: new FixedApprovals({ kind: 'deny' }), provider: () => ({ provider: new ScriptedProvider([]), info: { id: 'scripted' } }), log: (s) => logs.push(s) });
    assert.equal(server.load().length, 0);
    assert.match(logs.join('\n'), /bad\.baton:4: schedule s: name the agent to run \(agent = "\.\.\."\): the file declares a, b/);
  });

  it('the CLI: SIGTERM cancels the running run (journaled, resumable); baton ps lists it', async () => {
    const build = spawnSync(process.execPath, ['esbuild.js', '--no-tests'], { cwd: repoRoot(), encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    const dir = tempWorkspace({ 'slow.baton': SLOW });
    dirs.push(dir);
    const env = { ...process.env, BATON_HOME: dir };
    const child = spawn(process.execPath, [CLI(), 'serve', '--root', dir], { cwd: dir, env });
    let stderr = '';
    child.stderr.on('data', (b) => { stderr += String(b); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await until(() => /→ run (\S+)/.test(stderr) && fs.existsSync(statusFile(dir)));
    const runId = /→ run (\S+)/.exec(stderr)![1];
    await until(() => {
      const ps = spawnSync(process.execPath, [CLI(), 'ps', '--json', '--root', dir], { encoding: 'utf8', env });
      const j = JSON.parse(ps.stdout) as { serve: { pid: number } | null; runs: Array<{ id: string; state: string; priority: number }> };
      return !!j.serve && j.runs.some((r) => r.id === runId && r.state === 'Running');
    });
    const table = spawnSync(process.execPath, [CLI(), 'ps', '--root', dir], { encoding: 'utf8', env });
    assert.match(table.stdout, new RegExp(`baton serve: pid ${child.pid}`));
    assert.match(table.stdout, new RegExp(`${runId}\\s+sleeper\\s+Running`));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    const recs = readJournal(journalPathOf(dir, runId)).records;
    assert.ok(!recs.some((r) => r.type === 'Terminated'), 'left resumable');
    const last = recs.filter((r) => r.type === 'LifecycleChanged').pop();
    assert.ok(last && last.type === 'LifecycleChanged' && last.to === 'Cancelled', JSON.stringify(last));
    const ps = spawnSync(process.execPath, [CLI(), 'ps', '--root', dir], { encoding: 'utf8', env });
    assert.match(ps.stdout, /no baton serve running/);
    assert.match(ps.stdout, new RegExp(`${runId}\\s+sleeper\\s+interrupted \\(resumable\\)`));
    const v = spawnSync(process.execPath, [CLI(), 'verify', runId, '--root', dir], { encoding: 'utf8', env });
    assert.equal(v.status, 0, v.stdout + v.stderr);
  });
});
