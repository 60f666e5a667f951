/**
 * Journal records → the run webview's state (protocol.ts). Pure (no `vscode`), so it is the same
 * for a live run and for one read back from `.baton/runs/<id>.jsonl`.
 *
 * The graph is the run as it happened: one node per model call (ModelRequested →
 * ReasoningComplete), under it the tool calls it proposed (matched to their effects in proposal
 * order: the loop takes tool keys in that order), then the observations; tool calls and child
 * agents outside a reasoning loop are top-level nodes. With planning on (runtime/loop/planning.ts)
 * a plan node lists its steps; each step's own model and tool calls (effects of the step's branch)
 * nest under the step.
 */
import { describeAnswer } from '../../runtime/approvals/approval';
import type { JournalRecord } from '../../runtime/journal/records';
import { describeMetrics, type AgentMetrics } from '../metrics-model';
import type { AgentHistoryView, RunViewState, StepNode, TimelineEntry, TokenPoint } from './protocol';

/** Optional prices in USD per million tokens (the cost is shown only when one is given). */
export interface Price { input: number; output: number }

const PHASE: Record<string, string> = {
  ModelRequested: 'Reasoning', ReasoningComplete: 'Reasoning', ContextTrimmed: 'Reasoning',
  PolicyEvaluated: 'PolicyCheck', ToolDenied: 'PolicyCheck',
  ApprovalRequested: 'Approval', ApprovalDecided: 'Approval',
  ToolStarted: 'ToolDispatching', ToolFinished: 'ToolDispatching', RecoveryTriggered: 'ToolDispatching', BreakerChanged: 'ToolDispatching',
  ObservationsCollected: 'Observing',
  ChildStarted: 'Child', ChildFinished: 'Child',
  PlanAssessed: 'Planning', PlanCreated: 'Planning', PlanRejected: 'Planning', Replanned: 'Planning',
  PlanStepStarted: 'Planning', PlanStepFinished: 'Planning', ReflectionMade: 'Reflection',
};

/** Records not worth a timeline line (statement steps, signatures). */
const QUIET = new Set(['StatementReached', 'Checkpoint', 'EffectRecorded', 'AuditEntry']);

export function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function node(id: string, kind: StepNode['kind'], label: string, status: StepNode['status']): StepNode {
  return { id, kind, label, status, children: [] };
}

