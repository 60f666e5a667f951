/**
 * Operators, member access, indexing and pattern matching: the parts of evaluation that do not
 * depend on whether an expression is evaluated synchronously or asynchronously.
 * Errors are `BatonError('runtime')` without a location; the evaluator adds it.
 */
import type { PatternIR } from '../ir/schema';
import { BatonError } from '../errors';
import { Scope } from './scope';
import { equals, ErrorValue, isRecord, Ref, show, Tagged, truthy, typeName, Value } from './values';

function fail(message: string): never { throw new BatonError('runtime', message); }

function num(v: Value, op: string): number {
  if (typeof v === 'number') return v;
  return fail(`'${op}' expects numbers, got ${typeName(v)}`);
}

export function unaryOp(op: string, v: Value): Value {
  if (op === '!' || op === 'not') return !truthy(v);
  if (op === '-') return -num(v, '-');
  if (op === '+') return num(v, '+');
  return fail(`unknown operator '${op}'`);
}

export function contains(coll: Value, item: Value): boolean {
  if (typeof coll === 'string') return typeof item === 'string' ? coll.includes(item) : false;
  if (Array.isArray(coll)) return coll.some((x) => equals(x, item));
  if (isRecord(coll)) return typeof item === 'string' && Object.prototype.hasOwnProperty.call(coll, item);
  if (coll === null) return false;
  return fail(`'in' expects a string, list or record on the right, got ${typeName(coll)}`);
}

function compare(op: string, a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  return fail(`cannot compare ${typeName(a)} ${op} ${typeName(b)}`);
}

/** Binary operators except `&&` and `||`, which short-circuit in the evaluator. */
export function binaryOp(op: string, a: Value, b: Value): Value {
  switch (op) {
    case '==': return equals(a, b);
    case '!=': return !equals(a, b);
    case 'in': return contains(b, a);
    case '<': case '>': case '<=': case '>=': return compare(op, a, b);
    case '+':
      if (typeof a === 'number' && typeof b === 'number') return a + b;
      if (typeof a === 'string' || typeof b === 'string') return show(a) + show(b);
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      if (isRecord(a) && isRecord(b)) return { ...a, ...b };
      return fail(`cannot add ${typeName(a)} and ${typeName(b)}`);
    case '-': return num(a, '-') - num(b, '-');
    case '*':
      if (typeof a === 'string' && typeof b === 'number') return a.repeat(Math.max(0, Math.trunc(b)));
      return num(a, '*') * num(b, '*');
    case '/': {
      const d = num(b, '/');
      if (d === 0) fail('division by zero');
      return num(a, '/') / d;
    }
    case '%': {
      const d = num(b, '%');
      if (d === 0) fail('division by zero');
      return num(a, '%') % d;
    }
    default: return fail(`unknown operator '${op}'`);
  }
}

/** Assignment operators `+= -= *= /= %=` in terms of the binary ones. */
export function compound(op: string, old: Value, v: Value): Value {
  return op === '=' ? v : binaryOp(op.slice(0, -1), old, v);
}

export function member(obj: Value, name: string): Value {
  if (obj instanceof Tagged && obj.tag !== 'Err') return member(obj.value, name);
  if (isRecord(obj)) return Object.prototype.hasOwnProperty.call(obj, name) ? obj[name] : null;
  if (obj instanceof ErrorValue) {
    if (name === 'message') return obj.message;
    if (name === 'data') return obj.data;
  }
  if ((typeof obj === 'string' || Array.isArray(obj)) && (name === 'length' || name === 'len')) return obj.length;
  if (obj === null) return fail(`cannot read '.${name}' of None`);
  if (obj instanceof Ref) return fail(`'${obj.name}' is a ${obj.kind}; it has no field '${name}'`);
  return fail(`${typeName(obj)} has no field '${name}'`);
}

export function index(obj: Value, i: Value): Value {
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (typeof i !== 'number' || !Number.isInteger(i)) return fail(`a ${typeName(obj)} index must be an int, got ${typeName(i)}`);
    const k = i < 0 ? obj.length + i : i;
    if (k < 0 || k >= obj.length) return fail(`index ${i} out of range for a ${typeName(obj)} of length ${obj.length}`);
    return obj[k];
  }
  if (isRecord(obj)) {
    if (typeof i !== 'string') return fail(`a record key must be a String, got ${typeName(i)}`);
    return Object.prototype.hasOwnProperty.call(obj, i) ? obj[i] : null;
  }
  return fail(`cannot index a ${typeName(obj)}`);
}

function writable(obj: Value, what: string): void {
  if (Object.isFrozen(obj)) fail(`cannot change ${what}: the run context is read-only`);
}

export function setMember(obj: Value, name: string, v: Value): void {
  if (isRecord(obj)) { writable(obj, `'.${name}'`); obj[name] = v; return; }
  fail(`cannot set '.${name}' on a ${typeName(obj)}`);
}

export function setIndex(obj: Value, i: Value, v: Value): void {
  if (Array.isArray(obj)) {
    writable(obj, `element ${show(i)}`);
    if (typeof i !== 'number' || !Number.isInteger(i)) fail(`a list index must be an int, got ${typeName(i)}`);
    const k = (i as number) < 0 ? obj.length + (i as number) : (i as number);
    if (k < 0 || k >= obj.length) fail(`index ${i} out of range for a list of length ${obj.length}`);
    obj[k] = v;
    return;
  }
  if (isRecord(obj)) {
    if (typeof i !== 'string') fail(`a record key must be a String, got ${typeName(i)}`);
    writable(obj, `'${i}'`);
    obj[i as string] = v;
    return;
  }
  fail(`cannot index-assign a ${typeName(obj)}`);
}

/** Matches a value against a pattern, binding names into `scope`; false if it does not match. */
export function matchPattern(p: PatternIR, v: Value, scope: Scope): boolean {
  switch (p.p) {
    case 'wild': return true;
    case 'lit': return equals(p.value, v);
    case 'bind':
      if (p.name === 'None') return v === null;
      scope.define(p.name, v);
      return true;
    case 'or': return p.options.some((o) => matchPattern(o, v, scope));
    case 'ctor': {
      const inner = p.args[0];
      if (p.name === 'Some') {
        if (v === null || v instanceof ErrorValue || (v instanceof Tagged && v.tag === 'Err')) return false;
        const x = v instanceof Tagged ? v.value : v;
        return inner ? matchPattern(inner, x, scope) : true;
      }
      if (p.name === 'Ok') {
        if (v instanceof Tagged && v.tag === 'Err') return false;
        if (v instanceof ErrorValue) return false;
        const x = v instanceof Tagged ? v.value : v;
        return inner ? matchPattern(inner, x, scope) : true;
      }
      if (p.name === 'Err') {
        if (v instanceof Tagged && v.tag === 'Err') return inner ? matchPattern(inner, v.value, scope) : true;
        if (v instanceof ErrorValue) return inner ? matchPattern(inner, v.message, scope) : true;
        return false;
      }
      if (p.name === 'None') return v === null;
      // `Kind(x)` on a record with a matching `type`/`kind` tag.
      if (isRecord(v) && (v.type === p.name || v.kind === p.name)) return inner ? matchPattern(inner, v, scope) : true;
      return false;
    }
  }
}
