/**
 * A real planned run for the view tests: a two-step plan (s1 reads a.txt with a tool, s2 after s1
 * with a checkpoint), answered by a scripted model; with reflection, s2 is skipped by the pre-step
 * reflection and the final one records an insight.
 */
import type { CompletionRequest } from '../../runtime/providers/provider';
import { ScriptedProvider, text, toolCall } from '../../runtime/providers/scripted';
import type { RunAgentOptions, TestRun } from '../helpers/run-agent';

const user = (r: CompletionRequest) => r.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
const json = (v: unknown) => text(JSON.stringify(v));

export function plannedRun(runAgent: (source: string, o?: RunAgentOptions) => Promise<TestRun>, reflection: boolean): Promise<TestRun> {
  const provider = new ScriptedProvider((req) => {
    const u = user(req);
    if (u.includes('Decide before the step runs')) return u.includes('Next step (s2)') ? json({ decision: 'skip', reason: 'not needed' }) : json({ decision: 'proceed', reason: 'ok' });
    if (u.includes('List up to 5 short')) return json({ insights: ['Read before writing'] });
    if (u.includes('Break the goal into a plan')) return json({ steps: [{ id: 's1', goal: 'Read a.txt', tools: ['read_file'] }, { id: 's2', goal: 'Summarize', depends_on: ['s1'], checkpoint: true }] });
    if (u.includes('Your step (s1)')) return req.messages[req.messages.length - 1].role === 'tool' ? text('alpha') : toolCall('read_file', { path: 'a.txt' });
    return text('done');
  });
  return runAgent(`
tool read_file(path: String) -> String { builtin = "fs.read" }
agent viewer(task: String = "Read a.txt, then summarize it.") {
  policy p { allow: read_file }
  with planning = "multi_step"${reflection ? ', reflection = true' : ''} { return reason(task, tools: [read_file]); }
}`, { provider, files: { 'a.txt': 'alpha' } });
}
