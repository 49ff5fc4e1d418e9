import { type Bus, TenantRecords } from '@mi/bus';
import type { Upload } from '@mi/contracts';

const BUCKET = 'uploads';

/** The S3 multipart upload behind a presigned upload: server-side state, never in API responses. */
export type MultipartState = { uploadId: string; partSize: number; parts: number };

/** An Upload as stored: the contract's record plus, while a presigned upload runs, its multipart state. */
export type UploadRecord = Upload & { multipart?: MultipartState };

/** The record as the API shows it. */
export function publicUpload(record: UploadRecord): Upload {
  const { multipart: _internal, ...upload } = record;
  return upload;
}

/**
 * Upload records in the `uploads` KV bucket (JetStream KV when distributed). Changes are
 * compare-and-set: a completion and a delete of the same upload never overwrite each other.
 */
export class UploadStore {
  private constructor(private readonly records: TenantRecords<UploadRecord>) {}

  static async open(bus: Bus): Promise<UploadStore> {
    return new UploadStore(new TenantRecords<UploadRecord>(await bus.kv(BUCKET)));
  }

  /** Adds a record; false when one with this id exists already. */
  create(record: UploadRecord): Promise<boolean> {
    return this.records.create(record);
  }

  /** The tenant's upload; null when absent or another tenant's. */
  get(tenant: string, id: string): Promise<UploadRecord | null> {
    return this.records.get(tenant, id);
  }

  /**
   * Read-modify-write, retried on conflict. `change` returns the new record, or undefined to
   * leave it as it is. Returns the stored record (null when the upload does not exist).
   */
  update(
    tenant: string,
    id: string,
    change: (record: UploadRecord) => UploadRecord | undefined,
  ): Promise<UploadRecord | null> {
    return this.records.update(tenant, id, change);
  }

  delete(tenant: string, id: string): Promise<void> {
    return this.records.delete(tenant, id);
  }

  /** The tenant's uploads, newest first. */
  list(tenant: string, opts: { limit?: number; state?: Upload['state'] } = {}): Promise<UploadRecord[]> {
    return this.records.list(tenant, (r) => !opts.state || r.state === opts.state, opts.limit ?? 100);
  }

  /** Presigned uploads of any tenant still `uploading` and created before `before`. */
  stale(before: Date): Promise<UploadRecord[]> {
    const limit = before.toISOString();
    return this.records.listAll((r) => r.state === 'uploading' && r.createdAt < limit);
  }
}
