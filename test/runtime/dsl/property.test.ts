/**
 * Property-based robustness tests of the language front end (lexer, parser, checker, formatter).
 *
 * Inputs: arbitrary strings (any Unicode, and strings over the language's own alphabet), "token soup"
 * made of the language's keywords/punctuation/literals/comments, near-valid programs from a small
 * grammar-shaped generator, mutations of every corpus file, of the examples and of generated programs
 * (delete / duplicate / swap adjacent / insert a token, delete a character range, and layout-only
 * edits: insert or squeeze whitespace and comments between tokens; positions come from lex() token
 * offsets), a deterministic sweep of single-token deletions over the corpus, and deep nesting / long
 * chains (parentheses, blocks, else-if, `a + a + ...`, `x.a.a...`, `f()()...`, up to 3000 deep).
 *
 * Properties, for every input:
 *  - `parse` and `analyzeText` never throw and return within HANG_GUARD_MS (a hang guard, not a benchmark);
 *  - every diagnostic has 0 ≤ start ≤ end ≤ text.length, a non-empty message, a known severity and a
 *    documented code;
 *  - every AST node (any object with a `kind`) reachable from `parse().file` has 0 ≤ start ≤ end ≤ text.length,
 *    and the tree is well formed: no `undefined` fields (missing input is `null`), arrays hold only nodes;
 *  - `parse` is deterministic (the same input twice gives an equal tree and equal diagnostics).
 * If the formatter exists (runtime/dsl/format/index.ts), for inputs without syntax errors (a superset of
 * the inputs without any error diagnostic; syntax errors are the formatter's own precondition):
 *  - `format` never throws and is idempotent: format(format(x).text).text === format(x).text.
 *
 * Reproducing a failure: fast-check prints `seed` and `path` in the failure message. Re-run with
 *   npx esbuild test/runtime/dsl/property.test.ts --bundle --platform=node --target=node20 \
 *     --outdir=out/tt --external:mocha --log-level=warning
 *   BATON_FC_SEED=<seed> [BATON_FC_PATH=<path>] npx mocha --no-config --timeout 60000 out/tt/property.test.js
 * (`--no-config`: otherwise .mocharc.json adds every test under out/test/). Runs use a fixed seed unless
 * BATON_FC_SEED is given, or BATON_FC_RANDOM=1 asks for a fresh random seed (to explore more inputs). BATON_FC_RUNS=<n> overrides the
 * number of runs per property (default DEFAULT_RUNS: about 10 s for the whole file on a 2-core machine).
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { lex } from '../../../runtime/dsl/lexer';
import { parse } from '../../../runtime/dsl/parser';
import { analyzeText } from '../../../runtime/dsl/workspace';
import { DIAGNOSTIC_CODES } from '../../../runtime/dsl/diagnostics';
import { corpusDir, corpusFiles, repoRoot } from '../../helpers/paths';

const DEFAULT_RUNS = 300;
const HANG_GUARD_MS = 1000;
/** Single-token deletions tried per corpus file of 1 KB or more in the deterministic sweep. */
const SWEEP_PER_LARGE_FILE = 25;
const SEVERITIES = new Set(['error', 'warning', 'info']);

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got '${v}'`);
  return n;
}

const RUNS = envInt('BATON_FC_RUNS') ?? DEFAULT_RUNS;
/** A fixed seed keeps CI deterministic; BATON_FC_RANDOM=1 explores fresh inputs on each run. */
const SEED = envInt('BATON_FC_SEED') ?? (process.env.BATON_FC_RANDOM ? undefined : 20261121);
const PATH = process.env.BATON_FC_PATH || undefined;

/** Options shared by every property. */
function params(): fc.Parameters<unknown> {
  return {
    numRuns: Math.max(1, RUNS),
    ...(SEED !== undefined ? { seed: SEED } : {}),
    ...(PATH !== undefined ? { path: PATH } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Formatter: used when it exists; its properties are skipped otherwise.
// ---------------------------------------------------------------------------------------------

type FormatFn = (text: string) => { text: string; changed: boolean; error?: unknown };

/**
 * `require` inside try/catch: esbuild bundles the module when it exists and leaves a (failing, caught)
 * runtime require when it does not, so this file builds before and after the formatter lands.
 */
function loadFormatter(): FormatFn | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('../../../runtime/dsl/format/index') as { format?: unknown };
    return typeof m.format === 'function' ? (m.format as FormatFn) : undefined;
  } catch {
    return undefined;
  }
}
const formatFn = loadFormatter();

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

interface Reached { node: { kind: string; start: unknown; end: unknown }; at: string }

/**
 * Every object with a string `kind` reachable from `root`, with the path that reached it, plus the
 * places where the tree is malformed: an `undefined` field (ast.ts promises `null` for missing input)
 * or an array element that is not a node (every array of the AST holds nodes).
 * Iterative, so that very deep trees (long call chains, deep nesting) cannot overflow the stack here.
 */
function collectNodes(root: unknown): { nodes: Reached[]; malformed: string[] } {
  const nodes: Reached[] = [];
  const malformed: string[] = [];
  const seen = new Set<object>();
  const stack: Array<{ v: unknown; at: string }> = [{ v: root, at: 'file' }];
  while (stack.length > 0) {
    const { v, at } = stack.pop()!;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        const x = v[i];
        if (x === null || typeof x !== 'object' || typeof (x as { kind?: unknown }).kind !== 'string') {
          malformed.push(`${at}[${i}] is ${x === undefined ? 'undefined' : JSON.stringify(x)}, not a node`);
        }
        stack.push({ v: x, at: `${at}[${i}]` });
      }
      continue;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.kind === 'string') nodes.push({ node: o as Reached['node'], at });
    for (const k of Object.keys(o)) {
      if (o[k] === undefined) malformed.push(`${at}.${k} is undefined`);
      stack.push({ v: o[k], at: `${at}.${k}` });
    }
  }
  return { nodes, malformed };
}

/** A canonical string for a JSON-like value (like JSON.stringify, but iterative and NaN-aware). */
function fingerprint(root: unknown): string {
  const out: string[] = [];
  const stack: Array<{ v: unknown } | { s: string }> = [{ v: root }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('s' in item) { out.push(item.s); continue; }
    const v = item.v;
    if (Array.isArray(v)) {
      out.push('[');
      stack.push({ s: ']' });
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i] }, { s: ',' });
    } else if (v !== null && typeof v === 'object') {
      out.push('{');
      stack.push({ s: '}' });
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ v: o[keys[i]] }, { s: `${JSON.stringify(keys[i])}:` });
    } else {
      out.push(typeof v === 'number' || v === undefined ? String(v) : JSON.stringify(v));
    }
  }
  return out.join('');
}

function show(text: string): string {
  return JSON.stringify(text.length > 400 ? text.slice(0, 400) + '…' : text);
}

function isOffset(x: unknown, len: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= len;
}

/** All front-end invariants for one input; throws an AssertionError describing the first violation. */
function checkFrontEnd(text: string): void {
  const len = text.length;

  // The parser alone first, so that a malformed tree is reported as such rather than as a checker crash.
  let t0 = performance.now();
  let p1: ReturnType<typeof parse>;
  try {
    p1 = parse(text);
  } catch (e) {
    assert.fail(`parse threw ${(e as Error)?.stack ?? e} on ${show(text)}`);
  }
  let ms = performance.now() - t0;
  assert.ok(ms < HANG_GUARD_MS, `parse took ${ms.toFixed(0)} ms (> ${HANG_GUARD_MS}) on ${show(text)}`);
  const { nodes, malformed } = collectNodes(p1.file);
  assert.deepStrictEqual(malformed, [], `malformed AST for ${show(text)}`);
  for (const { node, at } of nodes) {
    assert.ok(isOffset(node.start, len) && isOffset(node.end, len) && (node.start as number) <= (node.end as number),
      `${node.kind} node at ${at} has range ${String(node.start)}..${String(node.end)} outside 0..${len} in ${show(text)}`);
  }

  t0 = performance.now();
  let a: ReturnType<typeof analyzeText>;
  try {
    a = analyzeText(text, 'prop.baton');
  } catch (e) {
    assert.fail(`analyzeText threw ${(e as Error)?.stack ?? e} on ${show(text)}`);
  }
  ms = performance.now() - t0;
  assert.ok(ms < HANG_GUARD_MS, `analyzeText took ${ms.toFixed(0)} ms (> ${HANG_GUARD_MS}) on ${show(text)}`);

  for (const d of a.diagnostics) {
    assert.ok(isOffset(d.start, len) && isOffset(d.end, len) && d.start <= d.end,
      `diagnostic ${d.code} '${d.message}' has range ${d.start}..${d.end} outside 0..${len} in ${show(text)}`);
    assert.ok(typeof d.message === 'string' && d.message.trim().length > 0, `diagnostic ${d.code} at ${d.start} has no message`);
    assert.ok(SEVERITIES.has(d.severity), `diagnostic ${d.code} has unknown severity '${d.severity}'`);
    assert.ok(typeof d.code === 'string' && d.code in DIAGNOSTIC_CODES, `diagnostic has undocumented code '${d.code}'`);
  }

  const p2 = parse(text);
  assert.ok(fingerprint(p2.file) === fingerprint(p1.file), `parse() is not deterministic (AST differs) on ${show(text)}`);
  assert.ok(fingerprint(p2.diagnostics) === fingerprint(p1.diagnostics), `parse() is not deterministic (diagnostics differ) on ${show(text)}`);
}

/** The formatter's precondition: no syntax (parse) errors. A superset of the inputs without any error diagnostic. */
function hasSyntaxErrors(text: string): boolean {
  return parse(text).diagnostics.some((d) => d.severity === 'error');
}

/** Formatter properties for an input without error diagnostics: no throw, idempotent. */
function checkFormatter(fmt: FormatFn, text: string): void {
  let once: ReturnType<FormatFn>;
  try {
    once = fmt(text);
  } catch (e) {
    assert.fail(`format threw ${(e as Error)?.stack ?? e} on ${show(text)}`);
  }
  assert.strictEqual(typeof once.text, 'string', 'format() returned no text');
  let twice: ReturnType<FormatFn>;
  try {
    twice = fmt(once.text);
  } catch (e) {
    assert.fail(`format threw on its own output ${show(once.text)}: ${(e as Error)?.stack ?? e}`);
  }
  assert.strictEqual(twice.text, once.text, `format is not idempotent on ${show(text)}`);
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const KEYWORDS = [
  'let', 'if', 'else', 'for', 'in', 'while', 'match', 'try', 'catch', 'return', 'break', 'continue', 'parallel',
  'true', 'false', 'null', 'not', 'metadata', 'agent', 'policy', 'type', 'function', 'tool', 'mcp', 'schedule',
  'channel', 'memory', 'webhook', 'capabilities', 'with', 'allow', 'deny', 'require', 'audit',
];
const PUNCT = [
  '=>', '->', '==', '!=', '<=', '>=', '&&', '||', '+=', '-=', '*=', '/=', '%=', '=', '<', '>', '+', '-', '*', '/',
  '%', '!', '?', '|', '{', '}', '(', ')', '[', ']', ',', ';', ':', '.',
];
const NAMES = ['x', 'y', 'data', 'result', 'step', 'items', 'item', 'target', 'a_1', '_tmp', 'Foo', 'Service', 'Some', 'None', 'Ok', 'Err', 'e', 'len', 'format', 'log', 'read_file', 'ask', 'reason', 'context', 'args'];
const TYPE_NAMES = ['String', 'int', 'float', 'bool', 'Any', 'Service', 'Result', 'Map', 'Optional', 'Option'];
const STRINGS = ['""', '"hello"', '"read"', '"a\\"b"', '"line\\nbreak"', '"{x}"', '"fs.read"', '"github/list_issues"', '"GET https://h/p/{id}"', '"\\u00e9"', '"multi\nline"', '"unterminated', '"\\'];
const NUMBERS = ['0', '1', '42', '0.5', '1_000', '1e3', '2.5E-2', '30s', '5m', '2h', '1d', '1w', '6months', '1y', '60.seconds', '5.minutes', '100ms', '99999999999999999999'];
const COMMENTS = ['// c\n', '# h\n', '/* b */', '/* multi\nline */', '/* unterminated', '//\n'];
const OTHER = ['vault://a/b', 'vault://', '@', '$', '`', '\\', '\u00a0', '\ufeff', 'é', '\u2028', '\t', '\r\n', '\n', ' '];

