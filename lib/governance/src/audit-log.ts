import { createHash } from 'node:crypto';
import { type Bus, headerNames } from '@mi/bus';
import {
  type AuditEntryData,
  AuditEntryV1,
  assertValid,
  type Envelope,
  makeEvent,
  type Producer,
  streams,
  subjects,
} from '@mi/contracts';

export type AuditInput = AuditEntryData & { tenant: string; correlationId?: string };
export type AuditEvent = Envelope<'audit.entry', AuditEntryData>;

/**
 * The immutable audit log: entries are appended to the AUDIT stream, which denies delete and purge
 * on NATS (and has no delete at all in-process). Pass `key` to make an append idempotent: the same
 * decision retried after a crash is stored once.
 */
export class AuditLog {
  constructor(
    private readonly bus: Bus,
    private readonly producer: Producer,
  ) {}

  async append(input: AuditInput, key?: string): Promise<AuditEvent> {
    const { tenant, correlationId, ...data } = input;
    const id = key ? `audit-${createHash('sha256').update(key).digest('hex').slice(0, 32)}` : undefined;
    const event = makeEvent(
      'audit.entry',
      1,
      data,
      {
        tenant,
        correlationId: correlationId ?? id ?? 'audit',
        producer: this.producer,
      },
      id,
    );
    assertValid(AuditEntryV1, event);
    await this.bus.append(subjects.audit(tenant), new TextEncoder().encode(JSON.stringify(event)), {
      msgId: event.id,
      headers: { [headerNames.correlationId]: event.correlationId },
    });
    return event;
  }

  /** Entries of one tenant, oldest first, optionally only those about one target. */
  async list(tenant: string, filter: { targetId?: string; limit?: number } = {}): Promise<AuditEvent[]> {
    const out: AuditEvent[] = [];
    const limit = filter.limit ?? 1000;
    const sub = await this.bus.replay(
      streams.AUDIT.name,
      { filterSubject: subjects.audit(tenant), from: { kind: 'all' }, live: false },
      async (m) => {
        const e = JSON.parse(new TextDecoder().decode(m.data)) as AuditEvent;
        if (filter.targetId === undefined || e.data.target.id === filter.targetId) out.push(e);
      },
    );
    await sub.done;
    await sub.unsubscribe();
    return out.slice(-limit);
  }
}
