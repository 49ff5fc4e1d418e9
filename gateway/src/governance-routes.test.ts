import { type Bus, InProcessBus } from '@mi/bus';
import { type Approval, type Envelope, makeEvent, streams, subjects } from '@mi/contracts';
import { ApprovalStore, AuditLog } from '@mi/governance';
import { createLogger, createMetrics } from '@mi/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from './app.ts';
import { parseApiKeys } from './auth.ts';

const producer = { service: 'test', version: '0' };
const keys = {
  admin: 'admin-token-0123456789',
  operator: 'operator-token-0123456789',
  viewer: 'viewer-token-0123456789',
  otherTenant: 'other-tenant-token-0123456789',
};

let bus: Bus;
let app: FastifyInstance;
let base: string;
let approvals: ApprovalStore;

function approval(id: string, tenant = 'acme'): Approval {
  return {
    id,
    tenant,
    room: 'r1',
    status: 'pending',
    item: {
      id: id.split('.')[1]!,
      owner: 'bob',
      ownerName: 'Bob',
      task: 'send the signed contract to jane@partner.com',
      due: '2026-12-04',
      dueText: 'by friday',
      confidence: 0.9,
      sourceSegments: ['s1'],
      engine: 'rules',
    },
    risk: { level: 'high', reasons: [{ rule: 'legal', reason: 'touches contract terms' }], policyVersion: 'p1' },
    createdAt: new Date().toISOString(),
    correlationId: 'corr-1',
  };
}

