import { type KeyValue, KvConflictError, type Subscription } from './types.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** What every stored record carries: who owns it, its id, when it was made and last changed. */
export type TenantRecord = { tenant: string; id: string; createdAt: string; updatedAt: string };

/**
 * JSON records of one kind in a KV bucket (JetStream KV when distributed), keyed `<tenant>.<id>`
 * and checked against the tenant on every read, since `acme.` also prefixes the keys of a tenant
 * called `acme.eu`. Changes are compare-and-set, so two writers never overwrite each other.
 */
export class TenantRecords<T extends TenantRecord> {
  constructor(private readonly kv: KeyValue) {}

  private static keyOf(tenant: string, id: string): string {
    return `${tenant}.${id}`;
  }

  private static parse<R>(value: Uint8Array): R {
    return JSON.parse(dec.decode(value)) as R;
  }

  /** Adds a record; false when one with this id exists already (a retried request). */
  async create(record: T): Promise<boolean> {
    try {
      await this.kv.create(TenantRecords.keyOf(record.tenant, record.id), enc.encode(JSON.stringify(record)));
      return true;
    } catch (error) {
      if (error instanceof KvConflictError) return false;
      throw error;
    }
  }

  /** The tenant's record; null when absent or another tenant's. */
  async get(tenant: string, id: string): Promise<T | null> {
    const e = await this.kv.get(TenantRecords.keyOf(tenant, id));
    const record = e ? TenantRecords.parse<T>(e.value) : null;
    return record?.tenant === tenant ? record : null;
  }

  /**
   * Read-modify-write, retried on conflict. `change` returns the new record, or undefined to leave
   * it as it is (it may throw to refuse). Returns the stored record, null when there is none.
   */
  async update(tenant: string, id: string, change: (record: T) => T | undefined): Promise<T | null> {
    const key = TenantRecords.keyOf(tenant, id);
    for (let attempt = 0; ; attempt++) {
      const e = await this.kv.get(key);
      if (!e) return null;
      const current = TenantRecords.parse<T>(e.value);
      if (current.tenant !== tenant) return null;
      const next = change(current);
      if (!next) return current;
      const stamped = { ...next, updatedAt: new Date().toISOString() };
      try {
        await this.kv.update(key, enc.encode(JSON.stringify(stamped)), e.revision);
        return stamped;
      } catch (error) {
        if (!(error instanceof KvConflictError) || attempt >= 20) throw error;
      }
    }
  }

  async delete(tenant: string, id: string): Promise<void> {
    await this.kv.delete(TenantRecords.keyOf(tenant, id));
  }

  /** The tenant's records matching `filter`, newest first, at most `limit`. */
  async list(tenant: string, filter: (record: T) => boolean = () => true, limit = 100): Promise<T[]> {
    const out: T[] = [];
    for (const key of await this.kv.keys(`${tenant}.`)) {
      const e = await this.kv.get(key);
      if (!e) continue;
      const record = TenantRecords.parse<T>(e.value);
      if (record.tenant === tenant && filter(record)) out.push(record);
    }
    out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    return out.slice(0, limit);
  }

  /** Records of every tenant matching `filter` (housekeeping: sweeps, retention). */
  async listAll(filter: (record: T) => boolean): Promise<T[]> {
    const out: T[] = [];
    for (const key of await this.kv.keys()) {
      const e = await this.kv.get(key);
      if (!e) continue;
      const record = TenantRecords.parse<T>(e.value);
      if (filter(record)) out.push(record);
    }
    return out;
  }

  /** Calls `onChange` on every later change of one record (null: deleted). */
  watch(tenant: string, id: string, onChange: (record: T | null) => void): Promise<Subscription> {
    return this.kv.watch(TenantRecords.keyOf(tenant, id), (entry) =>
      onChange(entry ? TenantRecords.parse<T>(entry.value) : null),
    );
  }
}
