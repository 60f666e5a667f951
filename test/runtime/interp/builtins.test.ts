/**
 * Built-in functions (callBuiltin): every pure function of BUILTIN_FUNCTIONS with real values,
 * edge cases and error messages, and the sync/async contract of the higher-order ones.
 * Methods are in builtin-methods.test.ts. The last test checks that every catalog function was called.
 */
import * as assert from 'node:assert';
import { BUILTIN_FUNCTIONS } from '../../../runtime/dsl/builtins';
import { BatonError } from '../../../runtime/errors';
import { callBuiltin } from '../../../runtime/interp/builtin-functions';
import { ErrorValue, Tagged, type Value } from '../../../runtime/interp/values';
import { apply, asyncLam, called, lam } from './builtin-test-helpers';

function call(name: string, ...args: Value[]): Value | Promise<Value> {
  called.functions.add(name);
  return callBuiltin(name, args, {}, apply);
}
function callNamed(name: string, args: Value[], named: Record<string, Value>): Value | Promise<Value> {
  called.functions.add(name);
  return callBuiltin(name, args, named, apply);
}
function fails(f: () => unknown, message: string | RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof BatonError, `expected a BatonError, got ${String(e)}`);
    assert.strictEqual(e.code, 'runtime');
    if (typeof message === 'string') assert.strictEqual(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('built-in functions', () => {
  it('len / length of strings, lists and records; a clear error otherwise', () => {
    assert.strictEqual(call('len', 'hello'), 5);
    assert.strictEqual(call('len', [1, 2, 3]), 3);
    assert.strictEqual(call('length', { a: 1, b: 2 }), 2);
    assert.strictEqual(call('len', ''), 0);
    fails(() => call('len', 5), 'len() expects a string, list or record, got int');
    fails(() => call('len', null), 'len() expects a string, list or record, got None');
    fails(() => call('len', 'a', 'b'), 'len() takes 1 argument, got 2');
  });

  it('keys / values in insertion order', () => {
    assert.deepStrictEqual(call('keys', { b: 1, a: 2 }), ['b', 'a']);
    assert.deepStrictEqual(call('values', { b: 1, a: [2] }), [1, [2]]);
    fails(() => call('keys', [1]), 'keys() expects a record, got List');
  });

  it('contains: substring, element by value, record key', () => {
    assert.strictEqual(call('contains', 'hello world', 'o w'), true);
    assert.strictEqual(call('contains', [1, { a: [2] }], { a: [2] }), true);
    assert.strictEqual(call('contains', [1, 2], 3), false);
    assert.strictEqual(call('contains', { k: null }, 'k'), true);
    assert.strictEqual(call('contains', { k: 1 }, 'x'), false);
    assert.strictEqual(call('contains', null, 'x'), false);
    fails(() => call('contains', 12, 1), 'contains() expects a string, list or record, got int');
  });

  it('format: {} sequential, {0} positional, {name} named or from a record, {{ }} literal', () => {
    assert.strictEqual(call('format', 'a {} b {}', 1, 'x'), 'a 1 b x');
    assert.strictEqual(call('format', '{1}-{0}-{1}', 'a', 'b'), 'b-a-b');
    assert.strictEqual(callNamed('format', ['hi {name}, {}', 'X'], { name: 'Ann' }), 'hi Ann, X');
    assert.strictEqual(call('format', '{user} is {age}', { user: 'Bo', age: 3 }), 'Bo is 3');
    assert.strictEqual(call('format', '{u.name}!', { u: { name: 'Cy' } }), 'Cy!');
    assert.strictEqual(call('format', '{{literal}} {}', [1, 'a']), '{literal} [1,"a"]');
    assert.strictEqual(call('format', '{:.2f} {}', 3.14159, null), '3.14 None');
    assert.strictEqual(call('format', 'no placeholders'), 'no placeholders');
    fails(() => call('format', '{} {}', 1), 'format(): not enough arguments: placeholder number 2 has no value (got 1)');
    fails(() => call('format', '{2}', 1), 'format(): no argument {2} (got 1 argument)');
    fails(() => call('format', '{who}', { name: 'x' }), "format(): no value for {who}: pass who: value, or a record with a 'who' field");
    fails(() => call('format', 'x {oops', 1), "format(): unclosed '{' at position 2 of the template (write '{{' for a literal brace)");
    fails(() => call('format', 'x } y'), "format(): single '}' at position 2 of the template (write '}}' for a literal brace)");
    fails(() => call('format', 42), 'format() expects a template string first, got int');
  });

  it('to_json compact and indented; from_json parses and reports the position of bad JSON', () => {
    assert.strictEqual(call('to_json', { a: [1, null, true] }), '{"a":[1,null,true]}');
    assert.strictEqual(call('to_json', { a: 1 }, 2), '{\n  "a": 1\n}');
    assert.strictEqual(call('to_json', [new Tagged('Some', 1), new Tagged('Err', 'x'), new ErrorValue('bad')]), '[1,{"error":"x"},{"error":"bad"}]');
    fails(() => call('to_json', 1, [2]), 'to_json() expects the indent as a non-negative int, got List');
    const loop: Value[] = [1];
    loop.push(loop);
    fails(() => call('to_json', loop), 'to_json(): the value contains itself (or is nested too deeply)');
    assert.deepStrictEqual(call('from_json', '{"a": [1, 2.5, "x", null, false]}'), { a: [1, 2.5, 'x', null, false] });
    fails(() => call('from_json', '{\n  "a": }'), 'from_json(): invalid JSON at line 2, column 8 (position 9): expected a value, found "}"');
    fails(() => call('from_json', '[1, 2'), 'from_json(): invalid JSON at line 1, column 6 (position 5): unexpected end of input');
    fails(() => call('from_json', '{"a": 1} x'), /position 9\): unexpected text after the JSON value/);
    fails(() => call('from_json', "{'a': 1}"), /position 1\): expected a property name in double quotes/);
    fails(() => call('from_json', 3), 'from_json() expects a string, got int');
  });

  it('upper, lower, trim, split, join, replace, starts_with, ends_with', () => {
    assert.strictEqual(call('upper', 'aBc'), 'ABC');
    assert.strictEqual(call('lower', 'aBc'), 'abc');
    assert.strictEqual(call('trim', '  a b \n'), 'a b');
    assert.deepStrictEqual(call('split', 'a,b,,c', ','), ['a', 'b', '', 'c']);
    assert.deepStrictEqual(call('split', 'abc', ''), ['a', 'b', 'c']);
    assert.strictEqual(call('join', ['a', 1, true], '-'), 'a-1-true');
    assert.strictEqual(call('join', [], ', '), '');
    assert.strictEqual(call('replace', 'a.b.c', '.', '/'), 'a/b/c');
    assert.strictEqual(call('starts_with', 'src/x.ts', 'src/'), true);
    assert.strictEqual(call('ends_with', 'src/x.ts', '.js'), false);
    fails(() => call('upper', 1), 'upper() expects a string, got int');
    fails(() => call('split', 'a', 1), 'split() expects a string separator, got int');
    fails(() => call('join', 'abc', ','), 'join() expects a list, got String');
  });

  it('range with one, two and three arguments, negative steps, and limits', () => {
    assert.deepStrictEqual(call('range', 3), [0, 1, 2]);
    assert.deepStrictEqual(call('range', 2, 5), [2, 3, 4]);
    assert.deepStrictEqual(call('range', 10, 0, -3), [10, 7, 4, 1]);
    assert.deepStrictEqual(call('range', 0), []);
    assert.deepStrictEqual(call('range', 5, 2), []);
    fails(() => call('range', 1, 5, 0), 'range() step must not be 0');
    fails(() => call('range', 1.5), 'range() expects int bounds, got float');
    fails(() => call('range', 1e9), /range\(\) would make 1000000000 elements/);
  });

  it('min / max of arguments or of one list; sum; abs', () => {
    assert.strictEqual(call('min', 3, 1, 2), 1);
    assert.strictEqual(call('max', [3, 10, 2]), 10);
    assert.strictEqual(call('max', 'pear', 'apple'), 'pear');
    assert.strictEqual(call('min', 7), 7);
    fails(() => call('min', []), 'min() of an empty list');
    fails(() => call('max', 1, 'a'), 'max() cannot compare int with String (elements 0 and 1)');
    fails(() => call('max', [{}]), 'max() can only compare numbers or strings, got Record');
    assert.strictEqual(call('sum', [1, 2.5, -1]), 2.5);
    assert.strictEqual(call('sum', []), 0);
    fails(() => call('sum', [1, 'a']), 'sum() expects a list of numbers, element 1 is String');
    assert.strictEqual(call('abs', -3.5), 3.5);
    fails(() => call('abs', '3'), 'abs() expects a number, got String');
  });

  it('round (half away from zero, exact decimals, digits by name), floor, ceil', () => {
    assert.strictEqual(call('round', 2.5), 3);
    assert.strictEqual(call('round', -2.5), -3);
    assert.strictEqual(call('round', 1.005, 2), 1.01);
    assert.strictEqual(call('round', 1234.5, -2), 1200);
    assert.strictEqual(call('round', 0.1 + 0.2, 30), 0.1 + 0.2);
    assert.strictEqual(callNamed('round', [3.14159], { digits: 3 }), 3.142);
    assert.ok(Object.is(call('round', -0.2), 0));
    assert.strictEqual(call('floor', -1.5), -2);
    assert.strictEqual(call('ceil', 1.2), 2);
    fails(() => call('round', 1.5, 1.5), 'round() expects an int number of digits, got float');
    fails(() => callNamed('round', [1], { places: 2 }), "round() has no parameter 'places' (parameters: x, digits)");
    fails(() => callNamed('round', [1, 2], { digits: 2 }), "round() got 'digits' both by position and by name");
  });

  it('sort: numbers numerically, strings lexicographically, stable with a key, mixed is an error', () => {
    const xs = [10, 9, 1, 100];
    assert.deepStrictEqual(call('sort', xs), [1, 9, 10, 100]);
    assert.deepStrictEqual(xs, [10, 9, 1, 100], 'sort returns a copy');
    assert.deepStrictEqual(call('sort', ['b', 'B', 'a']), ['B', 'a', 'b']);
    const tasks = [{ n: 'a', p: 2 }, { n: 'b', p: 1 }, { n: 'c', p: 2 }, { n: 'd', p: 1 }];
    const sorted = call('sort', tasks, lam((t) => (t as { p: number }).p)) as Array<{ n: string }>;
    assert.deepStrictEqual(sorted.map((t) => t.n), ['b', 'd', 'a', 'c']);
    fails(() => call('sort', [1, 'a']), 'sort() cannot compare int with String (elements 0 and 1)');
    fails(() => call('sort', [1, 2], 3), 'sort() expects a key function, got int');
  });

  it('reverse (a copy) and unique (by value)', () => {
    const xs = [1, 2, 3];
    assert.deepStrictEqual(call('reverse', xs), [3, 2, 1]);
    assert.deepStrictEqual(xs, [1, 2, 3]);
    assert.strictEqual(call('reverse', 'abc'), 'cba');
    assert.deepStrictEqual(call('unique', [1, 1, { a: [1] }, { a: [1] }, '1', null, null, 1]), [1, { a: [1] }, '1', null]);
  });

  it('map, filter, any, all with lambdas; any/all short-circuit; any/all without a lambda', () => {
    assert.deepStrictEqual(call('map', [1, 2, 3], lam((x) => (x as number) * 2)), [2, 4, 6]);
    assert.deepStrictEqual(call('filter', [1, 2, 3, 4], lam((x) => (x as number) % 2 === 0)), [2, 4]);
    const seen: Value[] = [];
    assert.strictEqual(call('any', [1, 5, 9], lam((x) => { seen.push(x); return (x as number) > 3; })), true);
    assert.deepStrictEqual(seen, [1, 5]);
    const seen2: Value[] = [];
    assert.strictEqual(call('all', [1, 5, 9], lam((x) => { seen2.push(x); return (x as number) < 3; })), false);
    assert.deepStrictEqual(seen2, [1, 5]);
    assert.strictEqual(call('any', [0, '', null]), false);
    assert.strictEqual(call('all', [1, 'x', [0]]), true);
    assert.strictEqual(call('all', []), true);
    assert.strictEqual(call('any', []), false);
    fails(() => call('map', [1], 3), 'map() expects a function as its second argument, got int');
    fails(() => call('filter', 'abc', lam((x) => x)), 'filter() expects a list, got String');
  });

  it('slice like Python, get with defaults, merge', () => {
    const xs = [0, 1, 2, 3, 4];
    assert.deepStrictEqual(call('slice', xs, -2), [3, 4]);
    assert.deepStrictEqual(call('slice', xs, 1, -1), [1, 2, 3]);
    assert.deepStrictEqual(call('slice', xs, 3, 100), [3, 4]);
    assert.deepStrictEqual(call('slice', xs, 4, 1), []);
    assert.deepStrictEqual(callNamed('slice', [xs], { end: 2 }), [0, 1]);
    assert.strictEqual(call('slice', 'hello', 1, 3), 'el');
    fails(() => call('slice', 5, 1), 'slice() expects a list or string, got int');
    assert.strictEqual(call('get', { a: 1 }, 'a'), 1);
    assert.strictEqual(call('get', { a: 1 }, 'b'), null);
    assert.strictEqual(call('get', { a: 1 }, 'b', 'dflt'), 'dflt');
    assert.strictEqual(callNamed('get', [{}, 'b'], { default: 7 }), 7);
    assert.strictEqual(call('get', [10, 20], -1), 20);
    assert.strictEqual(call('get', [10, 20], 5, 0), 0);
    assert.strictEqual(call('get', null, 'a', 'd'), 'd');
    assert.strictEqual(call('get', new Tagged('Some', { a: 1 }), 'a'), 1);
    fails(() => call('get', 5, 'a'), 'get() expects a record or list, got int');
    fails(() => call('get', [1], 'a'), 'get() expects an int index for a list, got String');
    assert.deepStrictEqual(call('merge', { a: 1, b: 1 }, { b: 2 }, null, { c: 3 }), { a: 1, b: 2, c: 3 });
    fails(() => call('merge', { a: 1 }, [1]), 'merge() expects records (argument 2 is not), got List');
  });

  it('str / to_string, int, float, bool, type_of', () => {
    assert.strictEqual(call('str', 1.5), '1.5');
    assert.strictEqual(call('str', null), 'None');
    assert.strictEqual(call('to_string', [1, 'a']), '[1,"a"]');
    assert.strictEqual(call('str', new Tagged('Some', 2)), 'Some(2)');
    assert.strictEqual(call('int', '42'), 42);
    assert.strictEqual(call('int', ' -7 '), -7);
    assert.strictEqual(call('int', '1_000'), 1000);
    assert.strictEqual(call('int', 3.9), 3);
    assert.strictEqual(call('int', -3.9), -3);
    assert.strictEqual(call('int', true), 1);
    fails(() => call('int', '3.7'), 'int(): "3.7" is not an integer (use int(float(x)) to truncate)');
    fails(() => call('int', 'abc'), 'int(): "abc" is not a number');
    fails(() => call('int', null), 'int() expects a string, number or bool, got None');
    assert.strictEqual(call('float', '2.5'), 2.5);
    assert.strictEqual(call('float', 3), 3);
    fails(() => call('float', ''), 'float(): "" is not a number');
    assert.strictEqual(call('bool', 0), false);
    assert.strictEqual(call('bool', 'x'), true);
    assert.strictEqual(call('bool', new Tagged('Err', 'e')), false);
    assert.deepStrictEqual([1, 1.5, 's', true, [], {}, null].map((v) => call('type_of', v)), ['int', 'float', 'String', 'bool', 'List', 'Record', 'None']);
  });

  it('is_empty, error, Some, Ok, Err', () => {
    assert.deepStrictEqual((['', [], {}, null, 'a', [0], { a: 1 }] as Value[]).map((v) => call('is_empty', v)), [true, true, true, true, false, false, false]);
    fails(() => call('is_empty', 3), 'is_empty() expects a string, list or record, got int');
    const e = call('error', 'boom', { code: 1 });
    assert.ok(e instanceof ErrorValue);
    assert.strictEqual(e.message, 'boom');
    assert.deepStrictEqual(e.data, { code: 1 });
    assert.strictEqual((call('error', 'x') as ErrorValue).data, null);
    const some = call('Some', 1), ok = call('Ok', [1]), err = call('Err', 'no');
    assert.ok(some instanceof Tagged && some.tag === 'Some' && some.value === 1);
    assert.ok(ok instanceof Tagged && ok.tag === 'Ok');
    assert.deepStrictEqual((ok as Tagged).value, [1]);
    assert.ok(err instanceof Tagged && err.tag === 'Err' && err.value === 'no');
  });

  it('effects and unknown names are not callBuiltin\'s', () => {
    for (const name of ['now', 'uuid', 'random', 'sleep', 'log', 'send', 'publish', 'receive', 'memory_write', 'memory_read', 'memory_search']) {
      fails(() => callBuiltin(name, [], {}, apply), new RegExp(`${name}\\(\\) is an effect`));
    }
    fails(() => callBuiltin('frobnicate', [], {}, apply), 'unknown built-in function frobnicate()');
    fails(() => callNamed('len', ['x'], { y: 1 }), "len() has no parameter 'y' (parameters: value)");
  });
});