const nameArb = fc.constantFrom(...NAMES);
const soup = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEYWORDS) },
  { weight: 5, arbitrary: fc.constantFrom(...PUNCT) },
  { weight: 4, arbitrary: nameArb },
  { weight: 2, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(...COMMENTS) },
  { weight: 1, arbitrary: fc.constantFrom(...OTHER) },
);
const sepArb = fc.constantFrom(' ', ' ', ' ', '', '\n', '\n    ');

/** A sequence of language tokens with random separators. */
const tokenSoupArb = fc.array(fc.tuple(soup, sepArb), { maxLength: 80 }).map((ts) => ts.map(([t, s]) => t + s).join(''));

/** Strings over the characters that appear in the language (more likely to hit real tokens than arbitrary Unicode). */
const langCharArb = fc.string({
  unit: fc.constantFrom(...'abcdefxyz_019 \n\t{}()[]<>=!&|+-*/%?.,:;"\\#@é'.split(''), ...KEYWORDS.slice(0, 8)),
  maxLength: 120,
});

// ---- a grammar-shaped generator of near-valid programs ----

interface Gen { expr: string; stmt: string; stmts: string; type: string; item: string; program: string }

const literalArb = fc.oneof(
  fc.constantFrom(...STRINGS.slice(0, 10)),
  fc.constantFrom(...NUMBERS.slice(0, 16)),
  fc.constantFrom('true', 'false', 'null', 'vault://db/password'),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
);
const binOpArb = fc.constantFrom('||', '&&', '==', '!=', 'in', '<', '>', '<=', '>=', '+', '-', '*', '/', '%');
const assignOpArb = fc.constantFrom('=', '+=', '-=', '*=', '/=', '%=');

