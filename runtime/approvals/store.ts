/**
 * "Always allow" answers, stored in the workspace at `.baton/approvals.json` so they are visible,
 * listed by `baton approvals` and revocable (`baton approvals --revoke`). A stored answer applies
 * only where no policy rule decided the action (LANGUAGE.md §4 step 4); it never lifts a deny,
 * a `require: approval(...)` or a tool's `approval = "always"`. MCP tools are stored with the
 * hash of their definition: a changed tool is a different tool.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatonError } from '../errors';

export interface AlwaysAllowed {
  agent: string;
  tool: string;
  /** MCP tool definition hash, when the tool is an MCP tool. */
  hash?: string;
  grantedAt: string;
  /** The run in which the answer was given. */
  run?: string;
}

interface FileShape { version: 1; allowed: AlwaysAllowed[] }

export class ApprovalStore {
  readonly file: string;
  constructor(root: string) { this.file = path.join(root, '.baton', 'approvals.json'); }

  list(): AlwaysAllowed[] {
    let text: string;
    try { text = fs.readFileSync(this.file, 'utf8'); } catch { return []; }
    try {
      const data = JSON.parse(text) as FileShape;
      return Array.isArray(data.allowed) ? data.allowed.filter((a) => typeof a?.tool === 'string' && typeof a?.agent === 'string') : [];
    } catch (e) {
      throw new BatonError('usage', `${this.file} is not valid JSON (${(e as Error).message}); fix or delete it`);
    }
  }

  has(agent: string, tool: string, hash?: string): AlwaysAllowed | undefined {
    return this.list().find((a) => a.agent === agent && a.tool === tool && (a.hash ?? undefined) === (hash ?? undefined));
  }

  add(entry: AlwaysAllowed): void {
    const all = this.list().filter((a) => !(a.agent === entry.agent && a.tool === entry.tool));
    all.push(entry);
    this.write(all);
  }

  /** Removes entries matching `tool` (and `agent` if given); returns how many. */
  revoke(tool: string, agent?: string): number {
    const all = this.list();
    const keep = all.filter((a) => !(a.tool === tool && (agent === undefined || a.agent === agent)));
    if (keep.length !== all.length) this.write(keep);
    return all.length - keep.length;
  }

  private write(allowed: AlwaysAllowed[]): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ version: 1, allowed } satisfies FileShape, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
