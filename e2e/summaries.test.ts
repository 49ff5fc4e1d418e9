import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@mi/bus/testing';
import {
  type ActionApprovedData,
  type Approval,
  type Envelope,
  makeEvent,
  type SummaryFinalData,
  streams,
  subjects,
} from '@mi/contracts';
import { streamToIngest } from '@mi/media-server';
import { decodeState, proposedActionItemIds } from '@mi/summarizer';
import { planningScript } from '@mi/transcriber/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { buildMeeting, type Meeting } from './support/meeting.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';

let meeting: Meeting;
beforeAll(async () => {
  meeting = await buildMeeting({ script: planningScript, gapMs: 800 });
}, 120_000);

async function api(h: Harness, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const item = (d: { event: Envelope }) => (d.event.data as ActionApprovedData).item;
const has = (text: string, ...words: string[]) => words.every((w) => text.toLowerCase().includes(w));

describe.each(['embedded', 'distributed'] as const)('spoken meeting to action items in a webhook (%s)', (mode) => {
  let h: Harness;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    h = await startHarness(
      mode,
      { SUMMARY_END_GRACE_MS: '120000', OTEL_TRACES_EXPORTER: 'memory', WEBHOOK_BACKOFF_BASE_MS: '50' },
      { childServices: ['transcriber', 'summarizer'] },
    );
    receiver = await WebhookReceiver.start(2); // the first two deliveries fail: retries must recover
  }, 90_000);
  afterAll(async () => {
    await receiver?.close();
    await h?.stop();
  });

  it('delivers low-risk items at once, holds the high-risk one for approval, then the final summary', async () => {
    const room = `plan-${mode}`;
    const created = await api(h, 'POST', '/v1/webhooks', {
      url: receiver.url,
      eventTypes: ['action.approved', 'action.rejected', 'summary.final'],
      rooms: [room],
    });
    expect(created.status).toBe(201);
    receiver.secret = created.body.secret;

    const started = Date.now();
    const results = await Promise.all(
      (['alice', 'bob'] as const).map((who) =>
        streamToIngest({
          url: h.ingestUrl,
          hello: {
            room,
            participant: { id: who, name: who === 'alice' ? 'Alice' : 'Bob' },
            sampleRate: 16000,
            encoding: 'pcm_s16le',
            correlationId: `corr-${room}-${who}`,
          },
          pcm: meeting.tracks[who],
          realtime: true,
        }),
      ),
    );
    for (const r of results) expect(r.closeCode).toBe(1000);

    // Low-risk commitments reach the webhook, approved by the policy, each exactly once and signed.
    await waitFor(() => receiver.ofType('action.approved').length >= 3, { timeoutMs: 20_000, intervalMs: 100 });
    const byPolicy = receiver.ofType('action.approved');
    const call = byPolicy.find((d) => has(item(d).task, 'call', 'customer'));
    expect(call && item(call)).toMatchObject({ owner: 'alice' });
    expect(byPolicy.some((d) => item(d).owner === 'bob' && has(item(d).task, 'slides'))).toBe(true);
    expect(byPolicy.some((d) => item(d).owner === 'bob' && has(item(d).task, 'summary'))).toBe(true);
    expect(call!.event.correlationId).toBe(`corr-${room}-alice`);
    // Negations and questions are not tasks.
    expect(byPolicy.some((d) => has(item(d).task, 'price') || has(item(d).task, 'launch date'))).toBe(false);

    // The contract for the customer waits for a person, and nothing about it went downstream.
    let pending: Approval | undefined;
    await waitFor(
      async () => {
        const list = await api(h, 'GET', `/v1/approvals?room=${room}&status=pending`);
        pending = (list.body.approvals as Approval[]).find((a) => has(a.item.task, 'contract'));
        return pending !== undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(pending!.risk.level).toBe('high');
    expect(pending!.item.owner).toBe('bob'); // "ok i will do that" in the next turn named the owner
    expect(receiver.deliveries.some((d) => JSON.stringify(d.event).includes('contract'))).toBe(false);

    const key = { 'idempotency-key': `approve-${room}` };
    const approve = await api(h, 'POST', `/v1/approvals/${pending!.id}/approve`, { reason: 'legal ok' }, key);
    expect(approve.status).toBe(200);
    const retry = await api(h, 'POST', `/v1/approvals/${pending!.id}/approve`, { reason: 'legal ok' }, key);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    await waitFor(() => receiver.ofType('action.approved').some((d) => has(item(d).task, 'contract')), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    const contract = receiver.ofType('action.approved').find((d) => has(item(d).task, 'contract'))!;
    expect((contract.event.data as ActionApprovedData).decidedBy).toEqual({ kind: 'user', id: 'local-admin' });

    expect((await api(h, 'POST', `/v1/rooms/${room}/end`)).status).toBe(202);
    await waitFor(() => receiver.ofType('summary.final').length > 0, { timeoutMs: 10_000, intervalMs: 100 });
    const final = receiver.ofType('summary.final').at(-1)!.event.data as SummaryFinalData;
    expect(final.actionItems.length).toBe(receiver.ofType('action.approved').length);
    expect(final.pendingApproval).toBe(0);
    expect(final.decisions.some((d) => has(d.text, 'launch', 'march'))).toBe(true);
    expect(final.summary.length).toBeGreaterThan(0);

    // Every delivery verified, and each event id arrived once although the receiver failed twice.
    expect(receiver.requests).toBe(receiver.deliveries.length + 2);
    expect(receiver.deliveries.every((d) => d.verified)).toBe(true);
    const ids = receiver.deliveries.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);

    if (mode === 'embedded') {
      // One trace from alice's audio ingest to the webhook delivery of her action item.
      const spans = h.system.tracing.memory!.getFinishedSpans();
      const ingest = spans.find((s) => s.name === 'ingest.stream' && s.attributes['mi.participant'] === 'alice');
      const traceId = ingest!.spanContext().traceId;
      const inTrace = new Set(spans.filter((s) => s.spanContext().traceId === traceId).map((s) => s.name));
      expect([...inTrace].sort()).toEqual(
        expect.arrayContaining(['asr.utterance', 'ingest.stream', 'summarizer.segment', 'webhook.deliver']),
      );
    }
    const latency = byPolicy.map((d) => d.at - started);
    console.log(`[${mode}] action items delivered at ${latency.map((ms) => `${(ms / 1000).toFixed(1)}s`).join(', ')}`);
  }, 180_000);
});

describe('summarizer killed mid-meeting (distributed)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      'distributed',
      { SUMMARIZER_ACK_WAIT_MS: '2000' },
      { childServices: ['summarizer'], inProcess: 'gateway' },
    );
  }, 60_000);
  afterAll(() => h?.stop());

  it('loses no action item and duplicates none', async () => {
    const dir = join(import.meta.dirname, '../summarizer/fixtures/meetings');
    const names = ['m01-sprint-planning', 'm06-budget-review', 'm11-partner-onboarding'];
    const meetings = names.map(
      (n) =>
        JSON.parse(readFileSync(join(dir, `${n}.json`), 'utf8')) as {
          meetingDate: string;
          participants: { id: string; name: string }[];
          segments: { id: string; speaker: string; text: string }[];
        },
    );
    const bus = h.system.bus;
    const producer = { service: 'test', version: '0' };
    const total = meetings.reduce((a, m) => a + m.segments.length, 0);
    let sent = 0;
    const summarizer = h.children.summarizer!;
    for (let i = 0; ; i++) {
      const batch = meetings.flatMap((m, k) => (m.segments[i] ? [{ m, k, s: m.segments[i]! }] : []));
      if (batch.length === 0) break;
      for (const { m, k, s } of batch) {
        const room = `crash-${k}`;
        const speaker = m.participants.find((p) => p.id === s.speaker)!;
        const ev = makeEvent(
          'transcript.final',
          1,
          {
            segmentId: s.id,
            stream: `st-${k}-${speaker.id}`,
            room,
            speaker,
            start: i * 4000,
            end: i * 4000 + 3000,
            startedAt: new Date(Date.parse(`${m.meetingDate}T10:00:00Z`) + i * 4000).toISOString(),
            text: s.text,
            words: [],
            confidence: 0.9,
            engine: { name: 'test', version: '0', model: 'none' },
          },
          { tenant: 'default', correlationId: `corr-${room}`, producer, room },
          `final:${room}:${s.id}`,
        );
        await bus.append(subjects.transcriptFinal(room), Buffer.from(JSON.stringify(ev)), { msgId: ev.id });
        sent++;
      }
      // Kill it hard while it is working through a backlog of the first half, then bring a new one up.
      if (sent >= total / 2 && sent - batch.length < total / 2) {
        summarizer.kill('SIGKILL');
        const kv = await bus.kv('summarizer_rooms');
        let processed = 0;
        for (const key of await kv.keys()) processed += decodeState((await kv.get(key))!.value).segments.length;
        expect(processed).toBeLessThan(sent); // it really died mid-work
        await new Promise((r) => setTimeout(r, 300));
        await summarizer.start();
      }
      if (sent >= total / 2) await new Promise((r) => setTimeout(r, 30));
    }
    for (let k = 0; k < meetings.length; k++) {
      const room = `crash-${k}`;
      const expected = proposedActionItemIds(
        { meetingDate: meetings[k]!.meetingDate, participants: meetings[k]!.participants },
        meetings[k]!.segments,
        { asTheySpeak: true },
      );
      const ids = async () => {
        const out: string[] = [];
        for (const subject of [subjects.actionApproved(room), subjects.actionPending(room)]) {
          const sub = await bus.replay(
            streams.EVENTS.name,
            { filterSubject: subject, from: { kind: 'all' }, live: false },
            (msg) => {
              out.push(
                (JSON.parse(Buffer.from(msg.data).toString('utf8')) as { data: { item: { id: string } } }).data.item.id,
              );
            },
          );
          await sub.done;
          await sub.unsubscribe();
        }
        return out;
      };
      await waitFor(async () => (await ids()).length >= expected.length, { timeoutMs: 30_000, intervalMs: 250 });
      const got = await ids();
      expect(got.sort()).toEqual([...expected].sort());
    }
    const restarted = summarizer.logs().some((l) => l.msg === 'summarizer started');
    expect(restarted).toBe(true);
  }, 120_000);
});
