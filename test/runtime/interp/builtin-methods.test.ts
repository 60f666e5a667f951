/**
 * Built-in methods (callMethod): every entry of BUILTIN_METHODS with real values, in-place
 * mutation, Optional/Result helpers, error messages, and an async lambda through `count`.
 */
import * as assert from 'node:assert';
import { BUILTIN_METHODS } from '../../../runtime/dsl/builtins';
import { BatonError } from '../../../runtime/errors';
import { callMethod } from '../../../runtime/interp/builtin-functions';
import { ErrorValue, Tagged, type Value } from '../../../runtime/interp/values';
import { apply, asyncLam, called, lam } from './builtin-test-helpers';

function m(target: Value, name: string, ...args: Value[]): Value | Promise<Value> {
  called.methods.add(name);
  return callMethod(target, name, args, {}, apply);
}
function fails(f: () => unknown, message: string | RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof BatonError, `expected a BatonError, got ${String(e)}`);
    if (typeof message === 'string') assert.strictEqual(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('built-in methods', () => {
  it('append / push mutate the list in place and return None', () => {
    const xs: Value[] = [1];
    assert.strictEqual(m(xs, 'append', 2), null);
    assert.strictEqual(m(xs, 'push', 3, 4), null);
    assert.deepStrictEqual(xs, [1, 2, 3, 4]);
    fails(() => m('abc', 'append', 1), 'append() is a list method; called on String');
    fails(() => m(xs, 'append'), 'append() takes at least 1 argument, got 0');
  });

  it('pop: last element, by index, on records with a default; errors on empty and out of range', () => {
    const xs: Value[] = [1, 2, 3, 4];
    assert.strictEqual(m(xs, 'pop'), 4);
    assert.strictEqual(m(xs, 'pop', 0), 1);
    assert.deepStrictEqual(xs, [2, 3]);
    fails(() => m([1, 2, 3], 'pop', 5), 'index 5 out of range for a list of 3');
    fails(() => m([], 'pop'), 'pop() on an empty list');
    const r = { a: 1, b: 2 };
    assert.strictEqual(m(r, 'pop', 'a'), 1);
    assert.deepStrictEqual(r, { b: 2 });
    assert.strictEqual(m(r, 'pop', 'zz', 'dflt'), 'dflt');
    fails(() => m(r, 'pop', 'zz'), "pop(): the record has no field 'zz'");
  });

  it('insert and remove on records and lists', () => {
    const r: Record<string, Value> = { a: 1 };
    assert.strictEqual(m(r, 'insert', 'b', 2), null);
    assert.deepStrictEqual(r, { a: 1, b: 2 });
    assert.strictEqual(m(r, 'remove', 'a'), 1);
    assert.strictEqual(m(r, 'remove', 'nope'), null);
    assert.deepStrictEqual(r, { b: 2 });
    const xs: Value[] = ['a', 'c'];
    m(xs, 'insert', 1, 'b');
    m(xs, 'insert', -1, 'x');
    m(xs, 'insert', 99, 'z');
    assert.deepStrictEqual(xs, ['a', 'b', 'x', 'c', 'z']);
    assert.strictEqual(m(xs, 'remove', 'x'), 'x');
    assert.deepStrictEqual(xs, ['a', 'b', 'c', 'z']);
    fails(() => m(xs, 'remove', 'q'), 'remove(): q is not in the list');
    fails(() => m(5, 'insert', 0, 1), 'insert() is a list method; called on int');
  });

  it('string methods: contains, starts_with, ends_with, upper, lower, trim, split, replace, format', () => {
    assert.strictEqual(m('main.rs', 'ends_with', '.rs'), true);
    assert.strictEqual(m('main.rs', 'starts_with', 'lib'), false);
    assert.strictEqual(m('abc', 'contains', 'bc'), true);
    assert.strictEqual(m('aB', 'upper'), 'AB');
    assert.strictEqual(m('aB', 'lower'), 'ab');
    assert.strictEqual(m('  x ', 'trim'), 'x');
    assert.deepStrictEqual(m(' a  b\tc ', 'split'), ['a', 'b', 'c']);
    assert.deepStrictEqual(m('a=b', 'split', '='), ['a', 'b']);
    assert.strictEqual(m('aaa', 'replace', 'a', 'bb'), 'bbbbbb');
    assert.strictEqual(m('{} of {}', 'format', 1, 2), '1 of 2');
    called.methods.add('format');
    assert.strictEqual(callMethod('hi {who}', 'format', [], { who: 'you' }, apply), 'hi you');
    fails(() => m(3, 'upper'), 'upper() expects a string, got int');
    fails(() => m('x', 'upper', 1), 'upper() takes 0 arguments, got 1');
  });

  it('join both ways, keys, values, get, len, length, is_empty, to_json, merge', () => {
    assert.strictEqual(m(['a', 'b'], 'join', ', '), 'a, b');
    assert.strictEqual(m('-', 'join', ['a', 'b']), 'a-b');
    const r = { x: 1, y: [2] };
    assert.deepStrictEqual(m(r, 'keys'), ['x', 'y']);
    assert.deepStrictEqual(m(r, 'values'), [1, [2]]);
    assert.strictEqual(m(r, 'get', 'x'), 1);
    assert.strictEqual(m(r, 'get', 'z', 0), 0);
    assert.strictEqual(m('abcd', 'len'), 4);
    assert.strictEqual(m([1, 2], 'length'), 2);
    assert.strictEqual(m([], 'is_empty'), true);
    assert.strictEqual(m('x', 'is_empty'), false);
    assert.strictEqual(m(r, 'to_json'), '{"x":1,"y":[2]}');
    assert.strictEqual(m([1], 'to_json', 1), '[\n 1\n]');
    assert.deepStrictEqual(m(r, 'merge', { x: 9 }, { z: true }), { x: 9, y: [2], z: true });
    assert.deepStrictEqual(r, { x: 1, y: [2] }, 'merge does not mutate its target');
  });

  it('list methods: map, filter, sort, reverse, slice, index_of, any, all, first, last', () => {
    assert.deepStrictEqual(m([1, 2], 'map', lam((x) => `#${x}`)), ['#1', '#2']);
    assert.deepStrictEqual(m([1, 2, 3], 'filter', lam((x) => x !== 2)), [1, 3]);
    assert.deepStrictEqual(m([3, 1, 2], 'sort'), [1, 2, 3]);
    assert.deepStrictEqual(m(['bb', 'a'], 'sort', lam((x) => (x as string).length)), ['a', 'bb']);
    assert.deepStrictEqual(m([1, 2, 3], 'reverse'), [3, 2, 1]);
    assert.deepStrictEqual(m([1, 2, 3, 4], 'slice', 1, -1), [2, 3]);
    assert.strictEqual(m('hello', 'slice', -3), 'llo');
    assert.strictEqual(m([1, { a: 1 }], 'index_of', { a: 1 }), 1);
    assert.strictEqual(m([1, 2], 'index_of', 9), -1);
    assert.strictEqual(m('hello', 'index_of', 'll'), 2);
    assert.strictEqual(m('hello', 'index_of', 'z'), -1);
    assert.strictEqual(m([0, 3], 'any', lam((x) => (x as number) > 2)), true);
    assert.strictEqual(m([0, 3], 'all'), false);
    assert.strictEqual(m([7, 8], 'first'), 7);
    assert.strictEqual(m([7, 8], 'last'), 8);
    assert.strictEqual(m([], 'first'), null);
    assert.strictEqual(m([], 'last'), null);
    assert.strictEqual(m('abc', 'first'), 'a');
    assert.strictEqual(m('', 'last'), null);
    fails(() => m(5, 'first'), 'first() is a list method; called on int');
  });

  it('count: all, equal elements, a lambda (sync and async), substrings', async () => {
    assert.strictEqual(m([1, 2, 1], 'count'), 3);
    assert.strictEqual(m([1, 2, 1], 'count', 1), 2);
    assert.strictEqual(m([1, 2, 3], 'count', lam((x) => (x as number) > 1)), 2);
    const r = m([1, 2, 3], 'count', asyncLam((x) => (x as number) !== 2));
    assert.ok(r instanceof Promise);
    assert.strictEqual(await r, 2);
    assert.strictEqual(m('banana', 'count', 'an'), 2);
  });

  it('unwrap, unwrap_or, is_some, is_none, is_ok, is_err on Some/Ok/Err/None/errors/plain values', () => {
    const some = new Tagged('Some', 1), ok = new Tagged('Ok', 'v'), err = new Tagged('Err', 'nope'), ev = new ErrorValue('boom');
    assert.strictEqual(m(some, 'unwrap'), 1);
    assert.strictEqual(m(ok, 'unwrap'), 'v');
    assert.strictEqual(m(5, 'unwrap'), 5);
    fails(() => m(null, 'unwrap'), 'unwrap() on None');
    fails(() => m(err, 'unwrap'), 'unwrap() on Err(nope)');
    fails(() => m(ev, 'unwrap'), 'unwrap() on an error: boom');
    assert.strictEqual(m(null, 'unwrap_or', 0), 0);
    assert.strictEqual(m(err, 'unwrap_or', 0), 0);
    assert.strictEqual(m(some, 'unwrap_or', 0), 1);
    assert.strictEqual(m('x', 'unwrap_or', 0), 'x');
    assert.deepStrictEqual([some, null, err, 3].map((v) => m(v, 'is_some')), [true, false, false, true]);
    assert.deepStrictEqual([some, null, err].map((v) => m(v, 'is_none')), [false, true, false]);
    assert.deepStrictEqual([ok, err, ev, 3].map((v) => m(v, 'is_ok')), [true, false, false, true]);
    assert.deepStrictEqual([ok, err, ev].map((v) => m(v, 'is_err')), [false, true, true]);
  });

  it('unknown methods and named arguments are clear errors', () => {
    fails(() => m('x', 'frobnicate'), 'String has no method frobnicate()');
    fails(() => m([1], 'nope'), 'List has no method nope()');
    fails(() => callMethod([1], 'append', [1], { at: 0 }, apply), 'append() takes no named arguments');
    assert.strictEqual(callMethod(2.345, 'unwrap', [], {}, apply), 2.345);
  });

  it('every method of BUILTIN_METHODS was exercised above', () => {
    assert.deepStrictEqual([...BUILTIN_METHODS.keys()].filter((n) => !called.methods.has(n)), []);
  });
});