describe('built-in functions with an async apply', () => {
  it('all-synchronous lambdas give a plain value, not a Promise', () => {
    const r = call('map', [1, 2], lam((x) => (x as number) + 1));
    assert.ok(!(r instanceof Promise));
    assert.deepStrictEqual(r, [2, 3]);
  });

  it('a lambda returning a Promise makes map return a Promise of the right result', async () => {
    const r = call('map', [1, 2, 3], asyncLam((x) => (x as number) * 10));
    assert.ok(r instanceof Promise);
    assert.deepStrictEqual(await r, [10, 20, 30]);
  });

  it('switches to async midway and keeps order; lambdas run one at a time', async () => {
    const log: string[] = [];
    let running = 0;
    const f = lam((x) => {
      if ((x as number) < 2) { log.push(`sync ${x}`); return (x as number) * 2; }
      running++;
      assert.strictEqual(running, 1, 'no two lambda calls overlap');
      log.push(`start ${x}`);
      return new Promise<Value>((res) => setTimeout(() => { running--; log.push(`end ${x}`); res((x as number) * 2); }, 4 - (x as number)));
    });
    const r = call('map', [0, 1, 2, 3], f);
    assert.ok(r instanceof Promise);
    assert.deepStrictEqual(await r, [0, 2, 4, 6]);
    assert.deepStrictEqual(log, ['sync 0', 'sync 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('filter, any, all and sort with an async lambda', async () => {
    assert.deepStrictEqual(await call('filter', [1, 2, 3, 4], asyncLam((x) => (x as number) > 2)), [3, 4]);
    const seen: Value[] = [];
    assert.strictEqual(await call('any', [1, 2, 3], asyncLam((x) => { seen.push(x); return x === 2; })), true);
    assert.deepStrictEqual(seen, [1, 2], 'any stops at the first true');
    assert.strictEqual(await call('all', [1, 2, 3], asyncLam((x) => (x as number) > 0)), true);
    assert.strictEqual(await call('all', [1, -2, 3], asyncLam((x) => (x as number) > 0)), false);
    assert.deepStrictEqual(await call('sort', ['ccc', 'a', 'bb'], asyncLam((x) => (x as string).length)), ['a', 'bb', 'ccc']);
  });

  it('a failing async lambda rejects the Promise with its error', async () => {
    const r = call('map', [1, 2], asyncLam((x) => { if (x === 2) throw new BatonError('runtime', 'bad element'); return x; }));
    await assert.rejects(Promise.resolve(r), /bad element/);
    await assert.rejects(Promise.resolve(call('sort', [1, 2], asyncLam((x) => (x === 1 ? 'a' : 1)))), /sort\(\) cannot compare String with int/);
  });
});

describe('built-in catalog coverage', () => {
  it('every pure function of BUILTIN_FUNCTIONS was exercised above', () => {
    const pure = [...BUILTIN_FUNCTIONS.values()].filter((f) => !f.effect).map((f) => f.name);
    assert.deepStrictEqual(pure.filter((n) => !called.functions.has(n)), []);
  });
});
