import { InProcessBus } from '@mi/bus';
import { waitFor } from '@mi/bus/testing';
import { type Envelope, makeEvent, type SummaryUpdateData, streams, subjects } from '@mi/contracts';
import { createLogger, createMetrics, createTracing } from '@mi/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSummarizerService } from './create.ts';
import { type FakeAnswer, type FakeOpenAi, startFakeOpenAi } from './llm/fake-openai.ts';
import type { SummarizerService } from './service.ts';

const producer = { service: 'test', version: '0' };
const alice = { id: 'alice', name: 'Alice' };
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('summarizer with an LLM endpoint', () => {
  let bus: InProcessBus;
  let llm: FakeOpenAi;
  let service: SummarizerService;
  let mode: 'good' | 'hang' = 'good';
  const metrics = createMetrics({ defaultMetrics: false });

  beforeAll(async () => {
    llm = await startFakeOpenAi((): FakeAnswer => {
      if (mode === 'hang') return 'hang';
      const reply = {
        actionItems: [{ owner: 'alice', task: 'book the venue', due: null, dueText: null, confidence: 0.9 }],
        decisions: [],
      };
      return { content: JSON.stringify(reply), totalTokens: 42 };
    });
    bus = new InProcessBus();
    for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
    service = await createSummarizerService({
      bus,
      config: { endGraceMs: 60_000, maxBullets: 8, concurrency: 4, ackWaitMs: 5000 },
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics,
      tracer: createTracing({ service: 'test' }).tracer,
      service: { name: 'summarizer', version: '0' },
      env: { LLM_BASE_URL: llm.baseUrl, LLM_TIMEOUT_MS: '300', LLM_BREAKER_FAILURES: '3' },
    });
    await service.start();
  });
  afterAll(async () => {
    await service.close();
    await bus.close();
    await llm.close();
  });

  async function say(room: string, id: string, text: string): Promise<number> {
    const ev = makeEvent(
      'transcript.final',
      1,
      {
        segmentId: id,
        stream: 'st-a',
        room,
        speaker: alice,
        start: 0,
        end: 2000,
        startedAt: '2026-11-27T10:00:00.000Z',
        text,
        words: [],
        confidence: 0.9,
        engine: { name: 'test', version: '0', model: 'none' },
      },
      { tenant: 'acme', correlationId: 'c', producer, room },
      `final:${room}:${id}`,
    );
    const t0 = Date.now();
    await bus.append(subjects.transcriptFinal(room), enc(ev), { msgId: ev.id });
    return t0;
  }

  async function updates(room: string): Promise<(SummaryUpdateData & { at: number })[]> {
    const out: (SummaryUpdateData & { at: number })[] = [];
    const sub = await bus.replay(
      streams.EVENTS.name,
      { filterSubject: subjects.summaryUpdate(room), from: { kind: 'all' }, live: false },
      (m) =>
        void out.push({
          ...(JSON.parse(new TextDecoder().decode(m.data)) as Envelope<string, SummaryUpdateData>).data,
          at: m.time.getTime(),
        }),
    );
    await sub.done;
    return out;
  }

  it('uses the LLM answer when it comes in time', async () => {
    await say('llm-ok', 's1', 'alice will sort out the venue');
    await waitFor(async () => (await updates('llm-ok')).length > 0, { timeoutMs: 5000, intervalMs: 50 });
    const [u] = await updates('llm-ok');
    expect(u).toMatchObject({ engine: 'llm', degraded: false });
    expect(u!.actionItems.added.map((a) => [a.task, a.engine])).toEqual([['book the venue', 'llm']]);
    expect(await metrics.registry.getSingleMetricAsString('mi_inference_cost_total')).toMatch(
      /engine="llm",unit="tokens"} 42/,
    );
  });

  it('falls back to rules within one timeout when the LLM hangs, marked degraded', async () => {
    mode = 'hang';
    const t0 = await say('llm-down', 's1', 'i will send the agenda to everyone tomorrow');
    await waitFor(async () => (await updates('llm-down')).length > 0, { timeoutMs: 5000, intervalMs: 20 });
    const [u] = await updates('llm-down');
    expect(u!.at - t0).toBeLessThan(300 + 400);
    expect(u).toMatchObject({ engine: 'rules', degraded: true });
    expect(u!.actionItems.added[0]).toMatchObject({ owner: 'alice', engine: 'rules' });
    expect(await metrics.registry.getSingleMetricAsString('mi_engine_fallbacks_total')).toMatch(/reason="timeout"} 1/);
  });
});
