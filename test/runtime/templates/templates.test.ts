import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompletionRequest } from '../../../runtime/providers/provider';
import { cleanedRunAgent, replayAgent } from '../../helpers/run-agent';
import { ScriptedProvider, text } from '../../../runtime/providers/scripted';
import { analyzeText } from '../../../runtime/dsl/workspace';
import { compile } from '../../../runtime/dsl/compiler';
import { format } from '../../../runtime/dsl/format';
import { PRELUDE_TEXT, PRELUDE_URI, TEMPLATES, preludeProgram } from '../../../runtime/run/templates';
import { repoRoot } from '../../helpers/paths';

const runAgent = cleanedRunAgent();
const user = (r: CompletionRequest) => r.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
const system = (r: CompletionRequest) => r.messages.find((m) => m.role === 'system')?.content ?? '';

describe('workflow templates (Baton prelude)', () => {
  it('the prelude shipped in the bundle is the file in the repository, and it checks without any diagnostic', () => {
    assert.equal(PRELUDE_TEXT, fs.readFileSync(path.join(repoRoot(), 'runtime/prelude/templates.baton'), 'utf8'));
    const a = analyzeText(PRELUDE_TEXT, PRELUDE_URI);
    assert.deepEqual(a.diagnostics.map((d) => `${d.code}: ${d.message}`), []);
    const r = compile(a);
    assert.ok(r.ok);
    const formatted = format(PRELUDE_TEXT);
    assert.equal(formatted.error, undefined);
    assert.equal(formatted.changed, false, 'the prelude is formatted as `baton fmt` would (users copy it)');
    const names = preludeProgram().functions.map((f) => f.name);
    for (const t of TEMPLATES) assert.ok(names.includes(t), `the prelude defines ${t}`);
  });

  it('critic_revise: draft, then critique and revision per round, with the caller model and critic brief; replays offline', async () => {
    const seen: CompletionRequest[] = [];
    const provider = new ScriptedProvider((req, i) => { seen.push(req); return text(['draft 0', 'critique 1', 'revision 1', 'critique 2', 'revision 2'][i] ?? 'extra'); });
    const r = await runAgent(`
agent writer(topic: String = "tides") {
  with { return critic_revise("Explain " + topic, rounds: 2, critic: "Check the physics.", model: "critic-model"); }
}`, { provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'revision 2');
    assert.equal(provider.calls, 5);
    assert.ok(seen.every((q) => q.model === 'critic-model'));
    assert.match(user(seen[0]), /Task:\nExplain tides\n\nWrite your best answer\./);
    assert.match(user(seen[1]), /Draft:\ndraft 0[\s\S]*Focus on: Check the physics\./);
    assert.match(user(seen[2]), /Critique:\ncritique 1/);
    assert.match(user(seen[4]), /Draft:\nrevision 1[\s\S]*Critique:\ncritique 2/);
    assert.deepEqual(r.of('ReasoningComplete').map((x) => x.key), ['main#0', 'main#1', 'main#2', 'main#3', 'main#4']);
    // Prelude statements are not the agent's statements.
    assert.ok(r.of('StatementReached').every((s) => s.frame === 'agent writer'));
    const again = await replayAgent(r.dir, r.runId);
    assert.equal(again.result, 'revision 2');
  });

  it('parallel_experts: every expert answers in its own branch (three at a time), then one synthesis of all of them', async () => {
    const provider = new ScriptedProvider((req) => {
      const u = user(req);
      const persona = /^You are (.+)\.$/m.exec(u);
      if (persona) return text(`view of ${persona[1]}`);
      return text(`synthesis of: ${[...u.matchAll(/^## (.+)$/gm)].map((m) => m[1]).join(', ')}`);
    });
    const r = await runAgent(`
agent panel() {
  with { return parallel_experts("Should we shard?", experts: ["a DBA", "an SRE", "a PM", "a CFO"], context: "10 TB today"); }
}`, { provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'synthesis of: a DBA, an SRE, a PM, a CFO');
    const keys = r.of('ReasoningComplete').map((x) => x.key);
    assert.equal(keys.length, 5);
    // Experts ran in parallel branches main.<block>.<i>; the synthesis in main.
    assert.ok(keys.slice(0, 4).every((k) => /^main\.\d+\.[0-2]#\d+$/.test(k)), keys.join(' '));
    assert.match(keys[4], /^main#\d+$/);
    assert.equal(new Set(keys).size, 5);
    assert.ok(r.of('ModelRequested').length === 5);
    const again = await replayAgent(r.dir, r.runId);
    assert.equal(again.result, r.result);
  });

  it('chain_of_thought answers in the declared type: reasoning, then the typed answer', async () => {
    const seen: CompletionRequest[] = [];
    const provider = new ScriptedProvider((req, i) => { seen.push(req); return text(i === 0 ? 'step 1... Answer: 42' : '{"value": 42, "unit": "apples"}'); });
    const r = await runAgent(`
type Count = { value: int, unit: String }
agent counter() -> Count {
  with { let c: Count = chain_of_thought("How many apples?", steps: 3); return c; }
}`, { provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, { value: 42, unit: 'apples' });
    assert.match(user(seen[0]), /Think step by step in at most 3 steps/);
    assert.doesNotMatch(system(seen[0]), /JSON Schema/);
    assert.match(system(seen[1]), /JSON Schema/);
    assert.ok(seen[1].responseSchema, 'the typed answer asks for structured output');
  });

  it('iterative_refinement stops when the reviewer says DONE', async () => {
    const provider = new ScriptedProvider(['v1', 'add an example', 'v2', 'done — looks good', 'never asked']);
    const r = await runAgent(`
agent refine() {
  with { return iterative_refinement("Write a haiku", until: "it has 3 lines", max_rounds: 5); }
}`, { provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'v2');
    assert.equal(provider.calls, 4);
  });

  it('a failure inside a template names the caller line and the prelude line', async () => {
    const provider = new ScriptedProvider(['thinking', 'not json', 'still not json']);
    const r = await runAgent(`
type Count = { value: int }
agent counter() {
  with {
    let c: Count = chain_of_thought("How many?");
    return c;
  }
}`, { provider });
    assert.equal(r.reason, 'Error');
    assert.equal(r.error?.code, 'model-output');
    assert.match(r.error!.message, /^chain_of_thought \(prelude\/templates\.baton:\d+\): the model's answer does not match/);
    assert.equal(r.error!.options.loc?.[0], 5);
  });
});
