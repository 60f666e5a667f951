/**
 * Interpreter semantics, end to end: every test runs a real agent through runAgent (the real
 * compiler, kernel and journal in a temporary workspace) and checks its outcome and journal.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Json } from '../../../runtime/ir/schema';
import { replayAgent, cleanedRunAgent, RunAgentOptions, TestRun } from '../../helpers/run-agent';
import { ScriptedProvider, text, toolCall } from '../../../runtime/providers/scripted';
import { repoRoot } from '../../helpers/paths';

/** runAgent, remembering the temporary workspace so it is removed after the tests. */
const runAgent = cleanedRunAgent();


/** Line 1 of the agent's body is line 4 of agent.baton (see `wrap`). */
const BODY_LINE = 4;

type WrapOptions = { params?: string; pre?: string; policy?: string; returns?: string };

function wrap(body: string, o: WrapOptions = {}): string {
  // Keep the prefix exactly 3 lines long, whatever `pre` holds, so body line numbers are stable.
  const pre = (o.pre ?? '').replace(/\n/g, ' ');
  return `${pre}\nagent t(${o.params ?? ''})${o.returns ? ` -> ${o.returns}` : ''} {\n  policy p { ${o.policy ?? 'allow: all_operations'} } with {\n${body}\n  }\n}\n`;
}

async function run(body: string, o: RunAgentOptions & WrapOptions = {}): Promise<TestRun> {
  return runAgent(wrap(body, o), o);
}

/** Runs and expects completion; returns the result. */
async function value(body: string, o: RunAgentOptions & WrapOptions = {}): Promise<Json | undefined> {
  const r = await run(body, o);
  assert.equal(r.reason, 'Completed', r.error?.describe());
  return r.result;
}

/** A command tool that echoes its argument (through node, no shell). */
const ECHO = 'tool echo(x: String) -> String { command = ["node", "-e", "process.stdout.write(process.argv[1])", "{x}"] }';
/** A command tool that appends its argument to log.txt and echoes it. */
const APPEND = 'tool note(x: String) -> String { command = ["node", "-e", "require(\'fs\').appendFileSync(\'log.txt\', process.argv[1] + \'\\\\n\'); process.stdout.write(process.argv[1])", "{x}"] }';
/** A command tool that always fails. */
const FAIL = 'tool boom(x: String) -> String { command = ["node", "-e", "process.stderr.write(\'kaboom \' + process.argv[1]); process.exit(3)", "{x}"] }';

function logLines(r: TestRun): string[] {
  const f = path.join(r.dir, 'log.txt');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
}

describe('interpreter: bindings and assignment', () => {
  it('let, reassignment and compound operators on names', async () => {
    const v = await value(`
      let a = 10;
      a = a + 1;
      a += 4;
      a -= 5;
      a *= 3;
      a /= 2;
      let m = 17;
      m %= 5;
      let s = "ab";
      s += "cd";
      let l = [1];
      l += [2, 3];
      return [a, m, s, l];`);
    assert.deepEqual(v, [15, 2, 'abcd', [1, 2, 3]]);
  });

  it('assigns to members and indexes, including compound and nested targets', async () => {
    const v = await value(`
      let r = { n: 1, inner: { xs: [1, 2, 3] } };
      r.n = 5;
      r.n += 2;
      r.added = "new";
      r.inner.xs[1] = 20;
      r.inner.xs[-1] *= 10;
      r["k"] = "v";
      let xs = [1, 2];
      xs[0] -= 1;
      return { r: r, xs: xs };`);
    assert.deepEqual(v, { r: { n: 7, inner: { xs: [1, 20, 30] }, added: 'new', k: 'v' }, xs: [0, 2] });
  });

  it('assignment inside a nested block changes the outer binding; let inside shadows', async () => {
    const v = await value(`
      let x = 1;
      let y = 1;
      if true {
        x = 2;
        let y = 99;
        y = 100;
      }
      return [x, y];`);
    assert.deepEqual(v, [2, 1]);
  });

  it('an out-of-range index assignment fails with the location of the statement', async () => {
    const r = await run(`
      let xs = [1, 2];
      xs[5] = 1;`);
    assert.equal(r.reason, 'Error');
    assert.match(r.error!.message, /index 5 out of range/);
    assert.equal(r.error!.where, `agent.baton:${BODY_LINE + 2}:7`);
  });
});

