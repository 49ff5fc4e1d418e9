import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Bus, createBus, InProcessBus } from '@mi/bus';
import { startNatsServer, waitFor } from '@mi/bus/testing';
import { type Envelope, makeEvent, streams, subjects, type TranscriptFinalData } from '@mi/contracts';
import { ApprovalStore } from '@mi/governance';
import { createLogger, createMetrics, createTracing } from '@mi/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSummarizerService } from './create.ts';
import { proposedActionItemIds } from './replay.ts';
import type { SummarizerService } from './service.ts';

type Fixture = {
  meetingDate: string;
  participants: { id: string; name: string }[];
  segments: { id: string; speaker: string; text: string }[];
};
const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/meetings/m09-vendor-negotiation.json'), 'utf8'),
) as Fixture;
const producer = { service: 'test', version: '0' };
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function finalEvent(room: string, i: number, tenant = 'acme'): Envelope<'transcript.final', TranscriptFinalData> {
  const s = fixture.segments[i]!;
  const speaker = fixture.participants.find((p) => p.id === s.speaker)!;
  const startedAt = new Date(Date.parse(`${fixture.meetingDate}T15:00:00Z`) + i * 5000).toISOString();
  return makeEvent(
    'transcript.final',
    1,
    {
      segmentId: s.id,
      stream: `st-${speaker.id}`,
      room,
      speaker,
      start: i * 5000,
      end: i * 5000 + 4000,
      startedAt,
      text: s.text,
      words: [],
      confidence: 0.9,
      engine: { name: 'test', version: '0', model: 'none' },
    },
    { tenant, correlationId: `corr-${room}`, producer, room },
    `final:${room}:${s.id}`,
  );
}

async function stored(bus: Bus, filterSubject: string): Promise<Envelope[]> {
  const out: Envelope[] = [];
  const sub = await bus.replay(streams.EVENTS.name, { filterSubject, from: { kind: 'all' }, live: false }, (m) => {
    out.push(JSON.parse(new TextDecoder().decode(m.data)));
  });
  await sub.done;
  await sub.unsubscribe();
  return out;
}

const nats = await startNatsServer();
afterAll(() => nats.stop());

