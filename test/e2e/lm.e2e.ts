/**
 * The `vscode-lm` provider in a real VS Code. code-server offers no language models, so the real
 * `vscode.lm` is checked for the "no model" error; the mapping (messages, tools, streaming, usage,
 * errors, cancellation) is checked with a fake `LanguageModelChat` — a test of Baton's mapping,
 * not of vscode.lm. Also the `baton.selectModel` quick pick items and how a choice is stored.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BatonError } from '../../runtime/errors';
import type { ChatMessage } from '../../runtime/providers/provider';
import { NO_MODELS, VsCodeLmProvider, selectChatModels } from '../../extension/lm/vscode-lm-provider';
import { applyChoice, modelItems } from '../../extension/lm/select-model';
import { messageText } from '../../extension/lm/messages';
import { waitFor, workspaceRoot } from './helpers';

interface Sent { messages: vscode.LanguageModelChatMessage[]; token?: vscode.CancellationToken }

function fakeModel(chunks: string[] | (() => never), opts: { id?: string; family?: string; delayMs?: number } = {}): vscode.LanguageModelChat & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    name: 'Fake Model', id: opts.id ?? 'fake-1', vendor: 'baton-test', family: opts.family ?? 'fake', version: '1', maxInputTokens: 8000,
    sendRequest(messages, _options, token) {
      sent.push({ messages, ...(token ? { token } : {}) });
      if (typeof chunks === 'function') return Promise.reject(chunks());
      const parts = chunks;
      async function* text(): AsyncIterable<string> {
        for (const c of parts) {
          if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
          yield c;
        }
      }
      return Promise.resolve({ text: text() });
    },
    countTokens(x) { return Promise.resolve(Math.ceil((typeof x === 'string' ? x : messageText(x)).length / 3)); },
  };
}

function selectOf(...models: vscode.LanguageModelChat[]) {
  return (s?: vscode.LanguageModelChatSelector) => Promise.resolve(models.filter((m) => !s || ((!s.id || s.id === m.id) && (!s.family || s.family === m.family) && (!s.vendor || s.vendor === m.vendor))));
}

const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'You are careful.' },
  { role: 'user', content: 'Shout hi.' },
  { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'shout', arguments: '{"text":"hi"}' }] },
  { role: 'tool', toolCallId: 'c1', name: 'shout', content: 'hi' },
];
const TOOLS = [{ name: 'shout', description: 'Echo the text back.', parameters: { type: 'object', properties: { text: { type: 'string' } } } }];

describe('vscode-lm provider', () => {
  it('selectChatModels finding nothing gives a clear provider-error', async () => {
    const real = await selectChatModels({ id: 'baton-no-such-model' });
    assert.equal(real.length, 0);
    await assert.rejects(new VsCodeLmProvider({ model: 'baton-no-such-model' }).complete({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
      (e: unknown) => e instanceof BatonError && e.code === 'provider-error' && !e.retryable && /'baton-no-such-model' is not available.*Select Model/.test(e.message));
    await assert.rejects(new VsCodeLmProvider({ select: selectOf() }).complete({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      (e: unknown) => e instanceof BatonError && e.code === 'provider-error' && e.message === NO_MODELS);
  });

  it('maps messages and tools to text messages, streams, parses tool calls and counts tokens', async () => {
    const model = fakeModel(['{"tool_calls": [{"name": "shout", ', '"arguments": {"text": "again"}}]}']);
    const deltas: string[] = [];
    const r = await new VsCodeLmProvider({ model: 'fake-1', select: selectOf(model) }).complete({ model: 'ignored', messages: CONVERSATION, tools: TOOLS, onDelta: (t) => deltas.push(t) });
    const sent = model.sent[0]!.messages.map((m) => ({ role: m.role, content: messageText(m) }));
    assert.deepEqual(sent.map((m) => m.role), [vscode.LanguageModelChatMessageRole.User, vscode.LanguageModelChatMessageRole.Assistant, vscode.LanguageModelChatMessageRole.User]);
    assert.match(sent[0]!.content, /^\[System instructions\]\nYou are careful\./);
    assert.match(sent[0]!.content, /\[Tools\][\s\S]*- shout: Echo the text back\.[\s\S]*"tool_calls"/);
    assert.match(sent[0]!.content, /Shout hi\.$/, 'system and user are merged (alternating roles)');
    assert.deepEqual(JSON.parse(sent[1]!.content), { tool_calls: [{ id: 'c1', name: 'shout', arguments: { text: 'hi' } }] });
    assert.equal(sent[2]!.content, '[Result of tool shout (call c1)]\nhi');
    assert.equal(deltas.length, 2);
    assert.equal(r.finishReason, 'tool_calls');
    assert.equal(r.text, '');
    assert.deepEqual(r.toolCalls, [{ id: 'call_1', name: 'shout', arguments: '{"text":"again"}' }]);
    assert.equal(r.model, 'fake-1');
    const expectedIn = sent.reduce((n, m) => n + Math.ceil(m.content.length / 3), 0);
    assert.deepEqual(r.usage, { inputTokens: expectedIn, outputTokens: Math.ceil(deltas.join('').length / 3) });
  });

  it('a plain answer is text; the request model picks by family when nothing is configured', async () => {
    const model = fakeModel(['Hello', ', world'], { id: 'm-2', family: 'gpt-4o-mini' });
    const r = await new VsCodeLmProvider({ select: selectOf(fakeModel(['no']), model) }).complete({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], tools: TOOLS });
    assert.equal(r.text, 'Hello, world');
    assert.deepEqual(r.toolCalls, []);
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.model, 'm-2');
  });

  it('maps LanguageModelError codes to provider-errors (Blocked is retryable)', async () => {
    const cases: Array<[() => never, RegExp, boolean]> = [
      [() => { throw vscode.LanguageModelError.NoPermissions('no consent'); }, /may not use Fake Model/, false],
      [() => { throw vscode.LanguageModelError.Blocked('quota'); }, /blocked/, true],
      [() => { throw vscode.LanguageModelError.NotFound('gone'); }, /no longer available/, false],
    ];
    for (const [fail, message, retryable] of cases) {
      await assert.rejects(new VsCodeLmProvider({ select: selectOf(fakeModel(fail)) }).complete({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
        (e: unknown) => e instanceof BatonError && e.code === 'provider-error' && message.test(e.message) && e.retryable === retryable);
    }
  });

  it('the AbortSignal cancels the request; a timeout is a retryable provider-error', async () => {
    const slow = fakeModel(['a', 'b', 'c', 'd'], { delayMs: 200 });
    const ctl = new AbortController();
    const p = new VsCodeLmProvider({ select: selectOf(slow) }).complete({ model: 'x', messages: [{ role: 'user', content: 'hi' }], signal: ctl.signal });
    setTimeout(() => ctl.abort(), 250);
    await assert.rejects(p, (e: unknown) => e instanceof BatonError && e.code === 'cancelled');
    assert.equal(slow.sent[0]!.token?.isCancellationRequested, true);
    await assert.rejects(new VsCodeLmProvider({ select: selectOf(fakeModel(['a', 'b', 'c'], { delayMs: 200 })) }).complete({ model: 'x', messages: [{ role: 'user', content: 'hi' }], timeoutMs: 250 }),
      (e: unknown) => e instanceof BatonError && e.code === 'provider-error' && e.retryable && /did not answer within 250 ms/.test(e.message));
  });

  it('baton.selectModel lists language models and providers, and stores a choice in the settings', async function () {
    const items = await modelItems(selectOf(fakeModel(['x'])));
    const fake = items.find((i) => i.label.endsWith('Fake Model'));
    assert.ok(fake, items.map((i) => i.label).join(', '));
    assert.match(fake.detail ?? '', /id fake-1/);
    for (const p of ['openai', 'anthropic', 'ollama', 'replay']) assert.ok(items.some((i) => i.label.endsWith(p)), p);
    const empty = await modelItems(selectOf());
    assert.ok(empty.some((i) => /No language model available/.test(i.label)));
    // Storing a choice writes the workspace settings: keep the fixture's file as it was.
    const settings = path.join(workspaceRoot(), '.vscode', 'settings.json');
    const saved = fs.readFileSync(settings, 'utf8');
    const memento = new Map<string, unknown>();
    try {
      await applyChoice({ provider: 'vscode-lm', model: 'fake-1' }, { keys: () => [...memento.keys()], get: (k: string) => memento.get(k), update: (k: string, v: unknown) => { memento.set(k, v); return Promise.resolve(); } } as vscode.Memento);
      const cfg = vscode.workspace.getConfiguration('baton');
      assert.equal(cfg.inspect('provider')?.workspaceValue, 'vscode-lm');
      assert.equal(cfg.get('model'), 'fake-1');
      assert.deepEqual(memento.get('baton.lastModelChoice'), { provider: 'vscode-lm', model: 'fake-1' });
    } finally {
      fs.writeFileSync(settings, saved);
      await waitFor('the fixture settings back', () => {
        const cfg = vscode.workspace.getConfiguration('baton');
        return cfg.get('provider') === 'replay' && !cfg.get('model');
      });
    }
  });
});
