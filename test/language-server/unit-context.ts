/**
 * A `DocContext` without a server, for unit tests of feature modules: documents analysed together
 * in a runtime/dsl `Workspace`, like the server does. `ctxFor(docs, uri)` gives the context of one.
 */
import { Workspace } from '../../runtime/dsl/workspace';
import { LineIndex } from '../../runtime/dsl/line-index';
import type { DocContext, WorkspaceIndex } from '../../language-server/context';

export function ctxFor(docs: Record<string, string>, uri: string): DocContext {
  const ws = new Workspace();
  for (const [u, t] of Object.entries(docs)) ws.set(u, t);
  const index: WorkspaceIndex = {
    uris: () => ws.uris(),
    analysis: (u) => ws.analyze(u),
    text: (u) => docs[u],
    lines: (u) => (docs[u] === undefined ? undefined : new LineIndex(docs[u])),
  };
  return { uri, text: docs[uri], analysis: ws.analyze(uri)!, lines: new LineIndex(docs[uri]), index };
}
