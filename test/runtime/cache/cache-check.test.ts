/** The checker's `cache-not-idempotent`: the same rule the runtime applies before caching a tool. */
import * as assert from 'node:assert/strict';
import { analyzeText } from '../../../runtime/dsl/workspace';

const warned = (tool: string) => analyzeText(tool).diagnostics.filter((d) => d.code === 'cache-not-idempotent');

describe('cache-not-idempotent', () => {
  it('flags cache = true on tools that may change something', () => {
    for (const src of [
      'tool w(path: String, content: String) {\n  builtin = "fs.write"\n  idempotent = true\n  cache = true\n}\n',
      'tool post(id: String) {\n  http = "POST https://example.com/items/{id}"\n  cache = true\n}\n',
      'tool run(n: int) {\n  command = ["echo", "{n}"]\n  cache = true\n}\n',
      'mcp gh { command "gh-mcp" }\ntool issues() {\n  mcp = "gh/list_issues"\n  cache = true\n}\n',
    ]) {
      const d = warned(src);
      assert.equal(d.length, 1, src);
      assert.equal(d[0].severity, 'warning');
      assert.equal(src.slice(d[0].start, d[0].end).trim().startsWith('cache'), true, 'the range is the cache setting');
    }
  });

  it('accepts cache = true on reads, GETs and tools marked idempotent', () => {
    for (const src of [
      'tool r(path: String) {\n  builtin = "fs.read"\n  cache = true\n}\n',
      'tool get(id: String) {\n  http = "GET https://example.com/items/{id}"\n  cache = true\n}\n',
      'tool run(n: int) {\n  command = ["echo", "{n}"]\n  idempotent = true\n  cache = true\n}\n',
      'tool post(id: String) {\n  http = "POST https://example.com/items/{id}"\n  idempotent = true\n  cache = true\n}\n',
      'tool run(n: int) {\n  command = ["echo", "{n}"]\n  cache = false\n}\n',
    ]) assert.deepEqual(warned(src).map((d) => d.message), [], src);
  });
});
