/**
 * What a declared answer type means for a model request. Text-like types (`String`, `Any`, none)
 * need no structure: the answer is the text. Other types are asked for as JSON matching their
 * schema; only an object schema is sent as the provider's structured-output format (OpenAI
 * requires an object at the root), others are described in the system prompt only.
 */
import type { TypeIR } from '../ir/schema';
import type { JsonSchema } from '../providers/provider';
import { jsonSchemaOf } from '../interp/types';

const TEXT = new Set(['String', 'string', 'str', 'Any', 'JSON', 'Json', 'Text']);

export interface StructuredOutput { type: TypeIR; types: Record<string, TypeIR> }

/** Undefined when the answer is plain text. */
export function structuredOutput(o: StructuredOutput | undefined): StructuredOutput | undefined {
  if (!o) return undefined;
  const t = o.type;
  if (t.t === 'named' && TEXT.has(t.name) && !o.types[t.name]) return undefined;
  return o;
}

export function outputSchemas(o: StructuredOutput): { schema: JsonSchema; responseSchema?: { name: string; schema: JsonSchema } } {
  const schema = jsonSchemaOf(o.type, o.types);
  return { schema, ...(schema.type === 'object' ? { responseSchema: { name: 'answer', schema } } : {}) };
}
