/**
 * The extension's approval provider. When the kernel asks, a (non-modal) warning notification
 * names the tool, its arguments (short), the agent and the rule that asked (a link to its line), with the six answers:
 * Allow once, Allow for this run, Always allow (only where a stored answer would apply), Deny…
 * (asks a reason), Edit arguments… (a JSON editor checked against the tool's schema, edit-args.ts), Respond… (a result instead of running
 * the tool). Unanswered after `baton.approvalTimeoutSeconds` (default 300): denied, "timed out".
 * Cancelling the run ends the wait. Whichever answer comes first wins; later clicks are ignored.
 *
 * The Runs and Approvals views list the pending requests (`list`, `onDidChange`) and answer them
 * with `answer(id, ...)`, which settles the same promise as the notification.
 *
 * `answerNext` is an internal hook for the end-to-end tests (command `baton._test.answerNextApproval`):
 * it answers the next pending request through the same path as a click.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ApprovalProvider, ApprovalRequest } from '../runtime/approvals/approval';
import type { ApprovalAnswer } from '../runtime/journal/records';
import type { Json } from '../runtime/ir/schema';
import { BatonError } from '../runtime/errors';
import { describeRule } from '../runtime/policy/engine';
import { openArgsEditor } from './edit-args';
import { parseAndCheck } from './json-check';
import { clip } from './run-sink';

type Answer = ApprovalAnswer & { by?: string };

interface Pending {
  id: number;
  req: ApprovalRequest;
  settle(a: Answer): void;
  settled: boolean;
}

/** A request waiting for an answer, as the views show it (`id` names it for `answer`). */
export interface PendingApproval { id: number; req: ApprovalRequest }

export class ExtensionApprovals implements ApprovalProvider, vscode.Disposable {
  private readonly pending: Pending[] = [];
  private readonly waiters: Array<(p: Pending) => void> = [];
  private nextId = 1;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a request starts or stops waiting (the Runs and Approvals views refresh). */
  readonly onDidChange = this.changed.event;
  /** Fires after an "Always allow" answer (the stored list changed). */
  private readonly always = new vscode.EventEmitter<void>();
  readonly onDidAlwaysAllow = this.always.event;
  /** Fires with each answer given (the walkthrough marks its "approve" step done). */
  private readonly answered = new vscode.EventEmitter<ApprovalAnswer['kind']>();
  readonly onDidAnswer = this.answered.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** The pending requests with their ids. */
  list(): PendingApproval[] { return this.pending.filter((p) => !p.settled).map((p) => ({ id: p.id, req: p.req })); }

  /** Answers pending request `id` (a view's inline action): the same path as the notification. False if it is no longer pending. */
  answer(id: number, answer: ApprovalAnswer, by = 'human (VS Code)'): boolean {
    const p = this.pending.find((e) => e.id === id && !e.settled);
    if (!p) return false;
    p.settle({ ...answer, by });
    return true;
  }

  /** The follow-up boxes of an answer that needs more (deny reason, edited arguments, result); undefined when dismissed. */
  complete(kind: ApprovalAnswer['kind'], req: ApprovalRequest): Promise<ApprovalAnswer | undefined> {
    const labels: Record<ApprovalAnswer['kind'], string> = {
      allow_once: req.inDoubt ? 'Run it again' : 'Allow once', allow_run: 'Allow for this run', always_allow: 'Always allow',
      deny: 'Deny…', edit: 'Edit arguments…', respond: 'Respond…',
    };
    return this.followUp(labels[kind], req, labels.allow_once);
  }

  dispose(): void { this.changed.dispose(); this.always.dispose(); this.answered.dispose(); }

