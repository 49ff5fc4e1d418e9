import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, createBus, InProcessBus } from '@mi/bus';
import { sleep, startNatsServer, waitFor } from '@mi/bus/testing';
import { makeEvent, streams } from '@mi/contracts';
import { createLogger, createMetrics, createTracing, formatTraceparent, newTrace } from '@mi/telemetry';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './dispatcher.ts';
import { WebhookRegistry } from './registry.ts';
import { SecretBox } from './secret-box.ts';
import { startReceiver } from './testing/receiver.ts';

/** Small backoff so retries take milliseconds. */
const fast: Partial<WebhookDispatcherOptions> = {
  backoffBaseMs: 10,
  backoffMaxMs: 50,
  timeoutMs: 2_000,
  ackWaitMs: 2_000,
};
const logger = createLogger({ service: 'webhooks-test', level: 'silent' });
const producer = { service: 'test', version: '0' };
const quiet = () => {};

type Harness = { connect(): Promise<Bus>; stop(): Promise<void> };
const buses: { name: string; start(): Promise<Harness> }[] = [
  {
    name: 'inprocess',
    start: async () => ({ connect: async () => new InProcessBus({ onError: quiet }), stop: async () => {} }),
  },
  {
    name: 'nats',
    start: async () => {
      const server = await startNatsServer();
      return {
        connect: () => createBus({ natsUrl: server.url, name: 'webhooks-test', onError: quiet }),
        stop: () => server.stop(),
      };
    },
  },
];

let secrets: SecretBox;
beforeAll(async () => {
  secrets = await SecretBox.fromMasterKey('webhook test master key');
});

let counter = 0;
/** Fresh names per test: the NATS server (and its KV buckets) is shared by the whole suite. */
const unique = (prefix: string) => `${prefix}${++counter}${Math.random().toString(36).slice(2, 6)}`;

type Sent = { id: string; body: string; room: string | undefined };

/** Appends an event as producers do: the envelope as JSON on its subject, msgId = event id. */
async function emit(
  bus: Bus,
  type: string,
  opts: { tenant: string; room?: string; job?: string; traceparent?: string; envelopeType?: string },
): Promise<Sent> {
  const [domain, kind] = type.split('.');
  const ctx = {
    tenant: opts.tenant,
    correlationId: 'corr-1',
    producer,
    ...(opts.room ? { room: opts.room } : {}),
    ...(opts.job ? { job: opts.job } : {}),
  };
  const event = makeEvent(opts.envelopeType ?? type, 1, { n: counter }, ctx, unique('evt-'));
  const body = JSON.stringify(event);
  await bus.append(`v1.${domain}.${opts.room ?? opts.job}.${kind}`, new TextEncoder().encode(body), {
    msgId: event.id,
    headers: opts.traceparent ? { traceparent: opts.traceparent } : {},
  });
  return { id: event.id, body, room: opts.room };
}

/** A counter's or gauge's value for one label set. */
async function value(
  metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(quiet);
});

/** Registry and a started dispatcher on `bus` (EVENTS stream ensured); `make` builds another on the same durable. */
async function setup(bus: Bus, options: Partial<WebhookDispatcherOptions> = {}, durable = unique('wh')) {
  await bus.ensureStream({ ...streams.EVENTS, subjects: [...streams.EVENTS.subjects] });
  const registry = await WebhookRegistry.open({ bus, secrets });
  cleanups.push(() => registry.close());
  const metrics = createMetrics({ defaultMetrics: false });
  const tracing = createTracing({ service: 'webhooks-test', exporter: 'memory' });
  const make = () => {
    const d = new WebhookDispatcher({
      bus,
      registry,
      metrics,
      logger,
      tracer: tracing.tracer,
      options: { ...fast, ...options, durable },
    });
    cleanups.push(() => d.close());
    return d;
  };
  const dispatcher = make();
  await dispatcher.start();
  return { bus, registry, metrics, tracing, dispatcher, make, tenant: unique('tenant') };
}

async function receiver(reply?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(reply);
  cleanups.push(() => r.close());
  return r;
}

