import type { Readable } from 'node:stream';
import { type BucketItem, Client } from 'minio';
import { type Body, toBuffer } from './body.ts';
import { type S3Headers, uploadObject } from './s3-upload.ts';
import type { ByteRange, CompletedPart, ObjectInfo, ObjectStore, PutOptions } from './types.ts';
import { InvalidPartError, ObjectNotFoundError, UploadNotFoundError } from './types.ts';
import {
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  normalizeMetadata,
  normalizeParts,
  RESERVED_METADATA_KEYS,
  validateContentType,
  validateExpiry,
  validateKey,
  validatePartNumber,
  validateRange,
} from './validate.ts';

export interface S3StoreConfig {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** Default us-east-1; set so minio never has to ask the server for the bucket's region. */
  region?: string;
  /** Part size for streamed puts (default 16 MiB, min 5 MiB); also the most a put holds in memory. */
  partSize?: number;
}

const MiB = 1024 * 1024;
const MAX_PART_SIZE = 5 * 1024 * MiB;

/** minio's S3Error code ('NoSuchKey', 'NotFound', …), if any. */
function s3Code(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** Object store over any S3-compatible server (MinIO, AWS, …), via the minio client. */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  private readonly client: Client;
  private readonly bucket: string;
  private readonly region: string;
  private readonly partSize: number;
  private bucketReady: Promise<void> | undefined;

  constructor(config: S3StoreConfig) {
    this.bucket = config.bucket;
    this.region = config.region ?? 'us-east-1';
    this.partSize = config.partSize ?? 16 * MiB;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < MIN_PART_SIZE || this.partSize > MAX_PART_SIZE) {
      throw new RangeError(`partSize must be ${MIN_PART_SIZE}..${MAX_PART_SIZE} bytes`);
    }
    this.client = new Client({
      endPoint: config.endPoint,
      port: config.port,
      useSSL: config.useSSL,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      region: this.region,
    });
  }

  async put(key: string, body: Body, opts: PutOptions = {}): Promise<{ etag: string; size: number }> {
    validateKey(key);
    const headers = this.headers(opts);
    await this.ensureBucket();
    return uploadObject(this.client, this.bucket, key, body, headers, this.partSizeFor(opts.size));
  }

  async get(key: string, opts: { range?: ByteRange } = {}): Promise<Readable> {
    validateKey(key);
    const { range } = opts;
    if (range) validateRange(range);
    await this.ensureBucket();
    try {
      if (!range) return await this.client.getObject(this.bucket, key);
      const length = range.end === undefined ? 0 : range.end - range.start + 1; // 0: to the end
      return await this.client.getPartialObject(this.bucket, key, range.start, length);
    } catch (err) {
      if (s3Code(err) === 'NoSuchKey') throw new ObjectNotFoundError(`object not found: ${key}`);
      if (s3Code(err) === 'InvalidRange') throw new RangeError(`range start ${range?.start} is past the end of ${key}`);
      throw err;
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    validateKey(key);
    await this.ensureBucket();
    try {
      const stat = await this.client.statObject(this.bucket, key);
      // minio mixes standard headers (content-type, …) with user metadata (x-amz-meta- stripped);
      // user keys can't shadow the standard ones (normalizeMetadata), so they can be told apart.
      const metadata: Record<string, string> = {};
      let contentType: string | undefined;
      for (const [name, value] of Object.entries(stat.metaData)) {
        const lower = name.toLowerCase();
        if (lower === 'content-type') contentType = String(value);
        else if (!RESERVED_METADATA_KEYS.has(lower) && !lower.startsWith('x-amz-')) metadata[lower] = String(value);
      }
      const info: ObjectInfo = { key, size: stat.size, etag: stat.etag, lastModified: stat.lastModified, metadata };
      if (contentType !== undefined) info.contentType = contentType;
      return info;
    } catch (err) {
      if (s3Code(err) === 'NotFound' || s3Code(err) === 'NoSuchKey') return null;
      throw err;
    }
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    await this.ensureBucket();
    const items = this.client.listObjectsV2(this.bucket, prefix, true);
    // An object-mode stream of BucketItem; its declared type only knows NodeJS.ReadableStream.
    for await (const item of items as unknown as AsyncIterable<BucketItem>) {
      if (item.name === undefined) continue; // common prefixes: not sent for recursive listings
      yield { key: item.name, size: item.size, etag: item.etag, lastModified: item.lastModified, metadata: {} };
    }
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    await this.ensureBucket();
    await this.client.removeObject(this.bucket, key); // S3 answers 204 for absent keys too
  }

  async presignGet(key: string, expirySeconds: number): Promise<string> {
    this.checkPresign(key, expirySeconds);
    await this.ensureBucket();
    return this.client.presignedGetObject(this.bucket, key, expirySeconds);
  }

  async presignPut(key: string, expirySeconds: number): Promise<string> {
    this.checkPresign(key, expirySeconds);
    await this.ensureBucket();
    return this.client.presignedPutObject(this.bucket, key, expirySeconds);
  }

  async createMultipart(key: string, opts: PutOptions = {}): Promise<string> {
    validateKey(key);
    const headers = this.headers(opts);
    await this.ensureBucket();
    return this.client.initiateNewMultipartUpload(this.bucket, key, headers);
  }

  async presignPart(key: string, uploadId: string, partNumber: number, expirySeconds: number): Promise<string> {
    this.checkPresign(key, expirySeconds);
    validatePartNumber(partNumber);
    await this.ensureBucket();
    const params = { partNumber: String(partNumber), uploadId };
    return this.client.presignedUrl('PUT', this.bucket, key, expirySeconds, params);
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<CompletedPart> {
    validateKey(key);
    validatePartNumber(partNumber);
    await this.ensureBucket();
    const data = toBuffer(body);
    try {
      const part = { bucketName: this.bucket, objectName: key, uploadID: uploadId, partNumber, headers: {} };
      const { etag } = await this.client.uploadPart(part, data);
      return { partNumber, etag };
    } catch (err) {
      throw this.mapMultipartError(err, key, uploadId);
    }
  }

  async completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<{ etag: string }> {
    validateKey(key);
    const list = normalizeParts(parts).map(({ partNumber, etag }) => ({ part: partNumber, etag }));
    await this.ensureBucket();
    try {
      const { etag } = await this.client.completeMultipartUpload(this.bucket, key, uploadId, list);
      return { etag };
    } catch (err) {
      throw this.mapMultipartError(err, key, uploadId);
    }
  }

  /** Idempotent, like the local store: an unknown upload is already gone. */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    validateKey(key);
    await this.ensureBucket();
    try {
      await this.client.abortMultipartUpload(this.bucket, key, uploadId);
    } catch (err) {
      if (s3Code(err) !== 'NoSuchUpload') throw err;
    }
  }

  async close(): Promise<void> {}

  /** Creates the bucket on first use if it is missing; retried on the next call after a failure. */
  private ensureBucket(): Promise<void> {
    this.bucketReady ??= (async () => {
      if (await this.client.bucketExists(this.bucket)) return;
      try {
        await this.client.makeBucket(this.bucket, this.region);
      } catch (err) {
        // Another instance created it first.
        if (s3Code(err) !== 'BucketAlreadyOwnedByYou' && s3Code(err) !== 'BucketAlreadyExists') throw err;
      }
    })().catch((err: unknown) => {
      this.bucketReady = undefined;
      throw err;
    });
    return this.bucketReady;
  }

  private headers(opts: PutOptions): S3Headers {
    validateContentType(opts.contentType);
    const headers: S3Headers = {};
    for (const [name, value] of Object.entries(normalizeMetadata(opts.metadata))) headers[`x-amz-meta-${name}`] = value;
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
    return headers;
  }

  private checkPresign(key: string, expirySeconds: number): void {
    validateKey(key);
    validateExpiry(expirySeconds);
  }

  /** With a known size, parts grow so that the body fits in S3's 10 000 parts. */
  private partSizeFor(size: number | undefined): number {
    if (size === undefined || !Number.isFinite(size) || size <= 0) return this.partSize;
    const needed = Math.ceil(size / MAX_PART_NUMBER / MiB) * MiB;
    return Math.min(Math.max(this.partSize, needed), MAX_PART_SIZE);
  }

  private mapMultipartError(err: unknown, key: string, uploadId: string): unknown {
    const code = s3Code(err);
    if (code === 'NoSuchUpload') return new UploadNotFoundError(`no multipart upload ${uploadId} for ${key}`);
    if (code === 'InvalidPart' || code === 'InvalidPartOrder' || code === 'EntityTooSmall') {
      return new InvalidPartError(err instanceof Error ? err.message : String(code));
    }
    return err;
  }
}
