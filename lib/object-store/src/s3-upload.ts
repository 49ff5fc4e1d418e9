import { createHash } from 'node:crypto';
import type { Client } from 'minio';
import { type Body, isInMemory, toBuffer } from './body.ts';
import { MAX_PART_NUMBER } from './validate.ts';

/**
 * Streaming upload for the S3 store. Not minio's putObject for streams: that one buffers up to
 * ~0.5 GiB per part when the size is unknown, silently resumes any other in-progress upload of
 * the same key (found by listing uploads), and leaves the upload behind on failure. Here memory
 * stays at one part, a body that fits one part goes up in a single PUT, and a failed multipart
 * upload is aborted.
 */

export type S3Headers = Record<string, string>;

interface Part {
  data: Buffer;
  /** True for the final part (possibly the only one). */
  last: boolean;
}

/** Cuts a stream into parts of exactly `partSize` bytes (the last one shorter), marking the last. */
async function* cutParts(source: AsyncIterable<Buffer | string>, partSize: number): AsyncGenerator<Part, void> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    pending.push(chunk);
    pendingBytes += chunk.length;
    // Strictly more than a part: only then is it certain this part is not the last.
    while (pendingBytes > partSize) {
      const all = Buffer.concat(pending, pendingBytes);
      yield { data: all.subarray(0, partSize), last: false };
      pending = [Buffer.from(all.subarray(partSize))]; // a copy, so the yielded part can be freed
      pendingBytes -= partSize;
    }
  }
  yield { data: Buffer.concat(pending, pendingBytes), last: true };
}

async function* inMemoryParts(buffer: Buffer, partSize: number): AsyncGenerator<Part, void> {
  for (let offset = 0; ; offset += partSize) {
    const last = offset + partSize >= buffer.length;
    yield { data: buffer.subarray(offset, offset + partSize), last };
    if (last) return;
  }
}

export async function uploadObject(
  client: Client,
  bucket: string,
  key: string,
  body: Body,
  headers: S3Headers,
  partSize: number,
): Promise<{ etag: string; size: number }> {
  const parts = isInMemory(body) ? inMemoryParts(toBuffer(body), partSize) : cutParts(body, partSize);
  const first = await parts.next();
  if (first.done) throw new Error('unreachable: a body has at least one part');
  if (first.value.last) {
    const { data } = first.value;
    const { etag } = await client.putObject(bucket, key, data, data.length, headers);
    return { etag, size: data.length };
  }

  const uploadId = await client.initiateNewMultipartUpload(bucket, key, headers);
  try {
    const etags: { part: number; etag: string }[] = [];
    let size = 0;
    let part = 1;
    for (let next: IteratorResult<Part, void> = first; !next.done; next = await parts.next(), part++) {
      if (part > MAX_PART_NUMBER) throw new Error(`body needs more than ${MAX_PART_NUMBER} parts; pass opts.size`);
      const { data } = next.value;
      const contentMd5 = createHash('md5').update(data).digest('base64'); // lets S3 reject a corrupted part
      const uploaded = await client.uploadPart(
        {
          bucketName: bucket,
          objectName: key,
          uploadID: uploadId,
          partNumber: part,
          headers: { 'Content-MD5': contentMd5 },
        },
        data,
      );
      etags.push({ part, etag: uploaded.etag });
      size += data.length;
    }
    const { etag } = await client.completeMultipartUpload(bucket, key, uploadId, etags);
    return { etag, size };
  } catch (err) {
    await parts.return(undefined); // stops reading (and destroys) the source stream
    await client.abortMultipartUpload(bucket, key, uploadId).catch(() => undefined);
    throw err;
  }
}