describe.each(buses)('webhook dispatcher: $name', ({ start }) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await start();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  async function connect(): Promise<Bus> {
    const bus = await harness.connect();
    cleanups.push(() => bus.close());
    return bus;
  }

  it('delivers every event once, signed and in room order, through 500s and a connection reset', async () => {
    const ctx = await setup(await connect());
    const hook = await receiver(({ index }) => (index === 1 ? 'reset' : index < 3 ? 500 : 200));
    const { secret } = await ctx.registry.create(ctx.tenant, { url: hook.url('/hook'), eventTypes: ['*'] });
    const trace = newTrace();
    const sent: Sent[] = [];
    for (let i = 0; i < 6; i++) {
      const room = i % 2 ? 'r2' : 'r1';
      sent.push(
        await emit(ctx.bus, 'transcript.final', { tenant: ctx.tenant, room, traceparent: formatTraceparent(trace) }),
      );
    }
    await waitFor(() => hook.delivered().length >= 6, { message: 'six deliveries' });
    await waitFor(() => ctx.dispatcher.stats().pendingMessages === 0, { message: 'source messages acked' });
    await sleep(50);

    const delivered = hook.delivered();
    expect(delivered.map((r) => r.id).sort()).toEqual(sent.map((s) => s.id).sort());
    for (const r of delivered) {
      const original = sent.find((s) => s.id === r.id);
      expect(r.body).toBe(original?.body);
      expect(new Webhook(secret).verify(r.body, r.headers)).toEqual(JSON.parse(r.body));
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['user-agent']).toBe('mediaintel-webhooks/1');
      expect(r.headers.traceparent).toContain(trace.traceId);
    }
    for (const room of ['r1', 'r2']) {
      const inRoom = (id: string) => sent.find((s) => s.id === id)?.room === room;
      expect(delivered.map((r) => r.id).filter(inRoom)).toEqual(sent.filter((s) => s.room === room).map((s) => s.id));
    }
    expect(hook.requests).toHaveLength(9);
    expect(await value(ctx.metrics.retries, { stage: 'webhook' })).toBe(3);
    expect(await value(ctx.metrics.webhookDeliveries, { outcome: 'ok' })).toBe(6);
    expect(await value(ctx.metrics.webhookDeliveries, { outcome: 'http_error' })).toBe(2);
    expect(await value(ctx.metrics.webhookDeliveries, { outcome: 'network_error' })).toBe(1);
    const spans = ctx.tracing.memory?.getFinishedSpans().filter((s) => s.name === 'webhook.deliver') ?? [];
    expect(spans).toHaveLength(9);
    for (const span of spans) {
      expect(span.spanContext().traceId).toBe(trace.traceId);
      expect(span.parentSpanContext?.spanId).toBe(trace.spanId);
    }
  });

  it('dead-letters after maxAttempts, lets later events through, and replays the dead letter', async () => {
    const ctx = await setup(await connect(), { maxAttempts: 3 });
    let broken = true;
    let poison = '';
    const hook = await receiver(({ id }) => {
      poison ||= id; // the first event is the one this receiver chokes on
      return broken && id === poison ? 500 : 200;
    });
    const { endpoint } = await ctx.registry.create(ctx.tenant, { url: hook.url(), eventTypes: ['transcript.final'] });
    const e1 = await emit(ctx.bus, 'transcript.final', { tenant: ctx.tenant, room: 'r1' });
    const e2 = await emit(ctx.bus, 'transcript.final', { tenant: ctx.tenant, room: 'r1' });
    const e3 = await emit(ctx.bus, 'transcript.final', { tenant: ctx.tenant, room: 'r1' });

    await waitFor(() => hook.delivered().length === 2, { message: 'later events delivered' });
    expect(hook.requests.map((r) => r.id)).toEqual([e1.id, e1.id, e1.id, e2.id, e3.id]);
    const list = () => ctx.dispatcher.listDeadLetters(endpoint.id);
    const [dead] = await list();
    expect(dead).toMatchObject({
      endpoint: endpoint.id,
      eventId: e1.id,
      eventType: 'transcript.final',
      room: 'r1',
      attempts: 3,
      lastStatus: 500,
    });
    expect(dead?.lastError).toContain('HTTP 500');
    expect(await value(ctx.metrics.deadLetters, { stage: 'webhook' })).toBe(1);
    await waitFor(() => ctx.dispatcher.stats().pendingMessages === 0, { message: 'source messages acked' });

    // Replayed while the receiver still fails: dead-lettered again, attempts add up.
    expect(await ctx.dispatcher.replayDeadLetters(endpoint.id)).toBe(1);
    await waitFor(async () => (await list())[0]?.attempts === 6, { message: 're-dead-lettered' });
    expect(await list()).toHaveLength(1);

    broken = false;
    expect(await ctx.dispatcher.replayDeadLetters(endpoint.id, [dead?.id ?? ''])).toBe(1);
    await waitFor(async () => (await list()).length === 0, { message: 'dead letter cleared' });
    const again = hook.delivered().filter((r) => r.id === e1.id);
    expect(again).toHaveLength(1);
    expect(again[0]?.body).toBe(e1.body);
    expect(await ctx.dispatcher.replayDeadLetters(endpoint.id)).toBe(0);
  });

  it('stops calling a dead receiver while its circuit is open, then resumes in order', async () => {
    const openMs = 600;
    const ctx = await setup(await connect(), {
      breakerFailureThreshold: 2,
      breakerOpenMs: openMs,
      maxAttempts: 4,
      backoffBaseMs: 1,
      backoffMaxMs: 5,
    });
    let down = true;
    const hook = await receiver(() => (down ? 503 : 200));
    const { endpoint } = await ctx.registry.create(ctx.tenant, { url: hook.url(), eventTypes: ['*'] });
    const sent: Sent[] = [];
    for (let i = 0; i < 3; i++) sent.push(await emit(ctx.bus, 'summary.update', { tenant: ctx.tenant, room: 'r1' }));

    await waitFor(() => hook.requests.length >= 2, { message: 'threshold reached' });
    const openedAt = Date.now();
    await sleep(openMs / 2);
    expect(hook.requests).toHaveLength(2);
    expect(ctx.dispatcher.endpointStats(endpoint.id)).toEqual({ breaker: 'open', inFlight: 1, queued: 2 });
    expect(await value(ctx.metrics.circuitOpen, { dependency: `webhook:${endpoint.id}` })).toBe(1);

    await waitFor(() => hook.requests.length === 3, { timeoutMs: openMs * 3, message: 'half-open trial' });
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(openMs - 100);
    down = false;
    await waitFor(() => hook.delivered().length === 3, { timeoutMs: openMs * 4, message: 'resumed' });
    expect(hook.delivered().map((r) => r.id)).toEqual(sent.map((s) => s.id));
    // Two failures, one failed trial per open window, then the successful trial and the rest.
    expect(hook.requests).toHaveLength(6);
    expect(await ctx.dispatcher.listDeadLetters(endpoint.id)).toEqual([]);
    expect(await value(ctx.metrics.circuitOpen, { dependency: `webhook:${endpoint.id}` })).toBe(0);
    expect(await value(ctx.metrics.webhookDeliveries, { outcome: 'circuit_open' })).toBeGreaterThanOrEqual(1);
  });

  it('delivers only deliverable, subscribed types of its tenant and rooms to enabled endpoints', async () => {
    const ctx = await setup(await connect());
    const hook = await receiver();
    const { tenant, registry } = ctx;
    await registry.create(tenant, { url: hook.url('/all'), eventTypes: ['*'] });
    await registry.create(tenant, { url: hook.url('/r1'), eventTypes: ['transcript.final'], rooms: ['r1'] });
    const off = await registry.create(tenant, { url: hook.url('/off'), eventTypes: ['*'] });
    await registry.setEnabled(off.endpoint.id, false);
    await registry.create(unique('other'), { url: hook.url('/other'), eventTypes: ['*'] });

    const t = { tenant };
    await emit(ctx.bus, 'action.pending', { ...t, room: 'r1' });
    await emit(ctx.bus, 'action.approved', { ...t, room: 'r1', envelopeType: 'action.pending' }); // mislabelled
    await emit(ctx.bus, 'transcript.partial', { ...t, room: 'r1' });
    const r1Final = await emit(ctx.bus, 'transcript.final', { ...t, room: 'r1' });
    const expected = [
      r1Final,
      await emit(ctx.bus, 'transcript.final', { ...t, room: 'r2' }),
      await emit(ctx.bus, 'summary.final', { ...t, room: 'r1' }),
      await emit(ctx.bus, 'action.approved', { ...t, room: 'r1' }),
      await emit(ctx.bus, 'job.progress', { ...t, job: 'j1' }),
      await emit(ctx.bus, 'room.ended', { ...t, room: 'r2' }),
    ];
    await waitFor(() => hook.delivered('/all').length >= expected.length, { message: 'all deliverable events' });
    await waitFor(() => ctx.dispatcher.stats().pendingMessages === 0, { message: 'source messages acked' });
    await sleep(50);
    expect(
      hook
        .delivered('/all')
        .map((r) => r.id)
        .sort(),
    ).toEqual(expected.map((e) => e.id).sort());
    expect(hook.delivered('/r1').map((r) => r.id)).toEqual([r1Final.id]);
    expect(hook.requests.filter((r) => r.path === '/off' || r.path === '/other')).toEqual([]);
    expect(hook.requests.some((r) => JSON.parse(r.body).type === 'action.pending')).toBe(false);
  });

  it('disables an endpoint whose receiver answers 410 Gone', async () => {
    const ctx = await setup(await connect());
    const hook = await receiver(() => 410);
    const { endpoint } = await ctx.registry.create(ctx.tenant, { url: hook.url(), eventTypes: ['*'] });
    for (let i = 0; i < 3; i++) await emit(ctx.bus, 'room.ended', { tenant: ctx.tenant, room: 'r1' });
    await waitFor(async () => (await ctx.registry.get(endpoint.id))?.enabled === false, { message: 'disabled' });
    await waitFor(() => ctx.dispatcher.stats().pendingMessages === 0, { message: 'source messages acked' });
    await emit(ctx.bus, 'room.ended', { tenant: ctx.tenant, room: 'r1' });
    await sleep(100);
    expect(hook.requests).toHaveLength(1);
    expect(await ctx.dispatcher.listDeadLetters(endpoint.id)).toEqual([]);
  });

  it('does not resend what a closed dispatcher delivered when the next one takes over', async () => {
    const ctx = await setup(await connect(), { ackWaitMs: 500, maxAttempts: 1_000, backoffBaseMs: 20 });
    // Answers the third event late, so the close below happens while that request is in flight.
    const good = await receiver(async ({ index }) => {
      if (index === 2) await sleep(200);
      return 200;
    });
    let down = true;
    const flaky = await receiver(() => (down ? 503 : 200));
    await ctx.registry.create(ctx.tenant, { url: good.url(), eventTypes: ['*'] });
    await ctx.registry.create(ctx.tenant, { url: flaky.url(), eventTypes: ['*'] });
    const sent: Sent[] = [];
    for (let i = 0; i < 3; i++) sent.push(await emit(ctx.bus, 'transcript.final', { tenant: ctx.tenant, room: 'r1' }));
    await waitFor(() => good.requests.length === 3 && flaky.requests.length > 0, { message: 'half done' });
    expect(good.delivered()).toHaveLength(2);
    expect(ctx.dispatcher.stats().pendingMessages).toBe(3);

    // Mid-flight: one request to the good receiver is unanswered, the flaky endpoint is being retried.
    await ctx.dispatcher.close();
    expect(good.delivered()).toHaveLength(3);
    down = false;
    const next = ctx.make();
    await next.start();
    await waitFor(() => flaky.delivered().length >= 3, { message: 'taken over' });
    await waitFor(() => next.stats().pendingMessages === 0, { message: 'source messages acked' });
    await sleep(100);
    expect(flaky.delivered().map((r) => r.id)).toEqual(sent.map((s) => s.id));
    expect(good.requests.map((r) => r.id)).toEqual(sent.map((s) => s.id));
  });
});

