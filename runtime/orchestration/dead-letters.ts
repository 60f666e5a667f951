/**
 * The dead-letter queue: messages the bus could not deliver (full mailbox, unknown recipient, no
 * subscribers, expired, a request that timed out, a reply nobody waited for, left over when the
 * receiver's run ended). Persisted as JSON lines in `<root>/.baton/dead-letters.jsonl`, append-only:
 * `baton dlq purge` and `baton dlq retry` append tombstones (`{"purged": id}`, `{"retried": id}`),
 * so concurrent writers never lose a line. A retried letter is re-delivered by the next bus that
 * opens the workspace (`pendingRetries`), which appends `{"redelivered": id}`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Json } from '../ir/schema';
import type { DeadLetterReason, MessageKind } from '../journal/records-messaging';
import type { BusMessage } from './bus-mailbox';

export interface DeadLetter {
  /** `<message id>><recipient>`: one letter per undelivered copy. */
  id: string;
  at: string;
  reason: DeadLetterReason;
  detail: string;
  message: { id: string; kind: MessageKind; from: string; to: string; topic?: string; correlation?: string; payload: Json };
  run?: string;
}

export interface DeadLetterStore {
  add(letter: DeadLetter): void;
  /** Letters neither purged nor retried, oldest first. */
  list(): DeadLetter[];
}

type Line = DeadLetter | { purged: string; at: string } | { retried: string; at: string } | { redelivered: string; at: string };

export function deadLettersFile(root: string): string {
  return path.join(root, '.baton', 'dead-letters.jsonl');
}

export function letterOf(m: BusMessage, reason: DeadLetterReason, detail: string): DeadLetter {
  return {
    id: `${m.id}>${m.to}`, at: new Date().toISOString(), reason, detail,
    message: { id: m.id, kind: m.kind, from: m.from, to: m.to, ...(m.topic !== undefined ? { topic: m.topic } : {}), ...(m.correlation ? { correlation: m.correlation } : {}), payload: m.payload },
    ...(m.run ? { run: m.run } : {}),
  };
}

/** `<root>/.baton/dead-letters.jsonl`. */
export class FileDeadLetterStore implements DeadLetterStore {
  readonly file: string;
  constructor(root: string, private readonly redact?: (text: string) => string) { this.file = deadLettersFile(root); }

  add(letter: DeadLetter): void { this.write(letter); }

  list(): DeadLetter[] { return fold(this.lines()).live; }

  /** Letters retried and not yet re-delivered. */
  pendingRetries(): DeadLetter[] { return fold(this.lines()).retried; }

  purge(ids: string[] | 'all'): number {
    const live = this.list();
    const gone = ids === 'all' ? live : live.filter((l) => ids.includes(l.id));
    for (const l of gone) this.write({ purged: l.id, at: new Date().toISOString() });
    return gone.length;
  }

  retry(ids: string[] | 'all'): DeadLetter[] {
    const live = this.list();
    const chosen = ids === 'all' ? live : live.filter((l) => ids.includes(l.id));
    for (const l of chosen) this.write({ retried: l.id, at: new Date().toISOString() });
    return chosen;
  }

  markRedelivered(id: string): void { this.write({ redelivered: id, at: new Date().toISOString() }); }

  private write(line: Line): void {
    const text = JSON.stringify(line);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.appendFileSync(this.file, (this.redact ? this.redact(text) : text) + '\n');
  }

  private lines(): Line[] {
    let text: string;
    try { text = fs.readFileSync(this.file, 'utf8'); } catch { return []; }
    const out: Line[] = [];
    for (const l of text.split('\n')) {
      if (!l.trim()) continue;
      try { out.push(JSON.parse(l) as Line); } catch { /* a torn last line: ignored */ }
    }
    return out;
  }
}

function fold(lines: Line[]): { live: DeadLetter[]; retried: DeadLetter[] } {
  const letters = new Map<string, DeadLetter>();
  const retried = new Map<string, DeadLetter>();
  for (const l of lines) {
    if ('purged' in l) { letters.delete(l.purged); retried.delete(l.purged); } else if ('retried' in l) {
      const d = letters.get(l.retried);
      if (d) { letters.delete(l.retried); retried.set(l.retried, d); }
    } else if ('redelivered' in l) retried.delete(l.redelivered);
    else letters.set(l.id, l);
  }
  return { live: [...letters.values()], retried: [...retried.values()] };
}

/** In memory (benchmarks, a bus without a workspace). */
export class MemoryDeadLetterStore implements DeadLetterStore {
  readonly letters: DeadLetter[] = [];
  add(letter: DeadLetter): void { this.letters.push(letter); }
  list(): DeadLetter[] { return [...this.letters]; }
}
