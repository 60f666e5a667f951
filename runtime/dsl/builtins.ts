/**
 * What the language knows without a declaration: built-in functions and methods, LLM built-ins,
 * built-in tools, built-in types, and the documented metadata keys, `with` attributes and tool keys.
 * The checker, the language server (completion, hover) and the runtime all read this one catalog.
 */

export interface BuiltinFunction {
  name: string;
  /** Positional arity; `max: Infinity` for variadic functions. */
  min: number;
  max: number;
  signature: string;
  doc: string;
  /** Journaled effect (clock, randomness, messaging, memory, log) rather than a pure function. */
  effect?: boolean;
  /** Named arguments it accepts. */
  named?: string[];
}

function fn(name: string, min: number, max: number, signature: string, doc: string, extra: Partial<BuiltinFunction> = {}): BuiltinFunction {
  return { name, min, max, signature, doc, ...extra };
}

export const BUILTIN_FUNCTIONS: ReadonlyMap<string, BuiltinFunction> = new Map([
  fn('len', 1, 1, 'len(value) -> int', 'Length of a string, array or record.'),
  fn('length', 1, 1, 'length(value) -> int', 'Alias of `len`.'),
  fn('keys', 1, 1, 'keys(record) -> [String]', 'The keys of a record, in insertion order.'),
  fn('values', 1, 1, 'values(record) -> [Any]', 'The values of a record, in insertion order.'),
  fn('contains', 2, 2, 'contains(collection, item) -> bool', 'Whether a string contains a substring, an array an element, or a record a key.'),
  fn('format', 1, Infinity, 'format(template, ...args) -> String', 'Replaces each `{}` (or `{0}`, `{name}`) in the template with the next argument.'),
  fn('to_json', 1, 2, 'to_json(value, indent?) -> String', 'Serialises a value as JSON.'),
  fn('from_json', 1, 1, 'from_json(text) -> Any', 'Parses JSON text.'),
  fn('upper', 1, 1, 'upper(s) -> String', 'Upper-cases a string.'),
  fn('lower', 1, 1, 'lower(s) -> String', 'Lower-cases a string.'),
  fn('trim', 1, 1, 'trim(s) -> String', 'Removes leading and trailing white space.'),
  fn('split', 2, 2, 'split(s, separator) -> [String]', 'Splits a string.'),
  fn('join', 2, 2, 'join(items, separator) -> String', 'Joins strings with a separator.'),
  fn('replace', 3, 3, 'replace(s, from, to) -> String', 'Replaces every occurrence of `from`.'),
  fn('starts_with', 2, 2, 'starts_with(s, prefix) -> bool', 'Whether a string starts with a prefix.'),
  fn('ends_with', 2, 2, 'ends_with(s, suffix) -> bool', 'Whether a string ends with a suffix.'),
  fn('range', 1, 3, 'range(end) | range(start, end, step?) -> [int]', 'A list of integers.'),
  fn('min', 1, Infinity, 'min(a, b, ...) | min(list) -> number', 'The smallest value.'),
  fn('max', 1, Infinity, 'max(a, b, ...) | max(list) -> number', 'The largest value.'),
  fn('sum', 1, 1, 'sum(list) -> number', 'The sum of a list of numbers.'),
  fn('abs', 1, 1, 'abs(x) -> number', 'Absolute value.'),
  fn('round', 1, 2, 'round(x, digits?) -> number', 'Rounds to the given number of digits.'),
  fn('floor', 1, 1, 'floor(x) -> int', 'Rounds down.'),
  fn('ceil', 1, 1, 'ceil(x) -> int', 'Rounds up.'),
  fn('sort', 1, 2, 'sort(list, key?) -> [Any]', 'A sorted copy; `key` is a lambda.'),
  fn('reverse', 1, 1, 'reverse(list) -> [Any]', 'A reversed copy.'),
  fn('unique', 1, 1, 'unique(list) -> [Any]', 'The list without duplicates.'),
  fn('map', 2, 2, 'map(list, fn) -> [Any]', 'Applies a lambda to each element.'),
  fn('filter', 2, 2, 'filter(list, fn) -> [Any]', 'The elements for which the lambda is true.'),
  fn('any', 1, 2, 'any(list, fn?) -> bool', 'Whether any element (or the lambda of it) is true.'),
  fn('all', 1, 2, 'all(list, fn?) -> bool', 'Whether every element (or the lambda of it) is true.'),
  fn('slice', 2, 3, 'slice(list_or_string, start, end?)', 'A part of a list or string.'),
  fn('get', 2, 3, 'get(record, key, default?)', 'A record field or list element, or the default.'),
  fn('merge', 2, Infinity, 'merge(record, ...records) -> Record', 'A record with the fields of all arguments, later ones winning.'),
  fn('str', 1, 1, 'str(value) -> String', 'Converts to a string.'),
  fn('to_string', 1, 1, 'to_string(value) -> String', 'Converts to a string.'),
  fn('int', 1, 1, 'int(value) -> int', 'Converts to an integer.'),
  fn('float', 1, 1, 'float(value) -> float', 'Converts to a number.'),
  fn('bool', 1, 1, 'bool(value) -> bool', 'Truthiness of a value.'),
  fn('type_of', 1, 1, 'type_of(value) -> String', 'The name of a value\'s type.'),
  fn('is_empty', 1, 1, 'is_empty(value) -> bool', 'Whether a string, list or record is empty, or the value is null/None.'),
  fn('error', 1, 2, 'error(message, data?) -> Error', 'An error value; `return error(...)` fails the run with it.'),
  fn('Some', 1, 1, 'Some(value) -> Optional', 'An optional value that is present.'),
  fn('Ok', 1, 1, 'Ok(value) -> Result', 'A successful result.'),
  fn('Err', 1, 1, 'Err(error) -> Result', 'A failed result.'),
  fn('now', 0, 0, 'now() -> String', 'The current time (ISO 8601). Journaled: replays return the recorded time.', { effect: true }),
  fn('uuid', 0, 0, 'uuid() -> String', 'A random UUID. Journaled.', { effect: true }),
  fn('random', 0, 0, 'random() -> float', 'A random number in [0, 1). Journaled.', { effect: true }),
  fn('sleep', 1, 1, 'sleep(duration)', 'Waits. Journaled, so replays do not wait.', { effect: true }),
  fn('log', 1, Infinity, 'log(level?, ...message)', 'Writes to the run log and journal.', { effect: true }),
  fn('send', 2, 2, 'send(agent, message)', 'Sends a message to another agent. Journaled on both sides.', { effect: true }),
  fn('publish', 2, 2, 'publish(topic, message)', 'Publishes a message on a topic.', { effect: true }),
  fn('receive', 0, 2, 'receive(topic?, timeout: duration?)', 'Waits for the next message.', { effect: true, named: ['timeout', 'topic', 'from'] }),
  fn('subscribe', 1, 1, 'subscribe(topic)', 'Subscribes this agent to a topic: `publish` on it reaches its mailbox. Journaled.', { effect: true }),
  fn('request', 2, 2, 'request(agent, message, timeout: duration?) -> Any', 'Sends a request and waits for the `reply`; a timeout is a catchable error and a dead letter. Journaled on both sides.', { effect: true, named: ['timeout'] }),
  fn('reply', 2, 2, 'reply(message, value) -> bool', 'Answers a request received with `receive`; false if the requester stopped waiting. Journaled.', { effect: true }),
  fn('broadcast', 1, 1, 'broadcast(message) -> int', 'Sends a message to every registered mailbox but this agent\'s own; returns how many got it. Journaled.', { effect: true }),
  fn('memory_write', 2, 2, 'memory_write(store, record)', 'Stores a record in a memory store.', { effect: true }),
  fn('memory_read', 1, 2, 'memory_read(store, key?)', 'Reads records from a memory store.', { effect: true }),
  fn('memory_search', 2, 2, 'memory_search(store, query, limit: int?)', 'Ranked keyword search in a memory store.', { effect: true, named: ['limit'] }),
].map((f) => [f.name, f]));

