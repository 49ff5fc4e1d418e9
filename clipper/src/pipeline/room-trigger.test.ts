import { deadLetterStream, InProcessBus, type StoredMessage } from '@mi/bus';
import { waitFor } from '@mi/bus/testing';
import { type JobCreate, makeEvent, type RecordingData, streams, subjects } from '@mi/contracts';
import { JobQueue, JobStore } from '@mi/jobs';
import { createLogger } from '@mi/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { RoomHighlightsTrigger, type RoomHighlightsTriggerOptions, roomJobId } from './room-trigger.ts';

const enc = new TextEncoder();
const producer = { service: 'room-trigger-test', version: '0' };
const logger = createLogger({ service: 'room-trigger-test', level: 'silent' });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: Partial<RoomHighlightsTriggerOptions> = {}) {
  const bus = new InProcessBus();
  cleanups.push(() => bus.close());
  for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
  const store = await JobStore.open(bus);
  const queue = new JobQueue({ bus, store, producer });
  const trigger = new RoomHighlightsTrigger({ bus, queue, logger, ...opts });
  await trigger.start();
  cleanups.push(() => trigger.close());
  return { bus, store, queue, trigger };
}

function ended(room: string, id: string, tenant = 't1') {
  return makeEvent(
    'room.ended',
    1,
    { room, reason: 'api' as const, by: 'u1' },
    { tenant, correlationId: `corr-${id}`, producer, room },
    id,
  );
}

/** Appended without a message id: the stream keeps both copies, as after a publisher's retry outside its window. */
const publish = (bus: InProcessBus, room: string, value: unknown) =>
  bus.append(subjects.roomEnded(room), enc.encode(typeof value === 'string' ? value : JSON.stringify(value)));

describe('RoomHighlightsTrigger', () => {
  it('submits one highlights job per room.ended event, however often it arrives', async () => {
    const { bus, store } = await setup({ highlights: 3, clip: { captions: 'burn' } });
    await publish(bus, 'standup', '{not json');
    const event = ended('standup', 'ev-1');
    await publish(bus, 'standup', event);
    await publish(bus, 'standup', event);
    // The same event id in another tenant is that tenant's meeting.
    await publish(bus, 'standup', ended('standup', 'ev-1', 't2'));
    await waitFor(async () => (await store.list('t2')).length === 1, { message: 'the t2 job' });

    const jobs = await store.list('t1');
    expect(jobs).toHaveLength(1);
    const request: JobCreate = {
      kind: 'highlights',
      source: { room: 'standup' },
      highlights: 3,
      clip: { captions: 'burn' },
    };
    expect(jobs[0]).toMatchObject({
      id: roomJobId('t1', 'ev-1'),
      request,
      correlationId: 'corr-ev-1',
      state: 'queued',
    });
    expect(jobs[0]!.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect((await store.list('t2'))[0]!.id).not.toBe(jobs[0]!.id);

    // The malformed event was termed: it sits in the dead letters, not in a retry loop.
    const dead: StoredMessage[] = [];
    const sub = await bus.replay(deadLetterStream.name, { from: { kind: 'all' }, live: false }, (m) => {
      dead.push(m);
    });
    await sub.done;
    expect(dead.map((m) => new TextDecoder().decode(m.data))).toEqual(['{not json']);
  });

  it('makes no second job when an event is redelivered after a failed attempt', async () => {
    const bus = new InProcessBus();
    cleanups.push(() => bus.close());
    for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
    const store = await JobStore.open(bus);
    const queue = new JobQueue({ bus, store, producer });
    let calls = 0;
    // The job is stored, then the answer is lost: the event comes back and is submitted again.
    const flaky = {
      submit: async (input: Parameters<JobQueue['submit']>[0]) => {
        const job = await queue.submit(input);
        if (++calls === 1) throw new Error('connection lost');
        return job;
      },
    };
    const trigger = new RoomHighlightsTrigger({ bus, queue: flaky, logger });
    await trigger.start();
    cleanups.push(() => trigger.close());
    await publish(bus, 'retro', ended('retro', 'ev-2'));
    await waitFor(() => calls === 2, { timeoutMs: 10_000, message: 'the redelivery' });
    expect(await store.list('t1')).toHaveLength(1);
  });

  it('skips a meeting whose recordings are shorter than the minimum', async () => {
    const { bus, store } = await setup({ minMeetingMs: 30_000 });
    const now = Date.now();
    const recording = (room: string, ms: number): RecordingData => ({
      room,
      participant: { id: 'alice', name: 'Alice' },
      producer: `p-${room}`,
      kind: 'audio',
      key: `rooms/${room}/a.ogg`,
      contentType: 'audio/ogg',
      codec: 'opus',
      startedAt: new Date(now - ms - 1000).toISOString(),
      endedAt: new Date(now - 1000).toISOString(),
      durationMs: ms,
      bytes: 1000,
    });
    for (const [room, ms] of [
      ['short', 10_000],
      ['long', 40_000],
    ] as const) {
      const ev = makeEvent('media.recording', 1, recording(room, ms), { tenant: 't1', correlationId: 'c', producer });
      await bus.append(subjects.recording(room, 'alice'), enc.encode(JSON.stringify(ev)));
    }
    await publish(bus, 'short', ended('short', 'ev-short'));
    await publish(bus, 'long', ended('long', 'ev-long'));
    // No recordings yet: the job decides.
    await publish(bus, 'unknown', ended('unknown', 'ev-unknown'));
    await waitFor(async () => (await store.list('t1')).length === 2, { message: 'two jobs' });
    // Events are handled in order, so the short meeting was decided before the last one.
    expect((await store.list('t1')).map((j) => (j.request as { source: { room: string } }).source.room).sort()).toEqual(
      ['long', 'unknown'],
    );
  });

  it('does nothing when disabled', async () => {
    const { bus, store } = await setup({ enabled: false });
    await publish(bus, 'standup', ended('standup', 'ev-3'));
    await new Promise((r) => setTimeout(r, 300));
    expect(await store.list('t1')).toEqual([]);
  });
});
