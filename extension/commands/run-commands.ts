/**
 * Commands on recorded runs (the Runs and Journal views' actions, also in the palette):
 * `baton.resumeRun`, `baton.replayRun`, `baton.forkRun` (from a journal record: at its seq; asks
 * for changed inputs), `baton.verifyRun` (hash chain and signatures, shown as a notification),
 * `baton.showRun` (selects the run in the Journal view), `baton.openJournal` (the JSONL file),
 * `baton.stopRun` (one run from the view, or all). Each takes a view node, a run id (first
 * workspace folder) or `{ root?, runId }`; without one it asks with a quick pick of the runs.
 * Resume, replay and fork are refused in Restricted Mode before anything is asked.
 */
import * as vscode from 'vscode';
import type { Json } from '../../runtime/ir/schema';
import { verifyJournal, type VerifyResult } from '../../runtime/journal/audit';
import { trustedPublicKeys } from '../../runtime/journal/keys';
import { journalPathOf } from '../../runtime/run/run';
import type { RunManager, RunSummary } from '../run-manager';
import { checkTrust } from '../trust';
import type { JournalTree, RecordNode } from '../views/journal-tree';
import type { RunNode, RunsTree } from '../views/runs-tree';

interface RunRef { root: string; runId: string; path: string; node?: RunNode }

const REFUSED: RunSummary = { reason: 'Refused', error: 'Restricted Mode: running agents is disabled in untrusted workspaces' };

