import { InProcessBus } from '@mi/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicUpload, type UploadRecord, UploadStore } from './upload-store.ts';

let bus: InProcessBus;
let uploads: UploadStore;

const record = (tenant: string, id: string, createdAt: string): UploadRecord => ({
  id,
  tenant,
  key: `uploads/${tenant}/${id}/talk.mp4`,
  filename: 'talk.mp4',
  contentType: 'video/mp4',
  state: 'uploading',
  createdAt,
  updatedAt: createdAt,
  multipart: { uploadId: 'mp-1', partSize: 8 << 20, parts: 2 },
});

beforeAll(async () => {
  bus = new InProcessBus();
  uploads = await UploadStore.open(bus);
});
afterAll(async () => {
  await bus.close();
});

describe('UploadStore', () => {
  it('keeps each tenant to its own uploads, newest first', async () => {
    expect(await uploads.create(record('acme', 'up1', '2026-01-01T00:00:00.000Z'))).toBe(true);
    expect(await uploads.create(record('acme', 'up1', '2026-01-01T00:00:00.000Z'))).toBe(false);
    await uploads.create(record('acme', 'up2', '2026-01-02T00:00:00.000Z'));
    await uploads.create(record('acme.eu', 'up3', '2026-01-03T00:00:00.000Z'));
    await uploads.create(record('globex', 'up4', '2026-01-04T00:00:00.000Z'));
    expect((await uploads.list('acme')).map((u) => u.id)).toEqual(['up2', 'up1']);
    expect((await uploads.list('acme', { limit: 1 })).map((u) => u.id)).toEqual(['up2']);
    expect(await uploads.get('globex', 'up1')).toBeNull();
    expect(await uploads.get('acme', 'up1')).toMatchObject({ id: 'up1', tenant: 'acme' });
    expect(await uploads.update('globex', 'up1', (r) => ({ ...r, state: 'ready' }))).toBeNull();
  });

  it('updates by compare-and-set: concurrent changes both land', async () => {
    await uploads.create(record('acme', 'up5', '2026-01-05T00:00:00.000Z'));
    await Promise.all([
      uploads.update('acme', 'up5', (r) => ({ ...r, filename: `${r.filename}+a` })),
      uploads.update('acme', 'up5', (r) => ({ ...r, filename: `${r.filename}+b` })),
    ]);
    expect((await uploads.get('acme', 'up5'))?.filename).toMatch(/^talk\.mp4\+(a\+b|b\+a)$/);
    // A change that returns nothing leaves the record as it is.
    const before = await uploads.get('acme', 'up5');
    expect(await uploads.update('acme', 'up5', () => undefined)).toEqual(before);
  });

  it('shows records without their multipart state', async () => {
    const r = await uploads.get('acme', 'up1');
    expect(r?.multipart).toBeDefined();
    expect(publicUpload(r!)).not.toHaveProperty('multipart');
  });
});
