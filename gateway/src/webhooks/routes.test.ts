import { InProcessBus } from '@mi/bus';
import { waitFor } from '@mi/bus/testing';
import { makeEvent, streams } from '@mi/contracts';
import { createLogger, createMetrics, createTracing } from '@mi/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../errors.ts';
import { WebhookDispatcher } from './dispatcher.ts';
import { WebhookRegistry } from './registry.ts';
import { type WebhookAuditEntry, webhookRoutes } from './routes.ts';
import { SecretBox } from './secret-box.ts';
import { generateSecret } from './signature.ts';
import { type Receiver, startReceiver } from './testing/receiver.ts';

let bus: InProcessBus;
let registry: WebhookRegistry;
let dispatcher: WebhookDispatcher;
let app: FastifyInstance;
let hook: Receiver;
let broken = false;
const audits: WebhookAuditEntry[] = [];

beforeAll(async () => {
  bus = new InProcessBus({ onError: () => {} });
  await bus.ensureStream({ ...streams.EVENTS, subjects: [...streams.EVENTS.subjects] });
  registry = await WebhookRegistry.open({ bus, secrets: await SecretBox.fromMasterKey('routes test master key') });
  dispatcher = new WebhookDispatcher({
    bus,
    registry,
    metrics: createMetrics({ defaultMetrics: false }),
    logger: createLogger({ service: 'webhooks-test', level: 'silent' }),
    tracer: createTracing({ service: 'webhooks-test' }).tracer,
    options: { maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 10, timeoutMs: 2_000 },
  });
  await dispatcher.start();
  hook = await startReceiver(() => (broken ? 500 : 200));
  app = Fastify();
  installErrorHandler(app);
  await app.register(webhookRoutes, {
    registry,
    dispatcher,
    // Tests pick the caller by header; the gateway passes request.principal's tenant and id.
    tenantOf: (req) => String(req.headers['x-tenant'] ?? 'acme'),
    actorOf: (req) => String(req.headers['x-user'] ?? 'alice'),
    audit: async (entry) => void audits.push(entry),
  });
});

afterAll(async () => {
  await app?.close();
  await dispatcher?.close();
  await registry?.close();
  await hook?.close();
  await bus?.close();
});

