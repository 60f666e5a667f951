/** json-check: the small JSON-schema check of edited tool arguments (types, required, properties, additionalProperties, enums) and its text offsets. */
import * as assert from 'node:assert/strict';
import { checkJson, locate, parseAndCheck, type Schema } from '../../extension/json-check';

const schema: Schema = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    count: { type: 'integer' },
    ratio: { type: 'number' },
    mode: { type: 'string', enum: ['r', 'w'] },
    tags: { type: 'array', items: { type: 'string' } },
    opt: { type: ['string', 'null'] },
  },
  required: ['path'],
  additionalProperties: false,
};

describe('json-check', () => {
  it('accepts a valid object', () => {
    assert.deepEqual(checkJson({ path: 'a', count: 2, ratio: 2, mode: 'r', tags: ['x'], opt: null }, schema), []);
  });
  it('reports a missing required property', () => {
    assert.match(checkJson({}, schema)[0]!.message, /missing required property "path"/);
  });
  it('reports wrong types (integer vs number included)', () => {
    const p = checkJson({ path: 1, count: 1.5, ratio: 'x' }, schema);
    assert.deepEqual(p.map((x) => x.path), ['/path', '/count', '/ratio']);
  });
  it('reports enum violations and bad array items', () => {
    const p = checkJson({ path: 'a', mode: 'x', tags: ['ok', 3] }, schema);
    assert.deepEqual(p.map((x) => x.path), ['/mode', '/tags/1']);
    assert.match(p[0]!.message, /one of "r", "w"/);
  });
  it('reports additional properties when forbidden, checks them against a schema otherwise', () => {
    assert.match(checkJson({ path: 'a', extra: 1 }, schema)[0]!.message, /unexpected property "extra"/);
    assert.deepEqual(checkJson({ extra: 1 }, { type: 'object' }), []);
    assert.equal(checkJson({ extra: 1 }, { type: 'object', additionalProperties: { type: 'string' } }).length, 1);
  });
  it('accepts anything without a schema, and anyOf when one branch passes', () => {
    assert.deepEqual(checkJson({ x: 1 }, undefined), []);
    assert.deepEqual(checkJson(3, { anyOf: [{ type: 'string' }, { type: 'integer' }] }), []);
    assert.equal(checkJson(true, { anyOf: [{ type: 'string' }, { type: 'integer' }] }).length, 1);
  });
  it('parseAndCheck: syntax errors, non-objects, and problems located at their key', () => {
    assert.match(parseAndCheck('{"path": ', schema).problems[0]!.message, /not valid JSON/);
    assert.match(parseAndCheck('[1]', schema).problems[0]!.message, /expected a JSON object/);
    const text = '{\n  "path": "a",\n  "mode": "z"\n}';
    const r = parseAndCheck(text, schema);
    assert.equal(r.problems.length, 1);
    assert.equal(text.slice(r.problems[0]!.start, r.problems[0]!.end), '"mode"');
    assert.deepEqual(parseAndCheck('{"path": "b"}', schema), { value: { path: 'b' }, problems: [] });
  });
  it('locate falls back to the start of the text', () => {
    assert.deepEqual(locate('{}', '/nope'), { start: 0, end: 1 });
  });
});
