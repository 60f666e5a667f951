/**
 * A small JSON-schema check for edited tool arguments (approvals.ts, "Edit arguments…"): the parts
 * of JSON Schema that tool argument schemas use — `type` (one or a list; `integer` included),
 * `required`, `properties`, `additionalProperties` (false or a schema), `enum`, `const`, `items`,
 * `anyOf`/`oneOf` (any branch passes), `nullable`. Unknown keywords are ignored. Pure (no `vscode`),
 * unit-tested in test/extension/json-check.test.ts. `parseAndCheck` also maps each problem to a
 * text offset of the document (the diagnostics' ranges).
 */

export type Schema = { [k: string]: unknown };

export interface JsonProblem {
  /** JSON pointer-ish path: `` (root), `/path`, `/items/0`. */
  path: string;
  message: string;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

function isSchema(s: unknown): s is Schema {
  return !!s && typeof s === 'object' && !Array.isArray(s);
}

/** Problems of `value` against `schema` (empty: valid). */
export function checkJson(value: unknown, schema: Schema | undefined, at = ''): JsonProblem[] {
  if (!schema) return [];
  const out: JsonProblem[] = [];
  const where = at || '(root)';
  for (const k of ['anyOf', 'oneOf'] as const) {
    const branches = schema[k];
    if (Array.isArray(branches) && branches.length) {
      const results = branches.filter(isSchema).map((b) => checkJson(value, b, at));
      if (!results.some((r) => r.length === 0)) {
        out.push(results.length === 1 ? results[0]![0]! : { path: at, message: `${where} matches none of the allowed shapes` });
        return out;
      }
    }
  }
  const t = schema.type;
  const types = Array.isArray(t) ? t.map(String) : typeof t === 'string' ? [t] : [];
  if (schema.nullable === true && value === null) return out;
  if (types.length && !types.some((x) => typeMatches(value, x))) {
    out.push({ path: at, message: `${where}: expected ${types.join(' or ')}, got ${typeOf(value)}` });
    return out;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    out.push({ path: at, message: `${where}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    out.push({ path: at, message: `${where}: must be ${JSON.stringify(schema.const)}` });
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const props = isSchema(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required)) {
      for (const r of schema.required.map(String)) if (!(r in obj)) out.push({ path: at, message: `${where}: missing required property "${r}"` });
    }
    for (const [k, v] of Object.entries(obj)) {
      const sub = props[k];
      if (isSchema(sub)) out.push(...checkJson(v, sub, `${at}/${k}`));
      else if (schema.additionalProperties === false) out.push({ path: `${at}/${k}`, message: `unexpected property "${k}"${Object.keys(props).length ? ` (allowed: ${Object.keys(props).join(', ')})` : ''}` });
      else if (isSchema(schema.additionalProperties)) out.push(...checkJson(v, schema.additionalProperties, `${at}/${k}`));
    }
  }
  if (Array.isArray(value) && isSchema(schema.items)) {
    value.forEach((v, i) => out.push(...checkJson(v, schema.items as Schema, `${at}/${i}`)));
  }
  return out;
}

export interface TextProblem extends JsonProblem {
  /** Offsets in the text (end exclusive). */
  start: number;
  end: number;
}

/** The value of `text` and its problems with offsets: a syntax error, not an object, or schema problems. */
export function parseAndCheck(text: string, schema: Schema | undefined): { value?: { [k: string]: unknown }; problems: TextProblem[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const pos = m ? Math.min(text.length, Number(m[1])) : 0;
    return { problems: [{ path: '', message: `not valid JSON: ${(e as Error).message}`, start: pos, end: Math.min(text.length, pos + 1) }] };
  }
  if (typeOf(value) !== 'object') return { problems: [{ path: '', message: 'expected a JSON object, e.g. {"path": "a.txt"}', start: 0, end: text.length }] };
  const problems = checkJson(value, schema).map((p) => ({ ...p, ...locate(text, p.path) }));
  return { value: value as { [k: string]: unknown }, problems };
}

/** The offsets of the property named by the last segment of `p` (its key), or the whole text. */
export function locate(text: string, p: string): { start: number; end: number } {
  const segs = p.split('/').filter(Boolean);
  let from = 0;
  let found: { start: number; end: number } | undefined;
  for (const s of segs) {
    if (/^\d+$/.test(s)) continue;
    const key = JSON.stringify(s);
    const i = text.indexOf(key, from);
    if (i < 0) break;
    found = { start: i, end: i + key.length };
    from = i + key.length;
  }
  return found ?? { start: 0, end: Math.min(text.length, 1) };
}
