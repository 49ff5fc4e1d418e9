import { type ObjectStore, UploadNotFoundError } from '@mi/object-store';
import { PART_URL_EXPIRY_S } from './presigned-upload.ts';
import type { UploadStore } from './upload-store.ts';

/** Only what a sweep logs: pino and Fastify loggers both fit. */
type InfoLogger = { info(obj: object, msg: string): void };

/**
 * Ends presigned uploads nobody completed: once their part URLs have expired (plus a grace) no
 * part can arrive any more, so their parts are dropped from the store and the record says
 * `aborted`. Without this, abandoned uploads would keep their parts in S3 for ever.
 */
export async function sweepStaleUploads(
  deps: { uploads: UploadStore; store: ObjectStore; logger?: InfoLogger },
  opts: { now?: Date; graceMs?: number } = {},
): Promise<number> {
  const now = opts.now ?? new Date();
  const before = new Date(now.getTime() - PART_URL_EXPIRY_S * 1000 - (opts.graceMs ?? 15 * 60_000));
  let swept = 0;
  for (const record of await deps.uploads.stale(before)) {
    if (record.multipart) {
      await deps.store.abortMultipart(record.key, record.multipart.uploadId).catch((err: unknown) => {
        if (!(err instanceof UploadNotFoundError)) throw err;
      });
    }
    const after = await deps.uploads.update(record.tenant, record.id, (r) =>
      r.state === 'uploading'
        ? {
            ...r,
            state: 'aborted',
            multipart: undefined,
            error: { code: 'ERR_UPLOAD_INCOMPLETE', message: 'never completed; its part URLs expired' },
          }
        : undefined,
    );
    if (after?.state === 'aborted') swept++;
  }
  if (swept > 0) deps.logger?.info({ swept }, 'abandoned presigned uploads aborted');
  return swept;
}
