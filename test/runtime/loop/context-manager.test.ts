import * as assert from 'node:assert/strict';
import type { ChatMessage } from '../../../runtime/providers/provider';
import { estimateTokens, fitContext } from '../../../runtime/loop/context-manager';

function conversation(turns: number, observationChars: number): ChatMessage[] {
  const m: ChatMessage[] = [{ role: 'system', content: 'SYSTEM PROMPT' }, { role: 'user', content: 'GOAL' }];
  for (let i = 0; i < turns; i++) {
    m.push({ role: 'assistant', content: `turn ${i}`, toolCalls: [{ id: `c${i}`, name: 'read', arguments: '{}' }] });
    m.push({ role: 'tool', toolCallId: `c${i}`, name: 'read', content: `obs ${i} ` + 'x'.repeat(observationChars) });
  }
  m.push({ role: 'user', content: 'LATEST' });
  return m;
}

describe('context manager', () => {
  it('leaves a request inside the budget untouched', () => {
    const m = conversation(2, 10);
    const r = fitContext(m, 10_000);
    assert.equal(r.cut, undefined);
    assert.deepEqual(r.messages, m);
  });

  it('shortens old observations first, keeping system prompt, goal and the latest turn', () => {
    const m = conversation(4, 4000);
    const budget = estimateTokens(m) - 1500;
    const r = fitContext(m, budget);
    assert.ok(r.cut, 'something was cut');
    assert.ok(r.cut!.summarized > 0);
    assert.equal(r.cut!.droppedMessages, 0);
    assert.ok(estimateTokens(r.messages) <= budget);
    assert.equal(r.messages[0].content, 'SYSTEM PROMPT');
    assert.equal(r.messages[1].content, 'GOAL');
    assert.equal(r.messages[r.messages.length - 1].content, 'LATEST');
    assert.match(r.messages[3].content, /observation cut to save context/);
  });

  it('drops whole old turns when shortening is not enough, never orphaning a tool result', () => {
    const m = conversation(30, 300);
    const r = fitContext(m, 400);
    assert.ok(r.cut!.droppedMessages > 0);
    assert.ok(r.cut!.tokensAfter < r.cut!.tokensBefore);
    // Every tool message still follows an assistant message that proposed its call.
    for (let i = 0; i < r.messages.length; i++) {
      const msg = r.messages[i];
      if (msg.role !== 'tool') continue;
      let j = i - 1;
      while (j >= 0 && r.messages[j].role === 'tool') j--;
      assert.equal(r.messages[j].role, 'assistant');
      assert.ok(r.messages[j].toolCalls!.some((c) => c.id === msg.toolCallId), `tool result ${msg.toolCallId} lost its call`);
    }
    assert.equal(r.messages[0].content, 'SYSTEM PROMPT');
    assert.equal(r.messages[r.messages.length - 1].content, 'LATEST');
    assert.ok(r.messages.some((x) => /earlier messages were removed/.test(x.content)));
  });
});