function commaList(arb: fc.Arbitrary<string>, max: number, sep = ', '): fc.Arbitrary<string> {
  return fc.array(arb, { maxLength: max }).map((xs) => xs.join(sep));
}

const gen = fc.letrec<Gen>((tieAny) => {
  const tie = (k: keyof Gen) => tieAny(k) as fc.Arbitrary<string>;
  return {
    type: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...TYPE_NAMES),
      fc.tuple(tie('type')).map(([t]) => `[${t}]`),
      fc.tuple(fc.constantFrom('Map', 'Result', 'Optional'), commaList(tie('type'), 2)).map(([n, a]) => `${n}<${a}>`),
      fc.tuple(commaList(fc.tuple(nameArb, tie('type')).map(([n, t]) => `${n}: ${t}`), 3)).map(([f]) => `{ ${f} }`),
      fc.tuple(fc.constantFrom('"a"', '"b"', '1'), fc.constantFrom('"c"', 'String')).map(([a, b]) => `${a} | ${b}`),
      fc.tuple(fc.constantFrom(...TYPE_NAMES)).map(([t]) => `${t}?`),
    ),
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      literalArb,
      nameArb,
      fc.tuple(tie('expr'), binOpArb, tie('expr')).map(([l, o, r]) => `${l} ${o} ${r}`),
      fc.tuple(fc.constantFrom('!', 'not ', '-'), tie('expr')).map(([o, e]) => `${o}${e}`),
      fc.tuple(nameArb, commaList(fc.oneof(tie('expr'), fc.tuple(nameArb, fc.constantFrom(': ', ' = '), tie('expr')).map((p) => p.join(''))), 3))
        .map(([f, a]) => `${f}(${a})`),
      fc.tuple(tie('expr'), nameArb).map(([o, p]) => `${o}.${p}`),
      fc.tuple(tie('expr'), nameArb, commaList(tie('expr'), 2)).map(([o, m, a]) => `${o}.${m}(${a})`),
      fc.tuple(nameArb, tie('expr')).map(([o, i]) => `${o}[${i}]`),
      commaList(tie('expr'), 3).map((a) => `[${a}]`),
      commaList(fc.tuple(fc.oneof(nameArb, fc.constantFrom('"k"', '"with space"')), tie('expr')).map(([k, v]) => `${k}: ${v}`), 3).map((e) => `{ ${e} }`),
      fc.tuple(fc.constantFrom('Foo', 'Service', 'WorkflowResult'), commaList(fc.tuple(nameArb, tie('expr')).map(([k, v]) => `${k}: ${v}`), 3))
        .map(([t, e]) => `${t} { ${e} }`),
      fc.tuple(nameArb, tie('expr')).map(([p, b]) => `${p} => ${b}`),
      fc.tuple(tie('expr')).map(([e]) => `(${e})`),
      fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, a, b]) => `if ${c} { ${a} } else { ${b} }`),
    ),
    stmt: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.tuple(nameArb, tie('expr')).map(([n, e]) => `let ${n} = ${e};`),
      fc.tuple(nameArb, tie('type'), tie('expr')).map(([n, t, e]) => `let ${n}: ${t} = ${e};`),
      fc.tuple(fc.oneof(nameArb, fc.constant('x.y'), fc.constant('x[0]')), assignOpArb, tie('expr')).map(([n, o, e]) => `${n} ${o} ${e};`),
      fc.tuple(tie('expr'), tie('stmts'), fc.option(tie('stmts'))).map(([c, t, e]) => `if ${c} {\n${t}\n}${e === null ? '' : ` else {\n${e}\n}`}`),
      fc.tuple(tie('expr'), tie('stmts'), tie('expr'), tie('stmts')).map(([c, t, c2, e]) => `if ${c} { ${t} } else if ${c2} { ${e} }`),
      fc.tuple(nameArb, tie('expr'), tie('stmts')).map(([n, e, b]) => `if let Some(${n}) = ${e} {\n${b}\n}`),
      fc.tuple(nameArb, tie('expr'), tie('stmts')).map(([n, e, b]) => `for ${n} in ${e} {\n${b}\n}`),
      fc.tuple(tie('expr'), tie('stmts')).map(([c, b]) => `while ${c} {\n${b}\n}`),
      fc.tuple(tie('expr'), fc.array(fc.tuple(
        fc.constantFrom('_', '"a"', '1', 'true', 'x', 'Some(v)', 'Ok(v) | Err(v)', 'None'),
        fc.option(tie('expr')),
        fc.oneof(tie('expr'), tie('stmts').map((s) => `{ ${s} }`)),
      ).map(([p, g, b]) => `${p}${g === null ? '' : ` if ${g}`} => ${b}`), { maxLength: 3 }))
        .map(([s, arms]) => `match ${s} {\n${arms.join(',\n')}\n}`),
      fc.tuple(tie('stmts'), fc.constantFrom('(e)', '(StepExecutionError e)', '(error)'), tie('stmts'))
        .map(([b, c, h]) => `try {\n${b}\n} catch ${c} {\n${h}\n}`),
      fc.option(tie('expr')).map((e) => (e === null ? 'return;' : `return ${e};`)),
      fc.constantFrom('break;', 'continue;'),
      tie('expr').map((e) => `${e};`),
      tie('stmts').map((s) => `parallel {\n${s}\n}`),
    ),
    stmts: fc.array(tie('stmt'), { maxLength: 4 }).map((ss) => ss.join('\n')),
    item: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      commaList(fc.tuple(fc.constantFrom('version', 'author', 'description', 'model', 'tags', 'whatever'), fc.constantFrom(' = ', ': '), tie('expr'))
        .map((p) => p.join('')), 4, '\n').map((s) => `metadata {\n${s}\n}`),
      fc.record({
        name: fc.constantFrom('A', 'B', 'agent_1', 'Reviewer'),
        params: fc.option(commaList(fc.tuple(nameArb, tie('type'), fc.option(literalArb))
          .map(([n, t, d]) => `${n}: ${t}${d === null ? '' : ` = ${d}`}`), 3)),
        ret: fc.option(tie('type')),
        caps: fc.option(commaList(fc.constantFrom('"read"', '"write"', 'analyze', '"network_access"'), 3)),
        rules: fc.array(fc.tuple(
          fc.constantFrom('allow', 'deny', 'require', 'audit'),
          fc.oneof(fc.constantFrom('read_file(path)', '"read"', '["a", b]', 'all_operations', '{ log_level: "info" }', 'approval(x)'), tie('expr')),
          fc.option(tie('expr')),
        ).map(([v, p, c]) => `${v}: ${p}${c === null ? '' : ` if ${c}`}`), { maxLength: 4 }),
        withAttrs: commaList(fc.tuple(fc.constantFrom('memory', 'timeout', 'sandbox', 'max_iterations', 'planning', 'model', 'bogus'), literalArb)
          .map(([k, v]) => `${k} = ${v}`), 3),
        body: tie('stmts'),
      }).map((r) => [
        `agent ${r.name}${r.params === null ? '' : `(${r.params})`}${r.ret === null ? '' : ` -> ${r.ret}`} {`,
        r.caps === null ? '' : `  capabilities = [${r.caps}]`,
        `  policy p {\n    ${r.rules.join('\n    ')}\n  }`,
        `  with ${r.withAttrs} {\n${r.body}\n  }`,
        '}',
      ].join('\n')),
      fc.tuple(fc.constantFrom('T', 'Triage', 'Service'), tie('type')).map(([n, t]) => `type ${n} = ${t}`),
      fc.tuple(fc.constantFrom('f', 'g', 'helper'), commaList(fc.tuple(nameArb, tie('type')).map(([n, t]) => `${n}: ${t}`), 3), fc.option(tie('type')), tie('stmts'))
        .map(([n, p, r, b]) => `function ${n}(${p})${r === null ? '' : ` -> ${r}`} {\n${b}\n}`),
      fc.tuple(fc.constantFrom('read_file', 'list', 't'), commaList(fc.tuple(nameArb, tie('type')).map(([n, t]) => `${n}: ${t}`), 2),
        commaList(fc.constantFrom('builtin = "fs.read"', 'command = ["git", "log", "{x}"]', 'mcp = "gh/list"', 'http = "GET https://h/{x}"',
          'description = "d"', 'capability = "read"', 'approval = "always"', 'timeout = 20s', 'idempotent = true', 'bogus = 1'), 3, '\n'))
        .map(([n, p, b]) => `tool ${n}(${p}) -> String {\n${b}\n}`),
      fc.constantFrom(
        'mcp gh {\n  command "npx"\n  args ["-y", "server"]\n  env { TOKEN "vault://gh/token" }\n}',
        'schedule nightly {\n  cron = "0 0 * * *"\n  agent = "A"\n}',
        'channel c {\n  protocol: "http"\n  policy cp { allow: ["read"] }\n  data_classification { pii: mask }\n}',
        'memory m {\n  store "sqlite"\n  search { mode "hybrid" }\n}',
        'webhook w {\n  path "/hook"\n  filter { event "push" }\n}',
      ),
    ),
    program: fc.array(fc.tuple(tie('item'), fc.option(fc.constantFrom(...COMMENTS))), { minLength: 1, maxLength: 4 })
      .map((items) => items.map(([i, c]) => (c ?? '') + i).join('\n\n') + '\n'),
  };
});