async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, tenant = 'acme') {
  const res = await app.inject({
    method,
    url,
    headers: { 'x-tenant': tenant },
    ...(body !== undefined ? { payload: body as object } : {}),
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

async function create(body: object = { url: hook.url('/hook'), eventTypes: ['*'] }, tenant = 'acme') {
  const res = await call('POST', '/v1/webhooks', body, tenant);
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string; enabled: boolean };
}

describe('webhook routes', () => {
  it('returns the secret once, on create, and never in list or get', async () => {
    const given = generateSecret();
    const created = await create({
      url: hook.url('/a'),
      eventTypes: ['transcript.final'],
      rooms: ['r1'],
      secret: given,
    });
    expect(created).toMatchObject({ tenant: 'acme', url: hook.url('/a'), enabled: true, rooms: ['r1'], secret: given });
    expect(created.id).toMatch(/^wh_/);
    const generated = await create({ url: hook.url('/b'), eventTypes: ['*'], description: 'crm' });
    expect(generated.secret).toMatch(/^whsec_/);

    const list = await call('GET', '/v1/webhooks');
    expect(list.status).toBe(200);
    const ids = list.body.webhooks.map((w: { id: string }) => w.id);
    expect(ids).toEqual(expect.arrayContaining([created.id, generated.id]));
    const got = await call('GET', `/v1/webhooks/${created.id}`);
    expect(got.status).toBe(200);
    expect(got.body.stats).toEqual({ queued: 0, inFlight: 0, breaker: 'closed' });
    for (const text of [JSON.stringify(list.body), JSON.stringify(got.body)]) {
      expect(text).not.toContain('secret');
      expect(text).not.toContain(given.slice(6));
    }
    const audit = audits.find((a) => a.target.id === created.id);
    expect(audit).toMatchObject({ tenant: 'acme', actor: { kind: 'user', id: 'alice' }, action: 'webhook.create' });
    expect(JSON.stringify(audit)).not.toContain(given.slice(6));
  });

  it('rejects bad bodies with 400 ERR_SCHEMA', async () => {
    const bad = [
      { eventTypes: ['*'] },
      { url: 'ftp://example.com/hook', eventTypes: ['*'] },
      { url: 'http://example.com/hook', eventTypes: ['action.pending'] },
      { url: 'http://example.com/hook', eventTypes: [] },
      { url: 'http://example.com/hook', eventTypes: ['*'], rooms: ['not a room'] },
      { url: 'http://example.com/hook', eventTypes: ['*'], secret: 'plain-password' },
    ];
    for (const body of bad) {
      const res = await call('POST', '/v1/webhooks', body);
      expect({ body, status: res.status, code: res.body?.error?.code }).toEqual({
        body,
        status: 400,
        code: 'ERR_SCHEMA',
      });
    }
    const { id } = await create();
    expect((await call('PATCH', `/v1/webhooks/${id}`, { enabled: 'maybe' })).status).toBe(400);
    for (const ids of [[], ['not an id'], 'not a list']) {
      expect((await call('POST', `/v1/webhooks/${id}/dead-letters/replay`, { ids })).status).toBe(400);
    }
  });

  it("hides another tenant's endpoints (404)", async () => {
    const { id } = await create(undefined, 'globex');
    for (const [method, path, body] of [
      ['GET', `/v1/webhooks/${id}`],
      ['PATCH', `/v1/webhooks/${id}`, { enabled: false }],
      ['DELETE', `/v1/webhooks/${id}`],
      ['GET', `/v1/webhooks/${id}/dead-letters`],
      ['POST', `/v1/webhooks/${id}/dead-letters/replay`, {}],
    ] as const) {
      const res = await call(method, path, body);
      expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({
        method,
        path,
        status: 404,
        code: 'ERR_NOT_FOUND',
      });
    }
    const list = await call('GET', '/v1/webhooks');
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).not.toContain(id);
    expect((await registry.get(id))?.enabled).toBe(true);
  });

  it('disables, enables and deletes, with audit entries', async () => {
    const { id } = await create();
    const off = await call('PATCH', `/v1/webhooks/${id}`, { enabled: false, reason: 'maintenance' });
    expect(off).toMatchObject({ status: 200, body: { id, enabled: false } });
    expect(audits.at(-1)).toMatchObject({
      action: 'webhook.disable',
      target: { kind: 'webhook', id },
      reason: 'maintenance',
      before: { enabled: true },
      after: { enabled: false },
    });
    expect((await call('POST', `/v1/webhooks/${id}/dead-letters/replay`, {})).status).toBe(409);
    expect((await call('PATCH', `/v1/webhooks/${id}`, { enabled: true })).body.enabled).toBe(true);
    expect(audits.at(-1)?.action).toBe('webhook.enable');
    const deleted = await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}` });
    expect(deleted.statusCode).toBe(204);
    expect(audits.at(-1)).toMatchObject({ action: 'webhook.delete', before: { id } });
    expect((await call('GET', `/v1/webhooks/${id}`)).status).toBe(404);
  });

  it('lists dead letters and replays them (202 with the count)', async () => {
    const { id } = await create({ url: hook.url('/dl'), eventTypes: ['room.ended'], rooms: ['r9'] });
    broken = true;
    const event = makeEvent(
      'room.ended',
      1,
      {},
      { tenant: 'acme', correlationId: 'c', producer: { service: 't', version: '0' }, room: 'r9' },
    );
    await bus.append('v1.room.r9.ended', new TextEncoder().encode(JSON.stringify(event)), { msgId: event.id });
    const deadLetters = async () => (await call('GET', `/v1/webhooks/${id}/dead-letters`)).body.deadLetters;
    await waitFor(async () => (await deadLetters()).length === 1, { message: 'dead letter' });
    expect((await deadLetters())[0]).toMatchObject({ endpoint: id, eventId: event.id, attempts: 2, lastStatus: 500 });

    broken = false;
    const replay = await call('POST', `/v1/webhooks/${id}/dead-letters/replay`, {});
    expect(replay).toEqual({ status: 202, body: { count: 1 } });
    expect(audits.at(-1)).toMatchObject({ action: 'webhook.replay', target: { id }, after: { ids: 'all', count: 1 } });
    await waitFor(async () => (await deadLetters()).length === 0, { message: 'dead letter cleared' });
    expect(hook.delivered('/dl').map((r) => r.id)).toEqual([event.id]);
    const none = await app.inject({ method: 'POST', url: `/v1/webhooks/${id}/dead-letters/replay` });
    expect({ status: none.statusCode, body: none.json() }).toEqual({ status: 202, body: { count: 0 } });
  });
});
