/**
 * The kernel's side of the result cache (see result-cache.ts for what is cached and where).
 * Order inside the effect pipeline — the cache never bypasses anything that decides:
 *
 *   tools:  journal lookup → kernel veto → policy gate → approval → [cache lookup] → execute → [store]
 *   models: journal lookup → [cache lookup] → token budget → provider → [store]
 *
 * A hit is journaled like the effect it answers (a tool: `CacheHit` + `ToolFinished` with
 * `cached: true`; a model: `ModelRequested` + `CacheHit` + `ReasoningComplete` with zero usage), so
 * resume, replay and fork answer it from the journal like any other effect, and it is counted in
 * `hits` (the run outcome's `cacheHits`; metrics count the `CacheHit` records). Replays never
 * consult the cache (the kernel refuses live work first).
 */
import type { Json } from '../ir/schema';
import type { Kernel, ToolCallRequest, ToolOutcome } from '../kernel/kernel';
import type { ResolvedTool } from '../kernel/tool-gate';
import type { Branch } from '../interp/host';
import type { CompletionRequest, CompletionResponse } from '../providers/provider';
import { canonicalJson } from '../tools/mcp';
import { agentRootOf, FileResultCache, modelAddress, ResultCache, toolAddress } from './result-cache';

const NO_USAGE = { inputTokens: 0, outputTokens: 0 };

export class KernelCache {
  /** Effects answered from the cache by this kernel (live hits; a resumed run counts its new ones). */
  hits = 0;
  private readonly modelRoots = new Set<string>();
  private store: ResultCache | undefined;

  constructor(private readonly k: Kernel, store?: ResultCache) {
    this.store = store;
  }

  private get cache(): ResultCache {
    return (this.store ??= new FileResultCache(this.k.o.root));
  }

  /** `with cache = true`: model calls of the agent started on this branch (and its parallel branches) are cached. */
  enableModels(agentBranch: string): void {
    this.modelRoots.add(agentBranch);
  }

  /** Text without secrets, or undefined if a registered secret occurs in it (then nothing is cached). */
  private clean(text: string): string | undefined {
    const j = this.k.o.journal;
    return !j.redact || j.redact(text) === text ? text : undefined;
  }

  /** `cache = true` on an idempotent tool without side effects and without a secret result. */
  static cacheable(tool: ResolvedTool): boolean {
    return !!tool.cache && tool.idempotent && !tool.sideEffects && !tool.secret;
  }

  private toolAddr(tool: ResolvedTool, args: { [k: string]: Json }): string | undefined {
    if (!KernelCache.cacheable(tool)) return undefined;
    const text = this.clean(canonicalJson(args));
    return text === undefined ? undefined : toolAddress(tool.cache!.definition, text);
  }

  /** After the gate allowed the call: the cached result, journaled, or undefined (a miss). */
  tool(key: string, req: ToolCallRequest, args: { [k: string]: Json }): (ToolOutcome & { ok: true }) | undefined {
    const addr = this.toolAddr(req.tool, args);
    if (!addr) return undefined;
    const e = this.cache.get(addr);
    if (!e || e.kind !== 'tool' || e.name !== req.tool.name) return undefined;
    this.hits++;
    this.k.append({ type: 'CacheHit', key, kind: 'tool', name: req.tool.name, entry: addr });
    this.k.append({ type: 'ToolFinished', key, tool: req.tool.name, ok: true, value: e.value, ms: 0, cached: true });
    return { ok: true, value: e.value, replayed: false };
  }

  /** After a live call: keep a successful result of a cacheable tool. */
  storeTool(req: ToolCallRequest, args: { [k: string]: Json }, out: ToolOutcome): void {
    if (!out.ok || out.replayed) return;
    const addr = this.toolAddr(req.tool, args);
    if (!addr || this.clean(canonicalJson(out.value)) === undefined) return;
    this.put(addr, { kind: 'tool', name: req.tool.name, value: out.value, created: new Date().toISOString() });
  }

  private modelAddr(branch: Branch, req: CompletionRequest, requestHash: () => string): string | undefined {
    if (this.modelRoots.size === 0 || !this.modelRoots.has(agentRootOf(branch.id))) return undefined;
    // The request hash is over redacted text: a request holding a secret is never cached.
    if (this.clean(canonicalJson(req.messages)) === undefined) return undefined;
    return modelAddress(this.k.o.provider.id, requestHash());
  }

  /** Before asking the provider: a cached answer, journaled, or undefined. */
  model(key: string, branch: Branch, req: CompletionRequest, requestHash: () => string): CompletionResponse | undefined {
    const addr = this.modelAddr(branch, req, requestHash);
    if (!addr) return undefined;
    const e = this.cache.get(addr);
    if (!e || e.kind !== 'model' || !e.value || typeof e.value !== 'object' || Array.isArray(e.value)) return undefined;
    const v = e.value as unknown as Omit<CompletionResponse, 'usage'>;
    if (typeof v.text !== 'string' || !Array.isArray(v.toolCalls)) return undefined;
    const resp: CompletionResponse = { text: v.text, toolCalls: v.toolCalls, usage: { ...NO_USAGE }, model: v.model, finishReason: v.finishReason };
    this.hits++;
    this.k.append({ type: 'ModelRequested', key, model: req.model, messages: req.messages.length, tools: (req.tools ?? []).map((t) => t.name), request: requestHash() });
    this.k.append({ type: 'CacheHit', key, kind: 'model', name: req.model, entry: addr });
    this.k.append({ type: 'ReasoningComplete', key, text: resp.text, toolCalls: resp.toolCalls, usage: resp.usage, model: resp.model, finishReason: resp.finishReason });
    return resp;
  }

  /** After a live model call: keep a complete answer. */
  storeModel(branch: Branch, req: CompletionRequest, resp: CompletionResponse, requestHash: () => string): void {
    if (resp.finishReason !== 'stop' && resp.finishReason !== 'tool_calls') return;
    const addr = this.modelAddr(branch, req, requestHash);
    if (!addr) return;
    const value = { text: resp.text, toolCalls: resp.toolCalls, model: resp.model, finishReason: resp.finishReason };
    if (this.clean(canonicalJson(value)) === undefined) return;
    this.put(addr, { kind: 'model', name: req.model, value: value as unknown as Json, created: new Date().toISOString() });
  }

  /** A cache that cannot be written is a note, never a failed run. */
  private put(addr: string, entry: Parameters<ResultCache['put']>[1]): void {
    try { this.cache.put(addr, entry); } catch (e) {
      this.k.emit({ kind: 'note', message: `result cache: could not store an entry (${(e as Error).message})` });
    }
  }
}