describe.each([
  ['in-process', async (): Promise<Bus> => new InProcessBus()],
  ['nats', (): Promise<Bus> => createBus({ natsUrl: nats.url })],
])('summarizer service (%s bus)', (_name, makeBus) => {
  let bus: Bus;
  let service: SummarizerService;
  const metrics = createMetrics({ defaultMetrics: false });
  const tracing = createTracing({ service: 'test', exporter: 'memory' });

  beforeAll(async () => {
    bus = await makeBus();
    for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
    service = await createSummarizerService({
      bus,
      config: { endGraceMs: 300, maxBullets: 8, concurrency: 16, ackWaitMs: 5000 },
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics,
      tracer: tracing.tracer,
      service: { name: 'summarizer', version: '0' },
    });
    await service.start();
  });
  afterAll(async () => {
    await service.close();
    await bus.close();
  });

  it('turns a meeting into gated action items, summary diffs and a final summary, each exactly once', async () => {
    const room = `vendor-${Math.random().toString(36).slice(2, 7)}`;
    const expected = proposedActionItemIds(
      { meetingDate: fixture.meetingDate, participants: fixture.participants },
      fixture.segments,
      { asTheySpeak: true }, // no join events in this test: people are known once they speak
    );
    expect(expected.length).toBeGreaterThan(2);
    for (let i = 0; i < fixture.segments.length; i++) {
      const ev = finalEvent(room, i);
      await bus.append(subjects.transcriptFinal(room), enc(ev), {
        msgId: ev.id,
        headers: { traceparent: '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01' },
      });
    }
    // A duplicate delivery of an already-processed segment (different message id) changes nothing.
    const dup = { ...finalEvent(room, 3), id: 'another-id' };
    await bus.append(subjects.transcriptFinal(room), enc(dup), { msgId: dup.id });
    await waitFor(async () => (await service.room('acme', room))?.segments.length === fixture.segments.length, {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const ended = makeEvent(
      'room.ended',
      1,
      { room, reason: 'api' as const },
      { tenant: 'acme', correlationId: 'c', producer, room },
    );
    await bus.append(subjects.roomEnded(room), enc(ended), { msgId: ended.id });
    await waitFor(async () => (await stored(bus, subjects.summaryFinal(room))).length === 1, {
      timeoutMs: 10_000,
      intervalMs: 100,
    });

    const approved = await stored(bus, subjects.actionApproved(room));
    const pending = await stored(bus, subjects.actionPending(room));
    const ids = [...approved, ...pending].map((e) => (e.data as { item: { id: string } }).item.id);
    expect(new Set(ids).size).toBe(ids.length); // each item once
    expect(ids.sort()).toEqual([...expected].sort()); // nothing lost
    // Money and contract terms went to a person; the rest was approved by the policy.
    expect(pending.length).toBeGreaterThan(0);
    for (const e of approved) expect((e.data as { decidedBy: { kind: string } }).decidedBy.kind).toBe('policy');
    const approvals = await ApprovalStore.open(bus);
    expect((await approvals.list('acme', { room, status: 'pending' })).length).toBe(pending.length);

    const updates = await stored(bus, subjects.summaryUpdate(room));
    expect(updates.map((u) => (u.data as { revision: number }).revision)).toEqual(updates.map((_, i) => i + 1));
    const final = (await stored(bus, subjects.summaryFinal(room)))[0]!.data as {
      actionItems: { id: string }[];
      pendingApproval: number;
      summary: unknown[];
      segments: number;
    };
    expect(final.actionItems.map((a) => a.id).sort()).toEqual(
      approved.map((e) => (e.data as { item: { id: string } }).item.id).sort(),
    );
    expect(final.pendingApproval).toBe(pending.length);
    expect(final.segments).toBe(fixture.segments.length);
    expect(final.summary.length).toBeGreaterThan(0);
    // The summarizer's spans continue the trace the transcript carried.
    const span = tracing.memory!.getFinishedSpans().find((s) => s.name === 'summarizer.segment');
    expect(span?.spanContext().traceId).toBe('0123456789abcdef0123456789abcdef');
    // A person approves a pending item: the summary gains it and, as the meeting is over, a new final follows.
    const first = pending[0]!.data as { approvalId: string; item: { id: string } };
    const { after } = await approvals.decide('acme', first.approvalId, {
      kind: 'approve',
      by: { kind: 'user', id: 'op' },
      reason: 'ok',
    });
    const decided = makeEvent(
      'action.approved',
      1,
      {
        room,
        approvalId: after.id,
        item: after.item,
        risk: after.risk,
        decidedBy: { kind: 'user' as const, id: 'op' },
        reason: 'ok',
        edited: false,
      },
      { tenant: 'acme', correlationId: 'c', producer, room },
      `${after.id}.approved`,
    );
    await bus.append(subjects.actionApproved(room), enc(decided), { msgId: decided.id });
    await waitFor(async () => (await stored(bus, subjects.summaryFinal(room))).length === 2, {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    const last = (await stored(bus, subjects.summaryUpdate(room))).at(-1)!.data as {
      causedBy: string[];
      actionItems: { added: { id: string }[] };
    };
    expect(last.causedBy).toEqual([]);
    expect(last.actionItems.added.map((a) => a.id)).toEqual([first.item.id]);
  });

  it('ends the meeting by itself when every stream has ended, and dead-letters malformed events', async () => {
    const room = `auto-${Math.random().toString(36).slice(2, 7)}`;
    const lifecycle = (state: 'started' | 'ended') =>
      makeEvent(
        'media.stream',
        1,
        {
          stream: 'st-1',
          room,
          participant: { id: 'david', name: 'David' },
          state,
          source: 'ws' as const,
          input: { sampleRate: 16000, channels: 1, encoding: 'pcm_s16le' },
          streamStartedAt: new Date().toISOString(),
        },
        { tenant: 'acme', correlationId: 'c', producer, room },
      );
    await bus.append(subjects.streamLifecycle(room, 'david'), enc(lifecycle('started')), {});
    await bus.append(subjects.transcriptFinal(room), Buffer.from('{not json'), {});
    const ev = finalEvent(room, 15);
    await bus.append(subjects.transcriptFinal(room), enc(ev), { msgId: ev.id });
    await bus.append(subjects.streamLifecycle(room, 'david'), enc(lifecycle('ended')), {});
    await waitFor(async () => (await stored(bus, subjects.summaryFinal(room))).length === 1, {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    const ends = await stored(bus, subjects.roomEnded(room));
    expect(ends.map((e) => (e.data as { reason: string }).reason)).toEqual(['streams-ended']);
  });
});