/** Names that are values without a declaration. */
export const BUILTIN_CONSTANTS: ReadonlyMap<string, string> = new Map([
  ['None', 'The absent optional value.'],
  ['context', 'The run context: `context.user`, `context.run_id`, `context.has_human_approval`, ...'],
]);

/** Methods callable on values: `x.ends_with("y")`, `list.append(x)`. */
export const BUILTIN_METHODS: ReadonlyMap<string, string> = new Map([
  ['append', 'Appends to a list in place.'], ['push', 'Appends to a list in place.'], ['pop', 'Removes and returns the last element.'],
  ['contains', 'Whether a string/list/record contains the argument.'], ['starts_with', 'String prefix test.'],
  ['ends_with', 'String suffix test.'], ['upper', 'Upper-cased copy.'], ['lower', 'Lower-cased copy.'], ['trim', 'Trimmed copy.'],
  ['split', 'Splits a string.'], ['join', 'Joins a list with a separator.'], ['replace', 'Replaces substrings.'],
  ['keys', 'Record keys.'], ['values', 'Record values.'], ['get', 'Field or element with a default.'], ['len', 'Length.'],
  ['length', 'Length.'], ['map', 'Maps a lambda.'], ['filter', 'Filters by a lambda.'], ['sort', 'Sorted copy.'],
  ['reverse', 'Reversed copy.'], ['slice', 'Part of a list or string.'], ['index_of', 'Position of an element or substring.'],
  ['is_empty', 'Whether empty.'], ['to_json', 'JSON text.'], ['insert', 'Sets a record field.'], ['remove', 'Removes a field or element.'],
  ['format', 'Formats the string with arguments.'], ['unwrap', 'The value of Some/Ok, or fails.'], ['unwrap_or', 'The value, or a default.'],
  ['is_some', 'Whether an optional is present.'], ['is_none', 'Whether an optional is absent.'], ['is_ok', 'Whether a result succeeded.'],
  ['is_err', 'Whether a result failed.'], ['any', 'Any element true.'], ['all', 'All elements true.'], ['first', 'First element.'],
  ['last', 'Last element.'], ['count', 'Number of matching elements.'], ['merge', 'Merged record.'],
]);

