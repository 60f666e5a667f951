/**
 * Declared types at run time: TypeIR → zod (validation with plain-word messages), JSON Schema
 * for structured output, and `describeType`. Includes the `Review` type of the code-reviewer
 * example, recursive types and alias cycles.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compile } from '../../../runtime/dsl/compiler';
import { analyzeText } from '../../../runtime/dsl/workspace';
import type { TypeIR } from '../../../runtime/ir/schema';
import { describeType, jsonSchemaOf, validate, zodOf } from '../../../runtime/interp/types';
import { repoRoot } from '../../helpers/paths';

const n = (name: string, ...args: TypeIR[]): TypeIR => ({ t: 'named', name, args });
const opt = (t: TypeIR): TypeIR => ({ ...t, optional: true } as TypeIR);
const arr = (element: TypeIR): TypeIR => ({ t: 'array', element });
const lit = (value: string | number | boolean): TypeIR => ({ t: 'lit', value });
const union = (...options: TypeIR[]): TypeIR => ({ t: 'union', options });
const rec = (fields: Record<string, TypeIR>, optionalFields: string[] = []): TypeIR =>
  ({ t: 'record', fields: Object.entries(fields).map(([name, type]) => ({ name, type, ...(optionalFields.includes(name) ? { optional: true } : {}) })) });

const ok = (v: unknown, t: TypeIR, types: Record<string, TypeIR> = {}): boolean => zodOf(t, types).safeParse(v).success;

function reviewerTypes(): Record<string, TypeIR> {
  const file = path.join(repoRoot(), 'examples', 'code-reviewer.baton');
  const r = compile(analyzeText(fs.readFileSync(file, 'utf8'), file));
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.program.types;
}

describe('types: TypeIR → zod', () => {
  it('primitive names and their aliases', () => {
    for (const s of ['String', 'string', 'str']) assert.ok(ok('x', n(s)) && !ok(1, n(s)), s);
    for (const s of ['int', 'integer']) assert.ok(ok(3, n(s)) && !ok(3.5, n(s)) && !ok('3', n(s)), s);
    for (const s of ['float', 'number']) assert.ok(ok(3.5, n(s)) && ok(3, n(s)) && !ok('3.5', n(s)), s);
    for (const s of ['bool', 'boolean']) assert.ok(ok(false, n(s)) && !ok(0, n(s)), s);
  });

  it('Any, JSON and undeclared names accept anything; a missing type is Any', () => {
    for (const s of ['Any', 'JSON', 'Json', 'OperationResult', 'Service']) {
      assert.ok(ok({ a: [1] }, n(s)) && ok(null, n(s)) && ok('x', n(s)), s);
    }
    assert.ok(zodOf(undefined, {}).safeParse(42).success);
  });

  it('List<T>, Array<T>, Vec<T> and [T]', () => {
    for (const t of [n('List', n('int')), n('Array', n('int')), n('Vec', n('int')), arr(n('int'))]) {
      assert.ok(ok([1, 2], t) && ok([], t), describeType(t));
      assert.ok(!ok([1, 'a'], t) && !ok({ 0: 1 }, t), describeType(t));
    }
  });

  it('Map<K, V> and Record are string-keyed records', () => {
    const t = n('Map', n('String'), n('int'));
    assert.ok(ok({ a: 1, b: 2 }, t) && ok({}, t));
    assert.ok(!ok({ a: 'x' }, t) && !ok([1], t));
    assert.ok(ok({ a: 'anything' }, n('Record')));
  });

  it('Optional<T>, Option, Maybe and T? accept None; Result<T, E> is checked as T', () => {
    for (const t of [n('Optional', n('int')), n('Option', n('int')), n('Maybe', n('int')), opt(n('int'))]) {
      assert.ok(ok(1, t) && ok(null, t) && ok(undefined, t) && !ok('1', t), describeType(t));
    }
    const r = n('Result', n('int'), n('String'));
    assert.ok(ok(3, r) && !ok('error text', r));
  });

  it('literal types and unions', () => {
    const verdict = union(lit('approve'), lit('request_changes'));
    assert.ok(ok('approve', verdict) && !ok('lgtm', verdict));
    assert.ok(ok(3, lit(3)) && !ok(4, lit(3)) && ok(true, lit(true)));
    const su = union(n('String'), n('int'));
    assert.ok(ok('a', su) && ok(1, su) && !ok(true, su));
    assert.ok(ok({ weird: 1 }, union(n('int'), n('Whatever'))), 'a union with an unknown name is Any');
  });

  it('records: required and optional fields; unknown keys are stripped, not errors', () => {
    const t = rec({ name: n('String'), age: n('int'), nick: n('String') }, ['nick']);
    assert.ok(ok({ name: 'a', age: 1 }, t));
    assert.ok(ok({ name: 'a', age: 1, nick: null }, t));
    assert.ok(!ok({ name: 'a' }, t));
    const v = validate({ name: 'a', age: 1, extra: true }, t, {});
    assert.deepStrictEqual(v, { ok: true, value: { name: 'a', age: 1 } });
  });

  it('names declared in `types` resolve (recursively) and win over built-in names', () => {
    const types = { Point: rec({ x: n('int'), y: n('int') }), Line: arr(n('Point')), String: n('int') };
    assert.ok(ok([{ x: 1, y: 2 }], n('Line'), types));
    assert.ok(!ok([{ x: 1, y: 'b' }], n('Line'), types));
    assert.ok(ok(5, n('String'), types) && !ok('s', n('String'), types));
  });

  it('recursive types go through z.lazy; bare alias cycles are Any and do not hang', () => {
    const types = { Tree: rec({ value: n('int'), children: arr(n('Tree')) }) };
    const good = { value: 1, children: [{ value: 2, children: [{ value: 3, children: [] }] }] };
    assert.ok(ok(good, n('Tree'), types));
    const bad = { value: 1, children: [{ value: 2, children: [{ value: 'three', children: [] }] }] };
    const v = validate(bad, n('Tree'), types);
    assert.ok(!v.ok);
    assert.strictEqual(v.message, 'children[0].children[0].value: expected int, got a string "three"');
    const loops = { A: n('B'), B: n('A'), C: union(n('int'), n('C')) };
    assert.ok(ok({ anything: 1 }, n('A'), loops));
    assert.ok(ok('x', n('C'), loops));
    const mutual = { Dept: rec({ staff: arr(n('Person')) }), Person: rec({ name: n('String'), dept: opt(n('Dept')) }) };
    assert.ok(ok({ staff: [{ name: 'a', dept: { staff: [] } }] }, n('Dept'), mutual));
    assert.ok(!ok({ staff: [{ name: 'a', dept: { staff: [{ name: 1 }] } }] }, n('Dept'), mutual));
  });
});

describe('types: validate messages', () => {
  const types = reviewerTypes();
  const review = n('Review');

  it('the code-reviewer Review type accepts a good answer', () => {
    assert.deepStrictEqual(Object.keys(types).sort(), ['Finding', 'Review']);
    const good = { verdict: 'request_changes', summary: 'One bug.', findings: [{ file: 'a.ts', line: 3, severity: 'major', message: 'off by one' }] };
    assert.deepStrictEqual(validate(good, review, types), { ok: true, value: good });
  });

  it('a bad answer names each bad field in plain words', () => {
    const bad = { verdict: 'lgtm', findings: [{ file: 'a.ts', line: '12', severity: 'blocker', message: 'x' }] };
    const v = validate(bad, review, types);
    assert.ok(!v.ok);
    assert.strictEqual(v.message, [
      'verdict: must be one of "approve", "request_changes", got a string "lgtm"',
      'summary: missing (expected String)',
      'findings[0].line: expected int, got a string "12"',
      'findings[0].severity: must be one of "critical", "major", "minor", "nit", got a string "blocker"',
    ].join('\n'));
  });

  it('the top level, unions, and more than five problems', () => {
    const top = validate('text', review, types);
    assert.deepStrictEqual(top, { ok: false, message: 'value: expected Review, got a string "text"' });
    const u = validate(true, union(n('String'), n('int')), {});
    assert.deepStrictEqual(u, { ok: false, message: 'value: expected String | int, got true' });
    const many = validate([1, 2, 3, 4, 5, 6, 7], arr(n('String')), {});
    assert.ok(!many.ok);
    const lines = many.message.split('\n');
    assert.strictEqual(lines.length, 6);
    assert.strictEqual(lines[0], '[0]: expected String, got the int 1');
    assert.strictEqual(lines[5], '(and 2 more problems)');
    const odd = validate({ 'a key': 1 }, rec({ 'a key': n('String') }), {});
    assert.deepStrictEqual(odd, { ok: false, message: '["a key"]: expected String, got the int 1' });
  });
});

describe('types: JSON Schema', () => {
  const types = reviewerTypes();

  it('Review: objects with every field required, additionalProperties false, enums, integers', () => {
    const s = jsonSchemaOf(n('Review'), types);
    assert.deepStrictEqual(s, {
      type: 'object',
      properties: {
        verdict: { type: 'string', enum: ['approve', 'request_changes'] },
        summary: { type: 'string' },
        findings: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              file: { type: 'string' },
              line: { type: 'integer' },
              severity: { type: 'string', enum: ['critical', 'major', 'minor', 'nit'] },
              message: { type: 'string' },
            },
            required: ['file', 'line', 'severity', 'message'],
            additionalProperties: false,
          },
        },
      },
      required: ['verdict', 'summary', 'findings'],
      additionalProperties: false,
    });
  });

  it('optional fields stay required but nullable (OpenAI strict mode); Any is {}; maps use additionalProperties', () => {
    const s = jsonSchemaOf(rec({ a: n('String'), b: opt(n('int')), c: n('Optional', n('float')), d: n('Any'), m: n('Map', n('String'), n('bool')) }, ['a']), {});
    assert.deepStrictEqual(s.required, ['a', 'b', 'c', 'd', 'm']);
    const props = s.properties as Record<string, unknown>;
    assert.deepStrictEqual(props.a, { type: ['string', 'null'] });
    assert.deepStrictEqual(props.b, { anyOf: [{ type: 'integer' }, { type: 'null' }] });
    assert.deepStrictEqual(props.c, { type: ['number', 'null'] });
    assert.deepStrictEqual(props.d, {});
    assert.deepStrictEqual(props.m, { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'boolean' } });
    assert.ok(!('$schema' in s));
  });

  it('a recursive type becomes a $ref and the schema is plain JSON', () => {
    const types2 = { Tree: rec({ value: n('int'), children: arr(n('Tree')) }) };
    const s = jsonSchemaOf(n('Tree'), types2);
    assert.strictEqual(JSON.stringify(JSON.parse(JSON.stringify(s))), JSON.stringify(s));
    const children = (s.properties as Record<string, { items: { $ref?: string } }>).children;
    assert.strictEqual(children.items.$ref, '#');
    const wrapped = jsonSchemaOf(rec({ root: n('Tree') }), types2);
    assert.match(JSON.stringify(wrapped), /"\$ref":"#\/\$defs\/[^"]+"/);
    assert.ok(wrapped.$defs && typeof wrapped.$defs === 'object');
  });

  it('primitives, literals and unions', () => {
    assert.deepStrictEqual(jsonSchemaOf(n('String'), {}), { type: 'string' });
    assert.deepStrictEqual(jsonSchemaOf(arr(n('float')), {}), { type: 'array', items: { type: 'number' } });
    assert.deepStrictEqual(jsonSchemaOf(lit('yes'), {}), { type: 'string', const: 'yes' });
    assert.deepStrictEqual(jsonSchemaOf(union(n('String'), n('bool')), {}), { type: ['string', 'boolean'] });
    assert.deepStrictEqual(jsonSchemaOf(union(n('Point'), n('int')), { Point: rec({ x: n('int') }) }).anyOf, [
      { type: 'object', properties: { x: { type: 'integer' } }, required: ['x'], additionalProperties: false }, { type: 'integer' }]);
  });
});

describe('types: describeType', () => {
  it('prints each form as written', () => {
    assert.strictEqual(describeType(n('Map', n('String'), arr(n('int')))), 'Map<String, [int]>');
    assert.strictEqual(describeType(opt(n('Finding'))), 'Finding?');
    assert.strictEqual(describeType(opt(arr(n('String')))), '[String]?');
    assert.strictEqual(describeType(union(lit('a'), lit(2), lit(true))), '"a" | 2 | true');
    assert.strictEqual(describeType(rec({ x: n('int'), y: n('String') }, ['y'])), '{ x: int, y?: String }');
    assert.strictEqual(describeType(undefined), 'Any');
  });
});
