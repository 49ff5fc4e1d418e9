import { CircuitBreaker, CircuitOpenError, type CircuitState, TimeoutError, withTimeout } from '@mi/resilience';
import type { Metrics } from '@mi/telemetry';
import { LlmHttpError, LlmInvalidReplyError } from './errors.ts';
import type { ExtractInput, Extraction } from './types.ts';

export type FallbackReason = 'timeout' | 'circuit_open' | 'http_error' | 'invalid_reply' | 'network_error';

export type ResilientResult = {
  result: Extraction;
  engine: 'llm' | 'rules';
  /** True when the LLM is configured but rules answered instead. */
  degraded: boolean;
  reason?: FallbackReason;
};

export interface SegmentExtractor {
  extract(input: ExtractInput, signal?: AbortSignal): Promise<Extraction>;
}

export type ResilientExtractorOptions = {
  /** Undefined when no LLM is configured: rules answer, and that is not a degradation. */
  llm: SegmentExtractor | undefined;
  /** The offline engine; must not fail. */
  fallback: (input: ExtractInput) => Extraction | Promise<Extraction>;
  timeoutMs: number;
  failureThreshold: number;
  openMs: number;
  metrics?: Pick<Metrics, 'engineFallbacks' | 'circuitOpen'>;
  now?: () => number;
};

function reasonOf(error: unknown): FallbackReason {
  if (error instanceof TimeoutError) return 'timeout';
  if (error instanceof CircuitOpenError) return 'circuit_open';
  if (error instanceof LlmHttpError) return 'http_error';
  if (error instanceof LlmInvalidReplyError) return 'invalid_reply';
  return 'network_error';
}

/**
 * Prefers the LLM, but a live summary never waits on it: each call is capped at `timeoutMs`, and
 * after `failureThreshold` failures in a row the circuit opens and rules answer at once for
 * `openMs` (no requests sent), then one trial call decides whether to close it again.
 * Bad replies count as failures too: a model that keeps answering garbage only adds latency and cost.
 */
export class ResilientExtractor {
  private readonly breaker: CircuitBreaker;

  constructor(private readonly opts: ResilientExtractorOptions) {
    const gauge = opts.metrics?.circuitOpen;
    this.breaker = new CircuitBreaker({
      failureThreshold: opts.failureThreshold,
      openMs: opts.openMs,
      now: opts.now,
      onStateChange: (state) => gauge?.set({ dependency: 'llm' }, state === 'closed' ? 0 : 1),
    });
    if (opts.llm) gauge?.set({ dependency: 'llm' }, 0);
  }

  /** For health pages. */
  get circuitState(): CircuitState {
    return this.breaker.state;
  }

  async extract(input: ExtractInput): Promise<ResilientResult> {
    const llm = this.opts.llm;
    if (!llm) return { result: await this.opts.fallback(input), engine: 'rules', degraded: false };
    try {
      const result = await this.breaker.run(() =>
        withTimeout(this.opts.timeoutMs, (signal) => llm.extract(input, signal)),
      );
      return { result, engine: 'llm', degraded: false };
    } catch (error) {
      const reason = reasonOf(error);
      this.opts.metrics?.engineFallbacks.inc({ stage: 'summarizer', reason });
      return { result: await this.opts.fallback(input), engine: 'rules', degraded: true, reason };
    }
  }
}
