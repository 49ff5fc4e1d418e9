import { randomBytes } from 'node:crypto';
import type { Bus, KeyValue } from '@mi/bus';
import type { WebhookDeadLetter } from '@mi/contracts';
import { KeyIndex } from './key-index.ts';

/** A dead letter with what it takes to send it again: the event exactly as stored, and its trace. */
export type DeadLetterEntry = { record: WebhookDeadLetter; event: string; traceparent?: string };

let sequence = 0;

/**
 * A dead-letter id that sorts in failure order within this process (time, then a counter), so
 * listing keys gives a stable order even for failures in the same millisecond.
 */
export function newDeadLetterId(now = Date.now()): string {
  sequence = (sequence + 1) % 36 ** 4;
  return `dl_${now.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}${randomBytes(3).toString('hex')}`;
}

const encode = (value: DeadLetterEntry) => new TextEncoder().encode(JSON.stringify(value));

/** Deliveries that ran out of attempts, under `<endpointId>.<deadLetterId>`, until replayed or deleted. */
export class DeadLetterStore {
  private constructor(
    private readonly kv: KeyValue,
    private readonly index: KeyIndex,
  ) {}

  static async open(bus: Bus, bucket = 'webhook-dead-letters'): Promise<DeadLetterStore> {
    const kv = await bus.kv(bucket);
    return new DeadLetterStore(kv, await KeyIndex.open(kv));
  }

  async close(): Promise<void> {
    await this.index.close();
  }

  /** Creates or (re-dead-lettering after a replay) overwrites the entry. */
  async put(entry: DeadLetterEntry): Promise<void> {
    const k = key(entry.record.endpoint, entry.record.id);
    await this.kv.put(k, encode(entry));
    this.index.add(k);
  }

  async get(endpointId: string, id: string): Promise<DeadLetterEntry | null> {
    const e = await this.kv.get(key(endpointId, id));
    return e ? (JSON.parse(new TextDecoder().decode(e.value)) as DeadLetterEntry) : null;
  }

  /** Oldest failure first: the order a replay sends them in. */
  async list(endpointId: string): Promise<DeadLetterEntry[]> {
    const out: DeadLetterEntry[] = [];
    for (const k of this.index.list(`${endpointId}.`)) {
      const entry = await this.get(endpointId, k.slice(endpointId.length + 1));
      if (entry) out.push(entry);
    }
    return out.sort(
      (a, b) => a.record.failedAt.localeCompare(b.record.failedAt) || a.record.id.localeCompare(b.record.id),
    );
  }

  async delete(endpointId: string, id: string): Promise<void> {
    const k = key(endpointId, id);
    await this.kv.delete(k);
    this.index.remove(k);
  }

  async deleteAll(endpointId: string): Promise<number> {
    const keys = this.index.list(`${endpointId}.`);
    for (const k of keys) {
      await this.kv.delete(k);
      this.index.remove(k);
    }
    return keys.length;
  }
}

const key = (endpointId: string, id: string) => `${endpointId}.${id}`;
