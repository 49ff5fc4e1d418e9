import { type Bus, createBus, InProcessBus } from '@mi/bus';
import { startNatsServer, waitFor } from '@mi/bus/testing';
import { webhookEventTypes } from '@mi/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deliverableTypeOfSubject } from './match.ts';
import { WebhookRegistry } from './registry.ts';
import { SecretBox } from './secret-box.ts';

type Harness = { connect(): Promise<Bus>; stop(): Promise<void> };
const buses: { name: string; start(): Promise<Harness> }[] = [
  {
    name: 'inprocess',
    start: async () => {
      // One bus shared by the "gateways" of a test, as in the embedded mode.
      let bus: InProcessBus | undefined;
      return {
        connect: async () => (bus ??= new InProcessBus({ onError: () => {} })),
        stop: async () => bus?.close(),
      };
    },
  },
  {
    name: 'nats',
    start: async () => {
      const server = await startNatsServer();
      return { connect: () => createBus({ natsUrl: server.url, onError: () => {} }), stop: () => server.stop() };
    },
  },
];

let secrets: SecretBox;
beforeAll(async () => {
  secrets = await SecretBox.fromMasterKey('registry test master key');
});

let counter = 0;
const tenantName = () => `tenant${++counter}${Math.random().toString(36).slice(2, 6)}`;

describe('deliverableTypeOfSubject', () => {
  it('reads deliverable types off subjects and nothing else', () => {
    expect(deliverableTypeOfSubject('v1.transcript.r1.final')).toBe('transcript.final');
    expect(deliverableTypeOfSubject('v1.job.j-1.progress')).toBe('job.progress');
    expect(deliverableTypeOfSubject('v1.action.r1.approved')).toBe('action.approved');
    for (const s of [
      'v1.action.r1.pending',
      'v1.transcript.r1.partial',
      'v1.speech.r1.final',
      'v1.media.r1.p1.stream',
    ]) {
      expect(deliverableTypeOfSubject(s)).toBeUndefined();
    }
  });
});

describe.each(buses)('webhook registry: $name', ({ start }) => {
  let harness: Harness;
  const opened: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    harness = await start();
  });
  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) await o.close();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  async function open(): Promise<{ bus: Bus; registry: WebhookRegistry }> {
    const bus = await harness.connect();
    const registry = await WebhookRegistry.open({ bus, secrets });
    if (bus.kind === 'nats') opened.push(bus);
    opened.push(registry);
    return { bus, registry };
  }

  it('stores the secret sealed and returns it only from create', async () => {
    const { bus, registry } = await open();
    const tenant = tenantName();
    const { endpoint, secret } = await registry.create(tenant, {
      url: 'https://example.com/hook',
      eventTypes: ['summary.final', 'summary.final'],
      description: 'crm',
    });
    expect(secret).toMatch(/^whsec_/);
    expect(endpoint).toMatchObject({ tenant, enabled: true, eventTypes: ['summary.final'], description: 'crm' });
    expect(JSON.stringify(endpoint)).not.toContain(secret.slice(6));
    const raw = await (await bus.kv('webhooks')).get(endpoint.id);
    expect(new TextDecoder().decode(raw?.value)).not.toContain(secret.slice(6));
    expect(registry.secretOf(endpoint.id)).toBe(secret);
    expect(await registry.get(endpoint.id)).toEqual(endpoint);
    expect(await registry.get(endpoint.id, 'someone-else')).toBeNull();
    expect(await registry.list(tenant)).toEqual([endpoint]);
    expect(await registry.list(tenantName())).toEqual([]);
  });

  it('matches by tenant, type, room and enabled, never an undeliverable type', async () => {
    const { registry } = await open();
    const tenant = tenantName();
    const make = (input: { eventTypes: ('*' | (typeof webhookEventTypes)[number])[]; rooms?: string[] }) =>
      registry.create(tenant, { url: 'http://127.0.0.1:1/hook', ...input }).then((r) => r.endpoint.id);
    const all = await make({ eventTypes: ['*'] });
    const finals = await make({ eventTypes: ['transcript.final'] });
    const r1 = await make({ eventTypes: ['*'], rooms: ['r1'] });
    const off = await make({ eventTypes: ['*'] });
    await registry.setEnabled(off, false);
    const ids = (type: string, room?: string, t = tenant) =>
      registry
        .endpointsFor({ type, tenant: t, room })
        .map((e) => e.id)
        .sort();

    expect(ids('transcript.final', 'r1')).toEqual([all, finals, r1].sort());
    expect(ids('transcript.final', 'r2')).toEqual([all, finals].sort());
    expect(ids('room.ended', 'r1')).toEqual([all, r1].sort());
    expect(ids('job.progress')).toEqual([all]);
    expect(ids('transcript.final', 'r1', tenantName())).toEqual([]);
    for (const type of ['action.pending', 'transcript.partial', 'speech.start', '*']) {
      expect(ids(type, 'r1')).toEqual([]);
    }
    for (const type of webhookEventTypes) expect(ids(type, 'r1')).toContain(all);
  });

  it('keeps every instance in step through the KV watch', async () => {
    const a = await open();
    const tenant = tenantName();
    const { endpoint } = await a.registry.create(tenant, { url: 'https://example.com/a', eventTypes: ['*'] });
    // Opened after: loads what exists. Opened before the next change: follows it.
    const b = await open();
    expect(b.registry.endpointsFor({ type: 'room.ended', tenant }).map((e) => e.id)).toEqual([endpoint.id]);
    const second = await a.registry.create(tenant, { url: 'https://example.com/b', eventTypes: ['room.ended'] });
    await waitFor(() => b.registry.endpointsFor({ type: 'room.ended', tenant }).length === 2, { message: 'create' });
    expect(b.registry.secretOf(second.endpoint.id)).toBe(second.secret);

    expect((await a.registry.setEnabled(endpoint.id, false))?.enabled).toBe(false);
    await waitFor(() => b.registry.cached(endpoint.id)?.enabled === false, { message: 'disable' });
    await a.registry.delete(second.endpoint.id);
    await waitFor(() => b.registry.cached(second.endpoint.id) === undefined, { message: 'delete' });
    expect(b.registry.endpointsFor({ type: 'room.ended', tenant })).toEqual([]);
    expect(await b.registry.setEnabled(second.endpoint.id, true)).toBeNull();
  });

  it('refuses secrets that are not 24-64 bytes of base64', async () => {
    const { registry } = await open();
    const create = (secret: string) =>
      registry.create(tenantName(), { url: 'https://example.com/x', eventTypes: ['*'], secret });
    await expect(create(`whsec_${Buffer.alloc(16).toString('base64')}`)).rejects.toThrow(/24-64 bytes/);
    await expect(create(`whsec_${Buffer.alloc(65).toString('base64')}`)).rejects.toThrow(/24-64 bytes/);
    await expect(create(`whsec_${Buffer.alloc(32, 7).toString('base64')}`)).resolves.toBeDefined();
  });
});