describe('interpreter: conditionals', () => {
  for (const [n, expected] of [[1, 'one'], [2, 'two'], [3, 'many']] as const) {
    it(`if / else if / else picks the right branch (n = ${n})`, async () => {
      const v = await value(`
        let out = "";
        if n == 1 { out = "one"; } else if n == 2 { out = "two"; } else { out = "many"; }
        return out;`, { params: 'n: int', inputs: { n } });
      assert.equal(v, expected);
    });
  }

  it('if without else does nothing when false; truthiness of empty values', async () => {
    const v = await value(`
      let hits = [];
      if "" { hits.append("empty string"); }
      if 0 { hits.append("zero"); }
      if None { hits.append("none"); }
      if [] { hits.append("empty list"); }
      if "x" { hits.append("string"); }
      if 1 { hits.append("one"); }
      return hits;`);
    // An empty list is a value (truthy); "", 0 and None are not.
    assert.ok(Array.isArray(v));
    assert.ok((v as string[]).includes('string') && (v as string[]).includes('one'));
    assert.ok(!(v as string[]).includes('empty string') && !(v as string[]).includes('zero') && !(v as string[]).includes('none'));
  });

  it('if let Some(x) binds on a value and takes the else branch on None', async () => {
    const v = await value(`
      let found = [];
      let xs = [None, 3, None, 4];
      for item in xs {
        if let Some(x) = item {
          found.append(x * 10);
        } else {
          found.append("none");
        }
      }
      return found;`);
    assert.deepEqual(v, ['none', 30, 'none', 40]);
  });

  it('if let with an else-if chain and a record lookup', async () => {
    const v = await value(`
      let cfg = { a: 1 };
      let out = [];
      if let Some(x) = get(cfg, "b") { out.append("b"); } else if let Some(y) = get(cfg, "a") { out.append(y); } else { out.append("none"); }
      return out;`);
    assert.deepEqual(v, [1]);
  });

  it('if as an expression yields the branch value', async () => {
    const v = await value(`
      let n = 7;
      let kind = if n % 2 == 0 { "even" } else { "odd" };
      return kind;`);
    assert.equal(v, 'odd');
  });
});

describe('interpreter: loops', () => {
  it('for over a list, a range, a string and a record (keys)', async () => {
    const v = await value(`
      let a = [];
      for x in [1, 2, 3] { a.append(x * 2); }
      let b = [];
      for i in range(3) { b.append(i); }
      let c = [];
      for i in range(2, 10, 3) { c.append(i); }
      let d = [];
      for ch in "abc" { d.append(upper(ch)); }
      let e = [];
      let rec = { x: 1, y: 2 };
      for k in rec { e.append(k); }
      return [a, b, c, d, e];`);
    assert.deepEqual(v, [[2, 4, 6], [0, 1, 2], [2, 5, 8], ['A', 'B', 'C'], ['x', 'y']]);
  });

  it('for with two loop variables: index and item of a list, key and value of a record', async () => {
    const v = await value(`
      let a = [];
      for i, x in ["p", "q"] { a.append(format("{}={}", i, x)); }
      let b = [];
      let rec = { x: 1, y: 2 };
      for k, val in rec { b.append(k + ":" + str(val)); }
      let c = [];
      for i, ch in "hi" { c.append(str(i) + ch); }
      return [a, b, c];`);
    assert.deepEqual(v, [['0=p', '1=q'], ['x:1', 'y:2'], ['0h', '1i']]);
  });

  it('while with break and continue', async () => {
    const v = await value(`
      let i = 0;
      let odd = [];
      while true {
        i += 1;
        if i > 9 { break; }
        if i % 2 == 0 { continue; }
        odd.append(i);
      }
      return { i: i, odd: odd };`);
    assert.deepEqual(v, { i: 10, odd: [1, 3, 5, 7, 9] });
  });

  it('break and continue in for loops, nested loops only affect the inner loop', async () => {
    const v = await value(`
      let pairs = [];
      for i in range(4) {
        if i == 3 { break; }
        for j in range(4) {
          if j == i { continue; }
          if j > 2 { break; }
          pairs.append(str(i) + str(j));
        }
      }
      return pairs;`);
    assert.deepEqual(v, ['01', '02', '10', '12', '20', '21']);
  });

  it('break and continue inside match arms of a loop', async () => {
    const v = await value(`
      let out = [];
      for x in [1, 2, 3, 4, 5] {
        match x {
          2 => { continue; },
          4 => { break; },
          _ => { out.append(x); },
        }
      }
      let i = 0;
      while i < 10 {
        i += 1;
        match i % 3 { 0 => { continue; }, _ => {} }
        if i > 7 { break; }
        out.append(i * 10);
      }
      return out;`);
    assert.deepEqual(v, [1, 3, 10, 20, 40, 50, 70]);
  });

  it('each iteration has its own scope: lambdas capture the iteration\'s variable', async () => {
    const v = await value(`
      let fs = [];
      for i in range(3) { let j = i * 10; fs.append(x => x + i + j); }
      return map(fs, f => f(1));`);
    assert.deepEqual(v, [1, 12, 23]);
  });

  it('return inside a loop returns from the agent', async () => {
    const v = await value(`
      for x in [1, 2, 3, 4] {
        while true {
          if x == 3 { return "found " + str(x); }
          break;
        }
      }
      return "not found";`);
    assert.equal(v, 'found 3');
  });

  it('for over a number is a located runtime error', async () => {
    const r = await run(`
      let n = 5;
      for x in n { }`);
    assert.equal(r.reason, 'Error');
    assert.match(r.error!.message, /cannot iterate over a int/);
    assert.equal(r.error!.where, `agent.baton:${BODY_LINE + 2}:7`);
  });
});

