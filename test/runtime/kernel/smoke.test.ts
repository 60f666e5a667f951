import * as assert from 'node:assert/strict';
import { runAgent, replayAgent } from '../../helpers/run-agent';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';

describe('kernel smoke', () => {
  it('runs a reasoning loop with a tool call and replays it offline', async () => {
    const src = `
tool read_file(path: String) -> String { builtin = "fs.read" }
agent a(q: String = "what is in x.txt?") {
  policy p { allow: read_file }
  with { return reason(q, tools: [read_file]); }
}`;
    const provider = new ScriptedProvider([toolCall('read_file', { path: 'x.txt' }), text('it says hello')]);
    const r = await runAgent(src, { provider, files: { 'x.txt': 'hello' } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'it says hello');
    const obs = r.of('ObservationsCollected');
    assert.equal(obs[0].observations[0].content, 'hello');
    const again = await replayAgent(r.dir, r.runId);
    assert.equal(again.result, 'it says hello');
  });
});
