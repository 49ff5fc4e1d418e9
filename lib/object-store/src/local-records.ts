import type { ObjectInfo } from './types.ts';

/** Sidecar JSON of one object version (objects/…%meta). */
export interface ObjectRecord {
  v: 1;
  key: string;
  size: number;
  etag: string;
  /** Unix milliseconds. */
  lastModified: number;
  contentType?: string;
  metadata: Record<string, string>;
  /** Name of the content file, in the same directory. */
  data: string;
}

/** Sidecar JSON of a multipart upload (.uploads/<id>/upload.json). */
export interface UploadRecord {
  v: 1;
  key: string;
  contentType?: string;
  metadata: Record<string, string>;
  created: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const isStringRecord = (v: unknown): v is Record<string, string> =>
  isObject(v) && Object.values(v).every((x) => typeof x === 'string');

export function parseObjectRecord(json: unknown): ObjectRecord | null {
  if (!isObject(json) || json.v !== 1) return null;
  const { key, size, etag, lastModified, contentType, metadata, data } = json;
  if (typeof key !== 'string' || typeof size !== 'number' || typeof etag !== 'string') return null;
  if (typeof lastModified !== 'number' || typeof data !== 'string' || !isStringRecord(metadata)) return null;
  if (contentType !== undefined && typeof contentType !== 'string') return null;
  return { v: 1, key, size, etag, lastModified, metadata, data, ...(contentType === undefined ? {} : { contentType }) };
}

export function parseUploadRecord(json: unknown): UploadRecord | null {
  if (!isObject(json) || json.v !== 1) return null;
  const { key, contentType, metadata, created } = json;
  if (typeof key !== 'string' || !isStringRecord(metadata) || typeof created !== 'number') return null;
  if (contentType !== undefined && typeof contentType !== 'string') return null;
  return { v: 1, key, metadata, created, ...(contentType === undefined ? {} : { contentType }) };
}

export function toObjectInfo(record: ObjectRecord): ObjectInfo {
  return {
    key: record.key,
    size: record.size,
    etag: record.etag,
    lastModified: new Date(record.lastModified),
    metadata: { ...record.metadata },
    ...(record.contentType === undefined ? {} : { contentType: record.contentType }),
  };
}
