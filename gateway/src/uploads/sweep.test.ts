import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '@mi/bus';
import { LocalObjectStore } from '@mi/object-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepStaleUploads } from './sweep.ts';
import { UploadStore } from './upload-store.ts';

let dir: string;
let bus: InProcessBus;
let store: LocalObjectStore;
let uploads: UploadStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mi-sweep-'));
  bus = new InProcessBus();
  store = new LocalObjectStore({ root: dir, publicUrl: 'http://127.0.0.1:1', signingKey: 'sweep-test-signing-key' });
  uploads = await UploadStore.open(bus);
});
afterAll(async () => {
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

/** A presigned upload with one part sent, created `ageMs` ago. */
async function started(tenant: string, id: string, ageMs: number) {
  const key = `uploads/${tenant}/${id}/talk.mp4`;
  const uploadId = await store.createMultipart(key);
  await store.uploadPart(key, uploadId, 1, new Uint8Array(1000));
  const at = new Date(Date.now() - ageMs).toISOString();
  await uploads.create({
    id,
    tenant,
    key,
    filename: 'talk.mp4',
    contentType: 'video/mp4',
    state: 'uploading',
    multipart: { uploadId, partSize: 8 << 20, parts: 2 },
    createdAt: at,
    updatedAt: at,
  });
  return { key, uploadId };
}

describe('sweeping abandoned presigned uploads', () => {
  it('aborts uploads whose part URLs expired, of every tenant, and leaves fresh ones alone', async () => {
    const old = await started('acme', 'up_old', 3 * 3600_000);
    const other = await started('globex', 'up_other', 2 * 3600_000);
    const fresh = await started('acme', 'up_fresh', 60_000);
    expect(await sweepStaleUploads({ uploads, store })).toBe(2);
    expect(await uploads.get('acme', 'up_old')).toMatchObject({
      state: 'aborted',
      error: { code: 'ERR_UPLOAD_INCOMPLETE' },
    });
    expect((await uploads.get('acme', 'up_old'))?.multipart).toBeUndefined();
    expect((await uploads.get('globex', 'up_other'))?.state).toBe('aborted');
    // Their parts are gone from the store; the fresh upload can still take parts.
    await expect(store.uploadPart(old.key, old.uploadId, 2, new Uint8Array(10))).rejects.toMatchObject({
      code: 'ERR_UPLOAD_NOT_FOUND',
    });
    await expect(store.uploadPart(other.key, other.uploadId, 2, new Uint8Array(10))).rejects.toThrow();
    await store.uploadPart(fresh.key, fresh.uploadId, 2, new Uint8Array(10));
    expect((await uploads.get('acme', 'up_fresh'))?.state).toBe('uploading');
    // A second sweep finds nothing left to do.
    expect(await sweepStaleUploads({ uploads, store })).toBe(0);
  });
});
