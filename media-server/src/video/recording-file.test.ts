import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORDING_CONTAINERS, RecordingFile } from './recording-file.ts';
import type { KeyframeObjectStore } from './types.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recording-file-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function memoryStore() {
  const puts: { key: string; body: Buffer; streamed: boolean; opts: unknown }[] = [];
  const store: KeyframeObjectStore = {
    async put(key, body, opts) {
      const streamed = body instanceof Readable;
      const chunks: Buffer[] = [];
      if (body instanceof Readable) for await (const c of body) chunks.push(c as Buffer);
      else chunks.push(Buffer.from(body));
      const data = Buffer.concat(chunks);
      puts.push({ key, body: data, streamed, opts });
      return { etag: 'e', size: data.length };
    },
  };
  return { store, puts };
}

describe('RecordingFile', () => {
  it('gets a unique temporary path with the container extension', () => {
    const a = RecordingFile.for('video/VP8');
    const b = RecordingFile.for('video/VP8');
    expect(a.path).not.toBe(b.path);
    expect(a.path.startsWith(tmpdir())).toBe(true);
    expect(a.path).toMatch(/\.webm$/);
    expect(RecordingFile.for('video/H264').path).toMatch(/\.mkv$/);
    expect(RecordingFile.for('video/H264').container).toBe(RECORDING_CONTAINERS['video/H264']);
  });

  it('streams the file into the store with its size and content type, then is removed', async () => {
    const file = new RecordingFile(RECORDING_CONTAINERS['video/VP8'], dir);
    expect(file.size()).toBe(0);
    await writeFile(file.path, Buffer.alloc(100_000, 7));
    expect(file.size()).toBe(100_000);
    const { store, puts } = memoryStore();
    expect(await file.upload(store, 'rec/a.webm', { room: 'r' })).toBe(100_000);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      key: 'rec/a.webm',
      streamed: true,
      opts: { contentType: 'video/webm', size: 100_000, metadata: { room: 'r' } },
    });
    expect(puts[0]!.body.equals(Buffer.alloc(100_000, 7))).toBe(true);
    await file.remove();
    expect(existsSync(file.path)).toBe(false);
    await file.remove(); // removing twice is fine
  });

  it('stores nothing when ffmpeg never wrote the file, or left it empty', async () => {
    const { store, puts } = memoryStore();
    const missing = new RecordingFile(RECORDING_CONTAINERS['video/VP8'], dir);
    expect(await missing.upload(store, 'k', {})).toBe(0);
    const empty = new RecordingFile(RECORDING_CONTAINERS['video/VP8'], dir);
    await writeFile(empty.path, '');
    expect(await empty.upload(store, 'k', {})).toBe(0);
    expect(puts).toEqual([]);
    await empty.remove();
  });
});
