import { type Bus, type KeyValue, KvConflictError } from '@mi/bus';
import type { Upload } from '@mi/contracts';

const BUCKET = 'uploads';
const enc = new TextEncoder();
const dec = new TextDecoder();

/** The S3 multipart upload behind a presigned upload: server-side state, never in API responses. */
export type MultipartState = { uploadId: string; partSize: number; parts: number };

/** An Upload as stored: the contract's record plus, while a presigned upload runs, its multipart state. */
export type UploadRecord = Upload & { multipart?: MultipartState };

/** The record as the API shows it. */
export function publicUpload(record: UploadRecord): Upload {
  const { multipart: _internal, ...upload } = record;
  return upload;
}

/** Keys carry the tenant (`<tenant>.<id>`), so one tenant never reads another's uploads. */
const keyOf = (tenant: string, id: string) => `${tenant}.${id}`;

/**
 * Upload records in a bus KV bucket (JetStream KV when distributed). Changes are
 * compare-and-set: a completion and a delete of the same upload never overwrite each other.
 */
export class UploadStore {
  private constructor(private readonly kv: KeyValue) {}

  static async open(bus: Bus): Promise<UploadStore> {
    return new UploadStore(await bus.kv(BUCKET));
  }

  /** Adds a record; false when one with this id exists already. */
  async create(record: UploadRecord): Promise<boolean> {
    try {
      await this.kv.create(keyOf(record.tenant, record.id), enc.encode(JSON.stringify(record)));
      return true;
    } catch (error) {
      if (error instanceof KvConflictError) return false;
      throw error;
    }
  }

  /** The tenant's upload; null when absent or another tenant's. */
  async get(tenant: string, id: string): Promise<UploadRecord | null> {
    const e = await this.kv.get(keyOf(tenant, id));
    const record = e ? (JSON.parse(dec.decode(e.value)) as UploadRecord) : null;
    return record?.tenant === tenant ? record : null;
  }

  /**
   * Read-modify-write, retried on conflict. `change` returns the new record, or undefined to
   * leave it as it is. Returns the stored record (null when the upload does not exist).
   */
  async update(
    tenant: string,
    id: string,
    change: (record: UploadRecord) => UploadRecord | undefined,
  ): Promise<UploadRecord | null> {
    for (let attempt = 0; ; attempt++) {
      const e = await this.kv.get(keyOf(tenant, id));
      if (!e) return null;
      const current = JSON.parse(dec.decode(e.value)) as UploadRecord;
      if (current.tenant !== tenant) return null;
      const next = change(current);
      if (!next) return current;
      const stamped = { ...next, updatedAt: new Date().toISOString() };
      try {
        await this.kv.update(keyOf(tenant, id), enc.encode(JSON.stringify(stamped)), e.revision);
        return stamped;
      } catch (error) {
        if (!(error instanceof KvConflictError) || attempt >= 20) throw error;
      }
    }
  }

  async delete(tenant: string, id: string): Promise<void> {
    await this.kv.delete(keyOf(tenant, id));
  }

  /** The tenant's uploads, newest first. */
  async list(tenant: string, opts: { limit?: number; state?: Upload['state'] } = {}): Promise<UploadRecord[]> {
    const out: UploadRecord[] = [];
    for (const key of await this.kv.keys(`${tenant}.`)) {
      const e = await this.kv.get(key);
      if (!e) continue;
      const record = JSON.parse(dec.decode(e.value)) as UploadRecord;
      // `acme.` also prefixes the keys of a tenant called `acme.eu`.
      if (record.tenant === tenant && (!opts.state || record.state === opts.state)) out.push(record);
    }
    out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    return out.slice(0, opts.limit ?? 100);
  }
}
