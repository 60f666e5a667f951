/**
 * What every feature module of the language server works on. Feature modules (completion.ts,
 * hover.ts, navigation.ts, ...) are plain functions of a `DocContext` and a position/range that
 * return LSP types; they never touch the connection (only server.ts does). Offsets are UTF-16 code
 * unit offsets into `text`, as everywhere in runtime/dsl; `lines` converts to/from LSP positions.
 */
import type { Analysis } from '../runtime/dsl/workspace';
import type { LineIndex } from '../runtime/dsl/line-index';

/** The documents the server knows: open editors and the agent files of the workspace folders. */
export interface WorkspaceIndex {
  /** URIs of every known document (open or indexed from disk). */
  uris(): string[];
  /** The analysis of a document (cached until its text or a document it depends on changes). */
  analysis(uri: string): Analysis | undefined;
  /** The text of a document. */
  text(uri: string): string | undefined;
  /** Line index of a document (for converting its offsets to LSP positions). */
  lines(uri: string): LineIndex | undefined;
}

export interface DocContext {
  uri: string;
  text: string;
  analysis: Analysis;
  lines: LineIndex;
  index: WorkspaceIndex;
}