export function buildRunState(runId: string, records: readonly JournalRecord[], live: boolean, price?: Price): RunViewState {
  const s: RunViewState = {
    runId, agent: '?', file: '', provider: '?', source: live ? 'live' : 'journal', status: 'running',
    steps: [], timeline: [], tokens: [], totals: { input: 0, output: 0, toolMs: 0, modelMs: 0 }, approvals: [],
  };
  const t0 = records.length ? Date.parse(records[0]!.ts) : 0;
  const at = (r: JournalRecord) => Math.max(0, Date.parse(r.ts) - t0);
  const byKey = new Map<string, StepNode>();
  const requestedAt = new Map<string, number>();
  /** The model call whose proposed tools are being dispatched (until its observations). */
  let open: StepNode | undefined;
  let calls = 0;

  /** Plan steps by id, and by the branch their effects run in (a step's effects nest under it). */
  const planSteps = new Map<string, StepNode>();
  const stepBranches: Array<[string, StepNode]> = [];
  let plan: StepNode | undefined;
  const topLevel = (key: string): StepNode[] => {
    for (const [branch, step] of stepBranches) if (key.startsWith(branch + '#')) return step.children;
    return s.steps;
  };

  const toolNode = (key: string, tool: string): StepNode => {
    const known = byKey.get(key);
    if (known) return known;
    const candidates = open?.children.filter((c) => c.kind === 'tool' && !c.id.includes('#effect:')) ?? [];
    const match = candidates.find((c) => c.detail === tool) ?? candidates[0];
    if (match) {
      match.id = `${match.id}#effect:${key}`;
      byKey.set(key, match);
      return match;
    }
    const n = node(key, 'tool', tool, 'pending');
    topLevel(key).push(n);
    byKey.set(key, n);
    return n;
  };

  for (const r of records) {
    let ms: number | undefined;
    let tokens: number | undefined;
    let label: string = r.type;
    switch (r.type) {
      case 'Started':
        s.agent = r.agent; s.file = r.file; s.provider = r.provider;
        if (r.model) s.model = r.model;
        label = `started ${r.agent} (${r.mode})`;
        break;
      case 'Resumed': label = `resumed${r.inDoubt.length ? ` (in doubt: ${r.inDoubt.join(', ')})` : ''}`; break;
      case 'ModelRequested': {
        calls++;
        const n = node(r.key, 'model', `model call ${calls}`, 'running');
        n.detail = `${r.model}, ${r.messages} messages${r.tools.length ? `, ${r.tools.length} tools` : ''}`;
        byKey.set(r.key, n);
        requestedAt.set(r.key, Date.parse(r.ts));
        (open && !open.children.some((c) => c.kind === 'observation') && open.id.slice(0, open.id.lastIndexOf('#')) === r.key.slice(0, r.key.lastIndexOf('#')) ? open.children : topLevel(r.key)).push(n);
        label = `model call ${calls} (${r.model})`;
        break;
      }
      case 'ReasoningComplete': {
        let n = byKey.get(r.key);
        if (!n) { calls++; n = node(r.key, 'model', `model call ${calls}`, 'running'); byKey.set(r.key, n); topLevel(r.key).push(n); }
        n.status = 'done';
        n.tokens = { input: r.usage.inputTokens, output: r.usage.outputTokens };
        const since = requestedAt.get(r.key);
        if (since !== undefined) { n.ms = Math.max(0, Date.parse(r.ts) - since); ms = n.ms; s.totals.modelMs += n.ms; }
        tokens = r.usage.inputTokens + r.usage.outputTokens;
        s.totals.input += r.usage.inputTokens;
        s.totals.output += r.usage.outputTokens;
        const prev = s.tokens.at(-1)?.total ?? 0;
        s.tokens.push({ seq: r.seq, at: at(r), input: r.usage.inputTokens, output: r.usage.outputTokens, total: prev + tokens } satisfies TokenPoint);
        for (const c of r.toolCalls) {
          const t = node(`${r.key}/${c.id}`, 'tool', `${c.name}(${clip(c.arguments, 60)})`, 'pending');
          t.detail = c.name;
          n.children.push(t);
        }
        if (r.toolCalls.length) open = n;
        else { n.label += ' → answer'; n.detail = clip(r.text, 200); }
        label = r.toolCalls.length ? `model proposes ${r.toolCalls.map((c) => c.name).join(', ')}` : 'model answered';
        break;
      }
      case 'PolicyEvaluated': {
        const n = toolNode(r.key, r.tool);
        n.verdict = r.verdict;
        if (r.verdict === 'deny') n.status = 'denied';
        n.detail = `${r.verdict}: ${r.reason}`;
        label = `policy: ${r.tool} → ${r.verdict}`;
        break;
      }
      case 'ApprovalRequested': {
        const n = toolNode(r.key, r.tool);
        n.detail = `waiting for approval: ${r.reason}`;
        label = `approval needed: ${r.tool}`;
        break;
      }
      case 'ApprovalDecided': {
        const n = toolNode(r.key, r.tool);
        n.detail = `${describeAnswer(r.answer)} (${r.by})`;
        label = `approval: ${describeAnswer(r.answer)}`;
        break;
      }
      case 'ToolStarted': toolNode(r.key, r.tool).status = 'running'; label = `${r.tool} started${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}`; break;
      case 'ToolFinished': {
        const n = toolNode(r.key, r.tool);
        n.status = r.ok ? 'done' : 'failed';
        n.ms = r.ms; ms = r.ms; s.totals.toolMs += r.ms;
        if (!r.ok) n.detail = r.error.message;
        else n.detail = `→ ${clip(JSON.stringify(r.value) ?? 'null', 120)}`;
        label = r.ok ? `${r.tool} finished` : `${r.tool} failed: ${r.error.message}`;
        break;
      }
      case 'ToolDenied': {
        const n = toolNode(r.key, r.tool);
        n.status = 'denied'; n.detail = r.reason;
        label = `${r.tool} denied: ${r.reason}`;
        break;
      }
      case 'ObservationsCollected': {
        const m = byKey.get(r.key);
        const o = node(`${r.key}/obs`, 'observation', `observations (${r.observations.length})`, 'done');
        o.detail = r.observations.map((x) => `${x.ok ? '✓' : '✗'} ${x.tool}: ${clip(x.content, 80)}`).join('\n');
        (m ?? { children: s.steps }).children.push(o);
        if (open === m) open = undefined;
        label = `observations of iteration ${r.iteration}`;
        break;
      }
      case 'ChildStarted': {
        const n = node(r.key, 'child', `agent ${r.agent}`, 'running');
        const parent = byKey.get(r.key) ?? (open && !open.children.some((c) => c.kind === 'observation') ? open : undefined);
        byKey.set(r.key, n);
        (parent ? parent.children : topLevel(r.key)).push(n);
        label = `agent ${r.agent} started`;
        break;
      }
      case 'ChildFinished': {
        const n = byKey.get(r.key);
        if (n) { n.status = r.ok ? 'done' : 'failed'; if (r.error) n.detail = r.error; }
        label = `agent ${r.agent} ${r.ok ? 'finished' : `failed: ${r.error ?? ''}`}`;
        break;
      }
      case 'PlanAssessed': label = `complexity: ${r.complexity} (${r.by}: ${clip(r.reason, 80)})`; break;
      case 'PlanCreated': {
        plan = node(`${r.key}/plan${r.revision}`, 'plan', `plan${r.revision > 1 ? ` (revision ${r.revision})` : ''}: ${r.steps.length} steps`, 'running');
        plan.detail = clip(r.goal, 200);
        for (const st of r.steps) {
          const n = node(`${r.key}/step:${st.id}`, 'plan-step', `${st.id}: ${clip(st.goal, 80)}`, 'pending');
          n.detail = [st.depends_on.length ? `after ${st.depends_on.join(', ')}` : '', st.tools.length ? `tools: ${st.tools.join(', ')}` : '', st.checkpoint ? 'checkpoint' : ''].filter(Boolean).join(' · ');
          planSteps.set(st.id, n);
          plan.children.push(n);
        }
        s.steps.push(plan);
        label = `plan${r.revision > 1 ? ` revision ${r.revision}` : ''}: ${r.steps.map((x) => x.id).join(', ')}`;
        break;
      }
      case 'PlanRejected': {
        const n = node(`${r.key}/rejected${r.revision}`, 'plan', 'plan rejected', 'failed');
        n.detail = r.error;
        s.steps.push(n);
        label = `plan rejected: ${clip(r.error, 120)}`;
        break;
      }
      case 'Replanned':
        if (plan) plan.status = 'failed';
        label = `re-planned after step ${r.failedStep}: ${clip(r.reason, 100)}`;
        break;
      case 'PlanStepStarted': {
        const n = planSteps.get(r.step);
        if (n) { n.status = 'running'; if (r.attempt > 1) n.label = `${r.step}: ${clip(r.goal, 80)} (attempt ${r.attempt})`; stepBranches.unshift([r.branch, n]); }
        label = `step ${r.step} started${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}`;
        break;
      }
      case 'PlanStepFinished': {
        const n = planSteps.get(r.step);
        if (n) {
          n.status = r.skipped ? 'done' : r.ok ? 'done' : 'failed';
          n.detail = r.skipped ? 'skipped' : r.ok ? `→ ${clip(r.result ?? '', 160)}` : r.error ?? 'failed';
        }
        if (plan && [...planSteps.values()].every((x) => x.status === 'done')) plan.status = 'done';
        label = `step ${r.step} ${r.skipped ? 'skipped' : r.ok ? 'finished' : `failed: ${r.error ?? ''}`}`;
        break;
      }
      case 'ReflectionMade':
        label = `reflection (${r.phase}${r.step ? `, step ${r.step}` : ''}): ${r.decision}${r.reason ? ` — ${clip(r.reason, 100)}` : ''}${r.insights?.length ? ` · ${r.insights.length} insights` : ''}`;
        break;
      case 'RecoveryTriggered': label = `retry ${r.what} (${r.attempt}) in ${r.delayMs} ms: ${r.error}`; break;
      case 'BreakerChanged': label = `circuit for ${r.tool}: ${r.state}`; break;
      case 'ContextTrimmed': label = `context trimmed (${r.cut.tokensBefore} → ${r.cut.tokensAfter} tokens)`; break;
      case 'McpPinned': label = `mcp ${r.server}: ${r.tools.length} tools pinned`; break;
      case 'Terminated':
        s.status = r.reason === 'Completed' ? 'completed' : 'stopped';
        s.reason = r.reason;
        if (r.error) s.error = r.error.message;
        if (r.result !== undefined) s.result = r.result;
        s.source = 'journal';
        label = `${r.reason}${r.error ? `: ${r.error.message}` : ''}`;
        tokens = r.usage.inputTokens + r.usage.outputTokens;
        break;
      default: break;
    }
    if (!QUIET.has(r.type)) {
      const e: TimelineEntry = { seq: r.seq, at: at(r), type: r.type, phase: PHASE[r.type] ?? 'Run', label };
      if (ms !== undefined) e.ms = ms;
      if (tokens !== undefined) e.tokens = tokens;
      s.timeline.push(e);
    }
  }
  if (s.status !== 'running') settle(s.steps, s.status === 'completed');
  if (price) s.cost = (s.totals.input * price.input + s.totals.output * price.output) / 1e6;
  return s;
}

/** The history strip's state from an agent's metrics (metrics-model.ts). */
export function historyView(m: AgentMetrics): AgentHistoryView {
  const h: AgentHistoryView = {
    summary: describeMetrics(m), runs: m.runs, tokens: m.tokens, toolCalls: m.toolCalls,
    denials: m.denials, approvals: m.approvals, cacheHits: m.cacheHits, recent: [...m.recent],
  };
  if (m.okRate !== undefined) h.okRate = m.okRate;
  if (m.p50Ms !== undefined) h.p50Ms = m.p50Ms;
  if (m.p95Ms !== undefined) h.p95Ms = m.p95Ms;
  return h;
}

/** After the end: whatever was still running did not finish. */
function settle(nodes: StepNode[], completed: boolean): void {
  for (const n of nodes) {
    if (n.status === 'running') n.status = completed ? 'done' : 'failed';
    settle(n.children, completed);
  }
}