describe('interpreter: match', () => {
  const classify = `
      let out = match v {
        1 | 2 => "small",
        n if type_of(n) == "int" && n > 100 => "big " + str(n),
        "hello" => "greeting",
        true => "yes",
        None => "nothing",
        _ => "other",
      };
      return out;`;
  for (const [input, expected] of [[1, 'small'], [2, 'small'], [500, 'big 500'], ['hello', 'greeting'], [true, 'yes'], [null, 'nothing'], [50, 'other'], ['x', 'other']] as const) {
    it(`literal, or-pattern, guard, None and _ arms: ${JSON.stringify(input)} → ${expected}`, async () => {
      assert.equal(await value(classify, { params: 'v: Any', inputs: { v: input } }), expected);
    });
  }

  it('Some / None / Ok / Err patterns', async () => {
    const v = await value(`
      let out = [];
      for x in [Some(3), None, Ok("fine"), Err("bad"), error("worse")] {
        out.append(match x {
          Err(e) => "err:" + e,
          None => "none",
          Some(n) if n == 3 => "three",
          Ok(v) => "ok:" + v,
          _ => "?",
        });
      }
      return out;`);
    assert.deepEqual(v, ['three', 'none', 'ok:fine', 'err:bad', 'err:worse']);
  });

  it('an arm with a block can return from the agent; the rest of the agent does not run', async () => {
    const r = await run(`
      ${''}let action = "stop";
      match action {
        "go" => { note("go"); },
        "stop" => {
          note("stopping");
          return "stopped early";
        },
        _ => { note("other"); },
      }
      note("after match");
      return "fell through";`, { pre: APPEND });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'stopped early');
    assert.deepEqual(logLines(r), ['stopping']);
  });

  it('match as the trailing expression of a block arm gives its value', async () => {
    const v = await value(`
      let x = match 2 {
        2 => {
          let y = 20;
          y + 1
        },
        _ => 0,
      };
      return x;`);
    assert.equal(v, 21);
  });

  it('no arm matches → None', async () => {
    assert.equal(await value(`
      let x = match 9 { 1 => "one" };
      return x == None;`), true);
  });
});

