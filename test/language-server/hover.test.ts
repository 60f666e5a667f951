/**
 * Hover over the real LSP (dist/server.js): every kind of call (function, built-in, tool with each
 * binding, MCP tool, agent, LLM built-in, method, semantic function) with its signature and what it
 * resolves to, the policy line of tool and agent calls (rule, policy and line), names and their
 * declarations, fields, keywords, policy verbs, catalog keys, capabilities, rule targets and
 * `vault://` references. Cursors are `|` markers on inline documents and on examples/*.baton.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LspClient } from './lsp-client';
import { withFixture } from './nav-fixture';
import { repoRoot } from '../helpers/paths';

interface HoverResult { contents: { kind: string; value: string }; range?: { start: { line: number; character: number }; end: { line: number; character: number } } }

const example = (name: string) => fs.readFileSync(path.join(repoRoot(), 'examples', name), 'utf8');
/** Puts the cursor `k` characters into the `n`-th (0-based) occurrence of `needle`. */
function cursorIn(text: string, needle: string, k = 1, n = 0): string {
  let at = -1;
  for (let i = 0; i <= n; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} not found`);
  return text.slice(0, at + k) + '|' + text.slice(at + k);
}

const DOC = `metadata {
    model = "gpt-4o-mini"
}
type Ticket = { customer: String, urgency: int }
mcp github {
    command "npx"
    env { GITHUB_TOKEN "vault://github/token" }
}
tool read_file(path: String) -> String {
    description = "Reads a file"
    builtin = "fs.read"
}
tool git_log(count: int = 10) -> String {
    command = ["git", "log", "-n", "{count}"]
    capability = "read"
}
tool issues(repo: String) -> [Any] {
    mcp = "github/list_issues"
}
tool page(id: String) -> Any {
    http = "GET https://example.com/pages/{id}"
}
function shout(s: String) -> String { return upper(s); }
agent helper(t: Ticket) -> String { with { return t.customer; } }
agent main(goal: String, limit: int = 3) {
    capabilities = ["read", "invoke_agent"]
    policy guard {
        allow: read_file
        allow: git_log(n) if n <= 50
        require: approval(page)
        deny: issues(r) if not context.has_human_approval
    }
    with model = "gpt-4o", max_iterations = 5 {
        let t: Ticket = Ticket { customer: "c", urgency: 1 };
        let a = read_file("README.md");
        let b = git_log(count: 5);
        let c = issues("x/y");
        let d = page("1");
        let e = github.search_code("q");
        let f = helper(t);
        let g = shout(goal);
        let h = len(a);
        let i = ask("Summarise " + a);
        let j = a.ends_with("x");
        let k = classify(a);
        return t.customer;
    }
}
`;

describe('language server: hover', function () {
  this.timeout(20000);
  let client: LspClient;
  before(async () => { client = await LspClient.start(); });
  after(async () => { await client?.stop(); });

  async function hover(src: string): Promise<string> {
    return withFixture(client, { 'a.baton': src }, async (f) => {
      const res = await client.request<HoverResult | null>('textDocument/hover', f.cursor().params);
      assert.ok(res, 'no hover');
      assert.strictEqual(res.contents.kind, 'markdown');
      return res.contents.value;
    });
  }
  async function noHover(src: string): Promise<void> {
    await withFixture(client, { 'a.baton': src }, async (f) => {
      assert.strictEqual(await client.request('textDocument/hover', f.cursor().params), null);
    });
  }
  const at = (needle: string, k = 1, n = 0) => hover(cursorIn(DOC, needle, k, n));

  describe('calls', () => {
    it('a built-in tool: signature, binding, policy allow with its rule and line', async () => {
      const md = await at('read_file("README', 2);
      assert.match(md, /```baton\ntool read_file\(path: String\) -> String\n```/);
      assert.match(md, /built-in tool `fs.read` — Reads a text file/);
      assert.match(md, /Reads a file/);
      assert.match(md, /Policy: \*\*allow\*\* — allowed by `allow: read_file` \(policy guard, line 28\)/);
    });
    it('a command tool under a conditional allow: "allow if", and what happens otherwise', async () => {
      const md = await at('git_log(count: 5)', 2);
      assert.match(md, /command `git log -n \{count\}`/);
      assert.match(md, /if `n <= 50`: \*\*allow\*\* — allowed by `allow: git_log\(n\) if n <= 50` \(policy guard, line 29\)/);
      assert.match(md, /otherwise: \*\*ask\*\* — asks a human: no rule decides `git_log`/);
    });
    it('an MCP-bound tool asked by a deny without approval', async () => {
      const md = await at('issues("x/y")', 2);
      assert.match(md, /MCP tool `list_issues` of server `github`/);
      assert.match(md, /Policy: \*\*ask\*\* — asks a human: `deny: issues\(r\) if not context.has_human_approval` \(policy guard, line 31\) denies it unless a human approves/);
    });
    it('an HTTP tool under `require: approval(...)`', async () => {
      const md = await at('page("1")', 2);
      assert.match(md, /HTTP `GET https:\/\/example.com\/pages\/\{id\}`/);
      assert.match(md, /Policy: \*\*ask\*\* — asks a human: `require: approval\(page\)` \(policy guard, line 30\) requires approval/);
      assert.match(md, /If a human approves: \*\*allow\*\*/);
    });
    it('a direct MCP call `server.tool(...)`', async () => {
      const md = await at('search_code', 2);
      assert.match(md, /MCP tool `search_code` of server `github`/);
      assert.match(md, /Policy: \*\*ask\*\* — asks a human: no rule decides `github.search_code`/);
    });
    it('an agent call: child run, and the caller\'s gate on invoke_agent', async () => {
      const md = await at('helper(t)', 2);
      assert.match(md, /```baton\nagent helper\(t: Ticket\) -> String\n```/);
      assert.match(md, /child run/);
      assert.match(md, /Policy: \*\*ask\*\* — asks a human: no rule decides `helper`/);
      assert.match(md, /capabilities `invoke_agent`/);
    });
    it('a function: interpreted, no gate', async () => {
      const md = await at('shout(goal)', 2);
      assert.match(md, /```baton\nfunction shout\(s: String\) -> String\n```/);
      assert.match(md, /Function — interpreted, no policy gate/);
      assert.doesNotMatch(md, /Policy:/);
    });
    it('a built-in function, an LLM built-in, a method and a semantic function', async () => {
      assert.match(await at('len(a)', 1), /```baton\nlen\(value\) -> int\n```\n\nBuilt-in function — Length/);
      const ask = await at('ask("Summarise', 1);
      assert.match(ask, /ask\(prompt, model: String\?/);
      assert.match(ask, /LLM built-in — One model completion/);
      assert.match(await at('ends_with', 2), /String suffix test/);
      const sem = await at('classify(a)', 2);
      assert.match(sem, /Semantic function/);
      assert.match(sem, /\*\*implemented by the model\*\* of agent `main`/);
    });
  });

  it('a tool declared in another document of the workspace', async () => {
    const md = await withFixture(client, {
      'tools.baton': '// Lists the open issues of a repository.\ntool open_issues(repo: String) -> [Any] {\n  http = "GET https://api.example.com/repos/{repo}/issues"\n}\n',
      'a.baton': 'agent a() {\n  policy p {\n    allow: open_issues\n  }\n  with {\n    open_iss|ues("x/y");\n  }\n}\n',
    }, async (f) => (await client.request<HoverResult>('textDocument/hover', f.cursor().params)).contents.value);
    assert.match(md, /tool open_issues\(repo: String\) -> \[Any\]/);
    assert.match(md, /Lists the open issues of a repository\./);
    assert.match(md, /_Declared in tools.baton._/);
    assert.match(md, /Policy: \*\*allow\*\* — allowed by `allow: open_issues` \(policy p, line 3\)/);
  });

  describe('names and keys', () => {
    it('params and lets with their types (declared and inferred)', async () => {
      assert.match(await at('limit: int = 3', 1), /\(parameter\) limit: int = 3/);
      assert.match(await at('shout(goal)', 7), /\(parameter\) goal: String/);
      assert.match(await at('let t: Ticket', 4), /let t: Ticket = Ticket \{/);
      assert.match(await at('len(a)', 4), /let a: String = read_file\("README.md"\)/);
    });
    it('a field access: the field and its type', async () => {
      const md = await at('t.customer;\n    }\n}', 3);
      assert.match(md, /\(field\) customer: String/);
      assert.match(md, /Field of `Ticket`/);
    });
    it('declarations: agent, type', async () => {
      assert.match(await at('agent main', 7), /agent main\(goal: String, limit: int = 3\)/);
      assert.match(await at('type Ticket', 6), /type Ticket = \{ customer: String, urgency: int \}/);
    });
    it('keywords, policy verbs, metadata keys, with attributes, tool keys, built-in tool ids', async () => {
      assert.match(await at('capabilities = ["read"', 2), /What the agent may do/);
      assert.match(await at('require: approval', 2), /require: approval\(tool, \.\.\.\)/);
      assert.match(await at('deny: issues', 1), /denies matching actions/);
      assert.match(await at('model = "gpt-4o-mini"', 1), /Metadata key \(string\) — Model name/);
      assert.match(await at('max_iterations = 5', 1), /`with` attribute \(number\) — Reasoning-loop iterations/);
      assert.match(await at('capability = "read"', 1), /Tool key \(string\) — The capability an agent must declare/);
      assert.match(await at('"fs.read"', 2), /Built-in tool — Reads a text file inside the workspace/);
      assert.match(await at('with model', 1), /The agent's body with run attributes/);
    });
    it('capabilities and rule targets', async () => {
      const cap = await at('"invoke_agent"]', 2);
      assert.match(cap, /Capability known to the runtime/);
      assert.match(cap, /Needed to call other agents/);
      const target = await at('allow: read_file', 9);
      assert.match(target, /tool read_file\(path: String\)/);
      assert.match(target, /Policy: \*\*allow\*\*/);
      assert.match(await at('if n <= 50', 4), /bound by the rule's call shape `git_log\(n\)`/);
    });
    it('a vault:// reference', async () => {
      const md = await at('vault://github', 3);
      assert.match(md, /vault:\/\/github\/token/);
      assert.match(md, /secret resolved at run time/);
    });
    it('nothing on punctuation and white space', () => noHover(cursorIn(DOC, '    }\n}\n', 0, 2)));
  });

  describe('examples/devops-approvals.baton: the policy line of each tool call', () => {
    const ex = example('devops-approvals.baton');
    it('restart: ask via the deny without approval; allow once approved', async () => {
      const md = await hover(cursorIn(ex, 'restart(service);', 2));
      assert.match(md, /command `kubectl rollout restart deployment\/\{service\}`/);
      assert.match(md, /Policy: \*\*ask\*\* — asks a human: `deny: restart\(s\) if not context.has_human_approval` \(policy least_privilege, line 55\)/);
      assert.match(md, /If a human approves: \*\*allow\*\* — allowed by `allow: restart\(s\) if context.has_human_approval` \(policy least_privilege, line 56\)/);
      assert.match(md, /approval mode `strict`/);
    });
    it('deploy: ask via the tool\'s approval = "always"', async () => {
      const md = await hover(cursorIn(ex, 'deploy(service, image)', 2));
      assert.match(md, /Policy: \*\*ask\*\* — asks a human: tool `deploy` is declared `approval = "always"`/);
    });
    it('scale: ask via require approval', async () => {
      const md = await hover(cursorIn(ex, 'scale(service, replicas)', 2));
      assert.match(md, /Policy: \*\*ask\*\* — asks a human: `require: approval\(scale\)` \(policy least_privilege, line 57\) requires approval/);
    });
    it('a tool named in reason(tools: [...]): its declaration and the gate the model\'s calls pass', async () => {
      const md = await hover(cursorIn(ex, 'tools: [read_logs, read_status]', 20));
      assert.match(md, /tool read_status\(service: String\) -> String/);
      assert.match(md, /Policy: \*\*allow\*\* — allowed by `allow: \[read_logs, read_status\]`/);
    });
    it('read_logs: allow', async () => {
      const md = await hover(cursorIn(ex, 'read_logs(service, lines', 2));
      assert.match(md, /Policy: \*\*allow\*\* — allowed by `allow: \[read_logs, read_status\]` \(policy least_privilege, line 54\)/);
    });
  });
});
