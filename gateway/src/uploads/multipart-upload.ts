import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { MultipartFile } from '@fastify/multipart';
import { AppError, type MediaInfo, type Upload } from '@mi/contracts';
import type { FastifyRequest } from 'fastify';
import { baseType, extensionOf, mediaExtensions, mediaTypeAllowed } from './media-types.ts';
import { discard, receiveToFile } from './receive-file.ts';
import { asAppError, failUpload, markReady, newUploadRecord, type UploadContext } from './upload-flow.ts';
import { publicUpload, type UploadRecord } from './upload-store.ts';

/** Room for multipart boundaries and part headers over the file itself. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/**
 * `POST /v1/uploads`: one file part, streamed to a temp file (never whole in memory), checked
 * with ffprobe/ffmpeg there, and only then streamed into the store. The temp file always goes.
 */
export async function receiveMultipartUpload(ctx: UploadContext, req: FastifyRequest): Promise<Upload> {
  const { maxBytes } = ctx.limits;
  // An honest client says how much is coming: refuse before reading a byte.
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes + FORM_OVERHEAD_BYTES) {
    throw new AppError('ERR_PAYLOAD_TOO_LARGE', `the upload is larger than the limit of ${maxBytes} bytes`);
  }
  if (!req.isMultipart()) throw new AppError('ERR_SCHEMA', 'send multipart/form-data with one file part');
  const part = await req.file({
    // One byte over the limit is enough to know; busboy drops the rest.
    limits: { fileSize: maxBytes + 1, files: 1, fields: 10, parts: 20 },
    throwFileSizeLimit: false,
  });
  if (!part) throw new AppError('ERR_SCHEMA', 'the form has no file part');

  const contentType = baseType(part.mimetype);
  const record = newUploadRecord(req.principal.tenant, part.filename || 'media', contentType);
  await ctx.uploads.create(record);
  if (!mediaTypeAllowed(contentType, record.filename, ctx.limits.allowedTypes)) {
    await discard(part.file);
    return await failUpload(ctx, record, new AppError('ERR_UNSUPPORTED_MEDIA', unsupportedType(contentType)), req.log);
  }

  const dir = await mkdtemp(join(ctx.tmpDir, 'mi-upload-'));
  try {
    const ext = extensionOf(record.filename);
    const path = join(dir, `media.${mediaExtensions.has(ext) ? ext : 'bin'}`);
    const size = await receive(ctx, record, part, path, req);
    let media: MediaInfo;
    try {
      media = await ctx.check(path);
    } catch (err) {
      if (!(err instanceof AppError)) req.log.error({ err, upload: record.id }, 'checking the upload failed');
      return await failUpload(ctx, record, asAppError(err, 'checking the media failed'), req.log);
    }
    try {
      await ctx.store.put(record.key, createReadStream(path), {
        contentType,
        size,
        metadata: { tenant: record.tenant, upload: record.id },
      });
    } catch (err) {
      req.log.error({ err, upload: record.id }, 'storing the upload failed');
      return await failUpload(ctx, record, new AppError('ERR_INTERNAL', 'storing the media failed'), req.log);
    }
    const ready = await markReady(ctx, record, media, size);
    req.log.info({ upload: record.id, bytes: size, durationMs: media.durationMs }, 'upload ready');
    return publicUpload(ready);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function receive(
  ctx: UploadContext,
  record: UploadRecord,
  part: MultipartFile,
  path: string,
  req: FastifyRequest,
): Promise<number> {
  const { maxBytes } = ctx.limits;
  let received: Awaited<ReturnType<typeof receiveToFile>>;
  try {
    received = await receiveToFile(part.file, path, maxBytes);
  } catch (err) {
    if (typeof (err as { path?: unknown }).path === 'string') {
      // The temp file, not the client (disk full, say).
      req.log.error({ err, upload: record.id }, 'writing the upload to disk failed');
      return await failUpload(ctx, record, new AppError('ERR_INTERNAL', 'receiving the media failed'), req.log);
    }
    // The client went away mid-file, or the form broke off.
    req.log.info({ err, upload: record.id }, 'upload interrupted');
    const error = new AppError('ERR_UPLOAD_INCOMPLETE', 'the request ended before the file');
    return await failUpload(ctx, record, error, req.log);
  }
  if (received.tooLarge || part.file.truncated) {
    const message = `the file is larger than the limit of ${maxBytes} bytes`;
    return await failUpload(ctx, record, new AppError('ERR_PAYLOAD_TOO_LARGE', message), req.log);
  }
  return received.bytes;
}

function unsupportedType(contentType: string): string {
  const untyped = contentType === 'application/octet-stream';
  return `content type ${contentType} is not audio or video${untyped ? ' (and the file name has no media extension)' : ''}`;
}
