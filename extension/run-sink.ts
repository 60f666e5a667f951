/**
 * Live progress of a run in the "Baton" log channel: the shape of the CLI's progress lines
 * (runtime/cli/progress.ts) — model turns, each tool call with its policy decision and the rule
 * that made it, approvals — prefixed with the run id so parallel runs stay readable.
 */
import type * as vscode from 'vscode';
import type { EventSink, RunEvent } from '../runtime/kernel/events';
import { describeRule } from '../runtime/policy/engine';
import { describeAnswer } from '../runtime/approvals/approval';

export class ChannelSink implements EventSink {
  private replayed = 0;
  constructor(private readonly log: vscode.LogOutputChannel, private readonly runId: () => string) {}

  private line(s: string, level: 'info' | 'warn' | 'error' = 'info'): void {
    this.log[level](`[${this.runId()}] ${s}`);
  }

  emit(ev: RunEvent): void {
    if (ev.kind === 'note') { this.line(`log: ${ev.message}`); return; }
    if (ev.kind === 'approval-pending') { this.line(`waiting for approval: ${ev.tool}`, 'warn'); return; }
    if (ev.kind !== 'record') return;
    if (ev.replayed) { this.replayed++; return; }
    if (this.replayed) { this.line(`(${this.replayed} recorded effects replayed from the journal)`); this.replayed = 0; }
    const r = ev.record;
    switch (r.type) {
      case 'Started': this.line(`started ${r.agent} (${r.file}) with provider ${r.provider}${r.model ? ` (${r.model})` : ''}`); break;
      case 'Resumed': this.line(`resuming${r.inDoubt.length ? ` (in doubt: ${r.inDoubt.join(', ')})` : ''}`); break;
      case 'ModelRequested': this.line(`· reasoning (${r.model}, ${r.messages} messages${r.tools.length ? `, ${r.tools.length} tools` : ''})`); break;
      case 'ReasoningComplete':
        if (r.toolCalls.length) this.line(`  model proposes ${r.toolCalls.map((c) => `${c.name}(${clip(c.arguments, 60)})`).join(', ')}`);
        else this.line(`  model answered (${r.usage.inputTokens + r.usage.outputTokens} tokens)`);
        break;
      case 'PolicyEvaluated': this.line(`  policy: ${r.tool} → ${r.verdict.toUpperCase()} — ${describeRule(r.rule)}`); break;
      case 'ApprovalRequested': this.line(`  approval needed: ${r.tool} — ${r.reason}`, 'warn'); break;
      case 'ApprovalDecided': this.line(`  approval: ${describeAnswer(r.answer)} (${r.by})`); break;
      case 'ToolFinished':
        if (r.ok) this.line(`  ✓ ${r.tool} (${r.ms} ms)`);
        else this.line(`  ✗ ${r.tool}: ${r.error.message}`, 'warn');
        break;
      case 'ToolDenied': this.line(`  ✗ ${r.tool} denied: ${r.reason}`, 'warn'); break;
      case 'RecoveryTriggered': this.line(`  ↻ ${r.what}: retry ${r.attempt} in ${r.delayMs} ms (${r.error})`, 'warn'); break;
      case 'BreakerChanged': this.line(`  circuit for ${r.tool}: ${r.state}`, 'warn'); break;
      case 'ContextTrimmed': this.line(`  context trimmed: ${r.cut.droppedMessages} messages dropped (${r.cut.tokensBefore} → ${r.cut.tokensAfter} tokens)`); break;
      case 'ChildStarted': this.line(`· agent ${r.agent} started`); break;
      case 'ChildFinished': this.line(`· agent ${r.agent} ${r.ok ? 'finished' : `failed: ${r.error}`}`); break;
      case 'McpPinned': this.line(`· mcp ${r.server}: ${r.tools.length} tools pinned by definition hash`); break;
      case 'Terminated': {
        const tokens = r.usage.inputTokens + r.usage.outputTokens;
        const detail = r.error ? ` — ${r.error.where ? `${r.error.where}: ` : ''}${r.error.message}` : '';
        this.line(`${r.reason === 'Completed' ? 'done' : 'stopped'}: ${r.reason}${detail}${tokens ? ` (${tokens} tokens)` : ''}`, r.reason === 'Completed' ? 'info' : 'error');
        break;
      }
      default: break;
    }
  }
}

export function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