describe('interpreter: try / catch', () => {
  it('catch (ToolError e) catches a failing tool and sees message and code', async () => {
    const v = await value(`
      let r = "";
      try {
        boom("now");
        r = "not reached";
      } catch (ToolError e) {
        r = { message: e.message, code: e.code };
      }
      return r;`, { pre: FAIL });
    assert.equal((v as { code: string }).code, 'tool-error');
    assert.match((v as { message: string }).message, /kaboom now/);
  });

  it('an untyped catch catches runtime errors; the error record has message, code, where', async () => {
    const v = await value(`
      try {
        let x = 1 / 0;
      } catch (e) {
        return e;
      }
      return "no";`);
    const e = v as { message: string; code: string; where: string };
    assert.equal(e.code, 'runtime');
    assert.match(e.message, /division by zero/);
    assert.equal(e.where, `agent.baton:${BODY_LINE + 2}:9`);
  });

  it('a typed catch does not catch other kinds of errors', async () => {
    const r = await run(`
      try {
        let x = [1][5];
      } catch (ToolError e) {
        return "caught";
      }
      return "no";`);
    assert.equal(r.reason, 'Error');
    assert.match(r.error!.message, /out of range/);
  });

  it('a denied tool call is caught as PolicyDenied', async () => {
    const v = await value(`
      try {
        echo("hi");
        return "ran";
      } catch (PolicyDenied e) {
        return "denied: " + e.code;
      }`, { pre: ECHO, policy: 'deny: echo' });
    assert.equal(v, 'denied: policy-denied');
  });

  it('an uncaught denial ends the run with PolicyDenial', async () => {
    const r = await run(`echo("hi");`, { pre: ECHO, policy: 'deny: echo' });
    assert.equal(r.reason, 'PolicyDenial');
    assert.equal(r.exitCode, 3);
    assert.equal(r.of('ToolStarted').length, 0);
  });

  it('cancellation is never caught, even by catch (e)', async () => {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 400);
    const r = await run(`
      let caught = false;
      try {
        sleep(20s);
      } catch (e) {
        caught = true;
        note("caught");
      }
      note("after");
      return caught;`, { pre: APPEND, signal: ac.signal });
    clearTimeout(timer);
    assert.equal(r.reason, 'Cancelled');
    assert.equal(r.exitCode, 130);
    assert.deepEqual(logLines(r), []);
  });

  it('try without an error runs the body only; code after try continues after a caught error', async () => {
    const v = await value(`
      let log = [];
      try { log.append("body"); } catch (e) { log.append("handler"); }
      try { log.append(missing_field_of(None)); } catch (e) { log.append("handled"); }
      log.append("after");
      return log;`, { pre: 'function missing_field_of(x: Any) -> Any { return x.field; }' });
    assert.deepEqual(v, ['body', 'handled', 'after']);
  });

  it('an error raised inside a called function is caught by the caller', async () => {
    const v = await value(`
      try {
        return inner(0);
      } catch (RuntimeError e) {
        return "caught: " + e.message;
      }`, { pre: 'function inner(d: int) -> int { return 10 / d; }' });
    assert.equal(v, 'caught: division by zero');
  });
});

