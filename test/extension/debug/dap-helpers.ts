/**
 * Helpers for the debug adapter tests: a temporary workspace with the fixtures of
 * test/fixtures/debug, and a `DebugClient` speaking real DAP to `node dist/debug-adapter.js`.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { repoRoot } from '../../helpers/paths';

export const ADAPTER = path.join(repoRoot(), 'dist', 'debug-adapter.js');
export const FIXTURES = path.join(repoRoot(), 'test', 'fixtures', 'debug');

export function workspace(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-dbg-')));
  for (const f of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
  return dir;
}

export function client(dir: string): DebugClient {
  assert.ok(fs.existsSync(ADAPTER), `${ADAPTER} is missing: build it with 'node esbuild.js --no-tests'`);
  const dc = new DebugClient('node', ADAPTER, 'baton', { env: { ...process.env, BATON_DEBUG_HOME: dir, OPENAI_API_KEY: '' } });
  dc.defaultTimeout = 20_000;
  return dc;
}

export interface Where { reason: string; line: number; frames: DebugProtocol.StackFrame[]; threadId: number; text?: string; event: DebugProtocol.StoppedEvent }

/** Runs `action` and waits for the stop it causes: reason, top line, frames. */
export async function stopAfter(dc: DebugClient, action: () => Promise<unknown>): Promise<Where> {
  const [ev] = await Promise.all([dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>, action()]);
  return where(dc, ev);
}

export async function where(dc: DebugClient, ev: DebugProtocol.StoppedEvent): Promise<Where> {
  const st = await dc.stackTraceRequest({ threadId: ev.body.threadId! });
  const frames = st.body.stackFrames;
  return { reason: ev.body.reason, line: frames[0]?.line ?? -1, frames, threadId: ev.body.threadId!, text: ev.body.text ?? ev.body.description, event: ev };
}

/** Configures breakpoints and launches; resolves at the first stop. */
export async function launchTo(dc: DebugClient, args: Record<string, unknown>, setup: () => Promise<unknown> = async () => undefined): Promise<Where> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await Promise.all([
    dc.waitForEvent('initialized').then(setup).then(() => dc.configurationDoneRequest()),
    dc.launch(args),
  ]);
  return where(dc, await stopped);
}

/** The variables of a named scope of the top frame (name → value shown). */
export async function scope(dc: DebugClient, frameId: number, name: string): Promise<Record<string, string>> {
  const scopes = await dc.scopesRequest({ frameId });
  const s = scopes.body.scopes.find((x) => x.name === name);
  assert.ok(s, `no scope '${name}' (have ${scopes.body.scopes.map((x) => x.name).join(', ')})`);
  const vs = await dc.variablesRequest({ variablesReference: s.variablesReference });
  return Object.fromEntries(vs.body.variables.map((v) => [v.name, v.value]));
}

export async function evaluate(dc: DebugClient, expression: string, frameId?: number, context: 'repl' | 'watch' | 'hover' = 'watch'): Promise<string> {
  const r = await dc.evaluateRequest({ expression, ...(frameId !== undefined ? { frameId } : {}), context });
  return r.body.result;
}

/** Waits for an output event whose text matches. */
export function outputMatching(dc: DebugClient, re: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { dc.removeListener('output', on); reject(new Error(`no output matching ${re}`)); }, timeoutMs);
    const on = (e: DebugProtocol.OutputEvent) => {
      if (re.test(e.body.output)) { clearTimeout(t); dc.removeListener('output', on); resolve(e.body.output); }
    };
    dc.on('output', on);
  });
}
