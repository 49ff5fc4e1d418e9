import { createServer } from 'node:net';
import { TimeoutError } from '@mi/resilience';
import { createMetrics } from '@mi/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiCompatibleClient } from './client.ts';
import { LlmHttpError, LlmInvalidReplyError, LlmNetworkError } from './errors.ts';
import { type FakeOpenAi, startFakeOpenAi } from './fake-openai.ts';

let fake: FakeOpenAi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const messages = [{ role: 'user' as const, content: 'hi' }];

async function tokensCounted(metrics: ReturnType<typeof createMetrics>): Promise<number> {
  const m = await metrics.inferenceCost.get();
  return m.values.find((v) => v.labels.engine === 'llm' && v.labels.unit === 'tokens')?.value ?? 0;
}

describe('OpenAiCompatibleClient', () => {
  it('posts the chat-completions request and returns the content, counting tokens', async () => {
    fake = await startFakeOpenAi(() => ({ content: '{"ok":true}', totalTokens: 321 }));
    const metrics = createMetrics({ defaultMetrics: false });
    const client = new OpenAiCompatibleClient({
      baseUrl: `${fake.baseUrl}/`,
      apiKey: 'sk-test',
      model: 'test-model',
      timeoutMs: 2000,
      metrics,
    });
    expect(await client.complete(messages)).toBe('{"ok":true}');
    const req = fake.requests[0]!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(req.body).toEqual({
      model: 'test-model',
      messages,
      temperature: 0,
      response_format: { type: 'json_object' },
    });
    expect(await tokensCounted(metrics)).toBe(321);
  });

  it('sends no Authorization header without a key', async () => {
    fake = await startFakeOpenAi(() => ({ content: '{}' }));
    await new OpenAiCompatibleClient({ baseUrl: fake.baseUrl, model: 'm', timeoutMs: 2000 }).complete(messages);
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('turns a non-2xx status into LlmHttpError', async () => {
    fake = await startFakeOpenAi(() => ({ status: 429, body: '{"error":"rate limited"}' }));
    const client = new OpenAiCompatibleClient({ baseUrl: fake.baseUrl, model: 'm', timeoutMs: 2000 });
    const error = await client.complete(messages).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmHttpError);
    expect((error as LlmHttpError).status).toBe(429);
  });

  it('turns a body that is not a chat completion into LlmInvalidReplyError', async () => {
    fake = await startFakeOpenAi(() => ({ status: 200, body: '<html>proxy error</html>' }));
    const client = new OpenAiCompatibleClient({ baseUrl: fake.baseUrl, model: 'm', timeoutMs: 2000 });
    await expect(client.complete(messages)).rejects.toBeInstanceOf(LlmInvalidReplyError);
    fake.answer = () => ({ status: 200, body: '{"choices":[]}' });
    await expect(client.complete(messages)).rejects.toBeInstanceOf(LlmInvalidReplyError);
  });

  it('turns a refused connection into LlmNetworkError', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((r) => probe.close(() => r()));
    const client = new OpenAiCompatibleClient({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', timeoutMs: 2000 });
    await expect(client.complete(messages)).rejects.toBeInstanceOf(LlmNetworkError);
  });

  it('gives up after its own timeout with TimeoutError', async () => {
    fake = await startFakeOpenAi(() => 'hang');
    const client = new OpenAiCompatibleClient({ baseUrl: fake.baseUrl, model: 'm', timeoutMs: 150 });
    const started = Date.now();
    await expect(client.complete(messages)).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
