import { CircuitBreaker, type CircuitState } from '@mi/resilience';

/**
 * One endpoint's circuit breaker, shared by all its queues. While the circuit is open, calls wait
 * here instead of failing: waiting is not an attempt, so a dead receiver costs neither requests
 * nor retries, and its queues resume in order once a trial call gets through.
 */
export class EndpointGate {
  private readonly breaker: CircuitBreaker;
  private readonly waiters = new Set<() => void>();

  constructor(opts: { failureThreshold: number; openMs: number; onStateChange?: (state: CircuitState) => void }) {
    this.breaker = new CircuitBreaker({
      failureThreshold: opts.failureThreshold,
      openMs: opts.openMs,
      ...(opts.onStateChange ? { onStateChange: opts.onStateChange } : {}),
    });
  }

  get state(): CircuitState {
    return this.breaker.state;
  }

  /**
   * Runs `call` once the breaker lets it through; `isFailure` says which results count against the
   * receiver. `onBlocked` is told (once) when the call had to wait. Rejects when `signal` aborts.
   */
  async run<T>(
    call: () => Promise<T>,
    isFailure: (result: T) => boolean,
    signal: AbortSignal,
    onBlocked?: () => void,
  ): Promise<T> {
    let blocked = false;
    for (;;) {
      signal.throwIfAborted();
      // canPass and run in one synchronous step: no other queue can take the half-open trial in between.
      if (this.breaker.canPass()) {
        try {
          return await this.breaker.run(async () => {
            const result = await call();
            if (isFailure(result)) throw new FailedResult(result);
            return result;
          });
        } catch (error) {
          if (error instanceof FailedResult) return error.result as T;
          throw error;
        } finally {
          this.wakeAll();
        }
      }
      if (!blocked) onBlocked?.();
      blocked = true;
      await this.waitForChange(signal);
    }
  }

  /** Until the open window ends or a call (the half-open trial) finishes. */
  private waitForChange(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wait = Math.max(0, this.breaker.retryAt - Date.now());
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        signal.removeEventListener('abort', onAbort);
      };
      const wake = () => {
        cleanup();
        resolve();
      };
      const onAbort = () => {
        cleanup();
        reject(signal.reason);
      };
      // A half-open trial in flight has retryAt = now: only its end can let the next call through.
      const timer = wait > 0 ? setTimeout(wake, wait + 1) : undefined;
      this.waiters.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

class FailedResult {
  constructor(readonly result: unknown) {}
}