describe('interpreter: functions and lambdas', () => {
  it('recursion', async () => {
    assert.equal(await value('return fib(15);', { pre: 'function fib(n: int) -> int { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }' }), 610);
  });

  it('defaults and named arguments', async () => {
    const v = await value(`
      return [greet("ann"), greet("bob", greeting: "hi"), greet(name: "cy", greeting = "yo"), greet("dee", "hey", "!!")];`,
    { pre: 'function greet(name: String, greeting: String = "hello", end: String = ".") -> String { return greeting + " " + name + end; }' });
    assert.deepEqual(v, ['hello ann.', 'hi bob.', 'yo cy.', 'hey dee!!']);
  });

  it('a missing required argument or an unknown name is refused before the run starts', async () => {
    await assert.rejects(run('return f();', { pre: 'function f(a: int) -> int { return a; }' }), /missing argument 'a'/);
    // Functions do not see the caller's locals.
    await assert.rejects(run(`
      let secret = 1;
      return peek();`, { pre: 'function peek() -> Any { return secret; }' }), /Unknown name 'secret'/);
  });

  it('a lambda held in a variable and passed to map/filter/sort may call a tool', async () => {
    const r = await run(`
      let f = x => note(x);
      let g = x => len(echo(x)) > 1;
      let mapped = map(["a", "b"], f);
      let filtered = filter(["x", "yy"], g);
      let sorted = sort(["ccc", "a"], s => len(echo(s)));
      let m2 = ["c"].map(f);
      return [mapped, filtered, sorted, m2];`, { pre: `${APPEND} ${ECHO}` });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, [['a', 'b'], ['yy'], ['a', 'ccc'], ['c']]);
    assert.deepEqual(logLines(r), ['a', 'b', 'c']);
  });

  it('a lambda with a block body held in a variable works with map (pure and with a tool)', async () => {
    const v = await value(`
      let f = x => { let y = x * 2; y + 1 };
      let g = x => { let e = echo(str(x)); return e + "!"; };
      return [map([1, 2], f), map([3], g)];`, { pre: ECHO });
    assert.deepEqual(v, [[3, 5], ['3!']]);
  });

  it('functions of another workspace file run in their own file (an agent-local function does not shadow theirs)', async () => {
    const lib = 'function helper() -> String { return "lib helper"; }\nfunction api(x: int) -> String { return helper() + " " + str(x * 2); }\n';
    const src = `agent t() {
  function helper() -> String { return "agent helper"; }
  with { return [api(21), helper()]; }
}
`;
    const r = await runAgent(src, { files: { 'lib.baton': lib } });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['lib helper 42', 'agent helper']);
  });

  it('an error in a function of another file is located in that file', async () => {
    const lib = 'function bad(xs: [int]) -> int {\n  return xs[9];\n}\n';
    const r = await runAgent('agent t() {\n  with { return bad([1]); }\n}\n', { files: { 'lib.baton': lib } });
    assert.equal(r.reason, 'Error');
    assert.equal(r.error!.where, 'lib.baton:2:3');
    assert.deepEqual(r.error!.options.frames?.map((f) => [f.name, f.file]), [['function bad', 'lib.baton'], ['agent t', 'agent.baton']]);
  });

  it('a declared function passed by name to map and sort', async () => {
    const v = await value(`
      let xs = [3, 1, 2];
      return [map(xs, double), sort(xs, neg), xs.map(double)];`, { pre: 'function double(x: int) -> int { return x * 2; } function neg(x: int) -> int { return 0 - x; }' });
    assert.deepEqual(v, [[6, 2, 4], [3, 2, 1], [6, 2, 4]]);
  });

  it('a record field holding a lambda is callable as a method', async () => {
    const v = await value(`
      let ops = { double: x => x * 2, shout: s => upper(s) + "!" };
      return [ops.double(4), ops.shout("hi")];`);
    assert.deepEqual(v, [8, 'HI!']);
  });

  it('runaway recursion fails cleanly with a located error', async () => {
    const r = await run('return down(0);', { pre: 'function down(n: int) -> int { return down(n + 1); }' });
    assert.equal(r.reason, 'Error');
    assert.match(r.error!.message, /recursion too deep/);
    assert.ok(r.error!.where?.startsWith('agent.baton:1:'), r.error!.where);
    assert.equal(r.of('Terminated').length, 1);
  });

  it('a function\'s trailing expression is its value', async () => {
    assert.equal(await value('return double(21);', { pre: 'function double(x: int) -> int { x * 2 }' }), 42);
  });

  it('lambdas with map, filter, sort with a key, any, all; closures capture their scope', async () => {
    const v = await value(`
      let factor = 3;
      let xs = [5, 1, 4, 2];
      let people = [{ name: "bo", age: 40 }, { name: "al", age: 30 }, { name: "cy", age: 35 }];
      return {
        mapped: map(xs, x => x * factor),
        filtered: filter(xs, x => x > 2),
        sorted: sort(xs),
        by_age: map(sort(people, p => p.age), p => p.name),
        methods: xs.map(x => x + 1).filter(x => x % 2 == 0),
        any: any(xs, x => x > 4),
        all: all(xs, x => x > 4),
      };`);
    assert.deepEqual(v, {
      mapped: [15, 3, 12, 6], filtered: [5, 4], sorted: [1, 2, 4, 5], by_age: ['al', 'cy', 'bo'],
      methods: [6, 2], any: true, all: false,
    });
  });

  it('a lambda stored in a variable and called; a lambda with a block body', async () => {
    const v = await value(`
      let add = (a, b) => a + b;
      let clamp = x => { if x > 10 { return 10; } x };
      return [add(2, 3), clamp(50), clamp(4)];`);
    assert.deepEqual(v, [5, 10, 4]);
  });

  it('a lambda that calls a tool (async path) inside map: every element goes through the kernel', async () => {
    const r = await run(`
      let out = map(["a", "b", "c"], x => note(x));
      return out;`, { pre: APPEND });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['a', 'b', 'c']);
    assert.deepEqual(logLines(r), ['a', 'b', 'c']);
    assert.equal(r.of('ToolFinished').length, 3);
  });

  it('filter and sort with a key lambda that calls a tool', async () => {
    const v = await value(`
      let kept = filter(["x", "yy", "zzz"], s => len(echo(s)) != 2);
      let ordered = sort(["bb", "a", "ccc"], s => len(echo(s)));
      return [kept, ordered];`, { pre: ECHO });
    assert.deepEqual(v, [['x', 'zzz'], ['a', 'bb', 'ccc']]);
  });

  it('a runtime error in a function carries file:line:col and the frames (function, then agent)', async () => {
    const r = await run(`
      let xs = [1];
      return outer(xs);`, {
      pre: 'function inner(xs: [int]) -> int { return xs[3]; } function outer(xs: [int]) -> int { return inner(xs); }',
    });
    assert.equal(r.reason, 'Error');
    assert.match(r.error!.message, /index 3 out of range/);
    assert.equal(r.error!.options.file, 'agent.baton');
    assert.deepEqual(r.error!.options.loc?.slice(0, 1), [1]);
    const frames = (r.error!.options.frames ?? []).map((f) => f.name);
    assert.deepEqual(frames, ['function inner', 'function outer', 'agent t']);
    assert.match(r.error!.describe(), /at function inner \(agent\.baton/);
    const term = r.of('Terminated')[0];
    assert.equal(term.error?.where, r.error!.where);
  });
});

