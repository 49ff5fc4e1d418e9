import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type S3rver from 's3rver';
import type { S3rverContext } from 's3rver';

/**
 * Fills gaps where s3rver 3.7 is less faithful than S3, so the contract suite tests our code
 * rather than the fake's limits. Everything else is plain s3rver.
 */
export function applyS3rverShims(server: S3rver, directory: string): void {
  server.middleware.unshift(async (ctx, next) => {
    const { uploadId } = ctx.query;
    if (typeof uploadId === 'string' && ['PUT', 'POST', 'DELETE'].includes(ctx.method)) {
      await guardMultipartUpload(ctx, directory, uploadId, next);
      return;
    }
    await next();
  });
  sortListings(server);
}

/**
 * Multipart requests naming an upload id. s3rver answers AbortMultipartUpload (DELETE) with 405,
 * creates a fresh upload for a part sent to an unknown id, and fails with 500 completing one;
 * S3 aborts, and answers 404 NoSuchUpload for unknown ids. s3rver keeps each upload in
 * <directory>/<bucket>/._S3rver_uploads/<uploadId>/, with the key in a file named `key`.
 */
async function guardMultipartUpload(
  ctx: S3rverContext,
  directory: string,
  uploadId: string,
  next: () => Promise<void>,
): Promise<void> {
  const [, bucket = '', ...keyParts] = ctx.path.split('/');
  const key = decodeURIComponent(keyParts.join('/'));
  const uploadDir = join(directory, bucket, '._S3rver_uploads', uploadId);
  const storedKey = /^[0-9a-f]+$/.test(uploadId)
    ? await readFile(join(uploadDir, 'key'), 'utf8').catch(() => undefined)
    : undefined;
  if (storedKey === undefined || storedKey !== key) {
    ctx.status = 404;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${uploadId}</UploadId></Error>`;
    return;
  }
  if (ctx.method !== 'DELETE') {
    await next();
    return;
  }
  const trash = `${uploadDir}.aborted`;
  await rename(uploadDir, trash);
  await rm(trash, { recursive: true, force: true });
  ctx.status = 204;
}

/**
 * ListObjects(V2): s3rver returns keys in directory-walk order (hash order on ext4), S3 in
 * UTF-8 byte order. Sort the whole match set, then apply max-keys.
 */
function sortListings(server: S3rver): void {
  const store = server.store;
  const listObjects = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const result = await listObjects(bucket, { ...options, maxKeys: Number.POSITIVE_INFINITY });
    const objects = result.objects.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    const maxKeys = options.maxKeys ?? Number.POSITIVE_INFINITY;
    return { ...result, objects: objects.slice(0, maxKeys), isTruncated: objects.length > maxKeys };
  };
}
