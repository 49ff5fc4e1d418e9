import type { ByteRange, CompletedPart } from './types.ts';
import { InvalidKeyError, InvalidPartError } from './types.ts';

/**
 * Argument checks shared by both stores, so a key or metadata that works in development
 * (local disk) also works in production (S3), and the reverse.
 */

const MAX_KEY_BYTES = 1024; // S3's limit
const MAX_METADATA_BYTES = 2048; // S3's limit on user metadata
export const MAX_PART_NUMBER = 10_000;
export const MIN_PART_SIZE = 5 * 1024 * 1024; // S3: every part but the last
const MAX_EXPIRY_SECONDS = 7 * 24 * 3600; // S3 SigV4's limit

/** Standard headers that minio reports next to user metadata; user keys must not shadow them. */
export const RESERVED_METADATA_KEYS = new Set([
  'content-type',
  'cache-control',
  'content-encoding',
  'content-disposition',
  'content-language',
  'expires',
  'if-match',
  'if-none-match',
]);

function hasControlOrBackslash(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}

/**
 * Rejects keys that could escape the store root on disk or that S3 tools handle badly:
 * empty, over 1024 bytes, lone surrogates, control characters (NUL included), backslashes
 * (Windows separators), and empty, '.' or '..' segments (which also covers a leading '/').
 */
export function validateKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError('object key must be a non-empty string');
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length > MAX_KEY_BYTES) throw new InvalidKeyError(`object key longer than ${MAX_KEY_BYTES} bytes`);
  if (bytes.toString('utf8') !== key) throw new InvalidKeyError('object key is not well-formed Unicode');
  if (hasControlOrBackslash(key)) throw new InvalidKeyError(`object key has a control character or backslash`);
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidKeyError(`object key has an empty, '.' or '..' segment: ${JSON.stringify(key)}`);
    }
  }
}

const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/; // HTTP header name characters
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/; // S3 mangles anything else in metadata values

/** Lower-cases keys and trims values (as HTTP does on S3); throws TypeError for what S3 cannot carry. */
export function normalizeMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  let bytes = 0;
  for (const [rawKey, rawValue] of Object.entries(metadata ?? {})) {
    const key = rawKey.toLowerCase();
    if (!TOKEN.test(key) || key.startsWith('x-amz-') || RESERVED_METADATA_KEYS.has(key)) {
      throw new TypeError(`invalid metadata key: ${JSON.stringify(rawKey)}`);
    }
    if (typeof rawValue !== 'string' || !PRINTABLE_ASCII.test(rawValue)) {
      throw new TypeError(`metadata value for ${JSON.stringify(rawKey)} must be printable ASCII`);
    }
    if (key in out) throw new TypeError(`duplicate metadata key (case-insensitive): ${JSON.stringify(rawKey)}`);
    const value = rawValue.trim();
    out[key] = value;
    bytes += key.length + value.length;
  }
  if (bytes > MAX_METADATA_BYTES) throw new TypeError(`user metadata exceeds ${MAX_METADATA_BYTES} bytes`);
  return out;
}

export function validateContentType(contentType: string | undefined): void {
  if (contentType === undefined) return;
  if (typeof contentType !== 'string' || contentType === '' || !PRINTABLE_ASCII.test(contentType)) {
    throw new TypeError('content type must be non-empty printable ASCII');
  }
}

export function validateRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`invalid range start: ${start}`);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new RangeError(`invalid range end: ${end}`);
  }
}

/** Clamps the end to the object (as S3 does); a start at or past the end is unsatisfiable. */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  validateRange(range);
  if (range.start >= size) throw new RangeError(`range start ${range.start} is past the end (size ${size})`);
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

export function validateExpiry(seconds: number): void {
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_EXPIRY_SECONDS) {
    throw new RangeError(`expiry must be 1..${MAX_EXPIRY_SECONDS} whole seconds`);
  }
}

export function validatePartNumber(partNumber: number): void {
  if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new RangeError(`part number must be 1..${MAX_PART_NUMBER}`);
  }
}

/** Etags travel quoted in HTTP headers and unquoted in our API; compare them unquoted. */
export function unquoteEtag(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

/** Same checks S3 does up front: a non-empty list in strictly ascending part order. */
export function normalizeParts(parts: CompletedPart[]): CompletedPart[] {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new InvalidPartError('a multipart upload needs at least one part');
  }
  let previous = 0;
  return parts.map(({ partNumber, etag }) => {
    validatePartNumber(partNumber);
    if (partNumber <= previous) throw new InvalidPartError('parts must be listed in strictly ascending order');
    previous = partNumber;
    if (typeof etag !== 'string' || unquoteEtag(etag) === '') {
      throw new InvalidPartError(`part ${partNumber} has no etag`);
    }
    return { partNumber, etag: unquoteEtag(etag) };
  });
}
