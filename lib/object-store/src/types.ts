import type { Readable } from 'node:stream';

/**
 * Object storage: one interface, two implementations (local disk for the embedded default,
 * S3 via the `minio` client for MinIO/AWS/any S3-compatible server). The shared contract
 * suite in contract.test.ts runs against both.
 */

export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
  contentType?: string;
  /** User metadata (lower-case keys, without any x-amz-meta- prefix). */
  metadata: Record<string, string>;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  /** Known length, when the body is a stream (lets S3 choose part size). */
  size?: number;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive; omitted means to the end. */
  end?: number;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export class ObjectNotFoundError extends Error {
  readonly code = 'ERR_NOT_FOUND';
}

/** Key is empty, too long, or could escape a directory ('..', absolute, NUL, ...). Same rules for both stores. */
export class InvalidKeyError extends Error {
  readonly code = 'ERR_INVALID_KEY';
}

/** Unknown, completed or aborted multipart upload id (S3: NoSuchUpload). */
export class UploadNotFoundError extends Error {
  readonly code = 'ERR_UPLOAD_NOT_FOUND';
}

/** completeMultipart got a part list S3 would refuse (unknown etag, wrong order, non-last part under 5 MiB). */
export class InvalidPartError extends Error {
  readonly code = 'ERR_INVALID_PART';
}

export interface ObjectStore {
  readonly kind: 'local' | 's3';
  /** Streams `body` in (multipart under the hood for large bodies); never buffers a stream whole. */
  put(key: string, body: Readable | Uint8Array | string, opts?: PutOptions): Promise<{ etag: string; size: number }>;
  /**
   * Streams the object (or a byte range of it) out; throws ObjectNotFoundError.
   * An end past the last byte is clamped; a start past it throws RangeError.
   */
  get(key: string, opts?: { range?: ByteRange }): Promise<Readable>;
  /** Metadata, or null when absent. */
  stat(key: string): Promise<ObjectInfo | null>;
  /**
   * Objects whose key starts with `prefix`, all depths, in key order (UTF-8 byte order, as S3).
   * S3 listings carry no user metadata or content type: use stat() when those are needed.
   */
  list(prefix?: string): AsyncIterable<ObjectInfo>;
  /** Removes the object; no error when absent. */
  delete(key: string): Promise<void>;
  /** URL anyone can GET (ranges honoured) until it expires. */
  presignGet(key: string, expirySeconds: number): Promise<string>;
  /** URL anyone can PUT the whole object to until it expires. */
  presignPut(key: string, expirySeconds: number): Promise<string>;
  /** Multipart upload for large files sent straight from clients. */
  createMultipart(key: string, opts?: PutOptions): Promise<string>;
  /** URL to PUT one part (1-based partNumber); the response's ETag header is the part's etag. */
  presignPart(key: string, uploadId: string, partNumber: number, expirySeconds: number): Promise<string>;
  uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<CompletedPart>;
  completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<{ etag: string }>;
  /** Drops the upload and its parts; nothing is left behind. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
  close(): Promise<void>;
}
