import {
  AppError,
  type PresignedUploadCreate,
  type PresignedUploadResponse,
  type Upload,
  type UploadComplete,
} from '@mi/contracts';
import { InvalidPartError, UploadNotFoundError } from '@mi/object-store';
import type { FastifyRequest } from 'fastify';
import { inspectStoredObject } from './inspect.ts';
import { baseType, mediaTypeAllowed } from './media-types.ts';
import { asAppError, failUpload, markReady, newUploadRecord, type UploadContext } from './upload-flow.ts';
import { publicUpload } from './upload-store.ts';

/** How long presigned part URLs stay valid. */
export const PART_URL_EXPIRY_S = 3600;
const MAX_PARTS = 10_000;
const MiB = 1024 * 1024;

/** The configured part size, grown (in whole MiB) when the file would need more than S3's 10 000 parts. */
export function partSizeFor(size: number, partSize: number): number {
  const least = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  return Math.max(partSize, least);
}

/**
 * `POST /v1/uploads/presigned`: starts a multipart upload straight into the store, one
 * presigned URL per part; the bytes never pass through this server (on S3).
 */
export async function startPresignedUpload(
  ctx: UploadContext,
  req: FastifyRequest<{ Body: PresignedUploadCreate }>,
): Promise<PresignedUploadResponse> {
  const { filename, size } = req.body;
  const contentType = baseType(req.body.contentType);
  if (size > ctx.limits.maxBytes) {
    throw new AppError('ERR_PAYLOAD_TOO_LARGE', `${size} bytes is over the limit of ${ctx.limits.maxBytes}`);
  }
  if (!mediaTypeAllowed(contentType, filename, ctx.limits.allowedTypes)) {
    throw new AppError('ERR_UNSUPPORTED_MEDIA', `content type ${contentType} is not audio or video`);
  }
  const base = newUploadRecord(req.principal.tenant, filename, contentType);
  const partSize = partSizeFor(size, ctx.partSize);
  const parts = Math.ceil(size / partSize);
  const uploadId = await ctx.store.createMultipart(base.key, {
    contentType,
    metadata: { tenant: base.tenant, upload: base.id },
  });
  const record = { ...base, size, multipart: { uploadId, partSize, parts } };
  await ctx.uploads.create(record);
  const expiresAt = new Date(Date.now() + PART_URL_EXPIRY_S * 1000).toISOString();
  const urls = await Promise.all(
    Array.from({ length: parts }, async (_, i) => ({
      partNumber: i + 1,
      url: await ctx.store.presignPart(record.key, uploadId, i + 1, PART_URL_EXPIRY_S),
    })),
  );
  req.log.info({ upload: record.id, size, parts }, 'presigned upload started');
  return { upload: publicUpload(record), partSize, parts: urls, expiresAt };
}

/**
 * `POST /v1/uploads/:id/complete`: joins the parts, then checks the object as it is in the store.
 * Only whole, valid media stays: anything else is deleted and the upload recorded as failed.
 * Missing or unknown parts leave the upload `uploading`, so the client can send them and retry.
 */
export async function completePresignedUpload(
  ctx: UploadContext,
  req: FastifyRequest<{ Params: { id: string }; Body: UploadComplete }>,
): Promise<Upload> {
  const record = await ctx.uploads.get(req.principal.tenant, req.params.id);
  if (!record) throw new AppError('ERR_NOT_FOUND', `upload ${req.params.id} not found`);
  if (record.state === 'ready') return publicUpload(record); // a retried completion
  const { multipart } = record;
  if (record.state !== 'uploading' || !multipart) {
    throw new AppError('ERR_CONFLICT', `upload ${record.id} is ${record.state}, not a presigned upload in progress`);
  }
  const numbers = new Set(req.body.parts.map((p) => p.partNumber));
  const missing = Array.from({ length: multipart.parts }, (_, i) => i + 1).filter((n) => !numbers.has(n));
  if (missing.length > 0 || numbers.size !== req.body.parts.length || numbers.size !== multipart.parts) {
    throw new AppError(
      'ERR_UPLOAD_INCOMPLETE',
      `expected parts 1-${multipart.parts} once each${missing.length ? `; missing ${missing.slice(0, 10).join(', ')}` : ''}`,
    );
  }
  const parts = [...req.body.parts].sort((a, b) => a.partNumber - b.partNumber);
  try {
    await ctx.store.completeMultipart(record.key, multipart.uploadId, parts);
  } catch (err) {
    if (err instanceof InvalidPartError) throw new AppError('ERR_UPLOAD_INCOMPLETE', err.message);
    if (err instanceof UploadNotFoundError) {
      // Completed by a concurrent twin, or aborted: this call must not touch the object.
      throw new AppError('ERR_CONFLICT', `upload ${record.id} is being completed or was aborted`);
    }
    throw err;
  }

  const info = await ctx.store.stat(record.key);
  const size = info?.size ?? 0;
  if (size > ctx.limits.maxBytes) {
    const message = `${size} bytes arrived, over the limit of ${ctx.limits.maxBytes}`;
    return await failUpload(ctx, record, new AppError('ERR_PAYLOAD_TOO_LARGE', message), req.log);
  }
  if (size !== record.size) {
    const message = `${size} bytes arrived of the ${record.size} announced`;
    return await failUpload(ctx, record, new AppError('ERR_UPLOAD_INCOMPLETE', message), req.log);
  }
  let media: Awaited<ReturnType<typeof inspectStoredObject>>;
  try {
    media = await inspectStoredObject(ctx.store, record.key, ctx.tmpDir, ctx.check);
  } catch (err) {
    if (!(err instanceof AppError)) req.log.error({ err, upload: record.id }, 'checking the upload failed');
    return await failUpload(ctx, record, asAppError(err, 'checking the media failed'), req.log);
  }
  const ready = await markReady(ctx, record, media, size);
  req.log.info({ upload: record.id, bytes: size, durationMs: media.durationMs }, 'upload ready');
  return publicUpload(ready);
}
