import { createMetrics } from '@mi/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiCompatibleClient } from './client.ts';
import { createResilientExtractor } from './create.ts';
import { LlmExtractor } from './extractor.ts';
import { type FakeAnswer, type FakeOpenAi, startFakeOpenAi } from './fake-openai.ts';
import { ResilientExtractor } from './resilient.ts';
import type { ExtractInput, Extraction } from './types.ts';

const input: ExtractInput = {
  meetingDate: '2026-03-10',
  participants: [
    { id: 'alice', name: 'Alice Chen' },
    { id: 'carol', name: 'Carol Diaz' },
  ],
  context: [{ id: 's3', speaker: 'alice', text: 'Carol, can you take the backend endpoint for the CSV export?' }],
  segment: { id: 's4', speaker: 'carol', text: "Yeah, I'll take it. First version up for review by Friday." },
};

const llmAnswer: Extraction = {
  actionItems: [
    {
      owner: 'carol',
      task: 'build the CSV export backend endpoint',
      due: '2026-03-13',
      dueText: 'by Friday',
      confidence: 0.9,
    },
  ],
  decisions: [],
};
const rulesAnswer: Extraction = { actionItems: [], decisions: [{ text: 'from rules', confidence: 0.5 }] };

const good = (): FakeAnswer => ({ content: JSON.stringify(llmAnswer), totalTokens: 100 });

let fake: FakeOpenAi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function setup(opts: { timeoutMs?: number; failureThreshold?: number; openMs?: number; now?: () => number } = {}) {
  const metrics = createMetrics({ defaultMetrics: false });
  const timeoutMs = opts.timeoutMs ?? 2000;
  const client = new OpenAiCompatibleClient({ baseUrl: fake!.baseUrl, model: 'm', timeoutMs, metrics });
  let fallbacks = 0;
  const extractor = new ResilientExtractor({
    llm: new LlmExtractor(client),
    fallback: () => {
      fallbacks++;
      return rulesAnswer;
    },
    timeoutMs,
    failureThreshold: opts.failureThreshold ?? 3,
    openMs: opts.openMs ?? 30_000,
    metrics,
    now: opts.now,
  });
  return { extractor, metrics, fallbacksCalled: () => fallbacks };
}

async function fallbackCount(metrics: ReturnType<typeof createMetrics>, reason: string): Promise<number> {
  const m = await metrics.engineFallbacks.get();
  return m.values.find((v) => v.labels.stage === 'summarizer' && v.labels.reason === reason)?.value ?? 0;
}

async function circuitGauge(metrics: ReturnType<typeof createMetrics>): Promise<number | undefined> {
  const m = await metrics.circuitOpen.get();
  return m.values.find((v) => v.labels.dependency === 'llm')?.value;
}

