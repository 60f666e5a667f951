/**
 * Journal records of memory stores and the result cache.
 *
 * - `CacheHit`: an effect answered from the content-addressed cache under `.baton/cache/`. For a
 *   tool it sits before the `ToolFinished` (`cached: true`) of the same key; for a model call,
 *   between `ModelRequested` and the `ReasoningComplete` (usage zero: no tokens were spent).
 *   `entry` is the cache entry's sha256 (the file `.baton/cache/<entry[0..2]>/<entry>.json`).
 * - `MemoryNotice`: something a memory operation did besides its result that a user must see:
 *   records dropped by `retention` (`dropped` ids), or a ranking setting that cannot be honoured
 *   (`vector_weight` without a vector index → keyword-only ranking). Written during the tool call
 *   of the memory operation (key = that call's key).
 */

export type MemoryBody =
  | { type: 'CacheHit'; key: string; kind: 'tool' | 'model'; name: string; entry: string }
  | { type: 'MemoryNotice'; key: string; store: string; notice: 'retention' | 'vector-unavailable'; message: string; dropped?: string[] };
