import { type Bus, createBus, InProcessBus } from '@mi/bus';
import { startNatsServer, waitFor } from '@mi/bus/testing';
import { type Envelope, type Job, type JobProgressData, type JobResult, streams } from '@mi/contracts';
import { createLogger } from '@mi/telemetry';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { JobQueue } from './job-queue.ts';
import { type JobHandler, JobRunner } from './job-runner.ts';
import { JobStore } from './job-store.ts';

const producer = { service: 'test', version: '0' };
const logger = createLogger({ service: 'jobs-test', level: 'silent' });
const result: JobResult = { source: 'uploads/t/x.mp4', edl: [], clips: [] };
const request = { kind: 'highlights', source: { upload: 'u1' } } as const;
const dec = new TextDecoder();

const nats = await startNatsServer();
afterAll(() => nats.stop());
const impls: [string, () => Promise<Bus>][] = [
  ['in-process', async () => new InProcessBus()],
  ['nats', () => createBus({ natsUrl: nats.url })],
];

describe.each(impls)('jobs on the %s bus', (_name, makeBus) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(handler: JobHandler, opts: { ackWaitMs?: number; maxAttempts?: number; bus?: Bus } = {}) {
    const bus = opts.bus ?? (await makeBus());
    if (!opts.bus) {
      for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
      cleanups.push(() => bus.close());
    }
    const store = await JobStore.open(bus);
    const queue = new JobQueue({ bus, store, producer });
    const runner = new JobRunner({
      bus,
      store,
      producer,
      handlers: { highlights: handler },
      logger,
      ackWaitMs: opts.ackWaitMs ?? 5000,
      maxAttempts: opts.maxAttempts ?? 3,
      retryDelayMs: 50,
      cancelPollMs: 50,
    });
    await runner.start();
    cleanups.push(() => runner.close());
    return { bus, store, queue, runner };
  }

  /** Every job.progress event of a job so far. */
  async function progressOf(bus: Bus, job: string): Promise<JobProgressData[]> {
    const out: JobProgressData[] = [];
    const sub = await bus.replay(
      streams.EVENTS.name,
      { filterSubject: `v1.job.${job}.progress`, from: { kind: 'all' }, live: false },
      (m) => void out.push((JSON.parse(dec.decode(m.data)) as Envelope<'job.progress', JobProgressData>).data),
    );
    await sub.done;
    return out;
  }

  const finished = async (store: JobStore, id: string, timeout = 15_000): Promise<Job> => {
    let job: Job | null = null;
    await waitFor(
      async () => {
        job = await store.get('t1', id);
        return job !== null && ['succeeded', 'failed', 'cancelled'].includes(job.state);
      },
      { timeoutMs: timeout },
    );
    return job as unknown as Job;
  };

  it('runs a job with progress events and stores its result', async () => {
    const { bus, store, queue } = await setup(async (ctx) => {
      for (let p = 0; p <= 100; p += 25) {
        ctx.progress(p < 50 ? 'transcribe' : 'clips', p);
        await new Promise((r) => setTimeout(r, 30));
      }
      return result;
    });
    await queue.submit({ tenant: 't1', id: 'j1', request, correlationId: 'c1' });
    const job = await finished(store, 'j1');
    expect(job).toMatchObject({ state: 'succeeded', percent: 100, attempts: 1, result });
    const events = await progressOf(bus, 'j1');
    expect(events[0]).toMatchObject({ state: 'queued', kind: 'highlights' });
    expect(events.map((e) => e.stage)).toEqual(expect.arrayContaining(['transcribe', 'clips']));
    expect(events.at(-1)).toMatchObject({ state: 'succeeded', percent: 100 });
  });

  it('submitting the same job twice runs it once', async () => {
    let runs = 0;
    const { store, queue } = await setup(async () => {
      runs++;
      return result;
    });
    const a = await queue.submit({ tenant: 't1', id: 'j2', request, correlationId: 'c1' });
    const b = await queue.submit({ tenant: 't1', id: 'j2', request, correlationId: 'c2' });
    expect(b.correlationId).toBe(a.correlationId);
    await finished(store, 'j2');
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toBe(1);
  });

  it('retries a failing attempt and succeeds; permanent errors fail at once', async () => {
    const { store, queue, bus } = await setup(async (ctx) => {
      if (ctx.job.id === 'bad') throw Object.assign(new Error('not media'), { code: 'ERR_UNSUPPORTED_MEDIA' });
      if (ctx.attempt < 2) throw new Error('flaky disk');
      return result;
    });
    await queue.submit({ tenant: 't1', id: 'j3', request, correlationId: 'c1' });
    await queue.submit({ tenant: 't1', id: 'bad', request, correlationId: 'c1' });
    expect(await finished(store, 'j3')).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(await finished(store, 'bad')).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'ERR_UNSUPPORTED_MEDIA', message: 'not media' },
    });
    const events = await progressOf(bus, 'j3');
    expect(events.some((e) => e.stage === 'retrying' && e.error?.message === 'flaky disk')).toBe(true);
  });

  it('fails for good after the last attempt and dead-letters the message', async () => {
    const { store, queue, bus } = await setup(
      async () => {
        throw new Error('always broken');
      },
      { maxAttempts: 2 },
    );
    const dead: string[] = [];
    const sub = bus.subscribe('v1.deadletter.>', (m) => void dead.push(m.subject));
    cleanups.push(() => sub.unsubscribe());
    await bus.flush?.();
    await queue.submit({ tenant: 't1', id: 'j4', request, correlationId: 'c1' });
    const job = await finished(store, 'j4');
    expect(job).toMatchObject({
      state: 'failed',
      attempts: 2,
      error: { code: 'ERR_INTERNAL', message: 'always broken' },
    });
    await waitFor(() => dead.length > 0, { timeoutMs: 5000 });
  });

  it('cancels a queued job and a running one', async () => {
    let started = false;
    const { store, queue } = await setup(async (ctx) => {
      started = true;
      while (!ctx.signal.aborted) await new Promise((r) => setTimeout(r, 20));
      throw ctx.signal.reason;
    });
    await queue.submit({ tenant: 't1', id: 'j5', request, correlationId: 'c1' });
    await waitFor(() => started, { timeoutMs: 10_000 });
    await queue.cancel('t1', 'j5');
    expect(await finished(store, 'j5')).toMatchObject({ state: 'cancelled' });
    await expect(queue.cancel('t1', 'j5')).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    await expect(queue.cancel('t1', 'nope')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('a runner shutting down mid-job hands the job to another worker, which completes it', async () => {
    const bus = await makeBus();
    for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
    cleanups.push(() => bus.close());
    let hung = 0;
    // Ignores its signal on purpose: the runner must not wait for it.
    const leaving = await setup(
      () => {
        hung++;
        return new Promise<never>(() => undefined);
      },
      { bus },
    );
    await leaving.queue.submit({ tenant: 't1', id: 'j6', request, correlationId: 'c1' });
    await waitFor(() => hung === 1, { timeoutMs: 10_000 });
    await leaving.runner.close();
    const healthy = await setup(async () => result, { bus });
    expect(await finished(healthy.store, 'j6', 20_000)).toMatchObject({ state: 'succeeded', attempts: 2 });
  });
});

describe('JobStore', () => {
  it("lists and reads only the tenant's own jobs, not those of a tenant its name prefixes", async () => {
    const bus = new InProcessBus();
    try {
      const store = await JobStore.open(bus);
      const now = new Date().toISOString();
      const job = (tenant: string, id: string): Job => ({
        id,
        tenant,
        kind: 'highlights',
        state: 'queued',
        stage: 'queued',
        percent: 0,
        attempts: 0,
        request,
        correlationId: 'c1',
        createdAt: now,
        updatedAt: now,
      });
      await store.create(job('acme', 'a1'));
      await store.create(job('acme.eu', 'e1'));
      expect((await store.list('acme')).map((j) => j.id)).toEqual(['a1']);
      expect((await store.list('acme.eu')).map((j) => j.id)).toEqual(['e1']);
      expect(await store.get('acme', 'eu.e1')).toBeNull();
    } finally {
      await bus.close();
    }
  });
});
