/**
 * The server's documents: open editors (TextDocuments) over the agent files of the workspace
 * folders, analysed together in one runtime/dsl `Workspace`. It never touches the connection: it
 * reports through `IndexHost.publish`.
 *
 * Syncing is lazy: an edit only marks the document dirty; any analysis first `flush`es every dirty
 * document into the Workspace. Analyses are cached per document, valid while its text and the texts
 * of the documents it resolved names into (its `deps`) are unchanged.
 *
 * When a document's declarations (agents, functions, tools, types, MCP servers: their headers /
 * declarations as written) change, the documents that mention a changed name — the only ones whose
 * analysis can differ — lose their cached analysis and are queued for re-validation (dependents).
 *
 * Validation of an edited document runs on the next turn of the event loop — skipped when a newer
 * version has already been read from the transport (server.ts's lookahead; that change reschedules
 * it), debounced 30 ms after the last edit when edits pile up or the document is slow to check
 * (> 50 ms). A newer edit cancels the pending validation and stops the dependents pass (newer
 * wins); diagnostics carry the version they were computed for and are never published for a
 * document that has moved on.
 */
import type { Diagnostic as LspDiagnostic, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { performance } from 'node:perf_hooks';
import type { Analysis, Workspace } from '../runtime/dsl/workspace';
import { LineIndex } from '../runtime/dsl/line-index';
import type { DocContext, WorkspaceIndex } from './context';
import { hasProblems, toLspDiagnostics } from './diagnostics';
import { scanFolders, uriToPath } from './workspace-scan';
import { declSignatures, MemoWorkspace } from './workspace-lookup';

export const DEBOUNCE_MS = 30;
/** Documents whose last parse + check took longer than this are always debounced. */
const SLOW_MS = 50;
/** Work slice of the initial index before yielding to pending requests. */
const SLICE_MS = 15;

export interface IndexHost {
  publish(uri: string, diagnostics: LspDiagnostic[], version?: number): void;
  /** The newest version of a document already received but maybe not applied yet (lookahead). */
  incomingVersion?(uri: string): number | undefined;
}

/** `seen`: the stamp counter when it was computed (it saw every text with a stamp ≤ seen). */
interface Cached { analysis: Analysis; stamp: number; seen: number; deps: Array<[Entry, number]> }

interface Entry {
  uri: string;
  /** The text synced into the Workspace and its open-document version (undefined: from disk). */
  text: string; version: number | undefined;
  /** Bumped on every text change (global counter, so stamps never repeat). */
  stamp: number;
  /** Found on disk in a workspace folder (a closed editor reverts to it). */
  onDisk: boolean;
  /** Declaration signatures by name, from the last analysis. */
  decls: Map<string, string> | undefined;
  cache: Cached | undefined;
  lineIndex: LineIndex | undefined;
  /** The last diagnostics published for it were not empty. */
  published: boolean;
  /** Duration of the last parse and of the last check. */
  parseMs: number; checkMs: number;
}

type Handle = { cancel(): void };
function later(fn: () => void, ms: number): Handle {
  if (ms <= 0) { const h = setImmediate(fn); return { cancel: () => clearImmediate(h) }; }
  const h = setTimeout(fn, ms);
  return { cancel: () => clearTimeout(h) };
}
const tick = () => new Promise<void>((r) => setImmediate(r));

export class ServerIndex implements WorkspaceIndex {
  readonly ws: Workspace = new MemoWorkspace();
  private readonly entries = new Map<string, Entry>();
  /** File path → URI of its entry: clients may spell a file's URI differently (`%40` vs `@`). */
  private readonly byPath = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, Handle>();
  /** Documents to re-validate because a declaration they mention changed. */
  private readonly dependents = new Set<string>();
  private dependentsTimer: Handle | undefined;
  private stampCounter = 0;
  /** Bumped by every edit: a running dependents pass stops when it changes. */
  private editEpoch = 0;
  /** While the initial index is parsing, validations wait (names from other files are not known yet). */
  private indexing: Promise<void> | undefined;

  constructor(private readonly docs: TextDocuments<TextDocument>, private readonly host: IndexHost) {}

  // ---- WorkspaceIndex ----

  uris(): string[] { return [...this.entries.keys()]; }

  text(uri: string): string | undefined {
    this.flush();
    return this.entries.get(uri)?.text;
  }

  lines(uri: string): LineIndex | undefined {
    this.flush();
    const e = this.entries.get(uri);
    if (!e) return undefined;
    if (e.cache?.stamp === e.stamp) return e.cache.analysis.parse.lines;
    return (e.lineIndex ??= new LineIndex(e.text));
  }

  analysis(uri: string): Analysis | undefined {
    this.flush();
    const e = this.entries.get(uri);
    return e ? this.analyze(e) : undefined;
  }

  /** What a feature request works on; undefined for a document the server does not know. */
  context(uri: string): DocContext | undefined {
    const analysis = this.analysis(uri);
    if (!analysis) return undefined;
    return { uri, text: analysis.text, analysis, lines: analysis.parse.lines, index: this };
  }

  isOpen(uri: string): boolean { return this.docs.get(uri) !== undefined; }

  // ---- editor events ----

  /** didOpen / didChange: mark dirty, schedule its validation, cancel stale work. */
  changed(uri: string): void {
    const doc = this.docs.get(uri);
    if (!doc) return;
    if (!this.entries.has(uri)) {
      // The disk copy of this file under another spelling of its URI gives way to the editor's.
      const alias = this.known(uri);
      const onDisk = alias !== undefined && this.entries.get(alias)!.onDisk;
      if (alias !== undefined) this.remove(alias);
      this.addEntry(this.newEntry(uri, '', onDisk));
    }
    this.dirty.add(uri);
    this.editEpoch++;
    this.schedule(uri);
    if (this.dependents.size) this.scheduleDependents();
  }

  /** didClose: back to the file on disk (if it is a workspace file), else forgotten. */
  closed(uri: string, diskText: string | undefined): void {
    this.timers.get(uri)?.cancel();
    this.timers.delete(uri);
    this.dirty.delete(uri);
    const e = this.entries.get(uri);
    if (!e) return;
    this.host.publish(uri, []);
    e.published = false;
    if (diskText !== undefined && e.onDisk) {
      this.setText(e, diskText, undefined);
      this.analyze(e);
      this.dependents.add(uri);
      this.scheduleDependents();
    } else {
      this.remove(uri);
    }
  }

  /** A workspace file created, changed or deleted on disk (ignored while it is open). */
  diskChanged(clientUri: string, text: string | undefined): void {
    const uri = this.known(clientUri) ?? clientUri;
    if (this.isOpen(uri)) return;
    const e = this.entries.get(uri);
    if (text === undefined) {
      if (!e) return;
      this.remove(uri);
      if (e.published) this.host.publish(uri, []);
      return;
    }
    const entry = e ?? this.newEntry(uri, text, true);
    if (e) this.setText(e, text, undefined);
    else this.addEntry(entry);
    this.analyze(entry);
    this.dependents.add(uri);
    this.scheduleDependents();
  }

  // ---- initial index ----

  /**
   * Finds, reads and parses the agent files of the folders (open editors keep their text), then lets
   * waiting validations run, then checks every file and publishes the files with problems.
   * Work is sliced so requests are served in between.
   */
  async indexFolders(folders: string[]): Promise<{ files: number; readMs: number; parseMs: number; checkMs: number }> {
    let release!: () => void;
    this.indexing = new Promise<void>((r) => (release = r));
    const t0 = performance.now();
    let files: Array<{ uri: string; text: string }> = [];
    let t1 = t0, t2 = t0;
    try {
      files = await scanFolders(folders);
      t1 = performance.now();
      let slice = t1;
      for (const f of files) {
        const known = this.known(f.uri);
        if (known !== undefined) this.entries.get(known)!.onDisk = true;
        else this.addEntry(this.newEntry(f.uri, f.text, true));
        if (performance.now() - slice > SLICE_MS) { await tick(); slice = performance.now(); }
      }
      t2 = performance.now();
    } finally {
      this.indexing = undefined;
      release();
    }
    // Open documents first (their validation waited for the index), then every file.
    for (const uri of this.docs.keys()) this.schedule(uri);
    if (this.dependents.size) this.scheduleDependents();
    let slice = performance.now();
    for (const f of files) {
      const uri = this.known(f.uri);
      const e = uri !== undefined ? this.entries.get(uri) : undefined;
      if (e && !this.isOpen(e.uri)) this.publishClosed(e);
      if (performance.now() - slice > SLICE_MS) { await tick(); slice = performance.now(); }
    }
    return { files: files.length, readMs: t1 - t0, parseMs: t2 - t1, checkMs: performance.now() - t2 };
  }

  // ---- internals ----

  /** The URI under which the index knows this document (same string, or same file path). */
  private known(uri: string): string | undefined {
    if (this.entries.has(uri)) return uri;
    const p = uriToPath(uri);
    return p === undefined ? undefined : this.byPath.get(p);
  }

  private addEntry(e: Entry): void {
    this.entries.set(e.uri, e);
    const p = uriToPath(e.uri);
    if (p !== undefined) this.byPath.set(p, e.uri);
  }

  private newEntry(uri: string, text: string, onDisk: boolean): Entry {
    const e: Entry = { uri, text: '', version: undefined, stamp: 0, onDisk, decls: undefined, cache: undefined, lineIndex: undefined, published: false, parseMs: 0, checkMs: 0 };
    this.setText(e, text, undefined);
    return e;
  }

  private setText(e: Entry, text: string, version: number | undefined): void {
    e.version = version;
    if (e.text === text && e.stamp !== 0) return;
    e.text = text;
    e.stamp = ++this.stampCounter;
    e.lineIndex = undefined;
    const t0 = performance.now();
    this.ws.set(e.uri, text);
    e.parseMs = performance.now() - t0;
  }

  private remove(uri: string): void {
    const e = this.entries.get(uri);
    this.entries.delete(uri);
    const p = uriToPath(uri);
    if (p !== undefined && this.byPath.get(p) === uri) this.byPath.delete(p);
    this.ws.delete(uri);
    if (e?.decls) this.declsChanged(uri, [...e.decls.keys()], Infinity);
  }

  /** Syncs every dirty open document into the Workspace (and analyses it, to see its declarations). */
  private flush(): void {
    if (this.dirty.size === 0) return;
    const synced: Entry[] = [];
    for (const uri of this.dirty) {
      const doc = this.docs.get(uri);
      const e = this.entries.get(uri);
      if (!doc || !e) continue;
      this.setText(e, doc.getText(), doc.version);
      synced.push(e);
    }
    this.dirty.clear();
    for (const e of synced) this.analyze(e);
  }

  private analyze(e: Entry): Analysis {
    const c = e.cache;
    if (c && c.stamp === e.stamp && c.deps.every(([d, s]) => d.stamp === s && this.entries.get(d.uri) === d)) return c.analysis;
    const t0 = performance.now();
    const analysis = this.ws.analyze(e.uri)!;
    e.checkMs = performance.now() - t0;
    e.cache = { analysis, stamp: e.stamp, seen: this.stampCounter, deps: this.depsOf(analysis, e.uri) };
    this.updateDecls(e, analysis.parse.file);
    return analysis;
  }

  /** The other documents an analysis resolved names into. */
  private depsOf(a: Analysis, self: string): Array<[Entry, number]> {
    const uris = new Set<string>();
    for (const r of a.check.refs) if (r.sym.uri) uris.add(r.sym.uri);
    for (const c of a.check.calls) if (c.uri) uris.add(c.uri);
    for (const d of a.diagnostics) for (const r of d.related ?? []) if (r.file) uris.add(r.file);
    uris.delete(self);
    const out: Array<[Entry, number]> = [];
    for (const u of uris) { const d = this.entries.get(u); if (d) out.push([d, d.stamp]); }
    return out;
  }

  /**
   * Compares the declarations of the text just analysed with those of the previous analysis. Every
   * text synced outside the initial index is analysed at once (flush, closed, diskChanged), so the
   * previous analysis is of the text other documents may have seen before.
   */
  private updateDecls(e: Entry, file: Analysis['parse']['file']): void {
    const next = declSignatures(file, e.text);
    const prev = e.decls;
    e.decls = next;
    const changed: string[] = [];
    for (const [k, v] of next) if (prev?.get(k) !== v) changed.push(k);
    if (prev) for (const k of prev.keys()) if (!next.has(k)) changed.push(k);
    if (changed.length) this.declsChanged(e.uri, changed, e.stamp);
  }

  /**
   * Documents mentioning a changed declaration lose their analysis and are re-validated — those
   * analysed before the text with stamp `since` was synced (later ones saw it), and those showing
   * published diagnostics.
   */
  private declsChanged(uri: string, names: string[], since: number): void {
    let words: RegExp[] | undefined;
    for (const d of this.entries.values()) {
      if (d.uri === uri) continue;
      const stale = d.cache !== undefined && d.cache.seen < since;
      if (!stale && !(d.published && !d.cache)) continue;
      words ??= names.map((n) => new RegExp(`(?<![A-Za-z0-9_])${n.replace(/[^A-Za-z0-9_]/g, '\\$&')}(?![A-Za-z0-9_])`));
      if (!names.some((n, i) => d.text.includes(n) && words![i].test(d.text))) continue;
      d.cache = undefined;
      this.dependents.add(d.uri);
    }
    if (this.dependents.size) this.scheduleDependents();
  }

  private schedule(uri: string): void {
    const pending = this.timers.get(uri);
    pending?.cancel();
    const e = this.entries.get(uri);
    const delay = pending || this.indexing || (e && e.parseMs + e.checkMs > SLOW_MS) ? DEBOUNCE_MS : 0;
    this.timers.set(uri, later(() => {
      this.timers.delete(uri);
      if (this.indexing) { void this.indexing.then(() => this.schedule(uri)); return; }
      this.validate(uri);
    }, delay));
  }

  /** Whether an edit of `uri` (or of any open document) has been received but not applied yet. */
  private superseded(uri?: string): boolean {
    const incoming = this.host.incomingVersion;
    if (!incoming) return false;
    for (const u of uri ? [uri] : this.docs.keys()) {
      const v = incoming.call(this.host, u);
      const doc = this.docs.get(u);
      if (v !== undefined && doc && v > doc.version) return true;
    }
    return false;
  }

  /** Publishes an open document's diagnostics, unless it changed since (its own timer is then pending). */
  private validate(uri: string): void {
    const doc = this.docs.get(uri);
    if (!doc || this.superseded(uri)) return;  // a newer version is on its way: its change reschedules
    this.flush();
    const e = this.entries.get(uri);
    if (!e || e.version !== doc.version) return;
    const a = this.analyze(e);
    if (doc.version !== e.version) return;
    this.host.publish(uri, toLspDiagnostics(a.diagnostics, a.parse.lines, uri, (u) => this.lines(u)), e.version);
    e.published = a.diagnostics.length > 0;
  }

  /** A workspace file that is not open: publish when it has errors/warnings (or to clear old ones). */
  private publishClosed(e: Entry): void {
    const a = this.analyze(e);
    const show = hasProblems(a.diagnostics);
    if (!show && !e.published) return;
    this.host.publish(e.uri, show ? toLspDiagnostics(a.diagnostics, a.parse.lines, e.uri, (u) => this.lines(u)) : []);
    e.published = show;
  }

  private scheduleDependents(): void {
    this.dependentsTimer?.cancel();
    this.dependentsTimer = later(() => { this.dependentsTimer = undefined; void this.runDependents(); }, DEBOUNCE_MS);
  }

  /** Re-validates queued dependents, open ones first, one per turn; a newer edit stops the pass. */
  private async runDependents(): Promise<void> {
    const epoch = this.editEpoch;
    const queue = [...this.dependents].sort((a, b) => Number(this.isOpen(b)) - Number(this.isOpen(a)));
    for (const uri of queue) {
      if (this.editEpoch !== epoch || this.indexing || this.superseded()) return;  // the next edit re-arms the pass
      this.dependents.delete(uri);
      const e = this.entries.get(uri);
      if (!e) continue;
      if (this.isOpen(uri)) this.validate(uri);
      else this.publishClosed(e);
      await tick();
    }
  }
}
