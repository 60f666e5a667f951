/**
 * What the Runs and Journal views show of a run, computed from its journal records (no `vscode`
 * types beyond icons): the run's status and duration, its steps — model turns, tool calls (grouped
 * by effect key: policy verdicts with their rules, approvals, the result or the denial) and child
 * agents — and a one-line summary of any record.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JournalRecord, RuleRef } from '../../runtime/journal/records';
import { describeAnswer } from '../../runtime/approvals/approval';
import { describeRule } from '../../runtime/policy/engine';
import { clip } from '../run-sink';

export type RunStatus = 'running' | 'completed' | 'failed' | 'denied' | 'cancelled' | 'budget' | 'interrupted';

/** A line under a step (a verdict, an approval, the result), optionally opening a source line. */
export interface Detail {
  label: string;
  description?: string;
  tooltip?: string;
  icon?: vscode.ThemeIcon;
  /** Opens `file:line` of the run's workspace (rules and statements). */
  open?: { file: string; line: number };
}

export interface Step {
  key: string;
  kind: 'tool' | 'model' | 'child' | 'plan';
  seq: number;
  label: string;
  description: string;
  tooltip: string;
  icon: vscode.ThemeIcon;
  details: Detail[];
}

const GREEN = new vscode.ThemeColor('testing.iconPassed');
const RED = new vscode.ThemeColor('testing.iconFailed');
const YELLOW = new vscode.ThemeColor('list.warningForeground');

export function statusOf(records: readonly JournalRecord[], live: boolean): RunStatus {
  const end = records.find((r): r is Extract<JournalRecord, { type: 'Terminated' }> => r.type === 'Terminated');
  if (!end) return live ? 'running' : 'interrupted';
  switch (end.reason) {
    case 'Completed': return 'completed';
    case 'PolicyDenial': return 'denied';
    case 'Cancelled': return 'cancelled';
    case 'Error': return 'failed';
    default: return 'budget';
  }
}

