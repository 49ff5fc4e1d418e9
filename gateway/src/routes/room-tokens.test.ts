import { InProcessBus } from '@mi/bus';
import { type RoomTokenClaims, streams } from '@mi/contracts';
import { ApprovalStore, AuditLog } from '@mi/governance';
import { createLogger, createMetrics } from '@mi/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../app.ts';
import { parseApiKeys } from '../auth.ts';

const keys = { bot: 'bot-token-0123456789abc', viewer: 'viewer-token-0123456789', other: 'other-token-0123456789ab' };
let app: FastifyInstance;
let base: string;
let bus: InProcessBus;

// The gateway only signs; the media server verifies. Here the "signature" is the claims themselves.
const decode = (token: string) => JSON.parse(Buffer.from(token, 'base64url').toString()) as RoomTokenClaims;

beforeAll(async () => {
  bus = new InProcessBus();
  for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
  const metrics = createMetrics({ defaultMetrics: false });
  app = await createGateway({
    bus,
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics,
    approvals: await ApprovalStore.open(bus),
    audit: new AuditLog(bus, { service: 'test', version: '0' }),
    apiKeys: parseApiKeys(`b:bot:acme:${keys.bot},v:viewer:acme:${keys.viewer},o:operator:globex:${keys.other}`),
    registries: [metrics.registry],
    checks: [],
    roomTokens: {
      sign: (claims) => Buffer.from(JSON.stringify(claims)).toString('base64url'),
      defaultTtlSeconds: 600,
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await app?.close();
  await bus?.close();
});

async function token(key: string | undefined, room: string, body: unknown) {
  const res = await fetch(`${base}/v1/rooms/${room}/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('room tokens', () => {
  it('signs a short-lived token for the caller tenant, with the signaling URL', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await token(keys.bot, 'standup', { participant: { id: 'bot-1', name: 'Notes bot' }, ttlSeconds: 60 });
    expect(r.status).toBe(201);
    const claims = decode(String(r.body.token));
    expect(claims).toMatchObject({
      v: 1,
      room: 'standup',
      tenant: 'acme',
      participant: { id: 'bot-1', name: 'Notes bot' },
      publish: true,
      sub: 'b',
    });
    expect(claims.exp).toBeGreaterThanOrEqual(before + 60);
    expect(claims.exp).toBeLessThanOrEqual(before + 61);
    expect(r.body.url).toBe(
      `ws://127.0.0.1:${new URL(base).port}/v1/sfu?token=${encodeURIComponent(String(r.body.token))}`,
    );
  });

  it('makes up a participant id, scopes by tenant and gives viewers receive-only tokens', async () => {
    const v = await token(keys.viewer, 'standup', { participant: { id: 'bot-1', name: 'Watcher' } });
    expect(decode(String(v.body.token))).toMatchObject({ publish: false, tenant: 'acme', sub: 'v' });
    expect(String((v.body.participant as { id: string }).id)).toMatch(/^p-[0-9a-f]{8}$/);
    const o = await token(keys.other, 'standup', { participant: { name: 'Other' }, publish: false });
    expect(decode(String(o.body.token))).toMatchObject({ publish: false, tenant: 'globex' });
  });

  it('refuses anonymous callers and bad bodies', async () => {
    expect((await token(undefined, 'standup', { participant: { name: 'x' } })).status).toBe(401);
    expect((await token(keys.bot, 'standup', { participant: {} })).status).toBe(400);
    expect((await token(keys.bot, 'bad.room', { participant: { name: 'x' } })).status).toBe(400);
    expect((await token(keys.bot, 'standup', { participant: { name: 'x' }, ttlSeconds: 1 })).status).toBe(400);
  });

  it('serves the room page and the bundled browser client without a key', async () => {
    const page = await fetch(`${base}/room`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/sfu-client.js');
    const js = await fetch(`${base}/sfu-client.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    const code = await js.text();
    expect(code).toContain('MiSfu');
    expect(code.length).toBeGreaterThan(50_000); // mediasoup-client is in the bundle
  });
});
