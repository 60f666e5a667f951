/**
 * Runs for the memory and cache tests: like test/helpers/run-agent.ts, plus a run `context`
 * (`context.user.role` for policies) and a chosen file name (a `.symbi` corpus file runs as is).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Json } from '../../../runtime/ir/schema';
import type { InferenceProvider } from '../../../runtime/providers/provider';
import type { RunEvent } from '../../../runtime/kernel/events';
import { FixedApprovals } from '../../../runtime/approvals/approval';
import { ScriptedProvider } from '../../../runtime/providers/scripted';
import { resumeRun, startRun } from '../../../runtime/run/run';
import { collect, TestRun } from '../../helpers/run-agent';

export interface MemRunOptions {
  inputs?: Record<string, Json>;
  context?: Record<string, Json>;
  provider?: InferenceProvider;
  agent?: string;
  /** File name of the source inside the workspace (default agent.baton). */
  file?: string;
  vault?: (ref: string) => string | undefined;
}

export async function runIn(dir: string, source: string, o: MemRunOptions = {}): Promise<TestRun & { cacheHits?: number }> {
  const file = path.join(dir, o.file ?? 'agent.baton');
  fs.writeFileSync(file, source);
  const events: RunEvent[] = [];
  const outcome = await startRun({
    root: dir, file, agent: o.agent, inputs: o.inputs ?? {}, context: o.context,
    provider: o.provider ?? new ScriptedProvider([]), providerInfo: { id: 'scripted' },
    approvals: new FixedApprovals({ kind: 'deny', reason: 'no approvals in this test' }),
    sink: { emit: (e) => events.push(e) }, home: dir, random: () => 0, vault: o.vault,
  });
  return collect(dir, outcome, events);
}

export async function resumeIn(dir: string, runId: string, o: Pick<MemRunOptions, 'context' | 'provider'> = {}): Promise<TestRun & { cacheHits?: number }> {
  const events: RunEvent[] = [];
  const outcome = await resumeRun(runId, {
    root: dir, context: o.context, provider: o.provider ?? new ScriptedProvider([]), providerInfo: { id: 'scripted' },
    approvals: new FixedApprovals({ kind: 'deny' }), sink: { emit: (e) => events.push(e) }, home: dir, random: () => 0,
  });
  return collect(dir, outcome, events);
}

/** Entry files of a store (`.baton/memory/<name>/records/*.json`). */
export function entryFiles(dir: string, store: string): string[] {
  const d = path.join(dir, '.baton', 'memory', store, 'records');
  return fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith('.json')).sort() : [];
}