const programArb = gen.program;

// ---- mutations ----

type MutationOp =
  | 'deleteToken' | 'duplicateToken' | 'swapTokens' | 'deleteRange' | 'insertToken' | 'insertTokenAnywhere'
  // Layout-only edits (most keep the file valid, so they exercise the formatter):
  | 'insertLayout' | 'squeezeLayout';

/** Whitespace and comments inserted between tokens by `insertLayout`. */
const LAYOUT = ['\n', '\n\n', '  ', '\t', '\n        ', ' // note\n', ' /* c */ ', '\n# h\n', '\r\n'];
interface Mutation { op: MutationOp; i: number; j: number; tok: string; glue: string }

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom<MutationOp>(
    'deleteToken', 'duplicateToken', 'swapTokens', 'deleteRange', 'insertToken', 'insertTokenAnywhere', 'insertLayout', 'squeezeLayout'),
  i: fc.nat(),
  j: fc.nat({ max: 64 }),
  tok: soup,
  glue: fc.constantFrom('', ' ', '\n'),
});

/** Applies one mutation, using lex() token offsets (tokens and comments) so that edits fall on token boundaries. */
function mutate(text: string, m: Mutation): string {
  const { tokens, comments } = lex(text);
  const toks = [...tokens, ...comments].sort((a, b) => a.startOffset - b.startOffset);
  // Tokens may carry only `startOffset` (the lexer tracks offsets only): the end is start + image length.
  const end = (k: number) => toks[k].startOffset + toks[k].image.length;
  switch (m.op) {
    case 'deleteRange': {
      if (text.length === 0) return text;
      const a = m.i % text.length;
      return text.slice(0, a) + text.slice(Math.min(text.length, a + 1 + m.j));
    }
    case 'insertTokenAnywhere': {
      const a = m.i % (text.length + 1);
      return text.slice(0, a) + m.tok + m.glue + text.slice(a);
    }
    default: break;
  }
  if (toks.length === 0) return text + m.glue + m.tok;
  const k = m.i % toks.length;
  const t = toks[k];
  switch (m.op) {
    case 'deleteToken':
      return text.slice(0, t.startOffset) + text.slice(end(k));
    case 'duplicateToken':
      return text.slice(0, end(k)) + m.glue + t.image + text.slice(end(k));
    case 'swapTokens': {
      if (k + 1 >= toks.length) return text;
      const u = toks[k + 1];
      return text.slice(0, t.startOffset) + u.image + text.slice(end(k), u.startOffset) + t.image + text.slice(end(k + 1));
    }
    case 'insertToken':
      return text.slice(0, t.startOffset) + m.tok + m.glue + text.slice(t.startOffset);
    case 'insertLayout':
      return text.slice(0, t.startOffset) + LAYOUT[m.j % LAYOUT.length] + text.slice(t.startOffset);
    case 'squeezeLayout': {
      // The gap before token k becomes one space or nothing (when that cannot merge two tokens).
      const prevEnd = k > 0 ? end(k - 1) : 0;
      const gap = text.slice(prevEnd, t.startOffset);
      if (!/^\s+$/.test(gap)) return text;
      const glue = m.glue === '' && k > 0 && /\w$/.test(toks[k - 1].image) && /^\w/.test(t.image) ? ' ' : m.glue;
      return text.slice(0, prevEnd) + glue + text.slice(t.startOffset);
    }
  }
}

