/**
 * Circuit breaker: after `failureThreshold` consecutive failures the circuit opens and calls fail
 * fast for `openMs`; then one trial call is let through (half-open). Success closes it again.
 * Time comes from `now` so tests and callers can drive it.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export type CircuitBreakerOptions = {
  failureThreshold?: number;
  openMs?: number;
  now?: () => number;
  onStateChange?: (state: CircuitState) => void;
};

export class CircuitOpenError extends Error {
  readonly code = 'ERR_CIRCUIT_OPEN';
  constructor(readonly retryAt: number) {
    super('circuit open');
  }
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private current: CircuitState = 'closed';
  private trialInFlight = false;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: CircuitBreakerOptions = {}) {
    this.threshold = opts.failureThreshold ?? 5;
    this.openMs = opts.openMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.openMs) this.set('half-open');
    return this.current;
  }

  /** When a call would next be allowed (now when closed). */
  get retryAt(): number {
    return this.current === 'open' ? this.openedAt + this.openMs : this.now();
  }

  /** True when a call may go ahead now; in half-open only one trial at a time. */
  canPass(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'half-open' && !this.trialInFlight) return true;
    return false;
  }

  /** Runs `fn` through the breaker; throws CircuitOpenError without calling it when open. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.canPass()) throw new CircuitOpenError(this.retryAt);
    const trial = this.current === 'half-open';
    if (trial) this.trialInFlight = true;
    try {
      const result = await fn();
      this.success();
      return result;
    } catch (error) {
      this.failure();
      throw error;
    } finally {
      if (trial) this.trialInFlight = false;
    }
  }

  success(): void {
    this.failures = 0;
    if (this.current !== 'closed') this.set('closed');
  }

  failure(): void {
    this.failures++;
    if (this.current === 'half-open' || this.failures >= this.threshold) {
      this.openedAt = this.now();
      this.set('open');
    }
  }

  private set(state: CircuitState): void {
    if (state === this.current) return;
    this.current = state;
    this.opts.onStateChange?.(state);
  }
}
