import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalPresignHandler, type PresignHandler } from './local-presign-handler.ts';
import { LocalObjectStore } from './local-store.ts';

/** Local-disk specifics beyond the shared contract: layout, concurrency, HTTP details. */

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const md5 = (data: string): string => createHash('md5').update(data).digest('hex');

async function keys(store: LocalObjectStore, prefix?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const info of store.list(prefix)) out.push(info.key);
  return out;
}

describe('LocalObjectStore', () => {
  let root: string;
  let store: LocalObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mi-local-unit-'));
    store = new LocalObjectStore({ root, publicUrl: 'http://127.0.0.1:1/base/', signingKey: 'k' });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps `a` and `a/b` side by side, as S3 does', async () => {
    await store.put('a', 'file');
    await store.put('a/b', 'nested');
    expect((await readAll(await store.get('a'))).toString()).toBe('file');
    expect((await readAll(await store.get('a/b'))).toString()).toBe('nested');
    expect(await keys(store)).toEqual(['a', 'a/b']);
  });

  it('lists in UTF-8 byte order, not UTF-16 order', async () => {
    // UTF-16 puts the emoji (a surrogate pair, 0xD83D…) before U+FB00; UTF-8 (and S3) after it.
    for (const key of ['u/😀', 'u/ﬀ', 'u/é', 'u/z', 'u/%41', 'u/A']) await store.put(key, key);
    expect(await keys(store, 'u/')).toEqual(['u/%41', 'u/A', 'u/z', 'u/é', 'u/ﬀ', 'u/😀']);
  });

  it('leaves one consistent version after concurrent puts of one key', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => `version ${i} `.repeat(1000 + i));
    await Promise.all(bodies.map((body) => store.put('race/key', body)));
    const info = await store.stat('race/key');
    const content = (await readAll(await store.get('race/key'))).toString();
    expect(bodies).toContain(content);
    expect(info?.etag).toBe(md5(content));
    expect(info?.size).toBe(content.length);
    const files = await readdir(join(root, 'objects', 'race'));
    expect(files.filter((f) => f.includes('%data-'))).toHaveLength(1); // old versions removed
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('lets an open read finish on the version it started with', async () => {
    await store.put('snap/key', 'old content');
    const stream = await store.get('snap/key');
    await store.put('snap/key', 'new content');
    expect((await readAll(stream)).toString()).toBe('old content');
    expect((await readAll(await store.get('snap/key'))).toString()).toBe('new content');
  });

  it('removes directories a delete leaves empty', async () => {
    await store.put('deep/er/still/key', 'x');
    await store.put('deep/sibling', 'y');
    await store.delete('deep/er/still/key');
    expect(await readdir(join(root, 'objects', 'deep'))).toEqual(
      ['sibling%meta', expect.stringMatching(/^sibling%data-/)].sort(),
    );
    await store.delete('deep/sibling');
    expect(await readdir(join(root, 'objects'))).toEqual([]);
  });

  it('refuses forged upload ids without touching the disk outside .uploads', async () => {
    await expect(store.uploadPart('k', '../../objects', 1, Buffer.from('x'))).rejects.toThrow(/no multipart upload/);
    await expect(store.abortMultipart('k', '../..')).resolves.toBeUndefined();
    expect(await readdir(root)).toEqual(expect.arrayContaining(['objects', '.tmp', '.uploads']));
  });

  it('signs URLs under publicUrl, including its path', async () => {
    const url = new URL(await store.presignGet('dir/file name.mp4', 60));
    expect(url.origin).toBe('http://127.0.0.1:1');
    expect(url.pathname).toBe('/base/v1/objects/dir/file%20name.mp4');
    expect(url.searchParams.get('op')).toBe('get');
  });
});

describe('local presign handler over HTTP', () => {
  let root: string;
  let server: Server;
  let store: LocalObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mi-local-http-'));
    let handle: PresignHandler | undefined; // needs the store, which needs the port
    server = createServer((req, res) => {
      void handle?.(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    store = new LocalObjectStore({
      root,
      publicUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      signingKey: 'k',
    });
    handle = createLocalPresignHandler(store);
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  it('answers HEAD, suffix ranges and unsatisfiable ranges like S3', async () => {
    await store.put('v/clip.mp4', '0123456789', { contentType: 'video/mp4', metadata: { camera: 'front' } });
    const url = await store.presignGet('v/clip.mp4', 60);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Object.fromEntries(head.headers)).toMatchObject({
      'content-length': '10',
      'content-type': 'video/mp4',
      etag: `"${md5('0123456789')}"`,
      'accept-ranges': 'bytes',
      'x-amz-meta-camera': 'front',
    });
    const tail = await fetch(url, { headers: { Range: 'bytes=-3' } });
    expect(tail.status).toBe(206);
    expect(await tail.text()).toBe('789');
    const beyond = await fetch(url, { headers: { Range: 'bytes=10-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */10');
  });

  it('answers 404 for a presigned GET of a deleted object, and 404 for a part of an unknown upload', async () => {
    await store.put('gone', 'x');
    const url = await store.presignGet('gone', 60);
    await store.delete('gone');
    expect((await fetch(url)).status).toBe(404);
    const partUrl = await store.presignPart('k', '0'.repeat(32), 1, 60);
    expect((await fetch(partUrl, { method: 'PUT', body: 'x' })).status).toBe(404);
  });
});