  request(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise<ApprovalAnswer>((resolve, reject) => {
      if (signal.aborted) { reject(new BatonError('cancelled', 'the run was cancelled while waiting for an approval')); return; }
      const seconds = vscode.workspace.getConfiguration('baton').get<number>('approvalTimeoutSeconds') ?? 300;
      const entry: Pending = { id: this.nextId++, req, settled: false, settle: () => undefined };
      const done = () => {
        entry.settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const i = this.pending.indexOf(entry);
        if (i >= 0) this.pending.splice(i, 1);
        this.changed.fire();
      };
      entry.settle = (a) => {
        if (entry.settled) return;
        done();
        this.log.info(`[${req.runId}] approval for ${req.tool}: ${a.kind}${a.kind === 'deny' && a.reason ? ` (${a.reason})` : ''}`);
        resolve(a);
        this.answered.fire(a.kind);
        if (a.kind === 'always_allow') setTimeout(() => this.always.fire(), 200); // after the kernel stored it
      };
      const onAbort = () => {
        if (entry.settled) return;
        done();
        reject(new BatonError('cancelled', 'the run was cancelled while waiting for an approval'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => entry.settle({ kind: 'deny', reason: 'timed out', by: `timeout (${seconds} s)` }), Math.max(1, seconds) * 1000);
      this.pending.push(entry);
      this.changed.fire();
      const waiter = this.waiters.shift();
      if (waiter) waiter(entry);
      if (!entry.settled) void this.ask(entry);
    });
  }

  /** Requests waiting for an answer now. */
  get waiting(): readonly ApprovalRequest[] { return this.pending.map((p) => p.req); }

  /** Internal (tests): answers the next request that is or becomes pending; resolves with that request. */
  answerNext(answer: Answer, timeoutMs = 30_000): Promise<ApprovalRequest> {
    return new Promise<ApprovalRequest>((resolve, reject) => {
      const apply = (p: Pending) => { clearTimeout(t); p.settle({ by: 'test hook', ...answer }); resolve(p.req); };
      const first = this.pending.find((p) => !p.settled);
      let t: ReturnType<typeof setTimeout> | undefined;
      if (first) { apply(first); return; }
      const waiter = (p: Pending) => apply(p);
      t = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error('no approval was requested in time'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private async ask(entry: Pending): Promise<void> {
    const { req } = entry;
    const ALLOW_ONCE = req.inDoubt ? 'Run it again' : 'Allow once';
    const buttons = req.inDoubt
      ? [ALLOW_ONCE, 'Deny…', 'Respond…']
      : [ALLOW_ONCE, 'Allow for this run', ...(req.canAlwaysAllow ? ['Always allow'] : []), 'Deny…', 'Edit arguments…', 'Respond…'];
    const message = `${req.inDoubt ? 'IN DOUBT — ' : ''}Baton: ${req.agent} wants to call ${req.tool}(${shortArgs(req.args)}) — ${ruleLink(req)}: ${req.reason}`;
    for (;;) {
      const choice = await vscode.window.showWarningMessage(message, { modal: false }, ...buttons);
      if (entry.settled) return;
      if (choice === undefined) return; // dismissed: the request stays pending until answered, timed out or cancelled
      const answer = await this.followUp(choice, req, ALLOW_ONCE);
      if (entry.settled) return;
      if (answer) { entry.settle({ ...answer, by: 'human (VS Code)' }); return; }
      // The follow-up box was dismissed: ask again.
    }
  }

  private async followUp(choice: string, req: ApprovalRequest, allowOnce: string): Promise<ApprovalAnswer | undefined> {
    switch (choice) {
      case allowOnce: return { kind: 'allow_once' };
      case 'Allow for this run': return { kind: 'allow_run' };
      case 'Always allow': return { kind: 'always_allow' };
      case 'Deny…': {
        const reason = await vscode.window.showInputBox({ title: `Deny ${req.tool}`, prompt: 'Reason (told to the model); may be empty', ignoreFocusOut: true });
        if (reason === undefined) return undefined;
        return { kind: 'deny', ...(reason.trim() ? { reason: reason.trim() } : {}) };
      }
      case 'Edit arguments…': {
        // A JSON editor checked against the tool's schema (edit-args.ts); the input box remains
        // for the environment without editors (BATON_EDIT_ARGS=inputbox).
        if (process.env.BATON_EDIT_ARGS !== 'inputbox') {
          const args = await (await openArgsEditor(req.tool, req.args, req.schema)).result;
          return args ? { kind: 'edit', args } : undefined;
        }
        const text = await vscode.window.showInputBox({
          title: `Edit the arguments of ${req.tool}`, value: JSON.stringify(req.args), ignoreFocusOut: true,
          validateInput: (t) => { const r = parseAndCheck(t, req.schema); return r.problems.length ? r.problems[0]!.message : undefined; },
        });
        const args = text === undefined ? undefined : parseObject(text);
        return args ? { kind: 'edit', args } : undefined;
      }
      case 'Respond…': {
        const text = await vscode.window.showInputBox({ title: `Respond instead of running ${req.tool}`, prompt: 'The result as JSON, or plain text', ignoreFocusOut: true });
        if (text === undefined) return undefined;
        let result: Json = text;
        try { result = JSON.parse(text) as Json; } catch { /* plain text */ }
        return { kind: 'respond', result };
      }
      default: return undefined;
    }
  }
}

/** The rule as a markdown link to its line (`baton.openLocation`; notifications render command links). */
function ruleLink(req: ApprovalRequest): string {
  const text = describeRule(req.rule);
  if (req.rule.line <= 0) return text;
  const file = req.rule.file;
  const folders = vscode.workspace.workspaceFolders ?? [];
  const root = folders.find((f) => fs.existsSync(path.join(f.uri.fsPath, file)))?.uri.fsPath ?? folders[0]?.uri.fsPath ?? '';
  const uri = vscode.Uri.file(path.isAbsolute(file) ? file : path.join(root, file)).toString();
  return `[${text.replace(/[[\]]/g, '')}](command:baton.openLocation?${encodeURIComponent(JSON.stringify([uri, req.rule.line]))})`;
}

function parseObject(t: string): { [k: string]: Json } | undefined {
  try {
    const v = JSON.parse(t) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as { [k: string]: Json }) : undefined;
  } catch { return undefined; }
}

function shortArgs(args: { [k: string]: Json }): string {
  return clip(JSON.stringify(args).slice(1, -1), 80);
}
