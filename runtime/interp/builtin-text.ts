/**
 * Text-shaped built-ins with more than one line of logic: `format` templates, `from_json` with a
 * precise error position, `to_json`, and decimal rounding without binary-float surprises.
 */
import type { Json } from '../ir/schema';
import { fail, got, hasOwn } from './builtin-support';
import { fromJson, isRecord, show, toJson, typeName, type Value } from './values';

// ---------------------------------------------------------------------------------------------
// format

const NAME_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Fills a template: `{}` takes the next positional argument, `{0}` a given one, `{name}` (or
 * `{name.field}`) a named argument or the field of the first record argument that has it.
 * `{{` and `}}` are literal braces. A `:.2f` spec after the field fixes the decimals of a number.
 */
export function formatTemplate(template: string, args: readonly Value[], named: Record<string, Value>, what = 'format()'): string {
  let out = '';
  let next = 0;
  let i = 0;
  let chunk = 0;
  while (i < template.length) {
    const c = template.charCodeAt(i);
    if (c !== 123 /* { */ && c !== 125 /* } */) { i++; continue; }
    out += template.slice(chunk, i);
    if (template[i + 1] === template[i]) {
      out += template[i];
      i += 2;
    } else if (c === 125) {
      fail(`${what}: single '}' at position ${i} of the template (write '}}' for a literal brace)`);
    } else {
      const close = template.indexOf('}', i + 1);
      if (close < 0) fail(`${what}: unclosed '{' at position ${i} of the template (write '{{' for a literal brace)`);
      const body = template.slice(i + 1, close);
      const colon = body.indexOf(':');
      const field = (colon < 0 ? body : body.slice(0, colon)).trim();
      const spec = colon < 0 ? '' : body.slice(colon + 1).trim();
      let v: Value;
      if (field === '') {
        if (next >= args.length) fail(`${what}: not enough arguments: placeholder number ${next + 1} has no value (got ${args.length})`);
        v = args[next++];
      } else if (/^\d+$/.test(field)) {
        const k = Number(field);
        if (k >= args.length) fail(`${what}: no argument {${field}} (got ${args.length} argument${args.length === 1 ? '' : 's'})`);
        v = args[k];
      } else if (NAME_PATH.test(field)) {
        v = lookupName(field, args, named, what);
      } else {
        fail(`${what}: invalid placeholder {${body}} (write '{{' for a literal brace)`);
      }
      out += applySpec(v, spec, body, what);
      i = close + 1;
    }
    chunk = i;
  }
  return out + template.slice(chunk);
}

function lookupName(path: string, args: readonly Value[], named: Record<string, Value>, what: string): Value {
  const [head, ...rest] = path.split('.');
  let v: Value;
  if (hasOwn(named, head)) v = named[head];
  else {
    const holder = args.find((a) => isRecord(a) && hasOwn(a, head));
    if (holder === undefined) fail(`${what}: no value for {${head}}: pass ${head}: value, or a record with a '${head}' field`);
    v = (holder as Record<string, Value>)[head];
  }
  for (const f of rest) {
    if (!isRecord(v) || !hasOwn(v, f)) fail(`${what}: {${path}}: ${typeName(v)} has no field '${f}'`);
    v = v[f];
  }
  return v;
}

function applySpec(v: Value, spec: string, body: string, what: string): string {
  if (spec === '') return show(v);
  const m = /^\.(\d{1,2})f$/.exec(spec);
  if (!m) fail(`${what}: unsupported format spec in {${body}} (only ':.Nf' is supported)`);
  if (typeof v !== 'number') fail(`${what}: {${body}} needs a number, got ${typeName(v)}`);
  return roundTo(v, Number(m[1])).toFixed(Number(m[1]));
}

// ---------------------------------------------------------------------------------------------
// JSON

