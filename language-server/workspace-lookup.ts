/**
 * What the index needs from the runtime's Workspace beyond its public API: memoised cross-file
 * lookups, and the signature of what a document shows other documents (its declarations).
 */
import type * as A from '../runtime/dsl/ast';
import { Workspace } from '../runtime/dsl/workspace';

/**
 * The runtime's Workspace, with cross-file lookups memoised until the next change: `find` scans
 * every document, and checking each file of a large workspace asks for the same few unresolved
 * names (`ask`, semantic functions, capabilities) again and again.
 */
export class MemoWorkspace extends Workspace {
  private memo = new Map<string, ReturnType<Workspace['find']>>();
  override set(uri: string, text: string): void { this.memo.clear(); super.set(uri, text); }
  override delete(uri: string): void { this.memo.clear(); super.delete(uri); }
  override find(kind: Parameters<Workspace['find']>[0], name: string, exceptUri: string): ReturnType<Workspace['find']> {
    const key = kind + ' ' + name;
    let all = this.memo.get(key);
    if (!all) this.memo.set(key, (all = super.find(kind, name, '\0')));
    return all.length === 0 || (all.length === 1 && all[0].uri !== exceptUri) ? all : all.filter((f) => f.uri !== exceptUri);
  }
}

/** Signatures of what other files can see: whole tools, types, MCP servers; agent and function headers. */
export function declSignatures(file: A.SourceFile, text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of file.items) {
    switch (item.kind) {
      case 'Tool': case 'TypeDecl': case 'Mcp':
        out.set(item.name.name, item.kind + text.slice(item.start, item.end)); break;
      case 'Function':
        out.set(item.name.name, 'Function' + text.slice(item.start, item.body?.start ?? item.end)); break;
      case 'Agent': {
        const first = item.items[0];
        let sig = 'Agent' + text.slice(item.start, first ? first.start : item.end);
        for (const it of item.items) if (it.kind === 'Capabilities') sig += text.slice(it.start, it.end);
        out.set(item.name.name, sig);
        break;
      }
      default: break;
    }
  }
  return out;
}