export function statusIcon(s: RunStatus): vscode.ThemeIcon {
  switch (s) {
    case 'running': return new vscode.ThemeIcon('sync~spin');
    case 'completed': return new vscode.ThemeIcon('pass', GREEN);
    case 'failed': return new vscode.ThemeIcon('error', RED);
    case 'denied': return new vscode.ThemeIcon('circle-slash', RED);
    case 'cancelled': return new vscode.ThemeIcon('debug-stop');
    case 'budget': return new vscode.ThemeIcon('warning', YELLOW);
    case 'interrupted': return new vscode.ThemeIcon('debug-pause', YELLOW);
  }
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** From the first record to Terminated (or to `now` while live). */
export function durationOf(records: readonly JournalRecord[], now?: number): string | undefined {
  const first = records[0];
  const end = records.find((r) => r.type === 'Terminated') ?? (now === undefined ? records[records.length - 1] : undefined);
  if (!first) return undefined;
  const t0 = Date.parse(first.ts);
  const t1 = end ? Date.parse(end.ts) : now!;
  return Number.isFinite(t0) && Number.isFinite(t1) ? formatMs(Math.max(0, t1 - t0)) : undefined;
}

export function ruleDetail(prefix: string, rule: RuleRef, extra?: string): Detail {
  return {
    label: `${prefix}${describeRule(rule)}`,
    ...(extra ? { description: extra } : {}),
    icon: new vscode.ThemeIcon('law'),
    ...(rule.line > 0 ? { open: { file: rule.file, line: rule.line } } : {}),
  };
}

function args(a: unknown): string {
  const s = JSON.stringify(a ?? {});
  return clip(s.startsWith('{') ? s.slice(1, -1) : s, 60);
}

/** The steps of a run, in journal order. `live`: unfinished effects are in progress, not in doubt. */
export function stepsOf(records: readonly JournalRecord[], live: boolean): Step[] {
  const byKey = new Map<string, { kind: Step['kind']; recs: JournalRecord[] }>();
  const planRecs: JournalRecord[] = [];
  for (const r of records) {
    let kind: Step['kind'] | undefined;
    switch (r.type) {
      case 'PolicyEvaluated': case 'ApprovalRequested': case 'ApprovalDecided': case 'ToolStarted': case 'ToolFinished': case 'ToolDenied': kind = 'tool'; break;
      case 'ModelRequested': case 'ReasoningComplete': kind = 'model'; break;
      case 'ChildStarted': case 'ChildFinished': kind = 'child'; break;
      case 'PlanCreated': case 'PlanStepStarted': case 'PlanStepFinished': case 'Replanned': case 'ReflectionMade': case 'PlanRejected': planRecs.push(r); continue;
      default: break;
    }
    if (!kind || !('key' in r)) continue;
    const id = `${kind}:${r.key}`;
    const g = byKey.get(id) ?? { kind, recs: [] };
    g.recs.push(r);
    byKey.set(id, g);
  }
  const steps = [...byKey.values()].map((g) => (g.kind === 'tool' ? toolStep(g.recs, live) : g.kind === 'model' ? modelStep(g.recs, live) : childStep(g.recs, live)));
  return planRecs.length ? [...steps, ...planSteps(planRecs, live)].sort((a, b) => a.seq - b.seq) : steps;
}

/**
 * Plan steps (runtime/loop/planning.ts) as steps of the run: one per plan (its steps as details,
 * or the rejection), one per plan step (status, attempts, result or error, reflections on it), and
 * the final reflection's insights under the last plan.
 */
export function planSteps(recs: readonly JournalRecord[], live: boolean): Step[] {
  const out: Step[] = [];
  const byStep = new Map<string, Step>();
  let lastPlan: Step | undefined;
  const running = () => new vscode.ThemeIcon(live ? 'sync~spin' : 'debug-pause', live ? undefined : YELLOW);
  for (const r of recs) {
    switch (r.type) {
      case 'PlanCreated':
        lastPlan = {
          key: r.key, kind: 'plan', seq: r.seq, label: `plan${r.revision > 1 ? ` (revision ${r.revision})` : ''}`, description: `${r.steps.length} steps`,
          tooltip: `${r.goal}\nkey ${r.key}`, icon: new vscode.ThemeIcon('list-tree'),
          details: r.steps.map((s) => ({ label: `${s.id}: ${clip(s.goal, 80)}`, description: [s.depends_on.length ? `after ${s.depends_on.join(', ')}` : '', s.tools.join(', '), s.checkpoint ? 'checkpoint' : ''].filter(Boolean).join(' · '), tooltip: s.goal, icon: new vscode.ThemeIcon('circle-outline') })),
        };
        out.push(lastPlan);
        break;
      case 'PlanRejected':
        out.push({ key: r.key, kind: 'plan', seq: r.seq, label: 'plan rejected', description: clip(r.error, 80), tooltip: r.error, icon: new vscode.ThemeIcon('error', RED), details: [] });
        break;
      case 'Replanned':
        lastPlan?.details.push({ label: `re-planned after ${r.failedStep}`, description: clip(r.reason, 80), tooltip: r.reason, icon: new vscode.ThemeIcon('debug-restart') });
        break;
      case 'PlanStepStarted': {
        let s = byStep.get(r.step);
        if (!s) {
          s = { key: r.key, kind: 'plan', seq: r.seq, label: `step ${r.step}: ${clip(r.goal, 60)}`, description: live ? 'running' : 'unfinished', tooltip: `${r.goal}\nbranch ${r.branch}`, icon: running(), details: [] };
          byStep.set(r.step, s);
          out.push(s);
        } else {
          s.icon = running();
          s.description = `attempt ${r.attempt}`;
          if (r.attempt === 1) s.label = `step ${r.step}: ${clip(r.goal, 60)}`;
        }
        if (r.attempt > 1) s.details.push({ label: `attempt ${r.attempt}: ${clip(r.goal, 80)}`, tooltip: r.goal, icon: new vscode.ThemeIcon('debug-restart') });
        break;
      }
      case 'PlanStepFinished': {
        let s = byStep.get(r.step);
        if (!s) {
          s = { key: r.key, kind: 'plan', seq: r.seq, label: `step ${r.step}`, description: '', tooltip: `key ${r.key}`, icon: running(), details: [] };
          byStep.set(r.step, s);
          out.push(s);
        }
        s.icon = r.skipped ? new vscode.ThemeIcon('debug-step-over') : r.ok ? new vscode.ThemeIcon('pass', GREEN) : new vscode.ThemeIcon('error', RED);
        s.description = r.skipped ? 'skipped' : r.ok ? `done${r.iterations !== undefined ? ` · ${r.iterations} iterations` : ''}` : 'failed';
        const text = r.ok ? r.result ?? '' : r.error ?? '';
        if (text && !r.skipped) s.details.push({ label: `${r.ok ? 'result' : 'error'}: ${clip(text, 80)}`, tooltip: text, icon: new vscode.ThemeIcon(r.ok ? 'output' : 'error', r.ok ? undefined : RED) });
        break;
      }
      case 'ReflectionMade': {
        const target = r.step ? byStep.get(r.step) : lastPlan;
        const label = `reflection (${r.phase}): ${r.decision}`;
        const detail: Detail = { label, description: clip(r.adjustedGoal ?? r.reason, 80), tooltip: [r.reason, r.adjustedGoal, ...(r.insights ?? [])].filter(Boolean).join('\n'), icon: new vscode.ThemeIcon('lightbulb') };
        if (target) target.details.push(detail);
        // Pre-step reflections come before the step's first record: keep them for when it starts.
        else if (r.step) {
          const s: Step = { key: r.key, kind: 'plan', seq: r.seq, label: `step ${r.step}`, description: r.decision, tooltip: `key ${r.key}`, icon: running(), details: [detail] };
          byStep.set(r.step, s);
          out.push(s);
        }
        for (const i of r.insights ?? []) (target ?? out[out.length - 1])?.details.push({ label: `insight: ${clip(i, 80)}`, tooltip: i, icon: new vscode.ThemeIcon('lightbulb') });
        break;
      }
      default: break;
    }
  }
  return out;
}

function toolStep(recs: JournalRecord[], live: boolean): Step {
  const first = recs[0]!;
  const key = (first as { key: string }).key;
  const tool = (first as { tool: string }).tool;
  const details: Detail[] = [];
  const verdicts: string[] = [];
  let lastRule: RuleRef | undefined;
  let icon = new vscode.ThemeIcon(live ? 'sync~spin' : 'warning', live ? undefined : YELLOW);
  let callArgs: unknown = (first as { args?: unknown }).args;
  let tail = '';
  let asked = false;
  let decided = false;
  for (const r of recs) {
    switch (r.type) {
      case 'PolicyEvaluated':
        verdicts.push(r.verdict.toUpperCase());
        lastRule = r.rule;
        details.push(ruleDetail(`policy: ${r.verdict.toUpperCase()} — `, r.rule, r.reason));
        break;
      case 'ApprovalRequested':
        asked = true;
        details.push({ label: `approval requested${r.inDoubt ? ' (in doubt)' : ''}`, description: r.reason, icon: new vscode.ThemeIcon('question') });
        break;
      case 'ApprovalDecided':
        decided = true;
        details.push({ label: `approval: ${describeAnswer(r.answer)}`, description: `by ${r.by}`, icon: new vscode.ThemeIcon(r.answer.kind === 'deny' ? 'thumbsdown' : 'thumbsup') });
        break;
      case 'ToolStarted':
        callArgs = r.args;
        break;
      case 'ToolFinished':
        tail = ` · ${formatMs(r.ms)}${r.ok && r.cached ? ' (cached)' : ''}`;
        icon = r.ok ? new vscode.ThemeIcon('pass', GREEN) : new vscode.ThemeIcon('error', RED);
        details.push(r.ok
          ? { label: `result: ${clip(JSON.stringify(r.value), 80)}`, tooltip: JSON.stringify(r.value, null, 2), icon: new vscode.ThemeIcon('output') }
          : { label: `error: ${clip(r.error.message, 80)}`, description: r.error.code, tooltip: r.error.message, icon: new vscode.ThemeIcon('error', RED) });
        break;
      case 'ToolDenied':
        icon = new vscode.ThemeIcon('circle-slash', RED);
        details.push(ruleDetail('denied by ', r.rule, r.reason));
        tail = ' · denied';
        break;
      default: break;
    }
  }
  if (asked && !decided && live) icon = new vscode.ThemeIcon('bell-dot', YELLOW);
  const verdict = verdicts.length ? verdicts.join(' → ') : '…';
  const rule = lastRule ? ` — ${describeRule(lastRule)}` : '';
  return {
    key, kind: 'tool', seq: first.seq, label: `${tool}(${args(callArgs)})`, description: `${verdict}${rule}${tail}`,
    tooltip: `${tool} ${JSON.stringify(callArgs ?? {})}\n${verdict}${rule}\nkey ${key}`, icon, details,
  };
}

function modelStep(recs: JournalRecord[], live: boolean): Step {
  const req = recs.find((r): r is Extract<JournalRecord, { type: 'ModelRequested' }> => r.type === 'ModelRequested');
  const done = recs.find((r): r is Extract<JournalRecord, { type: 'ReasoningComplete' }> => r.type === 'ReasoningComplete');
  const key = (recs[0] as { key: string }).key;
  const model = done?.model ?? req?.model ?? 'model';
  const ms = req && done ? Date.parse(done.ts) - Date.parse(req.ts) : undefined;
  const what = !done ? (live ? 'thinking…' : 'no answer recorded')
    : done.toolCalls.length ? `proposes ${done.toolCalls.map((c) => c.name).join(', ')}` : `answered (${done.usage.inputTokens + done.usage.outputTokens} tokens)`;
  const details: Detail[] = done ? [{ label: clip(done.text || '(no text)', 100), tooltip: done.text, icon: new vscode.ThemeIcon('comment') }] : [];
  return {
    key, kind: 'model', seq: recs[0]!.seq, label: `reasoning (${model})`, description: `${what}${ms !== undefined && Number.isFinite(ms) ? ` · ${formatMs(ms)}` : ''}`,
    tooltip: `${model}${req ? `, ${req.messages} messages, tools: ${req.tools.join(', ') || 'none'}` : ''}\nkey ${key}`,
    icon: done ? new vscode.ThemeIcon('sparkle') : new vscode.ThemeIcon(live ? 'loading~spin' : 'warning'), details,
  };
}

function childStep(recs: JournalRecord[], live: boolean): Step {
  const start = recs.find((r): r is Extract<JournalRecord, { type: 'ChildStarted' }> => r.type === 'ChildStarted');
  const end = recs.find((r): r is Extract<JournalRecord, { type: 'ChildFinished' }> => r.type === 'ChildFinished');
  const key = (recs[0] as { key: string }).key;
  const agent = start?.agent ?? end?.agent ?? 'agent';
  const ms = start && end ? Date.parse(end.ts) - Date.parse(start.ts) : undefined;
  const icon = !end ? new vscode.ThemeIcon(live ? 'sync~spin' : 'debug-pause') : end.ok ? new vscode.ThemeIcon('pass', GREEN) : new vscode.ThemeIcon('error', RED);
  const outcome = !end ? (live ? 'running' : 'unfinished') : end.ok ? `→ ${clip(JSON.stringify(end.value ?? null), 60)}` : `failed: ${clip(end.error ?? '', 60)}`;
  return {
    key, kind: 'child', seq: recs[0]!.seq, label: `agent ${agent}`, description: `${outcome}${ms !== undefined && Number.isFinite(ms) ? ` · ${formatMs(ms)}` : ''}`,
    tooltip: `child agent ${agent} ${JSON.stringify(start?.inputs ?? {})}\nkey ${key}`, icon, details: [],
  };
}

/** The key fields of a record, in one line (the Journal view's description). */
export function recordSummary(r: JournalRecord): string {
  switch (r.type) {
    case 'Started': return `${r.agent} (${r.file}) ${args(r.inputs)} · ${r.mode} · ${r.provider}`;
    case 'Resumed': return r.inDoubt.length ? `in doubt: ${r.inDoubt.join(', ')}` : '';
    case 'StatementReached': return `${r.frame} line ${r.loc[0]} · ${r.branch} step ${r.step}`;
    case 'ModelRequested': return `${r.key} ${r.model}, ${r.messages} messages`;
    case 'ReasoningComplete': return `${r.key} ${r.toolCalls.length ? r.toolCalls.map((c) => c.name).join(', ') : clip(r.text, 60)}`;
    case 'PolicyEvaluated': return `${r.key} ${r.tool} → ${r.verdict.toUpperCase()} — ${describeRule(r.rule)}`;
    case 'ApprovalRequested': return `${r.key} ${r.tool} — ${r.reason}`;
    case 'ApprovalDecided': return `${r.key} ${r.tool}: ${describeAnswer(r.answer)} (${r.by})`;
    case 'ToolStarted': return `${r.key} ${r.tool}(${args(r.args)})`;
    case 'ToolFinished': return `${r.key} ${r.tool} ${r.ok ? `ok ${clip(JSON.stringify(r.value), 40)}` : `failed: ${r.error.message}`} · ${formatMs(r.ms)}`;
    case 'ToolDenied': return `${r.key} ${r.tool}: ${r.reason}`;
    case 'EffectRecorded': return `${r.key} ${r.effect} = ${clip(JSON.stringify(r.value), 40)}`;
    case 'ChildStarted': return `${r.key} ${r.agent}`;
    case 'ChildFinished': return `${r.key} ${r.agent} ${r.ok ? 'ok' : `failed: ${r.error ?? ''}`}`;
    case 'Checkpoint': return r.final ? 'final' : '';
    case 'Terminated': return `${r.reason}${r.error ? `: ${r.error.message}` : ''}`;
    case 'PlanAssessed': return `${r.complexity} (${r.by}): ${clip(r.reason, 60)}`;
    case 'PlanCreated': return `${r.key} ${r.steps.map((s) => s.id).join(', ')}${r.revision > 1 ? ` (revision ${r.revision})` : ''}`;
    case 'PlanStepStarted': return `${r.step} ${clip(r.goal, 50)}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}`;
    case 'PlanStepFinished': return `${r.step} ${r.skipped ? 'skipped' : r.ok ? 'ok' : `failed: ${clip(r.error ?? '', 50)}`}`;
    case 'Replanned': return `after ${r.failedStep}: ${clip(r.reason, 50)}`;
    case 'ReflectionMade': return `${r.phase}${r.step ? ` ${r.step}` : ''}: ${r.decision}${r.insights?.length ? ` · ${r.insights.length} insights` : ''}`;
    case 'PlanRejected': return clip(r.error, 80);
    case 'LifecycleChanged': return `${r.run.includes('/') ? `${r.run.slice(r.run.indexOf('/') + 1)} ` : ''}${r.from ?? '·'} → ${r.to}${r.why ? ` (${clip(r.why, 50)})` : ''}`;
    case 'ChildRunLinked': return `${r.key} ${r.agent} as ${r.child}`;
    case 'BudgetExceeded': return `${r.budget}: ${r.used} of ${r.limit}${r.key ? ` at ${r.key}` : ''}`;
    case 'ScheduleFired': return `${r.schedule} (${r.cron}) at ${r.at}`;
    case 'MessageSent': return `${r.key} ${r.kind} ${r.from} → ${r.topic ? `#${r.topic}` : r.to.join(', ')}: ${clip(JSON.stringify(r.payload) ?? 'null', 40)}`;
    case 'MessageReceived': return `${r.key} ${r.by} ${r.timedOut ? 'timed out' : `← ${r.from ?? '?'}: ${clip(JSON.stringify(r.payload) ?? 'null', 40)}`}`;
    case 'MessageDeadLettered': return `${r.key} to ${r.to}: ${r.reason}`;
    case 'MessageDenied': return `${r.key} ${r.kind} to ${r.to}: ${clip(r.reason, 60)}`;
    case 'MessageSubscribed': return `${r.key} ${r.by} → #${r.topic}`;
    case 'CacheHit': return `${r.key} ${r.kind} ${r.name}`;
    case 'MemoryNotice': return `${r.key} ${r.store}: ${clip(r.message, 60)}`;
    default: return 'key' in r ? String((r as { key: unknown }).key) : '';
  }
}

/** Where clicking a record goes: its statement, else the rule that decided it. */
export function recordTarget(r: JournalRecord, agentFile: string | undefined): { file: string; line: number } | undefined {
  if (r.type === 'StatementReached' && agentFile) return { file: agentFile, line: r.loc[0] };
  if ('rule' in r && r.rule && r.rule.line > 0) return { file: r.rule.file, line: r.rule.line };
  return undefined;
}

/** A rule's or record's file, relative to the run's workspace root (or absolute). */
export function resolveIn(root: string, file: string): vscode.Uri {
  return vscode.Uri.file(path.isAbsolute(file) ? file : path.join(root, file));
}
