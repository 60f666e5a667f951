/**
 * The result cache: content-addressed answers of repeated identical effects, under
 * `<root>/.baton/cache/<first two hex>/<sha256>.json` (one JSON file per entry, written atomically).
 *
 * What is cached (decided in `kernel-cache.ts`):
 * - a tool declared `cache = true` that is idempotent and has no side effects — entry address =
 *   sha256("tool", the tool's definition hash, canonical JSON of the arguments);
 * - a model call of an agent with `with cache = true` — address = sha256("model", provider id, the
 *   kernel's request hash: model, messages, tools, schema, temperature).
 * Entries never hold secrets: an effect whose arguments, request or result contain a registered
 * secret (the journal writer's `redact` changes its text) is neither looked up nor stored.
 * A corrupt or unreadable entry is a miss, never an error; deleting `.baton/cache/` is always safe.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Json, ToolIR } from '../ir/schema';
import { canonicalJson } from '../tools/mcp';

export interface CacheEntry {
  kind: 'tool' | 'model';
  /** Tool name, or the model asked. */
  name: string;
  value: Json;
  /** ISO time the entry was written (informational). */
  created: string;
}

export interface ResultCache {
  get(address: string): CacheEntry | undefined;
  put(address: string, entry: CacheEntry): void;
}

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The default: one file per entry under `<root>/.baton/cache/`. */
export class FileResultCache implements ResultCache {
  readonly dir: string;

  constructor(root: string) {
    this.dir = path.join(root, '.baton', 'cache');
  }

  private file(address: string): string {
    if (!/^[0-9a-f]{64}$/.test(address)) throw new Error(`not a cache address: ${address}`);
    return path.join(this.dir, address.slice(0, 2), `${address}.json`);
  }

  get(address: string): CacheEntry | undefined {
    let text: string;
    try { text = fs.readFileSync(this.file(address), 'utf8'); } catch { return undefined; }
    try {
      const e = JSON.parse(text) as CacheEntry;
      if (!e || (e.kind !== 'tool' && e.kind !== 'model') || typeof e.name !== 'string' || !('value' in e)) return undefined;
      return e;
    } catch { return undefined; }
  }

  put(address: string, entry: CacheEntry): void {
    const file = this.file(address);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(entry));
    fs.renameSync(tmp, file);
  }
}

/** Address of a tool call's result. `argsText` is the canonical JSON of the arguments. */
export function toolAddress(definition: string, argsText: string): string {
  return sha256(`tool\n${definition}\n${argsText}`);
}

/** Address of a model call's answer. */
export function modelAddress(provider: string, requestHash: string): string {
  return sha256(`model\n${provider}\n${requestHash}`);
}

/** What a declared tool does, independent of where it is declared: its IR without locations. */
export function toolDefinitionHash(ir: ToolIR): string {
  const { loc: _loc, params, ...rest } = ir;
  return sha256(canonicalJson({ ...rest, params: params.map(({ loc: _l, ...p }) => p) }));
}

/**
 * The branch an agent execution started on, for any branch inside it: agents start on `main` or
 * on the key of the call that started them (`main#3`, `main.1.0#2`); parallel blocks and templates
 * add `.`-suffixes (`main#3.1.0`, `main.expert0`). So: everything up to the last `#<n>`, else `main`.
 */
export function agentRootOf(branchId: string): string {
  const m = /^(.*#\d+)(?:\.[^#]*)?$/.exec(branchId);
  return m ? m[1] : branchId.split('.')[0];
}