describe('interpreter: parallel', () => {
  it('names bound inside are visible after; effects of all branches happen', async () => {
    const r = await run(`
      parallel {
        let a = note("one");
        let b = note("two");
        let c = 1 + 2;
      }
      return [a, b, c];`, { pre: APPEND });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['one', 'two', 3]);
    assert.deepEqual(logLines(r).sort(), ['one', 'two']);
    // Branch keys do not depend on timing.
    const keys = r.of('ToolFinished').map((x) => x.key).sort();
    assert.deepEqual(keys, ['main.0.0#0', 'main.0.1#0']);
  });

  it('a parallel block inside a loop gives every effect its own key, so replay gives the same result', async () => {
    const r = await run(`
      let out = [];
      for i in range(3) {
        parallel {
          let a = echo("a" + str(i));
          let b = echo("b" + str(i));
        }
        out.append(a + b);
      }
      return out;`, { pre: ECHO });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['a0b0', 'a1b1', 'a2b2']);
    const keys = r.of('ToolFinished').map((x) => x.key);
    assert.equal(new Set(keys).size, 6, `duplicate effect keys: ${keys.join(' ')}`);
    const again = await replayAgent(r.dir, r.runId);
    assert.equal(again.reason, 'Completed', again.error?.describe());
    assert.deepEqual(again.result, r.result);
  });

  it('examples/research-parallel.baton runs (local HTTP, scripted model) and replays to the same result', async () => {
    const server = http.createServer((req, res) => {
      if (req.url!.startsWith('/api/rest_v1/page/summary/')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ extract: `about ${decodeURIComponent(req.url!.split('/').pop()!)}` }));
      } else {
        res.setHeader('content-type', 'application/atom+xml');
        res.end('<feed><title>a paper</title></feed>');
      }
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const src = fs.readFileSync(path.join(repoRoot(), 'examples', 'research-parallel.baton'), 'utf8')
        .replace('https://export.arxiv.org', base).replace('https://en.wikipedia.org', base);
      const provider = new ScriptedProvider((req) => text(`reply #${req.messages.length}`));
      const r = await runAgent(src, { provider, inputs: { topic: 'vector databases' }, files: { 'notes/db.md': 'vector databases are fast\n' } });
      assert.equal(r.reason, 'Completed', r.error?.describe());
      assert.equal(typeof r.result, 'string');
      const tools = r.of('ToolFinished').map((t) => [t.key, t.tool, t.ok]);
      assert.deepEqual(tools.map((t) => t[1]).sort(), ['encyclopedia', 'search_notes', 'search_papers']);
      assert.ok(tools.every((t) => t[2] === true), JSON.stringify(r.of('ToolFinished')));
      assert.ok(tools.every((t) => /^main\.0\.[0-2]#0$/.test(String(t[0]))), JSON.stringify(tools));
      const again = await replayAgent(r.dir, r.runId);
      assert.equal(again.reason, 'Completed', again.error?.describe());
      assert.deepEqual(again.result, r.result);
    } finally {
      server.close();
    }
  });

  it('the first failure cancels the other branches and is raised', async () => {
    const r = await run(`
      parallel {
        let a = boom("x");
        let b = sleep(20000);
      }
      return "not reached";`, { pre: FAIL });
    assert.equal(r.reason, 'Error');
    assert.match(r.error!.message, /kaboom x/);
    assert.equal(r.error!.code, 'tool-error');
  });

  it('a failed branch stops the effects still to come in the other branches', async () => {
    const r = await run(`
      parallel {
        let a = slow();
        let b = boom("now");
      }
      return "not reached";`, { pre: `${FAIL} ${APPEND} function slow() -> String { sleep(600ms); note("late"); return "slow"; }` });
    assert.equal(r.reason, 'Error');
    assert.match(r.error!.message, /kaboom now/);
    assert.deepEqual(logLines(r), []);
    await new Promise((res) => setTimeout(res, 900));
    assert.deepEqual(logLines(r), [], 'the cancelled branch must not run its later effects');
  });

  it('a failure in parallel can be caught around the block', async () => {
    const v = await value(`
      try {
        parallel {
          let a = boom("x");
          let b = echo("y");
        }
      } catch (ToolError e) {
        return "caught " + e.code;
      }
      return "no";`, { pre: `${FAIL} ${ECHO}` });
    assert.equal(v, 'caught tool-error');
  });
});

