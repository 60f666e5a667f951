/**
 * The corpus's agents__knowledge_curator.symbi, unchanged, against a scripted model: a "store"
 * run (editor) then a "search" run (viewer) in one workspace; its semantic functions
 * (classify_intent, extract_facts, extract_tags, rerank) are answered by the scripted model; a
 * viewer asking to store is denied by the file's own policy.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompletionRequest } from '../../../runtime/providers/provider';
import { ScriptedProvider } from '../../../runtime/providers/scripted';
import { corpusDir } from '../../helpers/paths';
import { tempWorkspace } from '../../helpers/run-agent';
import { entryFiles, runIn } from './memory-helpers';

const SOURCE = () => fs.readFileSync(path.join(corpusDir(), 'agents__knowledge_curator.symbi'), 'utf8');

/** The operation a semantic-function request asks for, and its arguments. */
function operation(req: CompletionRequest): { op: string; payload: Record<string, unknown> } {
  const user = [...req.messages].reverse().find((m) => m.role === 'user');
  const content = typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content);
  const m = /Perform the operation `(\w+)` with these arguments:\n([\s\S]*?)\nUse the tools/.exec(content);
  if (!m) throw new Error(`not a semantic function request: ${content.slice(0, 200)}`);
  return { op: m[1], payload: JSON.parse(m[2]) };
}

function curatorModel(seen: Array<{ op: string; payload: Record<string, unknown> }>): ScriptedProvider {
  return new ScriptedProvider((req) => {
    const { op, payload } = operation(req);
    seen.push({ op, payload });
    switch (op) {
      case 'classify_intent': return /^(store|remember)/i.test(String(payload.arg1)) ? 'store' : 'search';
      case 'extract_facts': return 'Rollbacks need an incident ticket.';
      case 'extract_tags': return 'ops';
      case 'rerank': return JSON.stringify((payload.arg1 as Array<{ id: string }>).map((r) => r.id));
      default: throw new Error(`unexpected operation ${op}`);
    }
  });
}

const DOC = 'To roll back a failed deploy, open an incident ticket, then run the release tool with --rollback.';

describe('knowledge_curator (corpus) with memory', function () {
  this.timeout(60000);
  let dir: string;
  before(() => { dir = tempWorkspace(); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stores a document (editor), then finds it (viewer); a viewer cannot store', async () => {
    const seen: Array<{ op: string; payload: Record<string, unknown> }> = [];
    const inputs = (query: string, role: string) => ({
      query, context: { document: DOC, source: 'runbook.md', user: { name: 'ann', role } },
    });

    const store = await runIn(dir, SOURCE(), { file: 'kc.symbi', provider: curatorModel(seen), inputs: inputs('store this runbook', 'editor'), context: { user: { name: 'ann', role: 'editor' } } });
    assert.equal(store.reason, 'Completed', store.error?.describe());
    const res = store.result as { action: string; facts_extracted: number; tags: string };
    assert.equal(res.action, 'stored');
    assert.equal(res.tags, 'ops');
    assert.equal(res.facts_extracted, 'Rollbacks need an incident ticket.'.length);
    assert.deepEqual(seen.map((s) => s.op), ['classify_intent', 'extract_facts', 'extract_tags']);
    const files = entryFiles(dir, 'knowledge_store');
    assert.equal(files.length, 1);
    const entry = JSON.parse(fs.readFileSync(path.join(dir, '.baton', 'memory', 'knowledge_store', 'records', files[0]), 'utf8'));
    assert.equal(entry.record.content, DOC);
    assert.equal(entry.record.author, 'ann');
    assert.equal(entry.record.source, 'runbook.md');
    assert.equal(entry.record.facts, 'Rollbacks need an incident ticket.');
    assert.ok(fs.existsSync(path.join(dir, '.baton', 'memory', 'knowledge_store', 'markdown', files[0].replace('.json', '.md'))), 'store markdown renders notes');
    // the file's audit rule (include_output: true) audited the write
    assert.ok(store.of('AuditEntry').some((a) => a.tool === 'memory_write' && a.output !== undefined));

    seen.length = 0;
    const search = await runIn(dir, SOURCE(), { file: 'kc.symbi', provider: curatorModel(seen), inputs: inputs('how do I roll back a deploy?', 'viewer'), context: { user: { name: 'vic', role: 'viewer' } } });
    assert.equal(search.reason, 'Completed', search.error?.describe());
    const found = search.result as { action: string; results: string; total_matches: number };
    assert.equal(found.action, 'search');
    assert.equal(found.total_matches, 1);
    assert.deepEqual(seen.map((s) => s.op), ['classify_intent', 'rerank']);
    const reranked = seen[1].payload.arg1 as Array<{ id: string; score: number; record: { content: string } }>;
    assert.equal(reranked[0].record.content, DOC);
    assert.ok(reranked[0].score > 0);
    assert.equal(found.results, JSON.stringify([files[0].replace('.json', '')]));
    // the viewer's search was allowed by the viewer rule; hybrid ranking is reported as keyword-only
    assert.equal(search.of('PolicyEvaluated').find((p) => p.tool === 'memory_search')?.verdict, 'allow');
    const notice = search.of('MemoryNotice').find((n) => n.notice === 'vector-unavailable');
    assert.ok(notice, 'vector_weight without a vector index is reported');
    assert.match(notice.message, /keywords only/);

    const denied = await runIn(dir, SOURCE(), { file: 'kc.symbi', provider: curatorModel([]), inputs: inputs('store this too', 'viewer'), context: { user: { name: 'vic', role: 'viewer' } } });
    assert.equal(denied.reason, 'PolicyDenial');
    assert.equal(denied.of('ToolDenied')[0]?.tool, 'memory_write');
    const rule = denied.of('ToolDenied')[0].rule;
    assert.match(SOURCE().split('\n')[rule.line - 1], /deny: \["memory_write"\] if context.user.role == "viewer"/, 'the deny names the viewer rule');
    assert.equal(entryFiles(dir, 'knowledge_store').length, 1, 'nothing stored');
  });
});
