import type { StoredFile } from '@mi/contracts';
import type { ObjectStore } from '@mi/object-store';

/** Reads a JSON object from the store, or undefined when it is not there. */
export async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  if (!(await store.stat(key))) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

export async function writeJson(store: ObjectStore, key: string, value: unknown): Promise<StoredFile> {
  const body = Buffer.from(JSON.stringify(value));
  await store.put(key, body, { contentType: 'application/json' });
  return { key, contentType: 'application/json', bytes: body.length };
}

/**
 * A stage's output, computed once: a retried attempt finds it in the store and skips the work.
 * Checkpoints like this are what let a job killed mid-way resume on another worker.
 */
export async function checkpoint<T>(store: ObjectStore, key: string, compute: () => Promise<T>): Promise<T> {
  const done = await readJson<T>(store, key);
  if (done !== undefined) return done;
  const value = await compute();
  await writeJson(store, key, value);
  return value;
}
