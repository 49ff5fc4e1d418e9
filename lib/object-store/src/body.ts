import type { Readable } from 'node:stream';

export type Body = Readable | Uint8Array | string;

/** Strings and byte arrays are already in memory; only streams must never be read whole. */
export function isInMemory(body: Body): body is Uint8Array | string {
  return typeof body === 'string' || body instanceof Uint8Array;
}

export function toBuffer(body: Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
