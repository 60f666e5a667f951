/**
 * The memory built-ins offered to a model: in a reasoning loop (`reason(...)`, an agent without a
 * body) an agent with `memory_read` / `memory_write` capabilities and a file with `memory` blocks
 * gets `memory_search` / `memory_read` / `memory_write` as JSON-schema'd tools. A model's call goes
 * through the same gate as the DSL built-in (policy, journal), reads the real store, and its
 * result comes back as an observation. Without the capability, nothing is offered.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { CompletionRequest } from '../../../runtime/providers/provider';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { replayAgent, tempWorkspace } from '../../helpers/run-agent';
import { entryFiles, runIn } from './memory-helpers';

const MEMORY = `
memory notes {
  store markdown
}

memory other {
  store markdown
}
`;

const SEED = `${MEMORY}
agent seed {
  capabilities = ["memory_write"]
  policy p { allow: ["memory_write"] }
  with {
    memory_write(notes, { "key": "rollback", "content": "Roll back a failed deploy with the release tool." });
    memory_write(notes, { "key": "coffee", "content": "Descale the coffee machine every month." });
    return "ok";
  }
}
`;

function toolNames(req: CompletionRequest): string[] { return (req.tools ?? []).map((t) => t.name).sort(); }

function lastContent(req: CompletionRequest): string {
  const m = req.messages.at(-1)!;
  return typeof m.content === 'string' ? m.content : JSON.stringify(m.content);
}

describe('memory built-ins offered to the model', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = tempWorkspace();
    const s = await runIn(dir, SEED, { agent: 'seed' });
    assert.equal(s.reason, 'Completed', s.error?.describe());
    assert.equal(entryFiles(dir, 'notes').length, 2);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reason(...) offers memory_search/read/write; a scripted memory_search goes through the gate and finds the entry', async () => {
    const seen: CompletionRequest[] = [];
    const provider = new ScriptedProvider((req, i) => {
      seen.push(req);
      return i === 0 ? toolCall('memory_search', { store: 'notes', query: 'deploy rollback', limit: 1 }) : text(`found: ${lastContent(req)}`);
    });
    const r = await runIn(dir, `${MEMORY}
agent asker {
  capabilities = ["memory_read", "memory_write"]
  policy p { allow: ["memory_read", "memory_write"] }
  with { return reason("how do I roll back?"); }
}`, { agent: 'asker', provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(toolNames(seen[0]), ['memory_read', 'memory_search', 'memory_write']);
    const search = seen[0].tools!.find((t) => t.name === 'memory_search')!;
    const params = search.parameters as { properties: { store: { enum: string[] } }; required: string[] };
    assert.deepEqual(params.properties.store.enum, ['notes', 'other']);
    assert.deepEqual(params.required, ['store', 'query']);
    // The gate saw it as the built-in: tool memory_search, capability memory_read, allowed by the policy.
    const pe = r.of('PolicyEvaluated').filter((x) => x.tool === 'memory_search');
    assert.deepEqual(pe.map((x) => [x.capability, x.verdict]), [['memory_read', 'allow']]);
    const fin = r.of('ToolFinished').find((x) => x.tool === 'memory_search')!;
    assert.ok(fin.ok);
    const hits = fin.value as Array<{ record: { key: string }; score: number }>;
    assert.equal(hits.length, 1);
    assert.equal(hits[0].record.key, 'rollback');
    assert.match(String(r.result), /Roll back a failed deploy/, 'the model saw the search result');
    // Replay answers it from the journal.
    const rp = await replayAgent(dir, r.runId);
    assert.equal(rp.reason, 'Completed', rp.error?.describe());
    assert.equal(rp.result, r.result);
  });

  it('an agent without a body gets them too; the policy still decides (a denied write is an observation, nothing stored)', async () => {
    const seen: CompletionRequest[] = [];
    const provider = new ScriptedProvider((req, i) => {
      seen.push(req);
      if (i === 0) return toolCall('memory_write', { store: 'notes', record: { content: 'sneaky' } });
      if (i === 1) return toolCall('memory_read', { store: 'notes', key: 'coffee' });
      return text(`saw: ${lastContent(req)}`);
    });
    const r = await runIn(dir, `${MEMORY}
agent bodyless(q: String = "coffee") {
  capabilities = ["memory_read", "memory_write"]
  policy p {
    allow: ["memory_read"]
    deny: ["memory_write"]
  }
}`, { agent: 'bodyless', provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(toolNames(seen[0]), ['memory_read', 'memory_search', 'memory_write']);
    assert.equal(r.of('ToolDenied').filter((x) => x.tool === 'memory_write').length, 1);
    assert.equal(entryFiles(dir, 'notes').length, 2, 'nothing written');
    assert.match(lastContent(seen[2]), /Descale the coffee machine/);
  });

  it('only what the capabilities cover is offered; an unknown store is a tool error the model sees', async () => {
    const seen: CompletionRequest[] = [];
    const provider = new ScriptedProvider((req, i) => {
      seen.push(req);
      return i === 0 ? toolCall('memory_search', { store: 'nope', query: 'x' }) : text(`err: ${lastContent(req)}`);
    });
    const r = await runIn(dir, `${MEMORY}
agent reader {
  capabilities = ["memory_read"]
  policy p { allow: ["memory_read"] }
  with { return reason("look"); }
}`, { agent: 'reader', provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(toolNames(seen[0]), ['memory_read', 'memory_search']);
    assert.match(String(r.result), /no memory store 'nope' is declared \(stores: notes, other\)/);

    const none = new ScriptedProvider((req) => { seen.push(req); return text('no tools'); });
    seen.length = 0;
    const r2 = await runIn(dir, `${MEMORY}
agent plain {
  capabilities = ["read"]
  with { return reason("look"); }
}`, { agent: 'plain', provider: none });
    assert.equal(r2.reason, 'Completed', r2.error?.describe());
    assert.deepEqual(toolNames(seen[0]), []);
  });
});
