/**
 * Mapping between the runtime's chat messages and what `vscode.lm` (as declared by
 * @types/vscode 1.91, the engine floor) can carry: text-only User and Assistant messages. So:
 *
 * - system messages become a User message prefixed `[System instructions]`;
 * - the tool schemas are described in that first message, with the convention for calling them
 *   (answer with only `{"tool_calls": [{"name": ..., "arguments": {...}}]}`); the 1.91 API has no
 *   `tools` option and no tool-call parts;
 * - an assistant message's tool calls are written back in the same JSON form, and a tool result
 *   becomes a User message `[Result of tool <name> (call <id>)]`;
 * - adjacent messages of the same role are merged (some chat models require alternation).
 *
 * `parseToolCalls` reads the convention back from the model's text. Pure except for the message
 * factory, which is injected (tests check the mapping without `vscode`).
 */
import type { ChatMessage, CompletionRequest, ToolCall } from '../../runtime/providers/provider';

export type LmRole = 'user' | 'assistant';
export interface LmMessage { role: LmRole; content: string }

export function toolInstructions(tools: CompletionRequest['tools']): string {
  if (!tools?.length) return '';
  const list = tools.map((t) => `- ${t.name}${t.description ? `: ${t.description}` : ''}\n  arguments (JSON Schema): ${JSON.stringify(t.parameters)}`).join('\n');
  return `[Tools]\nYou can call these tools:\n${list}\n\nTo call one or more tools, answer with ONLY a JSON object and nothing else:\n` +
    '{"tool_calls": [{"name": "<tool name>", "arguments": {<arguments>}}]}\n' +
    'The results come back in the next message. When you need no tool, answer normally.';
}

/** The runtime's messages (and the request's tools and response schema) as text-only lm messages. */
export function toLmMessages(req: Pick<CompletionRequest, 'messages' | 'tools' | 'responseSchema'>): LmMessage[] {
  const out: LmMessage[] = [];
  const push = (role: LmRole, content: string) => {
    const last = out.at(-1);
    if (last && last.role === role) last.content += `\n\n${content}`;
    else out.push({ role, content });
  };
  const preamble = [toolInstructions(req.tools), req.responseSchema ? `[Answer format]\nGive your final answer as JSON only, matching this JSON Schema:\n${JSON.stringify(req.responseSchema.schema)}` : '']
    .filter(Boolean).join('\n\n');
  let preambleDone = !preamble;
  for (const m of req.messages) {
    switch (m.role) {
      case 'system':
        push('user', `[System instructions]\n${m.content}${preambleDone ? '' : `\n\n${preamble}`}`);
        preambleDone = true;
        break;
      case 'user':
        if (!preambleDone) { push('user', preamble); preambleDone = true; }
        push('user', m.content);
        break;
      case 'assistant':
        push('assistant', assistantText(m));
        break;
      case 'tool':
        push('user', `[Result of tool ${m.name ?? '?'}${m.toolCallId ? ` (call ${m.toolCallId})` : ''}]\n${m.content}`);
        break;
    }
  }
  if (!preambleDone) push('user', preamble);
  return out;
}

function assistantText(m: ChatMessage): string {
  if (!m.toolCalls?.length) return m.content;
  const calls = m.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: parseOr(c.arguments) }));
  return `${m.content ? `${m.content}\n` : ''}${JSON.stringify({ tool_calls: calls })}`;
}

function parseOr(s: string): unknown {
  try { return JSON.parse(s); } catch { return s; }
}

/**
 * The tool calls in a model's answer, when it follows the convention (the JSON object alone,
 * possibly in a ```json fence); otherwise none (the text is the answer). Arguments stay JSON text.
 */
export function parseToolCalls(text: string, known?: ReadonlySet<string>): ToolCall[] {
  let t = text.trim();
  const fence = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(t);
  if (fence) t = fence[1]!.trim();
  if (!t.startsWith('{') || !t.includes('"tool_calls"')) return [];
  let v: unknown;
  try { v = JSON.parse(t); } catch { return []; }
  const calls = (v as { tool_calls?: unknown }).tool_calls;
  if (!Array.isArray(calls)) return [];
  const out: ToolCall[] = [];
  calls.forEach((c: unknown, i) => {
    if (!c || typeof c !== 'object') return;
    const o = c as { id?: unknown; name?: unknown; arguments?: unknown };
    if (typeof o.name !== 'string' || (known && !known.has(o.name))) return;
    const args = typeof o.arguments === 'string' ? o.arguments : JSON.stringify(o.arguments ?? {});
    out.push({ id: typeof o.id === 'string' ? o.id : `call_${i + 1}`, name: o.name, arguments: args });
  });
  return out;
}

/**
 * The text of a chat message: a string under the 1.91 API, an array of parts (text parts carry
 * `value`) in later VS Code versions.
 */
export function messageText(m: { content: unknown }): string {
  const c = m.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((p: unknown) => (p && typeof p === 'object' && typeof (p as { value?: unknown }).value === 'string' ? (p as { value: string }).value : '')).join('');
  return '';
}

/** Rough token count when the model cannot count (≈ 4 characters per token). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
