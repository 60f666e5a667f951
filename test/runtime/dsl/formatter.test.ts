import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from '../../../runtime/dsl/format/index';
import { findDifference, findLostComment } from '../../../runtime/dsl/format/verify';
import { parse } from '../../../runtime/dsl/parser';

/** The project root: the nearest directory with a package.json above `from`. */
function projectRoot(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function corpusDir(): string {
  const root = projectRoot(__dirname) ?? projectRoot(process.cwd());
  assert.ok(root, 'cannot find the project root (package.json)');
  return path.join(root, '..', 'shared', 'corpus', 'symbiont');
}

const CORPUS = corpusDir();
const corpusFiles = fs.readdirSync(CORPUS).filter((f) => /\.(symbi|dsl|baton)$/.test(f)).sort();
const validFiles = corpusFiles.filter((f) => !f.includes('invalid'));
const invalidFiles = corpusFiles.filter((f) => f.includes('invalid'));
const read = (f: string): string => fs.readFileSync(path.join(CORPUS, f), 'utf8');

function fmt(text: string): string {
  const r = format(text);
  assert.strictEqual(r.error, undefined, `unexpected formatter error: ${r.error}`);
  return r.text;
}

function commentTexts(text: string): string[] {
  return parse(text).file.comments.map((c) => c.text.trimEnd()).sort();
}

/** Formats `input`, checks the result against `expected` and that formatting it again changes nothing. */
function check(input: string, expected: string): void {
  const out = fmt(input);
  assert.strictEqual(out, expected);
  assert.strictEqual(fmt(out), out, 'not idempotent');
}

describe('formatter', () => {
  describe('Symbiont fmt fixtures', () => {
    for (const name of ['01_metadata', '02_agent_simple']) {
      it(`formats ${name} byte-identically`, () => {
        const input = read(`fixtures__fmt__${name}__input.symbi`);
        const expected = read(`fixtures__fmt__${name}__expected.symbi`);
        const r = format(input);
        assert.strictEqual(r.error, undefined);
        assert.strictEqual(r.text, expected);
        assert.strictEqual(r.changed, true);
        const again = format(expected);
        assert.strictEqual(again.text, expected);
        assert.strictEqual(again.changed, false);
      });
    }
  });

  describe('corpus', () => {
    it('has files to test', () => {
      assert.ok(validFiles.length >= 10, `only ${validFiles.length} valid corpus files`);
      assert.ok(invalidFiles.length >= 1);
    });

    for (const f of validFiles) {
      it(`is idempotent on ${f}`, () => {
        const once = fmt(read(f));
        assert.strictEqual(fmt(once), once);
        assert.ok(once.endsWith('}\n') && !once.endsWith('\n\n'), 'ends with exactly one newline');
      });

      it(`keeps every comment of ${f}`, () => {
        const input = read(f);
        const out = fmt(input);
        assert.deepStrictEqual(commentTexts(out), commentTexts(input));
      });
    }

    for (const f of invalidFiles) {
      it(`leaves ${f} (syntax errors) unchanged`, () => {
        const input = read(f);
        const r = format(input);
        assert.strictEqual(r.text, input);
        assert.strictEqual(r.changed, false);
        assert.strictEqual(r.error, 'the file has syntax errors');
      });
    }

    it('keeps trailing comments at the end of their line in records and with attributes', () => {
      const out = fmt(read('agents__hitl_devops.symbi'));
      assert.ok(out.includes('            approval_expiry: "5m",  // approval valid for 5 minutes\n'));
      assert.ok(out.includes('        timeout = 300000,  // 5 minutes (includes human approval wait)\n'));
      const validator = fmt(read('agents__data_validator.symbi'));
      assert.ok(validator.includes('            include_input: false,  // Protect PII in data\n'));
    });

    it('collapses a with header that fits and keeps a blank line after a leading comment block', () => {
      const out = fmt(read('agents__code_reviewer.symbi'));
      assert.ok(out.includes('    with memory = "ephemeral", security = "high", sandbox = "Tier1" {\n        return review(target);\n    }\n'));
      assert.ok(out.includes('# enforces it through the policy Gate + the spawned subprocess flags.\n\nagent code_reviewer'));
    });
  });

  describe('safety', () => {
    it('returns a file with a syntax error unchanged', () => {
      const input = 'agent A {\n  with { let x = ; }\n}\n';
      const r = format(input);
      assert.deepStrictEqual(r, { text: input, changed: false, error: 'the file has syntax errors' });
    });

    it('reports a file that is already formatted as unchanged', () => {
      const r = format('metadata {\n    version = "1"\n}\n');
      assert.deepStrictEqual(r, { text: 'metadata {\n    version = "1"\n}\n', changed: false });
    });

    it('detects a lost comment', () => {
      const before = parse('// a\nmetadata { x = 1 } # b\n').file.comments;
      const after = parse('// a\nmetadata { x = 1 }\n').file.comments;
      assert.strictEqual(findLostComment(before, after)?.text, '# b');
      assert.strictEqual(findLostComment(before, before), null);
    });

    it('detects a changed tree but ignores offsets and setting commas', () => {
      const a = parse('metadata { x: 1, y: "s" }').file;
      const same = parse('metadata {\n    x: 1,\n    y: "s",\n}\n').file;
      const other = parse('metadata { x: 1, y: "t" }').file;
      assert.strictEqual(findDifference(a, same), null);
      assert.notStrictEqual(findDifference(a, other), null);
    });

    it('keeps CRLF line breaks', () => {
      assert.strictEqual(fmt('metadata {  a = 1 // x\r\n}\r\n'), 'metadata {\r\n    a = 1  // x\r\n}\r\n');
    });

    it('formats an empty file to an empty file and a comment-only file to its comments', () => {
      assert.strictEqual(fmt(''), '');
      assert.strictEqual(fmt('// only\n\n\n# comments   \n'), '// only\n\n# comments\n');
    });
  });

  describe('layout', () => {
    it('formats nested blocks, if / else-if chains and a trailing expression', () => {
      check(
        'function score(items: [Finding]) -> int {\nlet total = 0\n;for f in items { if f.severity == "high" { total += 10; }'
        + ' else if f.severity == "low" { total += 1; } else { { nested(); } } }\ntotal }',
        `function score(items: [Finding]) -> int {
    let total = 0;
    for f in items {
        if f.severity == "high" {
            total += 10;
        } else if f.severity == "low" {
            total += 1;
        } else {
            {
                nested();
            }
        }
    }
    total
}
`);
    });

    it('formats match arms with blocks, or-patterns and guards', () => {
      check(
        'function route(action: String) { match action { "a" | "b" => { run(action); }, "c" if count > 1 => log("c") , _ => {} } }',
        `function route(action: String) {
    match action {
        "a" | "b" => {
            run(action);
        },
        "c" if count > 1 => log("c"),
        _ => {},
    }
}
`);
    });

    it('formats lambdas with expression and block bodies', () => {
      check(
        'function f(xs: [int]) { let ys = xs.map(x => x * 2); let zs = xs.filter((a, b) => { let c = a + b; c > 2 }); }',
        `function f(xs: [int]) {
    let ys = xs.map(x => x * 2);
    let zs = xs.filter((a, b) => {
        let c = a + b;
        c > 2
    });
}
`);
    });

    it('formats typed records, keeping one expanded in the source expanded', () => {
      check(
        'function mk() -> Point { let p = Point { x: 1, y: 2 }; return Report {\n valid_records: 0, errors: [] }; }',
        `function mk() -> Point {
    let p = Point { x: 1, y: 2 };
    return Report {
        valid_records: 0,
        errors: [],
    };
}
`);
    });

    it('formats if let chains', () => {
      check(
        'function g() { if let Some(v) = lookup(k) { log(v); } else if let None = other() { return; } }',
        `function g() {
    if let Some(v) = lookup(k) {
        log(v);
    } else if let None = other() {
        return;
    }
}
`);
    });

    it('formats try / catch with and without a type', () => {
      check(
        'function t() { try { risky(); } catch (StepExecutionError e) { log(e.message); } try { a(); } catch (e) { b(); } }',
        `function t() {
    try {
        risky();
    } catch (StepExecutionError e) {
        log(e.message);
    }
    try {
        a();
    } catch (e) {
        b();
    }
}
`);
    });

    it('formats parallel blocks', () => {
      check(
        'function p() { parallel { let a = fetch(1); let b = fetch(2); } use(a, b); }',
        `function p() {
    parallel {
        let a = fetch(1);
        let b = fetch(2);
    }
    use(a, b);
}
`);
    });

    it('formats tool declarations with command arrays', () => {
      check(
        'tool git_log(count: int = 10) -> String { description = "Show the log" command = ["git", "log", "-n", "{count}"]\n timeout = 30s }',
        `tool git_log(count: int = 10) -> String {
    description = "Show the log"
    command = ["git", "log", "-n", "{count}"]
    timeout = 30s
}
`);
    });

    it('formats mcp blocks with nested env blocks', () => {
      check(
        'mcp github { command "npx"\nargs ["-y", "@modelcontextprotocol/server-github"] env { GITHUB_TOKEN "vault://github/token" } }',
        `mcp github {
    command "npx"
    args ["-y", "@modelcontextprotocol/server-github"]
    env {
        GITHUB_TOKEN "vault://github/token"
    }
}
`);
    });

    it('keeps comments at line ends inside records and before closing braces', () => {
      check(
        'function c() {\n    let rec = {\n        a: 1,   // first\n        b: 2\n        // before close\n    };\n'
        + '    work(); // at end\n\n\n    // before block close\n}',
        `function c() {
    let rec = {
        a: 1,  // first
        b: 2,
        // before close
    };
    work();  // at end

    // before block close
}
`);
    });

    it('keeps comments in argument lists, arrays, policies and after an opening brace', () => {
      check(
        'agent A { // open\n policy p { allow: read # why\n  // last\n }\n with { call(a, // after a\n b); let xs = [1, /* inline */ 2]; } }',
        `agent A {  // open
    policy p {
        allow: read  # why
        // last
    }

    with {
        call(
            a,  // after a
            b,
        );
        let xs = [1, /* inline */ 2];
    }
}
`);
    });

    it('breaks a long with header one attribute per line, with `{` on its own line', () => {
      check(
        'agent A { with memory = "ephemeral", security = "high", sandbox = "Tier1", timeout = 30000, max_memory_mb = 1024 { run(); } }',
        `agent A {
    with
        memory = "ephemeral",
        security = "high",
        sandbox = "Tier1",
        timeout = 30000,
        max_memory_mb = 1024
    {
        run();
    }
}
`);
    });

    it('keeps setting separators, spaces operators and named-argument separators', () => {
      check(
        'channel c { platform:"slack" policy g { deny: invoke("x") } data_classification { pii: redact } }\n'
        + 'memory m { store markdown search { vector_weight 0.6 } }\n'
        + 'function f() { x.y=a+b*-c; call(1,name:"x",other=2) }',
        `channel c {
    platform: "slack",
    policy g {
        deny: invoke("x")
    }
    data_classification {
        pii: redact,
    }
}

memory m {
    store markdown
    search {
        vector_weight 0.6
    }
}

function f() {
    x.y = a + b * -c;
    call(1, name: "x", other = 2)
}
`);
    });

    it('breaks long calls one argument per line and hugs a last record argument', () => {
      check(
        'function h() { let msg = format("this is a very long format string that goes on and on and on {}", value_one, value_two);'
        + ' analyze({ logs: logs, metrics: metrics, status: status, extra_field: extra_value, another_one: 1234567 }); }',
        `function h() {
    let msg = format(
        "this is a very long format string that goes on and on and on {}",
        value_one,
        value_two,
    );
    analyze({
        logs: logs,
        metrics: metrics,
        status: status,
        extra_field: extra_value,
        another_one: 1234567,
    });
}
`);
    });

    it('puts a policy condition that does not fit on its own line', () => {
      check(
        'policy p { allow: ["read_data", "validate_schema", "quality_check"] if data.source.trusted == true && data.records.length <= 100000 }',
        `policy p {
    allow: ["read_data", "validate_schema", "quality_check"]
        if data.source.trusted == true && data.records.length <= 100000
}
`);
    });
  });

  describe('speed', () => {
    it('formats a 5,000-line file quickly', () => {
      const sources = validFiles.filter((f) => f.startsWith('agents__')).map(read);
      let big = '';
      while (big.split('\n').length < 5000) big += sources.join('\n') + '\n';
      format(big); // warm-up (the parser builds its tables on first use)
      const t0 = process.hrtime.bigint();
      const r = format(big);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      assert.strictEqual(r.error, undefined);
      // Most of this is the two parses (input and safety-net re-parse); the printer itself is ~20 ms.
      assert.ok(ms < 1500, `took ${ms.toFixed(0)} ms`);
    });
  });
});
