import type { Metrics } from '@mi/telemetry';
import { OpenAiCompatibleClient } from './client.ts';
import type { LlmConfig } from './config.ts';
import { LlmExtractor } from './extractor.ts';
import { ResilientExtractor } from './resilient.ts';
import type { ExtractInput, Extraction } from './types.ts';

/** Wires the configured endpoint (if any) in front of the rules fallback. */
export function createResilientExtractor(
  config: LlmConfig,
  deps: {
    fallback: (input: ExtractInput) => Extraction | Promise<Extraction>;
    metrics?: Pick<Metrics, 'engineFallbacks' | 'circuitOpen' | 'inferenceCost'>;
    fetch?: typeof fetch;
  },
): ResilientExtractor {
  const llm = config.baseUrl
    ? new LlmExtractor(
        new OpenAiCompatibleClient({
          baseUrl: config.baseUrl,
          model: config.model,
          timeoutMs: config.timeoutMs,
          apiKey: config.apiKey,
          fetch: deps.fetch,
          metrics: deps.metrics,
        }),
      )
    : undefined;
  return new ResilientExtractor({
    llm,
    fallback: deps.fallback,
    timeoutMs: config.timeoutMs,
    failureThreshold: config.breakerFailures,
    openMs: config.breakerOpenMs,
    metrics: deps.metrics,
  });
}
