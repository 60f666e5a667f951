/**
 * `baton dlq [list|show|retry|purge]`: the dead-letter queue of a workspace
 * (`<root>/.baton/dead-letters.jsonl`, see runtime/orchestration/dead-letters.ts).
 *
 *   list               the letters (id, when, reason, from → to, topic), oldest first
 *   show ID            one letter in full (payload included)
 *   retry ID...|--all  re-queue: the next run in this workspace delivers them again
 *   purge ID...|--all  drop them
 *   --json             machine-readable output; --root DIR the workspace (default: cwd)
 */
import * as path from 'node:path';
import type { Parsed } from './args';
import { one } from './args';
import { CliError } from './files';
import { DeadLetter, FileDeadLetterStore } from '../orchestration/dead-letters';

export const DLQ_FLAGS = { bool: ['--json', '--all'], value: ['--root'] };

export const DLQ_USAGE = `  dlq [list|show|retry|purge]  The dead-letter queue (undeliverable or expired messages).
      show ID              One letter in full.
      retry ID...|--all    Deliver again in the next run of this workspace.
      purge ID...|--all    Drop letters.
      --json               Machine-readable output.`;

export function runDlq(p: Parsed, out: (s: string) => void): number {
  const root = path.resolve(one(p, '--root') ?? process.cwd());
  const store = new FileDeadLetterStore(root);
  const [sub = 'list', ...ids] = p.positionals;
  const json = p.flags.has('--json');
  const all = p.flags.has('--all');
  switch (sub) {
    case 'list': {
      if (ids.length) throw new CliError('usage: baton dlq list [--json] [--root DIR]');
      const letters = store.list();
      if (json) { out(JSON.stringify(letters, null, 2)); return 0; }
      if (letters.length === 0) { out(`no dead letters (${store.file})`); return 0; }
      for (const l of letters) out(line(l));
      out(`${letters.length} dead letter${letters.length === 1 ? '' : 's'} (${store.file})`);
      return 0;
    }
    case 'show': {
      if (ids.length !== 1) throw new CliError('usage: baton dlq show ID [--json]');
      const l = store.list().find((x) => x.id === ids[0]);
      if (!l) throw new CliError(`baton dlq: no dead letter '${ids[0]}' in ${store.file} (see 'baton dlq list')`, 1);
      if (json) { out(JSON.stringify(l, null, 2)); return 0; }
      out(`${l.id}\n  at:      ${l.at}\n  reason:  ${l.reason}: ${l.detail}\n  kind:    ${l.message.kind}\n  from:    ${l.message.from}\n  to:      ${l.message.to}${l.message.topic !== undefined ? `\n  topic:   ${l.message.topic}` : ''}${l.run ? `\n  run:     ${l.run}` : ''}\n  payload: ${JSON.stringify(l.message.payload)}`);
      return 0;
    }
    case 'retry': case 'purge': {
      if (!all && ids.length === 0) throw new CliError(`usage: baton dlq ${sub} ID...|--all`);
      const known = new Set(store.list().map((l) => l.id));
      const missing = ids.filter((id) => !known.has(id));
      if (missing.length) throw new CliError(`baton dlq ${sub}: no dead letter ${missing.map((m) => `'${m}'`).join(', ')} in ${store.file}`, 1);
      const n = sub === 'retry' ? store.retry(all ? 'all' : ids).length : store.purge(all ? 'all' : ids);
      if (json) out(JSON.stringify({ [sub === 'retry' ? 'retried' : 'purged']: n }));
      else out(sub === 'retry' ? `${n} letter${n === 1 ? '' : 's'} re-queued: the next run in this workspace delivers ${n === 1 ? 'it' : 'them'}` : `${n} letter${n === 1 ? '' : 's'} purged`);
      return 0;
    }
    default:
      throw new CliError(`baton dlq: unknown subcommand '${sub}' (list, show, retry, purge)`);
  }
}

function line(l: DeadLetter): string {
  const m = l.message;
  return `${l.id}  ${l.at}  ${l.reason}  ${m.from} → ${m.to}${m.topic !== undefined ? ` [${m.topic}]` : ''}  ${l.detail}`;
}
