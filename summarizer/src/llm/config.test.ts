import { describe, expect, it } from 'vitest';
import { llmConfigFromEnv } from './config.ts';

describe('llmConfigFromEnv', () => {
  it('leaves the LLM off and applies defaults when nothing is set', () => {
    expect(llmConfigFromEnv({})).toEqual({
      model: 'gpt-4o-mini',
      timeoutMs: 4000,
      breakerFailures: 3,
      breakerOpenMs: 30_000,
    });
  });

  it('reads every variable, converting numbers', () => {
    const config = llmConfigFromEnv({
      LLM_BASE_URL: 'http://localhost:11434/v1',
      LLM_API_KEY: 'sk-test',
      LLM_MODEL: 'llama3.1',
      LLM_TIMEOUT_MS: '2500',
      LLM_BREAKER_FAILURES: '5',
      LLM_BREAKER_OPEN_MS: '60000',
    });
    expect(config).toEqual({
      baseUrl: 'http://localhost:11434/v1',
      apiKey: 'sk-test',
      model: 'llama3.1',
      timeoutMs: 2500,
      breakerFailures: 5,
      breakerOpenMs: 60_000,
    });
  });

  it('names the variable of a bad setting', () => {
    expect(() => llmConfigFromEnv({ LLM_TIMEOUT_MS: 'soon' })).toThrow(/LLM_TIMEOUT_MS/);
    expect(() => llmConfigFromEnv({ LLM_BASE_URL: 'localhost:8080' })).toThrow(/LLM_BASE_URL/);
  });
});
