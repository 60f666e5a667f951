/**
 * Approvals: the kernel asks an `ApprovalProvider` when the policy gate says "ask" (or an effect is
 * in doubt after a crash). The answer is one of the six of LANGUAGE.md §4 (`ApprovalAnswer` in
 * journal/records.ts). The CLI answers on the terminal; the extension in its views; the debugger
 * while paused. A provider never throws for a "no": it answers `deny` with a reason.
 */
import type { Json } from '../ir/schema';
import type { ApprovalAnswer, RuleRef } from '../journal/records';
import type { JsonSchema } from '../providers/provider';

export interface ApprovalRequest {
  runId: string;
  key: string;
  agent: string;
  tool: string;
  args: { [k: string]: Json };
  /** The JSON schema of the arguments (for an "edit" answer). */
  schema?: JsonSchema;
  /** The rule that asked, and in words why. */
  rule: RuleRef;
  reason: string;
  /** The effect was started before a crash and may or may not have run. */
  inDoubt?: boolean;
  /** "Always allow" is offered only where a stored answer would apply (no rule decided). */
  canAlwaysAllow: boolean;
}

export interface ApprovalProvider {
  request(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
}

/** Answers every request the same way (tests, `--yes`-style automation in trusted setups). */
export class FixedApprovals implements ApprovalProvider {
  constructor(private readonly answer: ApprovalAnswer | ((req: ApprovalRequest) => ApprovalAnswer)) {}
  async request(req: ApprovalRequest): Promise<ApprovalAnswer> {
    return typeof this.answer === 'function' ? this.answer(req) : this.answer;
  }
}

export function describeAnswer(a: ApprovalAnswer): string {
  switch (a.kind) {
    case 'allow_once': return 'allowed once';
    case 'allow_run': return 'allowed for this run';
    case 'always_allow': return 'always allowed';
    case 'deny': return a.reason ? `denied: ${a.reason}` : 'denied';
    case 'edit': return 'allowed with edited arguments';
    case 'respond': return 'answered with a result instead of running the tool';
  }
}