async function call(method: string, path: string, token: string | undefined, body?: unknown, headers = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function stored(subject: string): Promise<Envelope[]> {
  const out: Envelope[] = [];
  const sub = await bus.replay(
    streams.EVENTS.name,
    { filterSubject: subject, from: { kind: 'all' }, live: false },
    (m) => {
      out.push(JSON.parse(Buffer.from(m.data).toString('utf8')));
    },
  );
  await sub.done;
  await sub.unsubscribe();
  return out;
}

beforeAll(async () => {
  bus = new InProcessBus();
  for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
  approvals = await ApprovalStore.open(bus);
  const metrics = createMetrics({ defaultMetrics: false });
  app = await createGateway({
    bus,
    logger: createLogger({ service: 'gw', level: 'silent' }),
    metrics,
    approvals,
    audit: new AuditLog(bus, producer),
    registries: [metrics.registry],
    checks: [],
    apiKeys: parseApiKeys(
      `root:admin:acme:${keys.admin},op:operator:acme:${keys.operator},ro:viewer:acme:${keys.viewer},x:operator:globex:${keys.otherTenant}`,
    ),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(async () => {
  await app.close();
  await bus.close();
});

describe('auth', () => {
  it('rejects missing and wrong keys, keeps health public, enforces roles', async () => {
    expect((await call('GET', '/v1/approvals', undefined)).status).toBe(401);
    expect((await call('GET', '/v1/approvals', 'not-a-key-at-all-xxxxx')).body.error.code).toBe('ERR_UNAUTHORIZED');
    expect((await call('GET', '/healthz', undefined)).status).toBe(200);
    expect((await call('GET', '/v1/approvals', keys.viewer)).status).toBe(200);
    await approvals.request(approval('r1.ai-roles'));
    const denied = await call('POST', '/v1/approvals/r1.ai-roles/approve', keys.viewer, {});
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('ERR_FORBIDDEN');
    expect((await call('GET', '/v1/audit', keys.operator)).status).toBe(403);
  });

  it('refuses malformed API_KEYS', () => {
    expect(() => parseApiKeys('a:superuser:t:0123456789abcdef')).toThrow(/role/);
    expect(() => parseApiKeys('a:admin:t:short')).toThrow(/16/);
    expect(parseApiKeys('')).toEqual([]);
  });
});

describe('approvals', () => {
  it('approve with edits publishes action.approved, audits who/why, and a second decision conflicts', async () => {
    await approvals.request(approval('r1.ai-1'));
    const listed = await call('GET', '/v1/approvals?room=r1&status=pending', keys.operator);
    expect(listed.body.approvals.map((a: Approval) => a.id)).toContain('r1.ai-1');
    // Another tenant cannot see or decide it.
    expect((await call('GET', '/v1/approvals/r1.ai-1', keys.otherTenant)).status).toBe(404);
    expect((await call('POST', '/v1/approvals/r1.ai-1/reject', keys.otherTenant, { reason: 'x' })).status).toBe(404);

    const res = await call('POST', '/v1/approvals/r1.ai-1/approve', keys.operator, {
      reason: 'legal reviewed it',
      edits: { due: '2026-12-07' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'approved',
      decidedBy: { kind: 'user', id: 'op' },
      item: { due: '2026-12-07' },
    });
    const events = await stored(subjects.actionApproved('r1'));
    const ev = events.find((e) => e.id === 'r1.ai-1.approved');
    expect(ev?.data).toMatchObject({
      decidedBy: { kind: 'user', id: 'op' },
      edited: true,
      reason: 'legal reviewed it',
    });
    expect(ev?.correlationId).toBe('corr-1');

    const again = await call('POST', '/v1/approvals/r1.ai-1/reject', keys.operator, { reason: 'changed my mind' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ERR_CONFLICT');

    const audit = await call('GET', '/v1/audit?target=r1.ai-1', keys.admin);
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0].data).toMatchObject({
      actor: { kind: 'user', id: 'op' },
      action: 'approval.approve',
      reason: 'legal reviewed it',
      before: { status: 'pending', item: { due: '2026-12-04' } },
      after: { status: 'approved', item: { due: '2026-12-07' } },
    });
  });

  it('reject requires a reason and publishes action.rejected', async () => {
    await approvals.request(approval('r1.ai-2'));
    expect((await call('POST', '/v1/approvals/r1.ai-2/reject', keys.operator, {})).status).toBe(400);
    const res = await call('POST', '/v1/approvals/r1.ai-2/reject', keys.operator, { reason: 'not our call' });
    expect(res.body.status).toBe('rejected');
    expect((await stored(subjects.actionRejected('r1'))).map((e) => e.id)).toContain('r1.ai-2.rejected');
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for a retry, refuses a different body, and scopes keys per tenant', async () => {
    await approvals.request(approval('r1.ai-3'));
    const h = { 'idempotency-key': 'approve-ai-3' };
    const first = await call('POST', '/v1/approvals/r1.ai-3/approve', keys.operator, { reason: 'ok' }, h);
    expect(first.status).toBe(200);
    const retry = await call('POST', '/v1/approvals/r1.ai-3/approve', keys.operator, { reason: 'ok' }, h);
    expect(retry.status).toBe(200); // not 409: the retry gets the first answer
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    const mismatch = await call('POST', '/v1/approvals/r1.ai-3/approve', keys.operator, { reason: 'other' }, h);
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error.code).toBe('ERR_IDEMPOTENCY_MISMATCH');
    // Exactly one audit entry and one event for the approval.
    expect((await call('GET', '/v1/audit?target=r1.ai-3', keys.admin)).body.entries).toHaveLength(1);
    expect((await stored(subjects.actionApproved('r1'))).filter((e) => e.id === 'r1.ai-3.approved')).toHaveLength(1);

    const end1 = await call('POST', '/v1/rooms/r9/end', keys.operator, undefined, { 'idempotency-key': 'end-r9' });
    const end2 = await call('POST', '/v1/rooms/r9/end', keys.operator, undefined, { 'idempotency-key': 'end-r9' });
    expect(end1.status).toBe(202);
    expect(end2.body).toEqual(end1.body);
    expect(await stored(subjects.roomEnded('r9'))).toHaveLength(1);
    // The same key from another tenant is a different request.
    const other = await call('POST', '/v1/rooms/r9/end', keys.otherTenant, undefined, { 'idempotency-key': 'end-r9' });
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(await stored(subjects.roomEnded('r9'))).toHaveLength(2);
  });
});

describe('summary', () => {
  it('folds summary.update diffs, then serves the final summary', async () => {
    const ctx = { tenant: 'acme', correlationId: 'c', producer, room: 'rs' };
    const bullet = (id: string, text: string) => ({ id, text, sourceSegments: ['s1'] });
    const update = (revision: number, bullets: object) =>
      makeEvent(
        'summary.update',
        1,
        {
          room: 'rs',
          revision,
          causedBy: ['s1'],
          bullets,
          decisions: { added: [], updated: [], removed: [] },
          actionItems: { added: [], updated: [], removed: [] },
          engine: 'rules',
          degraded: false,
        },
        ctx,
        `rs.summary.${revision}`,
      );
    const put = (subject: string, e: { id: string }) =>
      bus.append(subject, Buffer.from(JSON.stringify(e)), { msgId: e.id });
    expect((await call('GET', '/v1/rooms/rs/summary', keys.viewer)).status).toBe(404);
    await put(
      subjects.summaryUpdate('rs'),
      update(1, { added: [bullet('b1', 'one'), bullet('b2', 'two')], updated: [], removed: [] }),
    );
    await put(subjects.summaryUpdate('rs'), update(2, { added: [], updated: [bullet('b1', 'one!')], removed: ['b2'] }));
    const rolling = await call('GET', '/v1/rooms/rs/summary', keys.viewer);
    expect(rolling.body).toMatchObject({ revision: 2, final: false, summary: [{ id: 'b1', text: 'one!' }] });
    expect(rolling.body.summary).toHaveLength(1);
    const final = makeEvent(
      'summary.final',
      1,
      {
        room: 'rs',
        revision: 2,
        meetingDate: '2026-11-27',
        participants: [],
        segments: 1,
        summary: [bullet('b1', 'one!')],
        decisions: [],
        actionItems: [],
        pendingApproval: 1,
        engine: 'rules',
      },
      ctx,
      'rs.final.1',
    );
    await put(subjects.summaryFinal('rs'), final);
    expect((await call('GET', '/v1/rooms/rs/summary', keys.viewer)).body).toMatchObject({
      final: true,
      pendingApproval: 1,
    });
  });
});