export interface LlmBuiltin { name: string; signature: string; doc: string; min: number; max: number; named: string[] }

const LLM_NAMED = ['model', 'provider', 'system', 'system_prompt', 'temperature', 'max_tokens', 'schema', 'tools', 'max_iterations', 'timeout', 'context'];
/** The workflow templates are written in Baton: users can read and copy them. */
const PRELUDE_NOTE = ' Written in Baton in `runtime/prelude/templates.baton`: read it, or copy a template into your file and adapt it.';
export const LLM_BUILTINS: ReadonlyMap<string, LlmBuiltin> = new Map([
  { name: 'ask', signature: 'ask(prompt, model: String?, system: String?, schema: Type?) -> Any', doc: 'One model completion, no tools.', min: 1, max: 2, named: LLM_NAMED },
  { name: 'reason', signature: 'reason(goal, tools: [tool, ...], max_iterations: int?) -> Any', doc: 'The observe → reason → gate → act loop: the model calls tools (each through the policy gate) until it answers.', min: 1, max: 2, named: LLM_NAMED },
  { name: 'critic_revise', signature: 'critic_revise(task, rounds: int?) -> String', doc: 'Workflow template: draft, critique, revise.' + PRELUDE_NOTE, min: 1, max: 2, named: [...LLM_NAMED, 'rounds', 'critic'] },
  { name: 'parallel_experts', signature: 'parallel_experts(question, experts: [String]) -> String', doc: 'Workflow template: several expert personas answer in parallel, then a synthesis.' + PRELUDE_NOTE, min: 1, max: 2, named: [...LLM_NAMED, 'experts'] },
  { name: 'chain_of_thought', signature: 'chain_of_thought(problem, steps: int?) -> String', doc: 'Workflow template: explicit step-by-step reasoning, then an answer.' + PRELUDE_NOTE, min: 1, max: 2, named: [...LLM_NAMED, 'steps'] },
  { name: 'iterative_refinement', signature: 'iterative_refinement(task, until: String?, max_rounds: int?) -> String', doc: 'Workflow template: refine an answer until a criterion holds.' + PRELUDE_NOTE, min: 1, max: 2, named: [...LLM_NAMED, 'until', 'max_rounds'] },
].map((b) => [b.name, b]));

export interface BuiltinTool { id: string; doc: string; capabilities: string[]; params: string[]; sideEffects: boolean }

/** Tools the runtime implements, bound with `tool x(...) { builtin = "fs.read" }`. */
export const BUILTIN_TOOLS: ReadonlyMap<string, BuiltinTool> = new Map([
  { id: 'fs.read', doc: 'Reads a text file inside the workspace.', capabilities: ['read', 'file_access'], params: ['path'], sideEffects: false },
  { id: 'fs.list', doc: 'Lists files under a directory of the workspace (glob optional).', capabilities: ['read', 'file_access'], params: ['path', 'glob'], sideEffects: false },
  { id: 'fs.search', doc: 'Searches text (regular expression) in workspace files.', capabilities: ['read', 'file_access'], params: ['pattern', 'path', 'glob'], sideEffects: false },
  { id: 'fs.write', doc: 'Writes a text file inside the workspace.', capabilities: ['write', 'write_data', 'file_access'], params: ['path', 'content'], sideEffects: true },
  { id: 'process.run', doc: 'Runs a command (argv, no shell) in the workspace with a scrubbed environment and limits.', capabilities: ['execute_code'], params: ['argv', 'cwd'], sideEffects: true },
  { id: 'http.fetch', doc: 'Fetches a URL (GET unless a method is given).', capabilities: ['network_access', 'external_network'], params: ['url', 'method', 'body'], sideEffects: false },
].map((t) => [t.id, t]));