describe('interpreter: values, operators and errors', () => {
  it('string, number, list and record operators', async () => {
    const v = await value(`
      return {
        concat: "a" + "b" + 1 + true,
        rep: "ab" * 3,
        arith: [7 + 3, 7 - 3, 7 * 3, 7 / 2, 7 % 3, -7 + 2, 2 + 3 * 4, (2 + 3) * 4],
        cmp: [1 < 2, 2 <= 2, 3 > 4, 4 >= 4, "a" < "b", 1 == 1, 1 != 2, [1, 2] == [1, 2], { a: 1 } == { a: 1 }],
        logic: [true && false, true || false, !true, not false, false || "x"],
        lists: [1, 2] + [3],
        records: { a: 1, b: 2 } + { b: 3 },
        index: ["a", "b", "c"][-1],
        member: { deep: { x: 5 } }.deep.x,
        len: [len("héllo"), len([1, 2]), "abc".length],
      };`);
    assert.deepEqual(v, {
      concat: 'ab1true', rep: 'ababab',
      arith: [10, 4, 21, 3.5, 1, -5, 14, 20],
      cmp: [true, true, false, true, true, true, true, true, true],
      logic: [false, true, false, true, true],
      lists: [1, 2, 3], records: { a: 1, b: 3 }, index: 'c', member: 5, len: [5, 2, 3],
    });
  });

  it('in over strings, lists and records', async () => {
    const v = await value(`
      return ["ell" in "hello", "z" in "hello", 2 in [1, 2], 5 in [1, 2], "a" in { a: 1 }, "b" in { a: 1 }, { x: 1 } in [{ x: 1 }]];`);
    assert.deepEqual(v, [true, false, true, false, true, false, true]);
  });

  it('&& and || short-circuit (the right side is not evaluated)', async () => {
    const r = await run(`
      let a = false && note("and");
      let b = true || note("or");
      return [a, b];`, { pre: APPEND });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, [false, true]);
    assert.deepEqual(logLines(r), []);
  });

  it('trailing-expression block value of the agent body', async () => {
    assert.deepEqual(await value(`
      let x = 2;
      { total: x * 5 }`), { total: 10 });
  });

  it('return error("...") fails the run with reason Error and the message', async () => {
    const r = await run(`
      if true { return error("the sky fell"); }
      return "fine";`);
    assert.equal(r.reason, 'Error');
    assert.equal(r.exitCode, 1);
    assert.equal(r.error!.message, 'the sky fell');
    const t = r.of('Terminated')[0];
    assert.equal(t.reason, 'Error');
    assert.equal(t.error?.message, 'the sky fell');
  });

  it('the run context: context.run_id, context.agent', async () => {
    const r = await run('return { id: context.run_id, agent: context.agent, approved: context.has_human_approval };');
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, { id: r.runId, agent: 't', approved: false });
  });

  it('type errors in operators are located runtime errors', async () => {
    for (const [expr, msg] of [['1 - "a"', /'-' expects numbers/], ['None.x', /of None/], ['1 < "a"', /cannot compare/], ['5 % 0', /division by zero/]] as const) {
      const r = await run(`
        let v = 1;
        let x = ${expr};
        return x;`);
      assert.equal(r.reason, 'Error', expr);
      assert.match(r.error!.message, msg, expr);
      assert.equal(r.error!.where, `agent.baton:${BODY_LINE + 2}:9`, expr);
      assert.deepEqual(r.error!.options.frames?.map((f) => f.name), ['agent t'], expr);
    }
  });

  it('agent inputs are bound as names', async () => {
    assert.equal(await value('return a + b;', { params: 'a: int, b: int = 5', inputs: { a: 2 } }), 7);
  });

  it('a statement is journaled as StatementReached with its location and frame', async () => {
    const r = await run(`
      let x = twice(1);
      return x;`, { pre: 'function twice(n: int) -> int { return n * 2; }' });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    const steps = r.of('StatementReached');
    assert.ok(steps.some((s) => s.loc[0] === BODY_LINE + 1 && s.frame === 'agent t'));
    assert.ok(steps.some((s) => s.loc[0] === 1 && s.frame === 'function twice'));
  });
});