describe('ResilientExtractor against a real HTTP endpoint', () => {
  it('uses a good LLM reply and sends the segment with its context', async () => {
    fake = await startFakeOpenAi(good);
    const { extractor, fallbacksCalled } = setup();
    expect(await extractor.extract(input)).toEqual({ result: llmAnswer, engine: 'llm', degraded: false });
    expect(fallbacksCalled()).toBe(0);
    const body = fake.requests[0]!.body as { messages: { role: string; content: string }[] };
    const user = JSON.parse(body.messages[1]!.content);
    expect(user).toMatchObject({
      meetingDate: '2026-03-10',
      meetingWeekday: 'Tuesday',
      newestSegment: { speaker: 'carol' },
      earlierSegments: [{ speaker: 'alice' }],
    });
  });

  it('falls back to rules on an unknown owner or a reply that is not JSON', async () => {
    const unknownOwner = { ...llmAnswer, actionItems: [{ ...llmAnswer.actionItems[0]!, owner: 'mallory' }] };
    const replies: FakeAnswer[] = [{ content: JSON.stringify(unknownOwner) }, { content: 'Here you go: {' }];
    fake = await startFakeOpenAi(() => replies.shift()!);
    const { extractor, metrics } = setup();
    for (let i = 0; i < 2; i++) {
      expect(await extractor.extract(input)).toEqual({
        result: rulesAnswer,
        engine: 'rules',
        degraded: true,
        reason: 'invalid_reply',
      });
    }
    expect(await fallbackCount(metrics, 'invalid_reply')).toBe(2);
  });

  it('answers from rules within one timeout when the endpoint never replies', async () => {
    fake = await startFakeOpenAi(() => 'hang');
    const timeoutMs = 300;
    const { extractor, metrics } = setup({ timeoutMs });
    const started = performance.now();
    const r = await extractor.extract(input);
    const elapsed = performance.now() - started;
    expect(r).toMatchObject({ engine: 'rules', degraded: true, reason: 'timeout', result: rulesAnswer });
    expect(elapsed).toBeLessThan(timeoutMs + 300);
    expect(await fallbackCount(metrics, 'timeout')).toBe(1);
  });

  it('opens the circuit after the threshold, sends nothing while open, and closes after a good trial', async () => {
    let answer: () => FakeAnswer = () => ({ status: 500, body: 'upstream down' });
    fake = await startFakeOpenAi(() => answer());
    let t = 0;
    const { extractor, metrics } = setup({ failureThreshold: 2, openMs: 1000, now: () => t });
    expect(await circuitGauge(metrics)).toBe(0);

    for (let i = 0; i < 2; i++) expect((await extractor.extract(input)).reason).toBe('http_error');
    expect(fake.requests).toHaveLength(2);
    expect(extractor.circuitState).toBe('open');
    expect(await circuitGauge(metrics)).toBe(1);

    // Open: rules answer at once and the endpoint sees nothing, right up to openMs.
    answer = good;
    for (const at of [0, 500, 999]) {
      t = at;
      expect(await extractor.extract(input)).toMatchObject({ engine: 'rules', degraded: true, reason: 'circuit_open' });
    }
    expect(fake.requests).toHaveLength(2);
    expect(await fallbackCount(metrics, 'circuit_open')).toBe(3);

    // Half-open: one trial goes through, succeeds, and the LLM is back.
    t = 1000;
    expect(await extractor.extract(input)).toEqual({ result: llmAnswer, engine: 'llm', degraded: false });
    expect(fake.requests).toHaveLength(3);
    expect(extractor.circuitState).toBe('closed');
    expect(await circuitGauge(metrics)).toBe(0);
    expect(await fallbackCount(metrics, 'http_error')).toBe(2);
  });

  it('reopens when the half-open trial fails', async () => {
    fake = await startFakeOpenAi(() => ({ status: 503, body: '' }));
    let t = 0;
    const { extractor, metrics } = setup({ failureThreshold: 1, openMs: 100, now: () => t });
    expect((await extractor.extract(input)).reason).toBe('http_error');
    t = 100;
    expect((await extractor.extract(input)).reason).toBe('http_error');
    expect(extractor.circuitState).toBe('open');
    expect(await circuitGauge(metrics)).toBe(1);
    expect((await extractor.extract(input)).reason).toBe('circuit_open');
    expect(fake.requests).toHaveLength(2);
  });
});

describe('createResilientExtractor', () => {
  const fallback = () => rulesAnswer;
  const defaults = { model: 'm', timeoutMs: 2000, breakerFailures: 3, breakerOpenMs: 30_000 };

  it('uses rules, not degraded, when no LLM is configured', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const extractor = createResilientExtractor(defaults, { fallback, metrics });
    expect(await extractor.extract(input)).toEqual({ result: rulesAnswer, engine: 'rules', degraded: false });
    expect((await metrics.engineFallbacks.get()).values).toEqual([]);
  });

  it('wires the configured endpoint, key and token metric', async () => {
    fake = await startFakeOpenAi(good);
    const metrics = createMetrics({ defaultMetrics: false });
    const extractor = createResilientExtractor(
      { ...defaults, baseUrl: fake.baseUrl, apiKey: 'k' },
      { fallback, metrics },
    );
    expect((await extractor.extract(input)).engine).toBe('llm');
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer k');
    expect((await metrics.inferenceCost.get()).values[0]?.value).toBe(100);
  });
});