export function toJsonText(v: Value, indent: Value | undefined, what = 'to_json()'): string {
  let space: number | string | undefined;
  if (indent === undefined || indent === null || indent === 0 || indent === false) space = undefined;
  else if (typeof indent === 'number' && Number.isInteger(indent) && indent > 0) space = Math.min(indent, 10);
  else if (typeof indent === 'string') space = indent;
  else if (indent === true) space = 2;
  else fail(`${what} expects the indent as a non-negative int, got ${got(indent)}`);
  try {
    return JSON.stringify(toJson(v), null, space);
  } catch (e) {
    if (e instanceof RangeError) fail(`${what}: the value contains itself (or is nested too deeply)`);
    throw e;
  }
}

/** Parses JSON text; invalid text fails with the line, column and what was wrong. */
export function parseJsonText(text: string, what = 'from_json()'): Value {
  try {
    return fromJson(JSON.parse(text) as Json);
  } catch (e) {
    const at = jsonErrorAt(text) ?? { pos: 0, problem: e instanceof Error ? e.message : String(e) };
    const before = text.slice(0, at.pos);
    const line = before.split('\n').length;
    const column = at.pos - before.lastIndexOf('\n');
    return fail(`${what}: invalid JSON at line ${line}, column ${column} (position ${at.pos}): ${at.problem}`);
  }
}

/**
 * Finds where JSON text first goes wrong: V8's `JSON.parse` messages do not always carry a
 * position. A small recursive-descent scanner that only validates. `undefined` if the text is valid.
 */
export function jsonErrorAt(s: string): { pos: number; problem: string } | undefined {
  let i = 0;
  class Stop { constructor(readonly pos: number, readonly problem: string) {} }
  const stop = (problem: string): never => {
    throw new Stop(i, i >= s.length ? 'unexpected end of input' : `${problem}, found ${JSON.stringify(s[i])}`);
  };
  const ws = (): void => { while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++; };
  const string = (): void => {
    i++;
    while (i < s.length) {
      const c = s[i];
      if (c === '"') { i++; return; }
      if (c === '\\') {
        i++;
        if (s[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 1, i + 5))) stop('invalid \\u escape');
          i += 5;
        } else if (i < s.length && '"\\/bfnrt'.includes(s[i])) i++;
        else stop('invalid escape in a string');
      } else if (c < ' ') stop('control character in a string');
      else i++;
    }
    throw new Stop(i, 'unterminated string');
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): void => {
    ws();
    const c = s[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (s[i] === close) { i++; return; }
      for (;;) {
        ws();
        if (c === '{') {
          if (s[i] !== '"') stop('expected a property name in double quotes');
          string();
          ws();
          if (s[i] !== ':') stop("expected ':' after a property name");
          i++;
        }
        value();
        ws();
        if (s[i] === ',') { i++; continue; }
        if (s[i] === close) { i++; return; }
        stop(`expected ',' or '${close}'`);
      }
    }
    if (c === '"') return string();
    NUMBER.lastIndex = i;
    if ((c === '-' || (c >= '0' && c <= '9')) && NUMBER.test(s)) { i = NUMBER.lastIndex; return; }
    for (const lit of ['true', 'false', 'null']) if (s.startsWith(lit, i)) { i += lit.length; return; }
    stop('expected a value');
  };
  try {
    value();
    ws();
    if (i < s.length) stop('unexpected text after the JSON value');
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return { pos: e.pos, problem: e.problem };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers

/** Rounds half away from zero to `digits` decimals (negative: tens, hundreds), exact in decimal. */
export function roundTo(x: number, digits: number): number {
  if (!Number.isFinite(x) || digits > 20) return x;
  const sign = x < 0 ? -1 : 1;
  const shift = (n: number, by: number): number => {
    const [m, e] = String(n).split('e');
    return Number(`${m}e${Number(e ?? 0) + by}`);
  };
  const r = sign * shift(Math.round(shift(Math.abs(x), digits)), -digits);
  return r === 0 ? 0 : r;
}