/** Capability names with a meaning to the runtime, so rules may name them without a declaration. */
export const WELL_KNOWN_CAPABILITIES: ReadonlySet<string> = new Set([
  'read', 'write', 'write_data', 'read_data', 'file_access', 'execute_code', 'network_access', 'external_network',
  'memory_read', 'memory_write', 'messaging', 'invoke_agent', 'http_input', 'spawn_unlimited_agents', 'recursive_orchestration',
]);

/** Pattern words that match every action. */
export const ALL_ACTIONS: ReadonlySet<string> = new Set(['all_operations', 'any', 'all', '*', 'all_interactions', 'all_requests']);

export const BUILTIN_TYPES: ReadonlyMap<string, string> = new Map([
  ['String', 'Text.'], ['string', 'Text.'], ['str', 'Text.'], ['int', 'An integer.'], ['integer', 'An integer.'], ['float', 'A number.'],
  ['number', 'A number.'], ['bool', 'true or false.'], ['boolean', 'true or false.'], ['Any', 'Any value.'], ['JSON', 'Any JSON value.'],
  ['Json', 'Any JSON value.'], ['Object', 'A record.'], ['Record', 'A record.'], ['Map', 'Map<K, V>: a record with keys K.'],
  ['List', 'List<T>: an array.'], ['Array', 'Array<T>: an array.'], ['Vec', 'Vec<T>: an array.'], ['Optional', 'Optional<T>: T or None.'],
  ['Option', 'Option<T>: T or None.'], ['Maybe', 'Maybe<T>: T or None.'], ['Result', 'Result<T, E>: Ok(T) or Err(E).'],
  ['Duration', 'A duration.'], ['DateTime', 'An ISO 8601 time string.'], ['Date', 'An ISO 8601 date string.'], ['Bytes', 'Binary data.'],
  ['Error', 'An error value.'], ['null', 'No value.'], ['void', 'No value.'],
]);

export interface KeyDoc { doc: string; values?: readonly string[]; type?: 'string' | 'number' | 'bool' | 'duration' | 'array' | 'any' }

const RUN_SETTINGS: Record<string, KeyDoc> = {
  model: { doc: 'Model name, e.g. "gpt-4o-mini" or "claude-sonnet-4-5".', type: 'string' },
  provider: { doc: 'Model provider.', values: ['openai', 'anthropic', 'ollama', 'vllm', 'lmstudio', 'llamacpp', 'vscode', 'replay', 'scripted'], type: 'string' },
  base_url: { doc: 'Base URL of an OpenAI-compatible endpoint (Ollama, vLLM, LM Studio, Azure, ...).', type: 'string' },
  api_key: { doc: 'API key: must be a `vault://` reference, never a literal.', type: 'any' },
  system_prompt: { doc: 'System prompt of the agent\'s model calls.', type: 'string' },
  max_iterations: { doc: 'Reasoning-loop iterations before MaxIterations (default 25).', type: 'number' },
  max_tokens: { doc: 'Total token budget of the run (default 100k).', type: 'number' },
  timeout: { doc: 'Run timeout: a duration (`300s`, `5.minutes`) or milliseconds (default 300 s).', type: 'duration' },
  tool_timeout: { doc: 'Timeout of one tool call (default 30 s).', type: 'duration' },
  context_budget: { doc: 'Tokens allowed in one model request (default 32k); older observations are cut first.', type: 'number' },
  planning: { doc: 'Planning mode.', values: ['simple', 'multi_step', 'complex'], type: 'string' },
  reflection: { doc: 'Reflect before and after steps and record insights.', type: 'bool' },
  temperature: { doc: 'Sampling temperature.', type: 'number' },
  max_concurrent_tools: { doc: 'Tool calls dispatched at once (default 5).', type: 'number' },
  approval_mode: { doc: '`ask` (default): an action no rule decides asks a human; `strict`: it is denied.', values: ['ask', 'strict'], type: 'string' },
};

/** Keys of `metadata { }`. */
export const METADATA_KEYS: Record<string, KeyDoc> = {
  name: { doc: 'Display name.', type: 'string' },
  version: { doc: 'Version of the agent file.', type: 'string' },
  author: { doc: 'Author.', type: 'string' },
  description: { doc: 'What the agents of this file do (also the default system prompt).', type: 'string' },
  tags: { doc: 'Tags for search.', type: 'array' },
  license: { doc: 'License.', type: 'string' },
  homepage: { doc: 'Home page URL.', type: 'string' },
  repository: { doc: 'Repository URL.', type: 'string' },
  executor: { doc: 'Symbiont executor (e.g. "claude_code").', type: 'string' },
  allowed_tools: { doc: 'Symbiont: tools allowed to a managed executor.', type: 'any' },
  ...RUN_SETTINGS,
};