describe('interpreter: model calls', () => {
  it('ask() returns the model text; reason() runs the loop with the given tools', async () => {
    const provider = new ScriptedProvider([text('blue'), toolCall('echo', { x: 'ping' }), text('done: ping')]);
    const r = await run(`
      let color = ask("favourite colour?");
      let out = reason("echo ping", tools: [echo]);
      return [color, out];`, { pre: ECHO, provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['blue', 'done: ping']);
    const fin = r.of('ToolFinished')[0];
    assert.equal(fin.ok && fin.value, 'ping');
  });
  it('return <model call> answers in the declared return type of the agent', async () => {
    const provider = new ScriptedProvider([text('{"name": "ann", "age": 31}')]);
    const r = await run('return ask("who?");', { pre: 'type Person = { name: String, age: int }', returns: 'Person', provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, { name: 'ann', age: 31 });
    assert.ok(provider.lastRequest?.responseSchema, 'the declared type is sent as the answer schema');
  });

  it('return <model call> in a function answers in the function\'s return type; String stays text', async () => {
    const provider = new ScriptedProvider([text('{"name": "bo", "age": 2}'), text('plain words')]);
    const r = await run(`
      let p = who();
      return [p.name, say()];`, { pre: 'type Person = { name: String, age: int } function who() -> Person { return reason("who?"); } function say() -> String { return ask("say"); }', provider });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.deepEqual(r.result, ['bo', 'plain words']);
  });

  it('a child agent declared -> T returns a record its caller can read', async () => {
    const provider = new ScriptedProvider([text('{"verdict": "ok"}')]);
    const src = `type Review = { verdict: String }
agent reviewer(x: String) -> Review { with { return ask("review " + x); } }
agent main() {
  policy p { allow: all_operations }
  with { let r = reviewer("code"); return r.verdict; }
}
`;
    const r = await runAgent(src, { provider, agent: 'main' });
    assert.equal(r.reason, 'Completed', r.error?.describe());
    assert.equal(r.result, 'ok');
  });
});

