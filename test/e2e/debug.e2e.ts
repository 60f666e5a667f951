/**
 * The Baton debugger in a real VS Code (debug type `baton`, adapter inline in the extension host):
 * a session on debug-demo.baton's `tally` stops at a breakpoint, its locals are read, a step
 * executes one statement, and continue runs it to the end (the model call answered offline by
 * debug-demo.cassette.json, given as the launch's `cassette`); F5 with no launch.json debugs the
 * agent under the cursor; the "Debug" CodeLens; a recorded run (`runId`) is stepped through
 * offline; the inputs are asked in typed boxes; a session paused on an approval has it in the
 * Approvals view, whose inline action answers it.
 * In Restricted Mode (WORKSPACE_TRUST=1) debugging is refused: no session, no journal.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BatonViews } from '../../extension/views/index';
import { activeApi, EXTENSION_ID, fixture, journalRecords, runsDir, waitFor, workspaceRoot, type BatonApi } from './helpers';

interface DapMessage { type: string; event?: string; command?: string; body?: Record<string, unknown> }
interface StackFrame { id: number; name: string; line: number; source?: { path?: string } }
interface Variable { name: string; value: string; variablesReference: number }

const DEMO = 'debug-demo.baton';

function lineOf(uri: vscode.Uri, needle: string): number {
  const line = fs.readFileSync(uri.fsPath, 'utf8').split('\n').findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `'${needle}' is in ${uri.fsPath}`);
  return line; // 0-based
}

function runFiles(): string[] {
  return fs.existsSync(runsDir()) ? fs.readdirSync(runsDir()).filter((f) => f.endsWith('.jsonl')) : [];
}

/** Every DAP message the adapters send, per session (a tracker on the `baton` type). */
class Tracker implements vscode.Disposable {
  readonly messages = new Map<string, DapMessage[]>();
  private readonly reg = vscode.debug.registerDebugAdapterTrackerFactory('baton', {
    createDebugAdapterTracker: (session) => {
      const list: DapMessage[] = [];
      this.messages.set(session.id, list);
      return { onDidSendMessage: (m: DapMessage) => { list.push(m); } };
    },
  });

  events(session: vscode.DebugSession, event: string): DapMessage[] {
    return (this.messages.get(session.id) ?? []).filter((m) => m.type === 'event' && m.event === event);
  }

  /** The next `stopped` event after the `seen` first ones. */
  async stopped(session: vscode.DebugSession, seen: number): Promise<{ reason: string; threadId: number }> {
    const ev = await waitFor(`stopped event #${seen + 1}`, () => this.events(session, 'stopped')[seen]);
    return ev.body as { reason: string; threadId: number };
  }

  dispose(): void { this.reg.dispose(); }
}

function nextSession(): Promise<vscode.DebugSession> {
  return new Promise((resolve) => {
    const d = vscode.debug.onDidStartDebugSession((s) => { if (s.type === 'baton') { d.dispose(); resolve(s); } });
  });
}

function ended(session: vscode.DebugSession, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { d.dispose(); reject(new Error(`the debug session '${session.name}' did not end`)); }, ms);
    const d = vscode.debug.onDidTerminateDebugSession((s) => { if (s.id === session.id) { clearTimeout(t); d.dispose(); resolve(); } });
  });
}

async function topFrame(session: vscode.DebugSession, threadId: number): Promise<StackFrame> {
  const st = await session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 20 }) as { stackFrames: StackFrame[] };
  assert.ok(st.stackFrames.length > 0, 'a stack frame');
  return st.stackFrames[0]!;
}

async function locals(session: vscode.DebugSession, frameId: number): Promise<Map<string, string>> {
  const { scopes } = await session.customRequest('scopes', { frameId }) as { scopes: Array<{ name: string; variablesReference: number }> };
  const scope = scopes.find((s) => /^locals$/i.test(s.name));
  assert.ok(scope, `a Locals scope (got ${scopes.map((s) => s.name).join(', ')})`);
  const { variables } = await session.customRequest('variables', { variablesReference: scope.variablesReference }) as { variables: Variable[] };
  return new Map(variables.map((v) => [v.name, v.value]));
}

type Records = Array<{ type: string; [k: string]: unknown }>;