describe('webhook dispatcher: in-process bus restarted from its data directory', () => {
  it('does not resend delivered events after the process restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mi-webhooks-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const first = new InProcessBus({ dataDir: dir, onError: quiet });
    const durable = unique('wh');
    const ctx = await setup(first, { maxAttempts: 1_000, backoffBaseMs: 20 }, durable);
    const good = await receiver();
    let down = true;
    const flaky = await receiver(() => (down ? 503 : 200));
    await ctx.registry.create(ctx.tenant, { url: good.url(), eventTypes: ['*'] });
    await ctx.registry.create(ctx.tenant, { url: flaky.url(), eventTypes: ['*'] });
    const sent: Sent[] = [];
    for (let i = 0; i < 3; i++) sent.push(await emit(first, 'transcript.final', { tenant: ctx.tenant, room: 'r1' }));
    await waitFor(() => good.delivered().length === 3 && flaky.requests.length > 0, { message: 'half done' });

    await ctx.dispatcher.close();
    await ctx.registry.close();
    await first.close();
    down = false;

    const second = new InProcessBus({ dataDir: dir, onError: quiet });
    cleanups.push(() => second.close());
    const next = await setup(second, { maxAttempts: 1_000, backoffBaseMs: 20 }, durable);
    await waitFor(() => flaky.delivered().length >= 3, { message: 'delivered after restart' });
    await waitFor(() => next.dispatcher.stats().pendingMessages === 0, { message: 'source messages acked' });
    await sleep(100);
    expect(flaky.delivered().map((r) => r.id)).toEqual(sent.map((s) => s.id));
    expect(good.requests.map((r) => r.id)).toEqual(sent.map((s) => s.id));
  });
});
