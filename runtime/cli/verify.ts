/** `baton verify RUN_ID` and `baton approvals [--revoke TOOL] [--agent A]`. */
import * as fs from 'node:fs';
import { verifyJournal } from '../journal/audit';
import { trustedPublicKeys } from '../journal/keys';
import { journalPathOf } from '../run/run';
import { ApprovalStore } from '../approvals/store';
import { CliError } from './files';

export function runVerify(root: string, runId: string, out: (s: string) => void, err: (s: string) => void): number {
  const file = journalPathOf(root, runId);
  if (!fs.existsSync(file)) throw new CliError(`no run '${runId}' (looked for ${file})`);
  const r = verifyJournal(file, { trustedKeys: trustedPublicKeys() });
  if (r.ok) {
    out(`run ${runId}: intact — ${r.records} records, ${r.checkpoints} signed checkpoint${r.checkpoints === 1 ? '' : 's'}${r.final ? ', finished and signed' : ', not finished (records after the last checkpoint are chained but not yet signed)'}${r.tornTail ? `; a torn last line (${r.tornTail.bytes} bytes) is ignored` : ''}`);
    return 0;
  }
  err(`run ${runId}: TAMPERED — first bad record: seq ${r.seq}: ${r.reason}`);
  return 1;
}

export function runApprovals(root: string, revoke: string | undefined, agent: string | undefined, out: (s: string) => void): number {
  const store = new ApprovalStore(root);
  if (revoke) {
    const n = store.revoke(revoke, agent);
    out(n ? `revoked ${n} always-allow answer${n === 1 ? '' : 's'} for ${revoke}${agent ? ` (agent ${agent})` : ''}` : `nothing to revoke: ${revoke} is not always allowed`);
    return n ? 0 : 1;
  }
  const all = store.list();
  if (!all.length) { out(`no always-allowed tools (${store.file})`); return 0; }
  out(`always allowed (${store.file}):`);
  for (const a of all) out(`  ${a.tool}  agent ${a.agent}  since ${a.grantedAt}${a.hash ? `  definition ${a.hash.slice(0, 12)}` : ''}${a.run ? `  (run ${a.run})` : ''}`);
  return 0;
}
