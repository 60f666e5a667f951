/**
 * The pure half of the VS Code side of the debugger (no `vscode` import, unit-tested in
 * test/extension/debug/vs-launch-config.test.ts): which agent is under the cursor, the agents of a
 * file parsed with runtime/dsl (when the language server cannot answer), the checks on a `baton`
 * launch configuration, the configurations offered (initial, one per agent), and how a launch's
 * `provider`/`model`/`baseUrl`/`cassette` override the `baton.*` settings.
 */
import * as path from 'node:path';
import { z } from 'zod';
import type { AgentParam, AgentSummary } from '../../language-server/protocol';
import { parse } from '../../runtime/dsl/parser';
import type * as A from '../../runtime/dsl/ast';

export const DEBUG_TYPE = 'baton';

/** The launch attributes of a `baton` configuration, as launch.json may hold them. */
export const launchConfigSchema = z.object({
  program: z.string().min(1).optional(),
  agent: z.string().min(1).optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  provider: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  cwd: z.string().min(1).optional(),
  runId: z.string().min(1).optional(),
  stopOnEntry: z.boolean().optional(),
  cassette: z.string().min(1).optional(),
  baseUrl: z.string().min(1).optional(),
});

export type LaunchConfig = z.infer<typeof launchConfigSchema>;

/**
 * The problems of a configuration, each naming the configuration and the attribute at fault
 * (empty when it is fine). `runId` and `program` exclude each other.
 */
export function checkLaunchConfig(config: Record<string, unknown>): string[] {
  const name = typeof config.name === 'string' && config.name ? `'${config.name}'` : 'baton';
  const r = launchConfigSchema.safeParse(config);
  const out: string[] = [];
  if (!r.success) {
    for (const issue of r.error.issues) {
      const attr = issue.path.map(String).join('.') || '(configuration)';
      out.push(`launch configuration ${name}: '${attr}' ${describeIssue(attr, issue.message)}`);
    }
    return out;
  }
  if (config.request !== undefined && config.request !== 'launch') out.push(`launch configuration ${name}: 'request' must be "launch" (Baton debug sessions are launched, not attached)`);
  if (r.data.runId && r.data.program) out.push(`launch configuration ${name}: give either 'runId' (step through a recorded run) or 'program' (run an agent), not both`);
  if (r.data.runId && r.data.inputs) out.push(`launch configuration ${name}: 'inputs' cannot change a recorded run ('runId'); fork it instead`);
  return out;
}

function describeIssue(attr: string, message: string): string {
  if (attr === 'inputs') return 'must be an object of parameter values, e.g. { "name": "Ada" }';
  if (attr === 'stopOnEntry') return 'must be true or false';
  return `must be a non-empty string (${message})`;
}

/** Something with a name and 0-based line range: an `AgentSummary`. */
export type AgentRange = Pick<AgentSummary, 'name' | 'range'>;

/**
 * The agent a cursor on (0-based) `line` means: the agent declaration containing the line; else,
 * when the file declares exactly one agent, that one; else none (the caller asks).
 */
export function agentAtLine<T extends AgentRange>(agents: readonly T[], line: number): T | undefined {
  const inside = agents.filter((a) => a.range.start.line <= line && line <= a.range.end.line);
  if (inside.length) return inside.reduce((best, a) => (a.range.start.line >= best.range.start.line ? a : best)); // innermost
  return agents.length === 1 ? agents[0] : undefined;
}

/** The agents of a file's text, as `baton/agents` describes them (without descriptions). */
export function agentsInText(uri: string, text: string): AgentSummary[] {
  const { file, lines } = parse(text);
  const src = (n: { start: number; end: number }) => text.slice(n.start, n.end);
  const out: AgentSummary[] = [];
  for (const item of file.items) {
    if (item.kind !== 'Agent' || !item.name?.name) continue;
    const agent = item as A.AgentDecl;
    const params: AgentParam[] = (agent.params ?? []).map((p) => {
      const type = p.type ? src(p.type) : undefined;
      const param: AgentParam = { name: p.name.name, optional: p.default !== null || (type !== undefined && /\?\s*$|^(Optional|Option|Maybe)\s*</.test(type)) };
      if (type !== undefined) param.type = type;
      if (p.default) param.default = src(p.default);
      return param;
    });
    const summary: AgentSummary = {
      uri, name: agent.name.name, params,
      range: { start: lines.position(agent.start), end: lines.position(agent.end) },
      nameRange: { start: lines.position(agent.name.start), end: lines.position(agent.name.end) },
    };
    if (agent.returns) summary.returns = src(agent.returns);
    out.push(summary);
  }
  return out;
}

/** A configuration as VS Code stores it (type, request, name and the launch attributes). */
export interface BatonDebugConfiguration extends LaunchConfig {
  type: string;
  request: string;
  name: string;
  [key: string]: unknown;
}

/** What launch.json gets when it is created (also `initialConfigurations` in package.json). */
export function initialConfigurations(): BatonDebugConfiguration[] {
  return [
    { type: DEBUG_TYPE, request: 'launch', name: 'Debug the agent under the cursor', program: '${file}', stopOnEntry: true },
    { type: DEBUG_TYPE, request: 'launch', name: 'Step through a recorded run', runId: '${command:baton.pickRunId}' },
  ];
}

/** One configuration per agent (the dynamic configurations of the Run and Debug view). */
export function agentConfiguration(agent: Pick<AgentSummary, 'name'>, fsPath: string, folder?: string): BatonDebugConfiguration {
  const rel = folder ? path.relative(folder, fsPath) : undefined;
  const program = rel !== undefined && !rel.startsWith('..') && !path.isAbsolute(rel)
    ? '${workspaceFolder}/' + rel.split(path.sep).join('/')
    : fsPath;
  return { type: DEBUG_TYPE, request: 'launch', name: `Debug ${agent.name} (${path.basename(fsPath)})`, program, agent: agent.name };
}

/** The `baton.*` provider settings of a folder. */
export interface ProviderSettings { provider?: string; model?: string; baseUrl?: string; cassette?: string }

/** The provider a launch uses: its own attributes over the settings. */
export interface ProviderChoice {
  id: string;
  model?: string;
  baseUrl?: string;
  /** The cassette as written (for the journal's provider info). */
  cassette?: string;
  /** The cassette resolved against the root. */
  cassettePath?: string;
}

/**
 * The launch's `provider`, `model`, `baseUrl`, `cassette` win over the settings. A `cassette`
 * without a `provider` means `replay`. When the launch names another provider than the settings,
 * the settings' model, base URL and cassette (meant for that other provider) are not used.
 */
export function chooseProvider(settings: ProviderSettings, launch: Pick<LaunchConfig, 'provider' | 'model' | 'baseUrl' | 'cassette'>, root: string): ProviderChoice {
  const clean = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
  const settingsId = (clean(settings.provider) ?? 'openai').toLowerCase();
  const launchId = clean(launch.provider)?.toLowerCase() ?? (clean(launch.cassette) ? 'replay' : undefined);
  const id = launchId ?? settingsId;
  const same = id === settingsId;
  const model = clean(launch.model) ?? (same ? clean(settings.model) : undefined);
  const baseUrl = clean(launch.baseUrl) ?? (same ? clean(settings.baseUrl) : undefined);
  const cassette = clean(launch.cassette) ?? (same ? clean(settings.cassette) : undefined);
  return {
    id,
    ...(model ? { model } : {}),
    ...(baseUrl ? { baseUrl } : {}),
    ...(id === 'replay' && cassette ? { cassette, cassettePath: path.resolve(root, cassette) } : {}),
  };
}
