/**
 * Short docs for keywords, policy verbs, `mcp` block keys and run-context fields (LANGUAGE.md §1–4),
 * for completion and hover. Built-in functions, types and keys are documented in
 * runtime/dsl/builtins.ts; this holds only what the catalog does not.
 */

export const TOP_KEYWORD_DOCS: Record<string, string> = {
  agent: 'Declares an agent: `agent name(param: Type) -> Type { capabilities, policy, function, tool, with }`.',
  tool: 'Declares a tool the runtime can execute: `tool name(param: Type) -> Type { description, builtin | command | mcp | http, capability, approval }`.',
  policy: 'A policy: `allow` / `deny` / `require` / `audit` rules. At top level it applies to every agent of the file.',
  type: 'A type: `type Name = { field: Type, ... }` or an alias `type Name = Other`.',
  function: 'A function: `function name(param: Type) -> Type { ... }`, interpreted, no policy gate.',
  metadata: 'File metadata: name, version, description, and run settings (model, provider, approval_mode, ...).',
  mcp: 'An MCP server (stdio): `mcp name { command "..." args [...] env { KEY "vault://..." } }`. Its tools are called as `name.tool(...)`.',
  memory: 'A memory store: `memory name { key value ...; search { ... } }`, used by memory_write / memory_read / memory_search.',
  schedule: 'A schedule (Symbiont): `schedule name { cron = "...", agent = ... }`.',
  channel: 'A channel (Symbiont): `channel name { key: value ...; policy ...; data_classification { ... } }`.',
  webhook: 'A webhook (Symbiont): `webhook name { key value ...; filter { ... } }`.',
};

export const AGENT_ITEM_DOCS: Record<string, string> = {
  capabilities: 'What the agent may do: `capabilities = ["read", "network_access"]`. Tools declaring `capability = "x"` need it; rules may name capabilities.',
  policy: 'A policy of this agent: `policy name { allow: ... deny: ... require: ... audit: ... }`.',
  function: 'A function local to this agent.',
  tool: 'A tool local to this agent.',
  with: 'The agent\'s body with run attributes: `with model = "...", max_iterations = 10 { statements }`.',
};

export const VERB_DOCS: Record<string, string> = {
  allow: '`allow: pattern [if condition]` — allows matching actions (step 3 of the decision order), unless a deny or an approval requirement comes first.',
  deny: '`deny: pattern [if condition]` — denies matching actions (step 1). If the condition reads `context.has_human_approval`, the runtime asks a human instead and re-evaluates with the answer.',
  require: '`require: approval(tool, ...)` — matching actions ask a human (step 2). `require: { key: value }` carries settings (rate_limiting, max_document_size, approval_expiry, ...).',
  audit: '`audit: pattern` — matching actions get signed audit entries; `audit: { include_input: true, ... }` configures them.',
};

export const STATEMENT_KEYWORD_DOCS: Record<string, string> = {
  let: '`let name[: Type] = value;` — declares a name for the rest of the block.',
  if: '`if condition { } else { }` — also `if let Pattern = value { }`, and usable as an expression.',
  else: 'The alternative of an `if`.',
  for: '`for x in items { }` — iterates over a list (or the keys of a record).',
  while: '`while condition { }` — loops while the condition holds.',
  match: '`match value { pattern => expression, ... }` — the first arm whose pattern (and `if` guard) matches.',
  try: '`try { } catch (ErrorType e) { }` — handles errors raised in the block.',
  catch: 'The handler of a `try` block: `catch (e) { }` or `catch (ErrorType e) { }`.',
  return: '`return value;` — ends the function or agent with a value.',
  break: 'Leaves the innermost loop.',
  continue: 'Starts the next iteration of the innermost loop.',
  parallel: '`parallel { stmt* }` — runs each statement concurrently; names bound inside are visible after the block; the first failure cancels the rest.',
  in: '`for x in items` / `value in collection`.',
  not: 'Boolean negation (same as `!`).',
  true: 'Boolean true.', false: 'Boolean false.', null: 'No value.',
};

export const MCP_KEYS: Record<string, string> = {
  command: 'The program that serves MCP over stdio, e.g. `command "npx"`.',
  args: 'Its arguments, e.g. `args ["-y", "@modelcontextprotocol/server-github"]`.',
  env: 'Environment variables, e.g. `env { GITHUB_TOKEN "vault://github/token" }` — secrets as vault:// references.',
  cwd: 'Working directory of the server process.',
};

export const CONTEXT_FIELDS: Record<string, string> = {
  user: 'Who started the run.',
  run_id: 'The id of the run.',
  has_human_approval: 'Whether a human has approved the action being decided (in policy conditions).',
  agent: 'The name of the running agent.',
  inputs: 'The inputs of the run.',
};

export const VAULT_DOC = '**vault:// reference** — a secret resolved at run time from the vault (environment or secret store). '
  + 'Only the reference is written in the file, the IR and the journal; the value is redacted from logs and never stored.';

/** Docs for any keyword, by word (statement keywords, items, verbs). */
export function keywordDoc(word: string): string | undefined {
  return STATEMENT_KEYWORD_DOCS[word] ?? TOP_KEYWORD_DOCS[word] ?? AGENT_ITEM_DOCS[word] ?? VERB_DOCS[word];
}