/** The finished journal of a run of `agent` written since `before` (with its run id). */
function newRunWithId(before: string[], agent: string): { id: string; records: Records } | undefined {
  for (const f of runFiles().filter((x) => !before.includes(x))) {
    const records = journalRecords(path.join(runsDir(), f));
    if (records[0]?.type === 'Started' && records[0].agent === agent && records.some((r) => r.type === 'Terminated')) return { id: f.replace(/\.jsonl$/, ''), records };
  }
  return undefined;
}

function newRun(before: string[], agent: string): Records | undefined {
  return newRunWithId(before, agent)?.records;
}

/** Continues every stop of `session` until it ends; resolves with the stop reasons. */
async function continueToEnd(tracker: Tracker, session: vscode.DebugSession, done: Promise<void>): Promise<string[]> {
  let finished = false;
  void done.then(() => { finished = true; }, () => { finished = true; });
  const stops = new Set<DapMessage>();
  const reasons: string[] = [];
  while (!finished) {
    for (const s of tracker.events(session, 'stopped').filter((m) => !stops.has(m))) {
      stops.add(s);
      const body = s.body as { threadId: number; reason: string };
      reasons.push(body.reason);
      await Promise.resolve(session.customRequest('continue', { threadId: body.threadId })).catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await done;
  return reasons;
}

describe('Baton debugger in VS Code', function () {
  this.timeout(120_000);
  let api: BatonApi;
  let tracker: Tracker;
  let hadBatonDir = false;
  let initialRuns: string[] = [];
  let tallyRun: string | undefined;

  before(async function () {
    if (!vscode.workspace.isTrusted) this.skip();
    api = await activeApi();
    tracker = new Tracker();
    hadBatonDir = fs.existsSync(path.join(workspaceRoot(), '.baton'));
    initialRuns = runFiles();
  });

  afterEach(async () => {
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
  });

  after(() => {
    tracker?.dispose();
    if (!vscode.workspace.isTrusted) return;
    if (!hadBatonDir) fs.rmSync(path.join(workspaceRoot(), '.baton'), { recursive: true, force: true });
    else for (const f of runFiles().filter((x) => !initialRuns.includes(x))) fs.rmSync(path.join(runsDir(), f), { force: true });
  });

  it('stops at a breakpoint, reads a variable, steps over a statement and continues to the end', async () => {
    const uri = fixture(DEMO);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const bpLine = lineOf(uri, 'sum += double(i);');
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(bpLine, 0)))]);
    const before = runFiles();
    const started = nextSession();
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], {
      type: 'baton', request: 'launch', name: 'e2e: tally', program: uri.fsPath, agent: 'tally',
      inputs: { n: 3, label: 'total' }, cassette: 'debug-demo.cassette.json',
    });
    assert.equal(ok, true, 'the session started');
    const session = await started;
    const done = ended(session, 90_000);

    // The breakpoint is hit on its line, with the locals of the first iteration.
    const hit = await tracker.stopped(session, 0);
    assert.equal(hit.reason, 'breakpoint');
    const frame = await topFrame(session, hit.threadId);
    assert.equal(frame.line, bpLine + 1, `stopped on line ${frame.line}, expected ${bpLine + 1}`);
    // In a remote window (code-server) VS Code hands DAP paths over as vscode-remote:// URIs.
    const source = frame.source?.path ?? '';
    assert.equal(/^[a-z][\w+.-]*:\/\//i.test(source) ? vscode.Uri.parse(source).path : source, uri.fsPath);
    const first = await locals(session, frame.id);
    assert.equal(first.get('sum'), '0');
    assert.equal(first.get('i'), '1');

    // Step over: the statement ran (sum = double(1)), and the next line is `i += 1;`.
    await session.customRequest('next', { threadId: hit.threadId });
    const step = await tracker.stopped(session, 1);
    assert.equal(step.reason, 'step');
    const after = await topFrame(session, step.threadId);
    assert.equal(after.line, lineOf(uri, 'i += 1;') + 1);
    assert.equal((await locals(session, after.id)).get('sum'), '2');

    // Continue to the end, with no breakpoint left.
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    await waitFor('the breakpoints to be cleared', () => vscode.debug.breakpoints.length === 0);
    await new Promise((r) => setTimeout(r, 300)); // setBreakpoints reaches the adapter
    await session.customRequest('continue', { threadId: step.threadId });
    await done;
    assert.equal(tracker.events(session, 'stopped').length, 2, 'no other stop');
    assert.ok(tracker.events(session, 'terminated').length >= 1, 'a terminated event');
    const run = await waitFor('the run journal', () => newRunWithId(before, 'tally'));
    tallyRun = run.id;
    const records = run.records;
    const end = records.find((r) => r.type === 'Terminated')!;
    assert.equal(end.reason, 'Completed', JSON.stringify(end.error));
    assert.equal(end.result, 'total 12: Twelve is a dozen.');
    assert.equal(records[0]!.provider, 'replay', 'the model answered from the cassette, offline');
  });

  it('F5 without launch.json debugs the agent under the cursor', async () => {
    const uri = fixture(DEMO);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const line = lineOf(uri, 'count -= 1;');
    editor.selection = new vscode.Selection(line, 0, line, 0);
    const before = runFiles();
    const started = nextSession();
    await vscode.commands.executeCommand('workbench.action.debug.start');
    const session = await started;
    assert.equal(session.configuration.agent, 'liftoff');
    assert.equal(session.configuration.program, uri.fsPath);
    assert.equal(session.configuration.cwd, workspaceRoot());
    await ended(session);
    const records = await waitFor('the run journal', () => newRun(before, 'liftoff'));
    const end = records.find((r) => r.type === 'Terminated')!;
    assert.equal(end.reason, 'Completed', JSON.stringify(end.error));
    assert.equal(end.result, 2);
  });

  it('refuses a configuration with a wrong attribute or an unknown agent, starting nothing', async () => {
    let sessions = 0;
    const d = vscode.debug.onDidStartDebugSession((s) => { if (s.type === 'baton') sessions++; });
    try {
      const folder = vscode.workspace.workspaceFolders![0];
      const program = fixture(DEMO).fsPath;
      assert.equal(await vscode.debug.startDebugging(folder, { type: 'baton', request: 'launch', name: 'bad inputs', program, agent: 'liftoff', inputs: [1, 2] }), false);
      assert.equal(await vscode.debug.startDebugging(folder, { type: 'baton', request: 'launch', name: 'no such agent', program, agent: 'nope', inputs: {} }), false);
      assert.equal(await vscode.debug.startDebugging(folder, { type: 'baton', request: 'launch', name: 'no such run', runId: '20000101-000000-000000' }), false);
      assert.equal(sessions, 0);
    } finally {
      d.dispose();
    }
  });

  it('shows a "Debug" CodeLens next to "▶ Run" on each agent', async () => {
    const uri = fixture(DEMO);
    const lenses = await waitFor('Debug lenses', async () => {
      const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10);
      const debug = (all ?? []).filter((l) => l.command?.command === 'baton.debugAgent');
      return debug.length >= 3 ? { all: all!, debug } : undefined;
    });
    assert.deepEqual(lenses.debug.map((l) => l.command!.arguments![1]).sort(), ['echo_word', 'liftoff', 'tally']);
    for (const d of lenses.debug) {
      assert.equal(d.command!.title, 'Debug');
      const run = lenses.all.find((l) => l.command?.command === 'baton.runAgent' && l.command.arguments![1] === d.command!.arguments![1]);
      assert.ok(run && run.range.isEqual(d.range), `a Run lens beside the Debug lens of ${d.command!.arguments![1]}`);
    }
  });

  it('steps through the recorded run offline (runId): stops on entry, writes nothing', async function () {
    if (!tallyRun) this.skip(); // needs the first test's run
    const before = runFiles();
    const started = nextSession();
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], { type: 'baton', request: 'launch', name: 'e2e: replay', runId: tallyRun, stopOnEntry: true });
    assert.equal(ok, true);
    const session = await started;
    assert.equal(session.configuration.cwd, workspaceRoot());
    const done = ended(session);
    const entry = await tracker.stopped(session, 0);
    assert.equal(entry.reason, 'entry');
    const frame = await topFrame(session, entry.threadId);
    assert.ok(frame.line >= lineOf(fixture(DEMO), 'agent tally') + 1, `entry stop on line ${frame.line}`);
    const reasons = await continueToEnd(tracker, session, done);
    assert.deepEqual(reasons, ['entry']);
    assert.deepEqual(runFiles().sort(), before.sort(), 'a replay writes no journal');
  });

  it('asks the inputs in typed boxes when the launch gives none', async () => {
    const before = runFiles();
    const started = nextSession();
    let launched = false;
    const launch = Promise.resolve(vscode.commands.executeCommand<boolean>('baton.debugAgent', { uri: fixture(DEMO).toString(), agent: 'echo_word' }))
      .finally(() => { launched = true; });
    // Accept the box of `word: String` (no default: empty text is the empty string) once it opens.
    for (let i = 0; i < 100 && !launched; i++) {
      await new Promise((r) => setTimeout(r, 200));
      if (!launched) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    assert.equal(await launch, true);
    const session = await started;
    assert.deepEqual(session.configuration.inputs, { word: '' }, 'the input came from the box');
    await continueToEnd(tracker, session, ended(session));
    const records = await waitFor('the run journal', () => newRun(before, 'echo_word'));
    assert.equal(records.find((r) => r.type === 'Terminated')!.result, '!');
  });

  it('paused on an approval, the request is in the Approvals view and answered from there', async () => {
    const views = (await vscode.extensions.getExtension<{ views: BatonViews }>(EXTENSION_ID)!.activate()).views;
    const pendingNodes = () => {
      const g = views.approvals.getChildren().find((n) => n.kind === 'group' && n.which === 'pending')!;
      return views.approvals.getChildren(g);
    };
    const uri = fixture('hello.baton');
    const before = runFiles();
    const started = nextSession();
    const ok = await vscode.commands.executeCommand<boolean>('baton.debugAgent', { uri: uri.toString(), agent: 'guarded', inputs: { text: 'from the debugger' } });
    assert.equal(ok, true);
    const session = await started;
    const done = ended(session, 60_000);
    // The session pauses on the approval (exception filter "approval required", on by default).
    const stop = await tracker.stopped(session, 0);
    assert.equal(stop.reason, 'exception');
    assert.equal(api.pendingApprovals(), 1);
    const [node] = await waitFor('the approval in the Approvals view', () => { const p = pendingNodes(); return p.length === 1 ? p : undefined; });
    assert.match(String(views.approvals.getTreeItem(node!).label), /guarded wants shout/);
    // Answered from the view's inline action while the session is still paused.
    assert.equal(tracker.events(session, 'continued').length, 0);
    assert.equal(await vscode.commands.executeCommand('baton.approval.allowOnce', node), true);
    await waitFor('the view to clear', () => pendingNodes().length === 0);
    const reasons = await continueToEnd(tracker, session, done);
    assert.ok(reasons.every((r) => r === 'exception'), `stops: ${reasons.join(', ')}`);
    assert.equal(api.pendingApprovals(), 0);
    const { records } = await waitFor('the run journal', () => newRunWithId(before, 'guarded'));
    const decided = records.find((r) => r.type === 'ApprovalDecided')!;
    assert.deepEqual(decided.answer, { kind: 'allow_once' });
    assert.equal(decided.by, 'human (VS Code view)');
    assert.equal(records.find((r) => r.type === 'Terminated')!.result, 'from the debugger');
  });
});

describe('Baton debugger in VS Code: Restricted Mode', function () {
  before(function () {
    if (vscode.workspace.isTrusted) this.skip();
  });

  // VS Code itself asks for trust (a modal dialog) before `startDebugging` in Restricted Mode, so
  // the test goes through the command the CodeLens and the Agents view use, which refuses first.
  it('refuses to start a debug session and writes no journal', async () => {
    const api = await activeApi();
    const before = runFiles().length;
    let sessions = 0;
    const d = vscode.debug.onDidStartDebugSession((s) => { if (s.type === 'baton') sessions++; });
    try {
      const viaArgs = await vscode.commands.executeCommand<boolean>('baton.debugAgent', { uri: fixture(DEMO).toString(), agent: 'liftoff', inputs: {} });
      assert.equal(viaArgs, false, 'no debug session in Restricted Mode');
      const viaLens = await vscode.commands.executeCommand<boolean>('baton.debugAgent', fixture(DEMO).toString(), 'liftoff');
      assert.equal(viaLens, false);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(sessions, 0);
      assert.equal(vscode.debug.activeDebugSession, undefined);
      assert.equal(api.activeRuns(), 0);
      assert.equal(runFiles().length, before);
    } finally {
      d.dispose();
    }
  });
});
