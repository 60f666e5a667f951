/** Live progress of a run on stderr: phases, tool calls with their policy decision, approvals. */
import type { EventSink, RunEvent } from '../kernel/events';
import { describeRule } from '../policy/engine';
import { describeAnswer } from '../approvals/approval';

export class ProgressPrinter implements EventSink {
  private replayedCount = 0;
  constructor(private readonly err: (s: string) => void, private readonly verbose = false) {}

  emit(ev: RunEvent): void {
    if (ev.kind === 'note') { this.err(`  log: ${ev.message}`); return; }
    if (ev.kind !== 'record') return;
    const r = ev.record;
    if (ev.replayed) { this.replayedCount++; return; }
    if (this.replayedCount) { this.err(`  (${this.replayedCount} recorded effects replayed from the journal)`); this.replayedCount = 0; }
    switch (r.type) {
      case 'Resumed': this.err(`resuming${r.inDoubt.length ? ` (in doubt: ${r.inDoubt.join(', ')})` : ''}`); break;
      case 'ModelRequested': this.err(`· reasoning (${r.model}, ${r.messages} messages${r.tools.length ? `, ${r.tools.length} tools` : ''})`); break;
      case 'ReasoningComplete':
        if (r.toolCalls.length) this.err(`  model proposes ${r.toolCalls.map((c) => `${c.name}(${clip(c.arguments, 60)})`).join(', ')}`);
        else this.err(`  model answered (${r.usage.inputTokens + r.usage.outputTokens} tokens)`);
        break;
      case 'PolicyEvaluated': this.err(`  policy: ${r.tool} → ${r.verdict.toUpperCase()} — ${describeRule(r.rule)}${this.verbose ? ` (${r.reason})` : ''}`); break;
      case 'ApprovalRequested': this.err(`  approval needed: ${r.tool} — ${r.reason}`); break;
      case 'ApprovalDecided': this.err(`  approval: ${describeAnswer(r.answer)} (${r.by})`); break;
      case 'ToolFinished':
        if (r.ok) this.err(`  ✓ ${r.tool} (${r.ms} ms)`);
        else this.err(`  ✗ ${r.tool}: ${r.error.message}`);
        break;
      case 'ToolDenied': this.err(`  ✗ ${r.tool} denied: ${r.reason}`); break;
      case 'CacheHit': this.err(`  cache hit: ${r.kind} ${r.name} answered from .baton/cache/`); break;
      case 'RecoveryTriggered': this.err(`  ↻ ${r.what}: retry ${r.attempt} in ${r.delayMs} ms (${r.error})`); break;
      case 'BreakerChanged': this.err(`  circuit for ${r.tool}: ${r.state}`); break;
      case 'ContextTrimmed': this.err(`  context trimmed: ${r.cut.droppedMessages} messages dropped, ${r.cut.summarized} shortened (${r.cut.tokensBefore} → ${r.cut.tokensAfter} tokens)`); break;
      case 'ChildStarted': this.err(`· agent ${r.agent} started`); break;
      case 'ChildFinished': this.err(`· agent ${r.agent} ${r.ok ? 'finished' : `failed: ${r.error}`}`); break;
      case 'McpPinned': this.err(`· mcp ${r.server}: ${r.tools.length} tools pinned by definition hash`); break;
      case 'Terminated': {
        const tokens = r.usage.inputTokens + r.usage.outputTokens;
        this.err(`${r.reason === 'Completed' ? 'done' : 'stopped'}: ${r.reason}${r.error ? ` — ${r.error.where ? `${r.error.where}: ` : ''}${r.error.message}` : ''}${tokens ? ` (${tokens} tokens)` : ''}`);
        break;
      }
      default: break;
    }
  }
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