/** Attributes of `with ... { }`. */
export const WITH_ATTRIBUTES: Record<string, KeyDoc> = {
  ...RUN_SETTINGS,
  cache: { doc: 'Answer repeated identical model calls from the cache.', type: 'bool' },
  memory: { doc: 'Memory mode.', values: ['ephemeral', 'persistent', 'shared'], type: 'string' },
  privacy: { doc: 'Privacy level (Symbiont).', values: ['low', 'medium', 'high', 'strict'], type: 'string' },
  security: { doc: 'Security level (Symbiont).', values: ['low', 'medium', 'high', 'strict'], type: 'string' },
  sandbox: { doc: 'Sandbox tier for command tools.', values: ['process', 'bubblewrap', 'docker', 'Tier1', 'Tier2', 'Tier3', 'e2b', 'firecracker', 'gvisor'], type: 'string' },
  max_memory_mb: { doc: 'Memory limit of tool processes (MB).', type: 'number' },
  max_cpu_cores: { doc: 'CPU limit of tool processes.', type: 'number' },
  sandbox_image: { doc: 'Docker image of the docker sandbox tier (default "debian:bookworm-slim").', type: 'string' },
  coordination: { doc: 'Multi-agent coordination (Symbiont).', type: 'string' },
  network: { doc: 'Whether tool processes may use the network.', type: 'bool' },
  priority: { doc: 'Scheduling priority.', type: 'number' },
  retries: { doc: 'Retries of retryable failures.', type: 'number' },
  max_tool_calls: { doc: 'Most tool calls this agent (as a run or a child run) may make.', type: 'number' },
};

/** Keys of `tool name(...) { }`. */
export const TOOL_KEYS: Record<string, KeyDoc> = {
  description: { doc: 'What the tool does; shown to the model.', type: 'string' },
  builtin: { doc: 'Binding to a built-in tool.', values: [...BUILTIN_TOOLS.keys()], type: 'string' },
  command: { doc: 'Binding to a command: an argv template, e.g. ["git", "log", "-n", "{count}"]. Never a shell string.', type: 'array' },
  mcp: { doc: 'Binding to an MCP tool: "server/tool".', type: 'string' },
  http: { doc: 'Binding to an HTTP endpoint: "GET https://host/path/{id}".', type: 'string' },
  idempotent: { doc: 'Safe to re-run after a crash (in-doubt calls are retried instead of asking).', type: 'bool' },
  timeout: { doc: 'Timeout of one call.', type: 'duration' },
  capability: { doc: 'The capability an agent must declare to call this tool.', type: 'string' },
  approval: { doc: '"always": every call asks a human; "never": policy decides, no prompt on unmatched; "policy" (default).', values: ['always', 'never', 'policy'], type: 'string' },
  cache: { doc: 'Answer repeated identical calls from the cache (idempotent tools only).', type: 'bool' },
  retries: { doc: 'Retries of retryable failures.', type: 'number' },
  network: { doc: 'Whether the command may use the network.', type: 'bool' },
  max_output: { doc: 'Output limit in bytes.', type: 'number' },
  cwd: { doc: 'Working directory (inside the workspace).', type: 'string' },
  env: { doc: 'Environment variables passed to the command (values may be vault:// references).', type: 'any' },
  secret: { doc: 'Mark the result secret: never journaled or logged.', type: 'bool' },
};

export const TOOL_BINDINGS = ['builtin', 'command', 'mcp', 'http'] as const;

/** `require: { ... }` / `audit: { ... }` settings the runtime enforces; the checker lists the others. */
export const ENFORCED_POLICY_SETTINGS: ReadonlyMap<string, string> = new Map([
  ['rate_limiting', 'Calls per period, e.g. "100/minute": further calls are denied until the window passes.'],
  ['max_document_size', 'Largest tool argument or result, e.g. "5MB".'],
  ['max_data_size', 'Largest tool argument or result, e.g. "100MB".'],
  ['approval_expiry', 'How long an approval stays valid, e.g. "5m".'],
  ['require_reason', 'Approvers must give a reason.'],
  ['include_input', 'Audit entries include the tool arguments.'],
  ['include_output', 'Audit entries include the tool results.'],
  ['log_level', 'Audit log level.'],
]);
