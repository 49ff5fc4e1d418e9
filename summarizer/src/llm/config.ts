import { configFromEnv } from '@mi/contracts';
import { type Static, Type } from '@sinclair/typebox';

export const LlmConfigSchema = Type.Object({
  /** OpenAI-compatible API root (".../v1"); unset: no LLM, the rules engine answers alone. */
  baseUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  apiKey: Type.Optional(Type.String()),
  model: Type.String({ minLength: 1, default: 'gpt-4o-mini' }),
  /** Per segment; after this the rules engine answers, so live summaries never wait long. */
  timeoutMs: Type.Integer({ minimum: 1, default: 4000 }),
  /** Consecutive failures that open the circuit. */
  breakerFailures: Type.Integer({ minimum: 1, default: 3 }),
  /** How long an open circuit skips the LLM before one trial call. */
  breakerOpenMs: Type.Integer({ minimum: 0, default: 30_000 }),
});
export type LlmConfig = Static<typeof LlmConfigSchema>;

export function llmConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LlmConfig {
  return configFromEnv(
    LlmConfigSchema,
    {
      baseUrl: 'LLM_BASE_URL',
      apiKey: 'LLM_API_KEY',
      model: 'LLM_MODEL',
      timeoutMs: 'LLM_TIMEOUT_MS',
      breakerFailures: 'LLM_BREAKER_FAILURES',
      breakerOpenMs: 'LLM_BREAKER_OPEN_MS',
    },
    env,
  );
}
