/**
 * Secrets never reach the journal file: vault values given to an MCP server (and echoed back by
 * it), vault values in a command tool's env, results of `secret = true` tools, and provider API keys
 * (in error messages and even when an endpoint echoes them). Each check greps the raw journal bytes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { OpenAIProvider } from '../../../runtime/providers/openai';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { startFakeOpenAI, FakeServer } from '../../helpers/fake-openai';
import { journalFile, mcpBlock, run, trackUnhandled } from './kernel-helpers';
import type { TestRun } from '../../helpers/run-agent';

const VAULT_SECRET = 'vlt-7d1e0c9a4b2f8e6d5c3b1a09';
const vault = (ref: string) => (ref === 'test/token' ? VAULT_SECRET : undefined);

function raw(r: TestRun): string {
  return fs.readFileSync(journalFile(r.dir, r.runId), 'utf8');
}

describe('kernel: secrets never reach the journal', function () {
  this.timeout(30_000);
  const unhandled = trackUnhandled();
  afterEach(() => assert.deepEqual(unhandled.list, []));

  it('a vault value in an MCP server env, echoed back by whoami, is in no record', async () => {
    const src = `
${mcpBlock('t', { SECRET_TOKEN: 'vault://test/token' })}
tool who() -> Any { mcp = "t/whoami" }
agent a {
    policy p { allow: [who, "t/fail", "t/whoami"] }
    with {
        let direct = t.whoami();
        let err = "";
        try { t.fail(); } catch (e) { err = e.message; }
        let seen = reason("who are you?", tools: [who]);
        return { direct: direct, err: err, seen: seen };
    }
}`;
    const provider = new ScriptedProvider((req, i) => {
      if (i === 0) return toolCall('who', {});
      // The model repeats whatever it saw in the observation.
      const obs = req.messages.filter((m) => m.role === 'tool').map((m) => m.content).join('\n');
      return text(`I saw: ${obs}`);
    });
    const r = await run(src, { provider, vault });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const res = r.result as { direct: { token: string; sha256: string; envKeys: string[] }; err: string; seen: string };
    // The server did receive it (its hash matches) but the run only ever sees it redacted.
    assert.equal(res.direct.sha256, require('node:crypto').createHash('sha256').update(VAULT_SECRET).digest('hex'));
    assert.ok(res.direct.envKeys.includes('SECRET_TOKEN'));
    assert.notEqual(res.direct.token, VAULT_SECRET);
    assert.match(res.err, /something went wrong/);
    const file = raw(r);
    assert.ok(!file.includes(VAULT_SECRET), 'the vault secret is in the journal');
    assert.ok(!JSON.stringify(r.events).includes(VAULT_SECRET), 'the vault secret reached the event sink');
    assert.ok(!provider.lastRequest!.messages.some((m) => m.content.includes(VAULT_SECRET)), 'the model saw the secret');
  });

  it('a vault value in a command tool env reaches the command and never the journal', async () => {
    const src = `
tool show_token() -> String {
    command = ["node", "-e", "console.log('token=' + (process.env.TOK || 'unset'))"]
    env = { TOK: "vault://test/token" }
}
agent a {
    policy p { allow: show_token }
    with { return show_token(); }
}`;
    const r = await run(src, { vault });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, `token=${VAULT_SECRET}`, 'the command got the vault value (not the reference)');
    assert.equal(r.of('Terminated')[0].result, 'token=[secret]');
    assert.ok(!raw(r).includes(VAULT_SECRET), 'the vault secret is in the journal');
  });

  it('a `secret = true` tool result stays out of the journal (ToolFinished, observations, model text, result)', async () => {
    const SECRET = 'otp-4471-9921-5531-xyzw';
    const src = `
tool get_otp() -> String {
    command = ["node", "-e", "console.log(require('fs').readFileSync('otp.txt', 'utf8').trim())"]
    secret = true
    idempotent = true
}
agent a {
    policy p { allow: get_otp }
    with { return reason("get the code", tools: [get_otp]); }
}`;
    const provider = new ScriptedProvider((req, i) => (i === 0 ? toolCall('get_otp', {}) : text(`the code is ${req.messages.at(-1)!.content}`)));
    const r = await run(src, { provider, files: { 'otp.txt': SECRET } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, `the code is ${SECRET}`, 'the agent itself gets the value');
    const fin = r.of('ToolFinished')[0];
    assert.equal(fin.ok && fin.value, '[secret]');
    assert.ok(!raw(r).includes(SECRET), 'the secret tool result is in the journal');
  });

  it('a placeholder key in the environment (OPENAI_API_KEY=ollama) is not treated as a secret', async () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'ollama';
    try {
      const r = await run(`metadata { description = "runs on ollama" }\nagent a { with { return "ollama says hi"; } }`);
      assert.equal(r.reason, 'Completed', r.error?.describe());
      assert.match(r.of('Started')[0].source, /runs on ollama/);
      assert.equal(r.of('Terminated')[0].result, 'ollama says hi');
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY; else process.env.OPENAI_API_KEY = saved;
    }
  });

  describe('provider API keys', () => {
    const KEY = 'sk-proj-SECRETKEY0123456789abcdefXYZ';
    let server: FakeServer;
    beforeEach(async () => { server = await startFakeOpenAI({ apiKey: 'sk-the-right-key-000000000000' }); });
    afterEach(async () => { await server.close(); });

    const AGENT = `agent a { with { return ask("hello"); } }`;

    it('a rejected key (401 whose body echoes it) is in no error message and not in the journal', async () => {
      const r = await run(AGENT, { provider: new OpenAIProvider({ apiKey: KEY, baseUrl: server.url, timeoutMs: 5000 }) });
      assert.equal(r.reason, 'Error');
      assert.match(r.error!.message, /HTTP 401/);
      assert.ok(!r.error!.describe().includes(KEY));
      assert.ok(!JSON.stringify(r.error!.toJSON()).includes(KEY));
      assert.ok(!raw(r).includes(KEY));
      assert.ok(!raw(r).includes(KEY.slice(8)), 'not even partially');
    });

    it('a server error message echoing a non-sk key is redacted', async () => {
      const key = 'plainkey-ABCDEF0123456789';
      const s = await startFakeOpenAI();
      try {
        s.setFallback(() => ({ status: 500, message: `upstream rejected key ${key}` }));
        const r = await run(AGENT.replace('with {', 'with retries = 0 {'), { provider: new OpenAIProvider({ apiKey: key, baseUrl: s.url, timeoutMs: 5000 }) });
        assert.equal(r.reason, 'Error');
        assert.match(r.error!.message, /HTTP 500/);
        assert.ok(!r.error!.message.includes(key));
        assert.ok(!raw(r).includes(key));
      } finally { await s.close(); }
    });

    it('an endpoint that echoes the key in its answer: the key (from the environment) is redacted from the journal', async () => {
      const s = await startFakeOpenAI();
      const saved = process.env.OPENAI_API_KEY;
      process.env.OPENAI_API_KEY = KEY;
      try {
        s.setFallback((req) => ({ text: `debug: you sent ${req.headers.authorization}` }));
        const r = await run(AGENT, { provider: new OpenAIProvider({ apiKey: KEY, baseUrl: s.url, timeoutMs: 5000 }) });
        assert.equal(r.reason, 'Completed', r.error?.describe());
        assert.ok(!raw(r).includes(KEY), 'the provider key is in the journal');
      } finally {
        if (saved === undefined) delete process.env.OPENAI_API_KEY; else process.env.OPENAI_API_KEY = saved;
        await s.close();
      }
    });
  });
});
