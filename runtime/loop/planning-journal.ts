/**
 * Writing planning and reflection records exactly once. Each record derives from a model call
 * (its `key`): a resume re-runs the engines from the top, answering their model calls from the
 * journal, and re-derives the same records — so a record whose effect was already journaled is not
 * written again. A replay writes nothing; a fork writes them into its own journal.
 */
import type { Kernel } from '../kernel/kernel';
import type { Branch } from '../interp/host';
import type { PlanningBody } from '../journal/records-planning';

/** The key the branch's next effect will take (not taken). */
export function peekKey(branch: Branch): string {
  return `${branch.id}#${branch.effects}`;
}

/** The key of the branch's last effect (or of its next one if it has none yet). */
export function lastKey(branch: Branch): string {
  return `${branch.id}#${Math.max(0, branch.effects - 1)}`;
}

/** Whether the effect at `key` was journaled by an earlier execution of this run. */
export function journaledBefore(kernel: Kernel, key: string): boolean {
  if (kernel.replayOnly) return true;
  const r = kernel.inJournal(key);
  return !!r && !!(r.model || r.finished || r.denied || r.effect || r.child || r.observations);
}

/** Appends a planning record unless an earlier execution of the run already wrote it. Returns whether it wrote. */
export function journalOnce(kernel: Kernel, body: PlanningBody): boolean {
  if (journaledBefore(kernel, body.key)) return false;
  kernel.append(body);
  return true;
}