export function registerRunCommands(runs: RunManager, runsTree: RunsTree, journal: JournalTree, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const firstRoot = () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';

  async function resolve(arg: unknown, title: string, filter?: (n: RunNode) => boolean): Promise<RunRef | undefined> {
    if (typeof arg === 'string') return { root: firstRoot(), runId: arg, path: journalPathOf(firstRoot(), arg) };
    if (arg && typeof arg === 'object' && typeof (arg as { runId?: unknown }).runId === 'string') {
      const a = arg as { root?: string; runId: string; kind?: string };
      const root = a.root ?? firstRoot();
      return { root, runId: a.runId, path: journalPathOf(root, a.runId), ...(a.kind === 'run' ? { node: arg as RunNode } : {}) };
    }
    const all = runsTree.allRuns().filter((n) => n.path && (!filter || filter(n)));
    if (!all.length) { void vscode.window.showInformationMessage('Baton: no runs to choose from.'); return undefined; }
    const pick = await vscode.window.showQuickPick(all.map((n) => ({ label: n.agent ?? n.runId, description: n.runId, detail: runsTree.getTreeItem(n).description as string, node: n })), { title });
    return pick ? { root: pick.node.root, runId: pick.node.runId, path: pick.node.path!, node: pick.node } : undefined;
  }

  const nodeOf = (r: RunRef): RunNode => r.node ?? runsTree.allRuns().find((n) => n.runId === r.runId && n.root === r.root) ?? { kind: 'run', root: r.root, runId: r.runId, path: r.path };

  return [
    vscode.commands.registerCommand('baton.resumeRun', async (arg?: unknown) => {
      if (!checkTrust()) return REFUSED;
      const r = await resolve(arg, 'Baton: resume which run?', (n) => !n.live && !n.ends?.some((x) => x.type === 'Terminated'));
      return r ? runs.resume(r.root, r.runId) : undefined;
    }),
    vscode.commands.registerCommand('baton.replayRun', async (arg?: unknown) => {
      if (!checkTrust()) return REFUSED;
      const r = await resolve(arg, 'Baton: replay which run?', (n) => !n.live);
      return r ? runs.replay(r.root, r.runId) : undefined;
    }),
    vscode.commands.registerCommand('baton.forkRun', async (arg?: unknown, inputsArg?: unknown) => {
      if (!checkTrust()) return REFUSED;
      const r = await resolve(arg, 'Baton: fork which run?', (n) => !n.live);
      if (!r) return undefined;
      let at = arg && typeof arg === 'object' && (arg as RecordNode).kind === 'record' ? (arg as RecordNode).record.seq : undefined;
      if (at === undefined && typeof (arg as { at?: unknown } | undefined)?.at === 'number') at = (arg as { at: number }).at;
      if (at === undefined) {
        const text = await vscode.window.showInputBox({ title: `Fork ${r.runId}`, prompt: 'At which record (seq)? The fork replays the records before it, then goes live.', validateInput: (t) => (/^\d+$/.test(t.trim()) && Number(t) >= 1 ? undefined : 'A record sequence number ≥ 1') });
        if (text === undefined) return undefined;
        at = Number(text.trim());
      }
      let inputs: Record<string, Json> = {};
      if (inputsArg && typeof inputsArg === 'object' && !Array.isArray(inputsArg)) inputs = inputsArg as Record<string, Json>;
      else if (inputsArg === undefined) {
        const text = await vscode.window.showInputBox({
          title: `Fork ${r.runId} at ${at}`, prompt: 'Changed inputs as a JSON object (optional; empty keeps the recorded inputs)', ignoreFocusOut: true,
          validateInput: (t) => (t.trim() === '' || isObject(t) ? undefined : 'Expected a JSON object, e.g. {"name": "Ada"}'),
        });
        if (text === undefined) return undefined;
        if (text.trim()) inputs = JSON.parse(text) as Record<string, Json>;
      }
      return runs.fork(r.root, r.runId, at, inputs);
    }),
    vscode.commands.registerCommand('baton.verifyRun', async (arg?: unknown): Promise<VerifyResult | undefined> => {
      const r = await resolve(arg, 'Baton: verify which run?', (n) => !n.live);
      if (!r) return undefined;
      let result: VerifyResult;
      try {
        result = verifyJournal(r.path, { trustedKeys: trustedPublicKeys() });
      } catch (e) {
        result = { ok: false, seq: -1, reason: (e as Error).message };
      }
      if (result.ok) {
        const msg = `Baton: run ${r.runId} is intact — ${result.records} records, ${result.checkpoints} checkpoint${result.checkpoints === 1 ? '' : 's'}, signed by key ${result.keyId}${result.final ? ', final' : `, ${result.unsigned} unsigned at the end`}${result.tornTail ? ', torn tail ignored' : ''}.`;
        log.info(msg);
        void vscode.window.showInformationMessage(msg);
      } else {
        const msg = `Baton: run ${r.runId} is TAMPERED${result.seq >= 0 ? ` — first bad record: seq ${result.seq}` : ''}: ${result.reason}`;
        log.error(msg);
        void vscode.window.showErrorMessage(msg);
      }
      return result;
    }),
    vscode.commands.registerCommand('baton.showRun', async (arg?: unknown) => {
      const r = await resolve(arg, 'Baton: show which run?');
      if (!r) return undefined;
      journal.show(nodeOf(r));
      await vscode.commands.executeCommand('baton.journal.focus');
      return r.runId;
    }),
    vscode.commands.registerCommand('baton.openJournal', async (arg?: unknown) => {
      const r = arg === undefined && journal.selected ? { path: journal.journalFile() } : await resolve(arg, 'Baton: open the journal of which run?');
      if (r?.path) await vscode.window.showTextDocument(vscode.Uri.file(r.path), { preview: true });
    }),
    vscode.commands.registerCommand('baton.stopRun', (arg?: unknown) => {
      const id = arg && typeof arg === 'object' ? (arg as { runId?: unknown }).runId : undefined;
      const n = typeof id === 'string' ? (runs.stop(id) ? 1 : 0) : runs.stopAll();
      if (n === 0) void vscode.window.showInformationMessage('Baton: no run in progress.');
      else log.info(`stopping ${n} run${n === 1 ? '' : 's'}`);
      return n;
    }),
  ];
}

function isObject(t: string): boolean {
  try { const v = JSON.parse(t) as unknown; return !!v && typeof v === 'object' && !Array.isArray(v); } catch { return false; }
}
