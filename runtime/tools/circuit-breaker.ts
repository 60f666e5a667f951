/**
 * A circuit breaker per tool (or MCP server): stop calling something that keeps failing, then
 * probe it carefully.
 *
 * closed ──(failureThreshold consecutive failures)──► open ──(recoveryMs)──► half-open
 * half-open lets at most `halfOpenTrials` calls through: when that many succeed → closed; any
 * failure → open again (the recovery timer restarts). A success while closed resets the count.
 * The clock is injectable (`now`) so the state machine is testable without waiting.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  failureThreshold?: number;
  recoveryMs?: number;
  halfOpenTrials?: number;
  now?: () => number;
  onChange?(state: BreakerState): void;
}

export type BreakerCheck = { ok: true } | { ok: false; retryInMs: number };

export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly recoveryMs: number;
  private readonly halfOpenTrials: number;
  private readonly now: () => number;
  private readonly onChange?: (state: BreakerState) => void;
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialsStarted = 0;
  private trialsSucceeded = 0;

  constructor(opts: CircuitBreakerOptions = {}) {
    this.failureThreshold = Math.max(1, opts.failureThreshold ?? 5);
    this.recoveryMs = Math.max(0, opts.recoveryMs ?? 30_000);
    this.halfOpenTrials = Math.max(1, opts.halfOpenTrials ?? 2);
    this.now = opts.now ?? Date.now;
    if (opts.onChange) this.onChange = opts.onChange;
  }

  /** The state now (an open breaker whose recovery time has passed reads as half-open). */
  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.recoveryMs) this.enter('half-open');
    return this.current;
  }

  /** Consecutive failures counted while closed. */
  get consecutiveFailures(): number { return this.failures; }

  /** May a call go through now? In half-open, each `ok` answer uses up one trial. */
  check(): BreakerCheck {
    const state = this.state;
    if (state === 'closed') return { ok: true };
    if (state === 'open') return { ok: false, retryInMs: Math.max(0, this.openedAt + this.recoveryMs - this.now()) };
    if (this.trialsStarted < this.halfOpenTrials) {
      this.trialsStarted++;
      return { ok: true };
    }
    // All trials are in flight: their outcome decides; ask again shortly.
    return { ok: false, retryInMs: Math.min(this.recoveryMs, 1000) };
  }

  success(): void {
    const state = this.state;
    if (state === 'closed') {
      this.failures = 0;
    } else if (state === 'half-open') {
      this.trialsSucceeded++;
      if (this.trialsSucceeded >= this.halfOpenTrials) this.enter('closed');
    }
    // A late success while open (a call started before the breaker opened) changes nothing.
  }

  failure(): void {
    const state = this.state;
    if (state === 'closed') {
      this.failures++;
      if (this.failures >= this.failureThreshold) this.enter('open');
    } else if (state === 'half-open') {
      this.enter('open');
    }
    // A late failure while open changes nothing (the timer is not extended).
  }

  private enter(state: BreakerState): void {
    if (state === 'open') this.openedAt = this.now();
    if (state === 'half-open') { this.trialsStarted = 0; this.trialsSucceeded = 0; }
    if (state === 'closed') this.failures = 0;
    if (state === this.current) return;
    this.current = state;
    try { this.onChange?.(state); } catch { /* a listener must not break the breaker */ }
  }
}
