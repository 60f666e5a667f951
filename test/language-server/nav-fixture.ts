/**
 * Multi-file fixtures for the navigation, rename and code-action tests over the real LSP: a set of
 * documents written with cursor markers (`|`) and expected ranges (`[[...]]`), opened in one
 * server and closed again (waiting until the server has forgotten them, so tests sharing a server
 * do not see each other's declarations). Also: LSP locations and edits as comparable strings.
 */
import { LspClient, markers, Marked, offsetAt, position, Range } from './lsp-client';

export interface Location { uri: string; range: Range }
export interface TextEdit { range: Range; newText: string }
export interface WorkspaceEdit { changes?: Record<string, TextEdit[]> }

let counter = 0;

export class Fixture {
  readonly marked = new Map<string, Marked>();
  readonly uris = new Map<string, string>();

  private constructor(readonly client: LspClient) {}

  /** Opens every file (`name → text with markers`) under a fresh directory URI. */
  static async open(client: LspClient, files: Record<string, string>): Promise<Fixture> {
    const f = new Fixture(client);
    const dir = `file:///baton-nav-test/t${++counter}`;
    for (const [name, src] of Object.entries(files)) {
      const m = markers(src);
      f.marked.set(name, m);
      f.uris.set(name, `${dir}/${name}`);
      await client.open(`${dir}/${name}`, m.text);
    }
    return f;
  }

  uri(name: string): string { return this.uris.get(name)!; }
  text(name: string): string { return this.marked.get(name)!.text; }
  nameOf(uri: string): string { return [...this.uris].find(([, u]) => u === uri)?.[0] ?? uri; }

  /** The file holding the (first) `|` cursor, and the request params for it. */
  cursor(): { name: string; params: { textDocument: { uri: string }; position: { line: number; character: number } } } {
    for (const [name, m] of this.marked) {
      if (m.cursor >= 0) return { name, params: { textDocument: { uri: this.uri(name) }, position: position(m.text, m.cursor) } };
    }
    throw new Error('no cursor in the fixture');
  }

  /** Every `[[...]]` range of every file, as `file:line:col-line:col`, sorted. */
  expected(): string[] {
    const out: string[] = [];
    for (const [name, m] of this.marked) for (let i = 0; i < m.ranges.length; i++) out.push(fmtRange(name, m.range(i)));
    return out.sort();
  }

  /** Locations as `file:line:col-line:col`, sorted. */
  show(locs: Location[] | null | undefined): string[] {
    return (locs ?? []).map((l) => fmtRange(this.nameOf(l.uri), l.range)).sort();
  }

  /** The texts of the files after applying a workspace edit (unchanged files included). */
  applied(edit: WorkspaceEdit | null): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name] of this.marked) out[name] = applyEdits(this.text(name), edit?.changes?.[this.uri(name)] ?? []);
    return out;
  }

  /** Each file's text with every `[[...]]` range replaced by `newText`. */
  replacedRanges(newText: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, m] of this.marked) {
      let text = m.text;
      for (const r of [...m.ranges].reverse()) text = text.slice(0, r.start) + newText + text.slice(r.end);
      out[name] = text;
    }
    return out;
  }

  /** Closes every file and waits until the server has dropped each (its closing publish has no version). */
  async close(): Promise<void> {
    for (const uri of this.uris.values()) {
      const gone = waitForUnversioned(this.client, uri);
      await this.client.close(uri);
      await gone;
    }
  }
}

async function waitForUnversioned(client: LspClient, uri: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const p = await client.waitForPublish(uri, undefined, Math.max(1, deadline - Date.now())).catch(() => undefined);
    if (!p || p.version === undefined) return;
  }
}

export function fmtRange(name: string, r: Range): string {
  return `${name}:${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

/** Applies LSP text edits (non-overlapping) to a text. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const withOffsets = edits.map((e) => ({ start: offsetAt(text, e.range.start), end: offsetAt(text, e.range.end), newText: e.newText }));
  withOffsets.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of withOffsets) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** Runs `body` on an opened fixture and closes it afterwards, even when an assertion fails. */
export async function withFixture<T>(client: LspClient, files: Record<string, string>, body: (f: Fixture) => Promise<T>): Promise<T> {
  const f = await Fixture.open(client, files);
  try {
    return await body(f);
  } finally {
    await f.close();
  }
}
