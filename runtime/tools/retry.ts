/**
 * Retries with exponential backoff and full jitter: before retry n (n = 1, 2, ...) wait
 * `random() * min(maxMs, baseMs * 2^(n-1))`, but never less than the `retryAfterMs` a BatonError
 * carries (a server's Retry-After), itself capped at `maxMs * 3`. Only retryable errors are retried
 * (by default `BatonError.retryable`); an abort during a wait throws `cancelled`.
 */
import { BatonError } from '../errors';

export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  retries?: number;
  baseMs?: number;
  maxMs?: number;
  random?: () => number;
  signal?: AbortSignal;
  isRetryable?: (e: unknown) => boolean;
  /** Called before each wait: the attempt about to run (1 = first retry), the delay and the error. */
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function cancelled(): BatonError {
  return new BatonError('cancelled', 'cancelled while waiting to retry');
}

/** Waits `ms`; rejects with `cancelled` as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const onAbort = () => { clearTimeout(timer); reject(cancelled()); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const defaultRetryable = (e: unknown): boolean => e instanceof BatonError && e.retryable;

/** The wait before retry number `attempt` (1-based) after `error`. */
export function backoffDelay(attempt: number, error: unknown, opts: Pick<RetryOptions, 'baseMs' | 'maxMs' | 'random'> = {}): number {
  const baseMs = opts.baseMs ?? 200;
  const maxMs = opts.maxMs ?? 10_000;
  const random = opts.random ?? Math.random;
  let delay = random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  const after = error instanceof BatonError ? error.options.retryAfterMs : undefined;
  if (after !== undefined && after > 0) delay = Math.max(delay, Math.min(after, maxMs * 3));
  return Math.round(delay);
}

/** Runs `fn(attempt)` (attempt 0 first), retrying retryable failures. Throws the last error. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const retries = Math.max(0, opts.retries ?? 3);
  const isRetryable = opts.isRetryable ?? defaultRetryable;
  const sleep = opts.sleep ?? abortableSleep;
  const { signal } = opts;
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw cancelled();
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= retries || !isRetryable(e) || signal?.aborted) throw e;
      const delay = backoffDelay(attempt + 1, e, opts);
      opts.onRetry?.(attempt + 1, delay, e);
      try {
        await sleep(delay, signal);
      } catch (err) {
        if (signal?.aborted) throw cancelled();
        throw err;
      }
      if (signal?.aborted) throw cancelled();
    }
  }
}
