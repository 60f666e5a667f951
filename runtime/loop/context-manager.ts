/**
 * Keeps each model request inside the context budget (RUNTIME.md): never cuts the system prompt or
 * the latest turn; first shortens the oldest tool observations, then drops the oldest turns
 * (an assistant message with its tool results goes as a unit, so no tool result loses its call).
 * Reports what it cut so the loop can journal it.
 */
import type { ChatMessage } from '../providers/provider';
import type { ContextCut } from '../journal/records';

/** A cheap token estimate: ~4 characters per token, plus a little per message. */
export function estimateTokens(messages: readonly ChatMessage[]): number {
  let chars = 0;
  for (const m of messages) {
    chars += m.content.length + 16;
    for (const c of m.toolCalls ?? []) chars += c.name.length + c.arguments.length + 16;
  }
  return Math.ceil(chars / 4);
}

const KEEP_CHARS = 200;

export function fitContext(messages: ChatMessage[], budgetTokens: number): { messages: ChatMessage[]; cut?: ContextCut } {
  const before = estimateTokens(messages);
  if (before <= budgetTokens) return { messages };
  const out = messages.map((m) => ({ ...m }));
  const firstKept = out.findIndex((m) => m.role !== 'system');
  // The latest turn: the last user message or the last assistant message and what follows it.
  let lastTurn = out.length - 1;
  while (lastTurn > firstKept && out[lastTurn].role === 'tool') lastTurn--;
  let summarized = 0;
  for (let i = firstKept + 1; i < lastTurn && estimateTokens(out) > budgetTokens; i++) {
    const m = out[i];
    if (m.role === 'tool' && m.content.length > KEEP_CHARS * 2) {
      m.content = `${m.content.slice(0, KEEP_CHARS)}\n[observation cut to save context: ${m.content.length - KEEP_CHARS} characters omitted]`;
      summarized++;
    }
  }
  let dropped = 0;
  // Drop whole turns after the goal (the first user message), oldest first.
  let i = firstKept + 1;
  while (estimateTokens(out) > budgetTokens && i < lastTurn) {
    let j = i + 1;
    while (j < lastTurn && out[j].role === 'tool') j++;
    const n = j - i;
    out.splice(i, n);
    lastTurn -= n;
    dropped += n;
  }
  if (dropped) out.splice(firstKept + 1, 0, { role: 'user', content: `[${dropped} earlier messages were removed to stay within the context budget]` });
  return { messages: out, cut: { droppedMessages: dropped, summarized, tokensBefore: before, tokensAfter: estimateTokens(out) } };
}
