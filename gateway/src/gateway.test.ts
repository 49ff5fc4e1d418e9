import { type Bus, InProcessBus } from '@mi/bus';
import { makeEvent, streams, subjects } from '@mi/contracts';
import { ApprovalStore, AuditLog } from '@mi/governance';
import { createLogger, createMetrics } from '@mi/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createGateway } from './app.ts';

let bus: Bus;
let app: FastifyInstance;
let base: string;
let ready = true;
const ctx = { tenant: 't1', correlationId: 'c1', producer: { service: 'test', version: '0' }, room: 'r1' };
const speaker = { id: 'alice', name: 'Alice' };

function final(n: number, start: number) {
  const segmentId = `st1:${start}`;
  return makeEvent(
    'transcript.final',
    1,
    {
      segmentId,
      stream: 'st1',
      room: 'r1',
      speaker,
      start,
      end: start + 900,
      startedAt: new Date(Date.UTC(2026, 0, 1) + start).toISOString(),
      text: `sentence number ${n}`,
      words: [],
      confidence: 0.8,
      engine: { name: 'pocketsphinx', version: 'x', model: 'en-us' },
    },
    ctx,
    `final:${segmentId}`,
  );
}
const speech = (at: number) =>
  makeEvent(
    'speech.state',
    1,
    { stream: 'st1', room: 'r1', participant: speaker, state: 'speech', at, probability: 0.9 },
    ctx,
  );

async function put(ev: { id: string }, subject: string) {
  await bus.append(subject, Buffer.from(JSON.stringify(ev)), { msgId: ev.id });
}

/** Reads SSE events until `count` arrived; returns them with ids. */
async function readSse(url: string, count: number, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  const events: { id: string; event: string; data: { id: string; type: string } }[] = [];
  let buf = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += Buffer.from(value).toString();
    let cut = buf.indexOf('\n\n');
    while (cut >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const f = Object.fromEntries(
        block
          .split('\n')
          .filter((l) => !l.startsWith(':') && l.includes(': '))
          .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
      );
      if (f.data) events.push({ id: f.id!, event: f.event!, data: JSON.parse(f.data) });
      cut = buf.indexOf('\n\n');
    }
  }
  ac.abort();
  return events;
}

beforeAll(async () => {
  bus = new InProcessBus();
  for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.stageLatency.observe({ stage: 'asr_final' }, 0.12);
  app = await createGateway({
    bus,
    logger: createLogger({ service: 'gw', level: 'silent' }),
    metrics,
    approvals: await ApprovalStore.open(bus),
    audit: new AuditLog(bus, { service: 'test', version: '0' }),
    registries: [metrics.registry],
    checks: [{ name: 'asr', check: () => ready }],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  await put(final(1, 1000), subjects.transcriptFinal('r1'));
  await put(speech(2000), subjects.speech('r1', 'alice'));
  await put(final(2, 3000), subjects.transcriptFinal('r1'));
  await put(final(1, 1000), subjects.transcriptFinal('r1')); // a re-processed duplicate
  await put(final(9, 0), subjects.transcriptFinal('other'));
});
afterAll(async () => {
  await app.close();
  await bus.close();
});

describe('gateway', () => {
  it('serves health, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    ready = false;
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ checks: { asr: false } });
    ready = true;
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(
      /mi_stage_latency_seconds_count\{stage="asr_final"\} 1/,
    );
  });

  it('lists a room transcript once per segment, in order, in every format', async () => {
    const json = (await (await fetch(`${base}/v1/rooms/r1/transcript`)).json()) as {
      segments: { data: { text: string } }[];
    };
    expect(json.segments.map((s) => s.data.text)).toEqual(['sentence number 1', 'sentence number 2']);
    const srt = await (await fetch(`${base}/v1/rooms/r1/transcript?format=srt`)).text();
    expect(srt).toContain('1\n00:00:01,000 --> 00:00:01,900\nsentence number 1');
    const text = await (await fetch(`${base}/v1/rooms/r1/transcript?format=text`)).text();
    expect(text).toBe('sentence number 1\nsentence number 2\n');
  });

  it('answers bad input with catalogue error codes', async () => {
    const bad = await fetch(`${base}/v1/rooms/bad.room/transcript`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('ERR_SCHEMA');
    const fmt = await fetch(`${base}/v1/rooms/r1/transcript?format=doc`);
    expect(fmt.status).toBe(400);
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('ERR_NOT_FOUND');
    expect((await fetch(`${base}/v1/rooms/r1/events?after=x-y`)).status).toBe(400);
  });

  it('streams room events over SSE without duplicates and resumes after Last-Event-ID', async () => {
    const first = await readSse(`${base}/v1/rooms/r1/events`, 3);
    expect(first.map((e) => e.event).sort()).toEqual(['speech.state', 'transcript.final', 'transcript.final']);
    const lastFinal = first.filter((e) => e.event === 'transcript.final')[0]!;
    // Resume after the first final: the second final and later events only.
    const resumed = readSse(`${base}/v1/rooms/r1/events?types=transcript.final`, 2, { 'last-event-id': lastFinal.id });
    await new Promise((r) => setTimeout(r, 100));
    await put(final(3, 5000), subjects.transcriptFinal('r1'));
    const got = await resumed;
    expect(got.map((e) => e.data.id)).toEqual(['final:st1:3000', 'final:st1:5000']);
  });

  it('streams room events over WebSocket from now on', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/rooms/r1/ws?from=now`);
    const got: { event: { id: string } }[] = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.once('open', r));
    await new Promise((r) => setTimeout(r, 100));
    await put(final(4, 7000), subjects.transcriptFinal('r1'));
    const until = Date.now() + 3000;
    while (got.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    ws.close();
    expect(got.map((m) => m.event.id)).toEqual(['final:st1:7000']);
  });
});
