import { randomUUID } from 'node:crypto';
import { AppError, type MediaInfo } from '@mi/contracts';
import type { ObjectStore } from '@mi/object-store';
import type { FastifyBaseLogger } from 'fastify';
import type { MediaChecker } from './inspect.ts';
import { sanitizeFilename } from './media-types.ts';
import type { UploadRecord, UploadStore } from './upload-store.ts';

export type UploadLimits = {
  /** Largest accepted upload, bytes. */
  maxBytes: number;
  /** Content types accepted, exact or `type/*` (default video/* and audio/*). */
  allowedTypes: readonly string[];
};

/** What the upload handlers share. */
export type UploadContext = {
  uploads: UploadStore;
  store: ObjectStore;
  limits: UploadLimits;
  tmpDir: string;
  /** Bytes per presigned part (the last may be smaller). */
  partSize: number;
  check: MediaChecker;
};

/** `uploads/<tenant>/<id>/<sanitised filename>`: one prefix per upload, so nothing else shares it. */
export const objectKey = (tenant: string, id: string, filename: string) =>
  `uploads/${tenant}/${id}/${sanitizeFilename(filename)}`;

export function newUploadRecord(tenant: string, filename: string, contentType: string): UploadRecord {
  const id = `up_${randomUUID().replaceAll('-', '')}`;
  const now = new Date().toISOString();
  return {
    id,
    tenant,
    key: objectKey(tenant, id, filename),
    filename: filename.slice(0, 255),
    contentType,
    state: 'uploading',
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Records the upload as failed with the error, removes whatever reached the store (no partial
 * objects), and throws the error with the upload id, so the client can look the record up.
 */
export async function failUpload(
  ctx: UploadContext,
  record: UploadRecord,
  error: AppError,
  log: FastifyBaseLogger,
): Promise<never> {
  await ctx.store.delete(record.key).catch((err: unknown) => log.error({ err, key: record.key }, 'delete failed'));
  await ctx.uploads.update(record.tenant, record.id, (r) =>
    r.state === 'uploading'
      ? { ...r, state: 'failed', error: { code: error.code, message: error.message }, multipart: undefined }
      : undefined,
  );
  log.warn({ upload: record.id, code: error.code, reason: error.message }, 'upload refused');
  throw new AppError(error.code, error.message, { uploadId: record.id });
}

/**
 * `uploading` -> `ready`. When the upload stopped being `uploading` meanwhile (deleted by its
 * owner), the object just stored is removed again and the caller gets a conflict.
 */
export async function markReady(
  ctx: UploadContext,
  record: UploadRecord,
  media: MediaInfo,
  size: number,
): Promise<UploadRecord> {
  const after = await ctx.uploads.update(record.tenant, record.id, (r) =>
    r.state === 'uploading' ? { ...r, state: 'ready', media, size, error: undefined, multipart: undefined } : undefined,
  );
  if (after?.state === 'ready') return after;
  await ctx.store.delete(record.key);
  throw new AppError('ERR_CONFLICT', `upload ${record.id} was ${after?.state ?? 'deleted'} meanwhile`, {
    uploadId: record.id,
  });
}

/** Maps an unexpected failure to the error a failed upload records (the message stays generic). */
export function asAppError(err: unknown, fallback: string): AppError {
  return err instanceof AppError ? err : new AppError('ERR_INTERNAL', fallback);
}
