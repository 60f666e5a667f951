/** `ask(prompt)`: one completion, no tools; a structured answer is validated and repaired once. */
import type { Json, Loc, TypeIR } from '../ir/schema';
import type { ChatMessage } from '../providers/provider';
import type { Kernel } from '../kernel/kernel';
import type { Branch } from '../interp/host';
import { BatonError } from '../errors';
import { validate } from '../interp/types';
import { outputSchemas, structuredOutput } from '../loop/structured';
import { parseStructured } from '../loop/reasoning-loop';

export interface AskOptions {
  model: string;
  system: string;
  prompt: string;
  output?: { type: TypeIR; types: Record<string, TypeIR> };
  temperature?: number;
  loc?: Loc;
}

export async function oneCompletion(kernel: Kernel, branch: Branch, o: AskOptions): Promise<Json> {
  o = { ...o, output: structuredOutput(o.output) };
  const shapes = o.output ? outputSchemas(o.output) : undefined;
  const responseSchema = shapes?.responseSchema;
  const system = shapes ? `${o.system}\n\nAnswer with JSON only, matching this JSON Schema:\n${JSON.stringify(shapes.schema)}` : o.system;
  const messages: ChatMessage[] = [{ role: 'system', content: system }, { role: 'user', content: o.prompt }];
  for (let attempt = 0; ; attempt++) {
    const resp = await kernel.model(branch, { model: o.model, messages, ...(responseSchema ? { responseSchema } : {}), ...(o.temperature !== undefined ? { temperature: o.temperature } : {}) }, o.loc);
    if (!o.output) return resp.text;
    const parsed = parseStructured(resp.text);
    const checked = parsed.ok ? validate(parsed.value, o.output.type, o.output.types) : parsed;
    if (checked.ok) return checked.value as Json;
    if (attempt >= 1) throw new BatonError('model-output', `the model's answer does not match the declared type, even after one retry: ${checked.message}`, { loc: o.loc });
    messages.push({ role: 'assistant', content: resp.text }, { role: 'user', content: `Your answer does not match the required JSON Schema: ${checked.message}. Answer again with JSON only.` });
  }
}
