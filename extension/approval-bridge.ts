/**
 * The approvals waiting for an answer, reachable by (run id, effect key) from outside the
 * approval provider: the run webview lists a run's pending approvals and answers them through an
 * `ApprovalSource`.
 *
 * - `approvalSourceOf(extensionApprovals)` adapts approvals.ts's `list()` / `answer(id)` /
 *   `onDidChange` (the editor's provider; nothing to change there).
 * - `ApprovalBridge` is a standalone registry (`add(req, settle)` / `remove(req)`) for approval
 *   providers without that API (tests, other hosts).
 *
 * Whichever answer comes first (notification, views, run panel, test hook) wins. No `vscode` import.
 */
import type { ApprovalRequest } from '../runtime/approvals/approval';
import type { ApprovalAnswer } from '../runtime/journal/records';

export type BridgeAnswer = ApprovalAnswer & { by?: string };

/** What the run panel needs: the waiting requests, answering one by (run id, key), change events. */
export interface ApprovalSource {
  pending(runId?: string): ApprovalRequest[];
  answer(runId: string, key: string, answer: ApprovalAnswer, by: string): boolean;
  /** Returns the unsubscribe function. */
  onDidChange(listener: () => void): () => void;
}

/** The shape of approvals.ts's ExtensionApprovals that the adapter uses. */
export interface ListedApprovals {
  list(): Array<{ id: number; req: ApprovalRequest }>;
  answer(id: number, answer: ApprovalAnswer, by?: string): boolean;
  onDidChange(listener: () => void): { dispose(): void };
}

/** An ApprovalSource over the extension's approval provider. */
export function approvalSourceOf(a: ListedApprovals): ApprovalSource {
  return {
    pending: (runId) => a.list().map((p) => p.req).filter((r) => runId === undefined || r.runId === runId),
    answer: (runId, key, answer, by) => {
      const p = a.list().find((x) => x.req.runId === runId && x.req.key === key);
      return p ? a.answer(p.id, answer, by) : false;
    },
    onDidChange: (listener) => { const d = a.onDidChange(listener); return () => d.dispose(); },
  };
}

interface Entry { req: ApprovalRequest; settle(a: BridgeAnswer): void }

export class ApprovalBridge implements ApprovalSource {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();

  private static id(runId: string, key: string): string { return `${runId}\u0000${key}`; }

  /** A request is waiting; `settle` answers it (a second call must be ignored by the provider). */
  add(req: ApprovalRequest, settle: (a: BridgeAnswer) => void): void {
    this.entries.set(ApprovalBridge.id(req.runId, req.key), { req, settle });
    this.fire();
  }

  /** The request is settled (answered, timed out or cancelled). */
  remove(req: ApprovalRequest): void {
    if (this.entries.delete(ApprovalBridge.id(req.runId, req.key))) this.fire();
  }

  /** The waiting requests, of one run or of all. */
  pending(runId?: string): ApprovalRequest[] {
    return [...this.entries.values()].map((e) => e.req).filter((r) => runId === undefined || r.runId === runId);
  }

  /** Answers the request of `runId` with effect key `key`; false when none is waiting. */
  answer(runId: string, key: string, answer: ApprovalAnswer, by: string): boolean {
    const e = this.entries.get(ApprovalBridge.id(runId, key));
    if (!e) return false;
    this.remove(e.req);
    e.settle({ ...answer, by });
    return true;
  }

  /** Called after every change; returns the unsubscribe function. */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private fire(): void {
    for (const l of [...this.listeners]) {
      try { l(); } catch { /* a listener must not break the approval path */ }
    }
  }
}

/** The extension's one bridge (approvals.ts feeds it; the run panel reads and answers it). */
export const approvalBridge = new ApprovalBridge();
