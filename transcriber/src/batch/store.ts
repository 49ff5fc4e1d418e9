import type { Readable } from 'node:stream';

/**
 * The part of @mi/object-store's ObjectStore that batch transcription uses (any ObjectStore
 * fits). `get` of a missing key rejects with an error whose `code` is 'ERR_NOT_FOUND'.
 */
export interface ChunkStore {
  put(key: string, body: Uint8Array | string, opts?: { contentType?: string }): Promise<unknown>;
  get(key: string): Promise<Readable>;
  stat(key: string): Promise<object | null>;
  delete(key: string): Promise<void>;
}

export async function readObject(store: ChunkStore, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await store.get(key)) parts.push(Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}

export function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_NOT_FOUND';
}