function applyAll(text: string, ms: Mutation[]): string {
  return ms.reduce(mutate, text);
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

const CORPUS: Array<{ name: string; text: string }> = corpusFiles().map((f) => ({
  name: f, text: fs.readFileSync(path.join(corpusDir(), f), 'utf8'),
}));
const EXAMPLES_DIR = path.join(repoRoot(), 'examples');
const EXAMPLES: Array<{ name: string; text: string }> = fs.existsSync(EXAMPLES_DIR)
  ? fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.baton')).sort()
    .map((f) => ({ name: `examples/${f}`, text: fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8') }))
  : [];
const SOURCES = [...CORPUS, ...EXAMPLES];

const mutatedSourceArb = fc.tuple(fc.constantFrom(...SOURCES), fc.array(mutationArb, { minLength: 1, maxLength: 3 }))
  .map(([src, ms]) => applyAll(src.text, ms));
const mutatedProgramArb = fc.tuple(programArb, fc.array(mutationArb, { minLength: 1, maxLength: 2 }))
  .map(([p, ms]) => applyAll(p, ms));

/** Deep nesting and long chains: stack-depth hazards for a recursive-descent parser and tree walkers. */
const inBody = (stmts: string) => `agent A(x: int) {\n  with {\n${stmts}\n  }\n}\n`;
const DEEP: Array<[string, (n: number) => string]> = [
  ['nested parentheses', (n) => inBody(`let y = ${'('.repeat(n)}x${')'.repeat(n)};`)],
  ['unclosed parentheses', (n) => inBody(`let y = ${'('.repeat(n)}`)],
  ['nested arrays', (n) => inBody(`let y = ${'['.repeat(n)}${']'.repeat(n)};`)],
  ['nested records', (n) => inBody(`let y = ${'{ a: '.repeat(n)}1${' }'.repeat(n)};`)],
  ['nested ifs', (n) => inBody(`${'if x { '.repeat(n)}${'}'.repeat(n)}`)],
  ['unclosed ifs', (n) => inBody('if x { '.repeat(n))],
  ['else-if chain', (n) => inBody(`if x { } ${'else if x { } '.repeat(n)}`)],
  ['binary chain', (n) => inBody(`let y = ${Array(n).fill('x').join(' + ')};`)],
  ['member chain', (n) => inBody(`let y = x${'.a'.repeat(n)};`)],
  ['call chain', (n) => inBody(`let y = x${'()'.repeat(n)};`)],
  ['unary chain', (n) => inBody(`let y = ${'!'.repeat(n)}x;`)],
  ['nested array types', (n) => `type T = ${'['.repeat(n)}int${']'.repeat(n)}\n`],
  ['nested settings', (n) => `metadata { ${'a { '.repeat(n)}${'}'.repeat(n)} }\n`],
];
const DEEP_SIZES = [10, 100, 300, 1000, 3000];

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('front end properties (fast-check)', function () {
  this.timeout(120_000);

  before(() => {
    // The first parse builds the Chevrotain parser (grammar self-analysis): keep it out of the hang guard.
    analyzeText(SOURCES.map((s) => s.text).join('\n'));
  });

  it('the corpus and examples satisfy the invariants unmutated', () => {
    assert.ok(CORPUS.length > 0, 'no corpus files');
    for (const s of SOURCES) checkFrontEnd(s.text);
  });

  it('arbitrary Unicode strings', () => {
    fc.assert(fc.property(fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      langCharArb,
    ), checkFrontEnd), params());
  });

  it('token soup of keywords, punctuation, names, literals and comments', () => {
    fc.assert(fc.property(tokenSoupArb, checkFrontEnd), params());
  });

  it('near-valid programs from the grammar-shaped generator', () => {
    fc.assert(fc.property(programArb, checkFrontEnd), params());
  });

  it('mutated corpus files and examples (delete/duplicate/swap/insert tokens, delete ranges)', () => {
    fc.assert(fc.property(mutatedSourceArb, checkFrontEnd), params());
  });

  it('mutated generated programs', () => {
    fc.assert(fc.property(mutatedProgramArb, checkFrontEnd), params());
  });

  it('single-token deletions of every corpus file (deterministic sweep)', () => {
    // Every token of the small files; evenly spaced tokens of the large ones (keeps the suite fast).
    for (const s of CORPUS) {
      const n = lex(s.text).tokens.length + lex(s.text).comments.length;
      const step = s.text.length < 1000 ? 1 : Math.max(1, Math.floor(n / SWEEP_PER_LARGE_FILE));
      for (let i = 0; i < n; i += step) checkFrontEnd(mutate(s.text, { op: 'deleteToken', i, j: 0, tok: '', glue: '' }));
    }
  });

  it(`deep nesting and long chains (sizes ${DEEP_SIZES.join(', ')})`, () => {
    const failures: string[] = [];
    for (const [name, make] of DEEP) {
      for (const n of DEEP_SIZES) {
        try {
          checkFrontEnd(make(n));
        } catch (e) {
          failures.push(`${name} × ${n}: ${((e as Error).message ?? String(e)).split('\n')[0].slice(0, 200)}`);
          break; // larger sizes of the same shape fail the same way
        }
      }
    }
    assert.deepStrictEqual(failures, []);
  });

  describe('formatter', () => {
    let checked = 0;

    before(function () {
      if (!formatFn) this.skip();
    });

    const formatIfClean = (text: string) => {
      if (hasSyntaxErrors(text)) return;
      checked++;
      checkFormatter(formatFn!, text);
    };

    it('is idempotent on the corpus and examples', () => {
      for (const s of SOURCES) if (!hasSyntaxErrors(s.text)) checkFormatter(formatFn!, s.text);
    });

    it('never throws and is idempotent on mutated inputs without syntax errors', () => {
      checked = 0;
      fc.assert(fc.property(mutatedSourceArb, formatIfClean), params());
      if (RUNS >= 50) assert.ok(checked > 0, 'no mutated input was free of syntax errors: the property checked nothing');
    });

    it('never throws and is idempotent on generated programs without syntax errors', () => {
      checked = 0;
      fc.assert(fc.property(fc.oneof(programArb, mutatedProgramArb), formatIfClean), params());
      if (RUNS >= 50) assert.ok(checked > 0, 'no generated input was free of syntax errors: the property checked nothing');
    });
  });
});
