import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalPresignHandler, type PresignHandler } from './local-presign-handler.ts';
import { LocalObjectStore } from './local-store.ts';
import { S3ObjectStore } from './s3-store.ts';
import { startS3Server } from './testing/s3-server.ts';
import type { ObjectStore } from './types.ts';
import { InvalidKeyError, InvalidPartError, ObjectNotFoundError, UploadNotFoundError } from './types.ts';

/**
 * One contract, two implementations: local disk (presigned URLs served by the presign handler
 * on a bare http server) and S3 (minio client against s3rver over HTTP). A case that s3rver
 * cannot exercise is skipped for S3 only, with the gap named next to it.
 */

const MiB = 1024 * 1024;

interface Harness {
  store: ObjectStore;
  /** Directory the backend writes into, to watch data arrive while a put is still running. */
  dataDir: string;
  /** Base URL of the server answering presigned URLs. */
  origin: string;
  /** A second store on the same server whose bucket does not exist yet (S3 only). */
  storeWithNewBucket?: () => ObjectStore;
  stop(): Promise<void>;
}

async function startLocal(): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), 'mi-local-store-'));
  let handler: PresignHandler | undefined;
  const server = createServer((req, res) => {
    void (async () => {
      if (!(await handler?.(req, res))) {
        res.statusCode = 404;
        res.end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = new LocalObjectStore({ root, publicUrl: origin, signingKey: 'contract-test-signing-key' });
  handler = createLocalPresignHandler(store);
  return {
    store,
    dataDir: root,
    origin,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function startS3(): Promise<Harness> {
  const s3 = await startS3Server();
  const config = {
    endPoint: s3.endPoint,
    port: s3.port,
    useSSL: false,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
  };
  // 5 MiB parts (S3's minimum) so a 12 MiB stream goes up as a 3-part multipart upload.
  const store = new S3ObjectStore({ ...config, bucket: s3.bucket, partSize: 5 * MiB });
  return {
    store,
    dataDir: s3.directory,
    origin: `http://${s3.endPoint}:${s3.port}`,
    storeWithNewBucket: () => new S3ObjectStore({ ...config, bucket: 'created-on-first-use' }),
    stop: () => s3.stop(),
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Bytes in all files under dir (files may vanish while we look). */
async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    total += await stat(join(entry.parentPath, entry.name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** When a presigned URL of either store stops working (Unix ms). */
function expiresAt(url: string): number {
  const q = new URL(url).searchParams;
  const exp = q.get('exp'); // local store
  if (exp) return Number(exp) * 1000;
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(q.get('X-Amz-Date') ?? ''); // SigV4
  if (!date) throw new Error(`no expiry in ${url}`);
  const [, y, mo, d, hh, mm, ss] = date.map(Number);
  return Date.UTC(y ?? 0, (mo ?? 1) - 1, d, hh, mm, ss) + Number(q.get('X-Amz-Expires')) * 1000;
}

describe.each([
  { kind: 'local', start: startLocal },
  { kind: 's3', start: startS3 },
])('ObjectStore contract: $kind', ({ kind, start }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await start();
  });
  afterAll(async () => {
    await h?.store.close();
    await h?.stop();
  });

  it('puts a Buffer and a string, and gets them back with S3 single-part etags', async () => {
    const data = randomBytes(64 * 1024);
    expect(await h.store.put('basic/buffer.bin', data)).toEqual({ etag: md5(data), size: data.length });
    expect(await readAll(await h.store.get('basic/buffer.bin'))).toEqual(data);

    await h.store.put('basic/text.txt', 'héllo');
    expect((await readAll(await h.store.get('basic/text.txt'))).toString('utf8')).toBe('héllo');

    expect(await h.store.put('basic/empty', Readable.from([]))).toEqual({ etag: md5(Buffer.alloc(0)), size: 0 });
    expect(await readAll(await h.store.get('basic/empty'))).toEqual(Buffer.alloc(0));
  });

  it('streams a body of several MiB in without buffering it whole', async () => {
    const chunks = Array.from({ length: 12 }, () => randomBytes(MiB));
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    // Hold back the second half until the backend has stored at least 5 MiB of the first:
    // a store that buffered the whole stream would store nothing before the end.
    async function* produce() {
      for (const [i, chunk] of chunks.entries()) {
        if (i === 6) await gate;
        yield chunk;
      }
    }
    const before = await dirBytes(h.dataDir);
    const put = h.store.put('stream/big.bin', Readable.from(produce()));
    put.catch(() => {}); // awaited below; avoid an unhandled rejection while we wait
    const storedWhileStreaming = await waitFor(async () => (await dirBytes(h.dataDir)) - before >= 5 * MiB, 10_000);
    openGate();
    const result = await put;
    expect(storedWhileStreaming).toBe(true);
    expect(result.size).toBe(12 * MiB);
    const back = await readAll(await h.store.get('stream/big.bin'));
    expect(sha256(back)).toBe(sha256(Buffer.concat(chunks)));
    expect((await h.store.stat('stream/big.bin'))?.size).toBe(12 * MiB);
  });

  it('rejects a put whose stream fails, leaving no object behind', async () => {
    async function* failing() {
      for (let i = 0; i < 6; i++) yield randomBytes(MiB);
      throw new Error('source broke');
    }
    await expect(h.store.put('stream/broken.bin', Readable.from(failing()))).rejects.toThrow('source broke');
    expect(await h.store.stat('stream/broken.bin')).toBeNull();
    if (kind === 'local') expect(await readdir(join(h.dataDir, '.tmp'))).toEqual([]);
  });

  it('gets byte ranges', async () => {
    const data = randomBytes(1000);
    await h.store.put('range/data.bin', data);
    const range = async (start: number, end?: number) =>
      readAll(await h.store.get('range/data.bin', { range: end === undefined ? { start } : { start, end } }));
    expect(await range(10, 19)).toEqual(data.subarray(10, 20));
    expect(await range(990)).toEqual(data.subarray(990));
    expect(await range(995, 5000)).toEqual(data.subarray(995)); // end clamped, as S3 does
    await expect(h.store.get('range/data.bin', { range: { start: 1000 } })).rejects.toBeInstanceOf(RangeError);
  });

  it('stats content type and user metadata; null for a missing key', async () => {
    await h.store.put('stat/clip.mp4', Buffer.from('not really a video'), {
      contentType: 'video/mp4',
      metadata: { Source: 'camera-1', lang: 'en' },
    });
    const info = await h.store.stat('stat/clip.mp4');
    expect(info).toMatchObject({
      key: 'stat/clip.mp4',
      size: 18,
      etag: md5(Buffer.from('not really a video')),
      contentType: 'video/mp4',
      metadata: { source: 'camera-1', lang: 'en' },
    });
    expect(Math.abs((info?.lastModified.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(await h.store.stat('stat/missing')).toBeNull();
  });

  it('throws ObjectNotFoundError for a missing key', async () => {
    await expect(h.store.get('missing/nothing-here')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('lists by prefix, all depths, in key order', async () => {
    // Inserted out of order; 'list/a.txt' < 'list/a/1' because '.' < '/'.
    const keys = ['list/b', 'list/c/d/e', 'list/a/2', 'list/B', 'list/a.txt', 'list/a/1', 'listing-elsewhere'];
    for (const [i, key] of keys.entries()) await h.store.put(key, Buffer.alloc(i + 1, 7));
    const listed = await collect(h.store.list('list/'));
    expect(listed.map((o) => o.key)).toEqual(['list/B', 'list/a.txt', 'list/a/1', 'list/a/2', 'list/b', 'list/c/d/e']);
    expect(listed[0]).toMatchObject({ size: 4, etag: md5(Buffer.alloc(4, 7)) });
    expect((await collect(h.store.list('list/a'))).map((o) => o.key)).toEqual(['list/a.txt', 'list/a/1', 'list/a/2']);
    expect((await collect(h.store.list('list/b'))).map((o) => o.key)).toEqual(['list/b']);
    expect(await collect(h.store.list('list/zzz'))).toEqual([]);
    const all = (await collect(h.store.list())).map((o) => o.key);
    expect(all).toEqual([...all].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    expect(all).toEqual(expect.arrayContaining(keys));
  });

  it('deletes, and deleting a missing key is fine', async () => {
    await h.store.put('delete/me', 'bye');
    await h.store.delete('delete/me');
    expect(await h.store.stat('delete/me')).toBeNull();
    expect(await collect(h.store.list('delete/'))).toEqual([]);
    await h.store.delete('delete/me');
  });

  it('round-trips unusual but valid keys', async () => {
    const key = 'odd/spa ce/ünï/100%/a+b=c&d';
    await h.store.put(key, 'odd');
    expect((await readAll(await h.store.get(key))).toString()).toBe('odd');
    expect(await h.store.stat(key)).toMatchObject({ key, size: 3 });
  });

  // s3rver gap: it ignores encoding-type=url in listings, so minio (which always asks for it and
  // decodes the answer) turns '+' into ' ' and chokes on '%'. S3 and MinIO encode as asked.
  it.skipIf(kind === 's3')('lists keys with % and + intact', async () => {
    const keys = ['odd-list/100%', 'odd-list/a+b', 'odd-list/a b'];
    for (const key of keys) await h.store.put(key, key);
    expect((await collect(h.store.list('odd-list/'))).map((o) => o.key)).toEqual([
      'odd-list/100%',
      'odd-list/a b',
      'odd-list/a+b',
    ]);
  });

  it('serves presigned GET, with ranges, to plain fetch', async () => {
    const data = randomBytes(4096);
    await h.store.put('presign/get.bin', data);
    const url = await h.store.presignGet('presign/get.bin', 60);
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(data);

    const partial = await fetch(url, { headers: { Range: 'bytes=5-9' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe('bytes 5-9/4096');
    expect(Buffer.from(await partial.arrayBuffer())).toEqual(data.subarray(5, 10));
  });

  it('accepts a presigned PUT from plain fetch', async () => {
    const data = randomBytes(10_000);
    const url = await h.store.presignPut('presign/put.bin', 60);
    const res = await fetch(url, { method: 'PUT', body: data, headers: { 'Content-Type': 'application/x-test' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')?.replaceAll('"', '')).toBe(md5(data));
    expect(await readAll(await h.store.get('presign/put.bin'))).toEqual(data);
    expect(await h.store.stat('presign/put.bin')).toMatchObject({
      size: data.length,
      contentType: 'application/x-test',
    });
  });

  it('refuses an expired presigned URL', async () => {
    await h.store.put('presign/expiring', 'soon gone');
    // Expiry counts from a whole second (SigV4's X-Amz-Date, our exp), so 2 s leave at least 1 s.
    const url = await h.store.presignGet('presign/expiring', 2);
    expect((await fetch(url)).status).toBe(200);
    await sleep(expiresAt(url) - Date.now() + 100);
    expect((await fetch(url)).status).toBe(403);
  });

  // s3rver gap: it does not verify SigV4 signatures at all (only the expiry of presigned URLs).
  it.skipIf(kind === 's3')('refuses a presigned URL whose signature or key was tampered with', async () => {
    await h.store.put('presign/guarded', 'secret');
    await h.store.put('presign/other', 'other secret');
    const url = new URL(await h.store.presignGet('presign/guarded', 60));
    const badSig = new URL(url);
    badSig.searchParams.set('sig', `${url.searchParams.get('sig')?.slice(0, -2)}AA`);
    expect((await fetch(badSig)).status).toBe(403);
    const otherKey = new URL(url.href.replace('/presign/guarded?', '/presign/other?'));
    expect((await fetch(otherKey)).status).toBe(403);
    const asPut = await fetch(url, { method: 'PUT', body: 'overwrite' });
    expect(asPut.status).toBe(405);
    expect((await fetch(`${h.origin}/somewhere/else`)).status).toBe(404); // handler passed it on
  });

  it('completes a multipart upload from uploadPart and a presigned part URL', async () => {
    const key = 'multipart/video.mp4';
    const first = randomBytes(5 * MiB + 123); // S3: every part but the last is at least 5 MiB
    const second = randomBytes(1000);
    const uploadId = await h.store.createMultipart(key, { contentType: 'video/mp4', metadata: { origin: 'browser' } });
    const part1 = await h.store.uploadPart(key, uploadId, 1, first);
    expect(part1).toEqual({ partNumber: 1, etag: md5(first) });

    const res = await fetch(await h.store.presignPart(key, uploadId, 2, 60), { method: 'PUT', body: second });
    expect(res.status).toBe(200);
    const etag2 = res.headers.get('etag') ?? '';
    expect(etag2.replaceAll('"', '')).toBe(md5(second));

    const { etag } = await h.store.completeMultipart(key, uploadId, [part1, { partNumber: 2, etag: etag2 }]);
    const back = await readAll(await h.store.get(key));
    expect(sha256(back)).toBe(sha256(Buffer.concat([first, second])));
    expect(await h.store.stat(key)).toMatchObject({
      size: first.length + second.length,
      etag,
      contentType: 'video/mp4',
      metadata: { origin: 'browser' },
    });
  });

  // s3rver gap: its completed-upload etag is the md5 of the whole object, not S3's "<md5 of md5s>-<n>".
  it.skipIf(kind === 's3')('gives multipart objects S3-style etags', async () => {
    const key = 'multipart/etag.bin';
    const parts = [randomBytes(5 * MiB), randomBytes(10)];
    const uploadId = await h.store.createMultipart(key);
    const done = [];
    for (const [i, part] of parts.entries()) done.push(await h.store.uploadPart(key, uploadId, i + 1, part));
    const md5s = Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()));
    expect((await h.store.completeMultipart(key, uploadId, done)).etag).toBe(`${md5(md5s)}-2`);
  });

  // s3rver gap: it ignores the listed etags and does not enforce the 5 MiB minimum part size.
  it.skipIf(kind === 's3')('refuses to complete with unknown etags or a small non-last part', async () => {
    const key = 'multipart/refused.bin';
    const uploadId = await h.store.createMultipart(key);
    const small = await h.store.uploadPart(key, uploadId, 1, randomBytes(100));
    const last = await h.store.uploadPart(key, uploadId, 2, randomBytes(100));
    await expect(
      h.store.completeMultipart(key, uploadId, [{ partNumber: 1, etag: md5(Buffer.from('other')) }]),
    ).rejects.toBeInstanceOf(InvalidPartError);
    await expect(h.store.completeMultipart(key, uploadId, [last, small])).rejects.toBeInstanceOf(InvalidPartError);
    await expect(h.store.completeMultipart(key, uploadId, [small, last])).rejects.toBeInstanceOf(InvalidPartError);
    // A refused completion leaves the upload usable, as on S3.
    expect(await h.store.completeMultipart(key, uploadId, [last])).toHaveProperty('etag');
    expect((await h.store.stat(key))?.size).toBe(100);
  });

  it('aborts a multipart upload, leaving nothing behind', async () => {
    const key = 'multipart/aborted.bin';
    const uploadId = await h.store.createMultipart(key);
    const part = await h.store.uploadPart(key, uploadId, 1, randomBytes(2048));
    await h.store.abortMultipart(key, uploadId);
    expect(await h.store.stat(key)).toBeNull();
    await expect(h.store.completeMultipart(key, uploadId, [part])).rejects.toBeInstanceOf(UploadNotFoundError);
    await expect(h.store.uploadPart(key, uploadId, 2, randomBytes(10))).rejects.toBeInstanceOf(UploadNotFoundError);
    await h.store.abortMultipart(key, uploadId); // idempotent
    if (kind === 'local') expect(await readdir(join(h.dataDir, '.uploads'))).toEqual([]);
  });

  it('rejects keys that could escape the store or that S3 tools mishandle', async () => {
    const bad = ['', '../escape', 'a/../../escape', '/etc/passwd', 'a//b', 'a/./b', 'dir/', 'nul\0byte', 'win\\..\\x'];
    for (const key of bad) {
      await expect(h.store.put(key, 'x'), key).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(h.store.get(key), key).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(h.store.stat(key), key).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(h.store.delete(key), key).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(h.store.presignGet(key, 60), key).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(h.store.createMultipart(key), key).rejects.toBeInstanceOf(InvalidKeyError);
    }
    if (kind === 'local') {
      // Nothing was created next to the store's root.
      const parent = join(h.dataDir, '..');
      expect((await readdir(parent)).filter((name) => ['escape', 'etc', 'x'].includes(name))).toEqual([]);
    }
  });

  it.skipIf(kind === 'local')('creates its bucket on first use', async () => {
    const store = h.storeWithNewBucket?.();
    if (!store) throw new Error('harness has no second bucket');
    await store.put('first/object', 'hello');
    expect((await readAll(await store.get('first/object'))).toString()).toBe('hello');
  });
});
