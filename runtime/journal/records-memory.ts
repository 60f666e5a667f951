/** Journal records of memory stores and the result cache. */

export type MemoryBody = never;
