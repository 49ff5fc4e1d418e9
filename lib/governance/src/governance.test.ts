import { type Bus, createBus, InProcessBus } from '@mi/bus';
import { startNatsServer } from '@mi/bus/testing';
import { AppError, type Approval, streams } from '@mi/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalStore } from './approval-store.ts';
import { AuditLog } from './audit-log.ts';

const producer = { service: 'test', version: '0' };

function approval(tenant: string, id: string): Approval {
  return {
    id,
    tenant,
    room: 'r1',
    status: 'pending',
    item: {
      id: 'ai-s1-0',
      owner: 'bob',
      ownerName: 'Bob',
      task: 'send the contract to jane@acme.com',
      due: null,
      dueText: null,
      confidence: 0.9,
      sourceSegments: ['s1'],
      engine: 'rules',
    },
    risk: { level: 'high', reasons: [{ rule: 'legal', reason: 'contract' }], policyVersion: 'v1' },
    createdAt: new Date().toISOString(),
    correlationId: 'c1',
  };
}

const nats = await startNatsServer();
const impls: [string, () => Promise<Bus>][] = [
  ['in-process', async () => new InProcessBus()],
  ['nats', () => createBus({ natsUrl: nats.url })],
];
afterAll(() => nats.stop());

describe.each(impls)('governance on %s bus', (_name, make) => {
  let bus: Bus;
  beforeAll(async () => {
    bus = await make();
    await bus.ensureStream({ ...streams.AUDIT, subjects: [...streams.AUDIT.subjects] });
  });
  afterAll(() => bus.close());

  it('approval decisions are compare-and-set and tenant-scoped', async () => {
    const store = await ApprovalStore.open(bus);
    const tenant = `t${Math.random().toString(36).slice(2, 8)}`;
    expect(await store.request(approval(tenant, 'r1.ai-s1-0'))).toBe(true);
    expect(await store.request(approval(tenant, 'r1.ai-s1-0'))).toBe(false);
    expect(await store.get('other', 'r1.ai-s1-0')).toBeNull();
    expect(await store.countPending(tenant)).toBe(1);
    const by = { kind: 'user' as const, id: 'alice' };
    const { before, after } = await store.decide(tenant, 'r1.ai-s1-0', {
      kind: 'approve',
      by,
      reason: 'checked with legal',
      edits: { due: '2026-12-01' },
    });
    expect(before.status).toBe('pending');
    expect(after).toMatchObject({ status: 'approved', decidedBy: by, item: { due: '2026-12-01' } });
    const again = store.decide(tenant, 'r1.ai-s1-0', { kind: 'reject', by, reason: 'no' });
    await expect(again).rejects.toBeInstanceOf(AppError);
    await expect(again).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    await expect(store.decide(tenant, 'nope', { kind: 'reject', by, reason: 'x' })).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
    });
    expect(await store.countPending(tenant)).toBe(0);
    expect((await store.list(tenant, { status: 'approved' })).map((a) => a.id)).toEqual(['r1.ai-s1-0']);
  });

  it('audit entries are appended once per key and listed per tenant', async () => {
    const audit = new AuditLog(bus, producer);
    const tenant = `t${Math.random().toString(36).slice(2, 8)}`;
    const entry = {
      tenant,
      actor: { kind: 'user' as const, id: 'alice' },
      action: 'approval.approve',
      target: { kind: 'approval', id: 'r1.ai-s1-0' },
      reason: 'ok',
    };
    await audit.append(entry, 'k1');
    await audit.append(entry, 'k1'); // a retry
    await audit.append({ ...entry, target: { kind: 'approval', id: 'other' } });
    await audit.append({ ...entry, tenant: 'someone-else' });
    const all = await audit.list(tenant);
    expect(all).toHaveLength(2);
    expect(all[0]?.data).toMatchObject({ actor: { id: 'alice' }, action: 'approval.approve', reason: 'ok' });
    expect(await audit.list(tenant, { targetId: 'other' })).toHaveLength(1);
  });
});

describe('audit stream on NATS', () => {
  it('denies purge and delete', async () => {
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const bus = await createBus({ natsUrl: nats.url });
    await bus.ensureStream({ ...streams.AUDIT, subjects: [...streams.AUDIT.subjects] });
    await new AuditLog(bus, producer).append({
      tenant: 'x',
      actor: { kind: 'system', id: 'test' },
      action: 'test',
      target: { kind: 'x', id: 'y' },
      reason: null,
    });
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await expect(jsm.streams.purge(streams.AUDIT.name)).rejects.toThrow();
    await expect(jsm.streams.deleteMessage(streams.AUDIT.name, 1)).rejects.toThrow();
    expect((await jsm.streams.info(streams.AUDIT.name)).state.messages).toBeGreaterThan(0);
    await nc.close();
    await bus.close();
  });
});
