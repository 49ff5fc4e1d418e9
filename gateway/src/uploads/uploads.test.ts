import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InProcessBus } from '@mi/bus';
import { type GeneratedWebinar, generateWebinar } from '@mi/clipper/testing';
import { type PresignedUploadResponse, streams, type Upload } from '@mi/contracts';
import { ApprovalStore, AuditLog } from '@mi/governance';
import {
  createLocalPresignHandler,
  LocalObjectStore,
  type ObjectStore,
  type PresignHandler,
  S3ObjectStore,
} from '@mi/object-store';
import { startS3Server, type TestS3Server } from '@mi/object-store/testing';
import { createLogger, createMetrics } from '@mi/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../app.ts';
import { parseApiKeys } from '../auth.ts';
import { uploadRoutes } from './routes.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const keys = {
  operator: 'operator-token-0123456789',
  viewer: 'viewer-token-0123456789ab',
  other: 'other-tenant-token-012345',
};
const apiKeys = parseApiKeys(
  `o:operator:acme:${keys.operator},v:viewer:acme:${keys.viewer},x:operator:globex:${keys.other}`,
);

type ErrorBody = { error: { code: string; message: string; details?: { uploadId?: string } } };

/** A gateway with the upload routes on a real port, over one store and one bus. */
type Harness = { base: string; tmp: string; close(): Promise<void> };

let media: {
  webinar: GeneratedWebinar;
  /** ~12 MiB (PCM sound): three presigned parts of 5 MiB. */
  big: string;
  truncated: string;
  bigTruncated: string;
  noise: string;
  text: string;
};
let work: string;

/** The same noise on every run (sha256 in counter mode). */
function pseudoRandomBytes(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0, block = 0; at < length; block++) {
    at += createHash('sha256').update(`noise:${block}`).digest().copy(out, at);
  }
  return out;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

async function startGateway(
  store: ObjectStore,
  presign: PresignHandler | undefined,
  port: number,
  maxBytes: number,
): Promise<Harness> {
  const bus = new InProcessBus();
  for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
  const metrics = createMetrics({ defaultMetrics: false });
  const tmp = await mkdtemp(join(work, 'gw-tmp-'));
  const app: FastifyInstance = await createGateway({
    bus,
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics,
    approvals: await ApprovalStore.open(bus),
    audit: new AuditLog(bus, { service: 'test', version: '0' }),
    apiKeys,
    registries: [metrics.registry],
    checks: [],
    ...(presign ? { presign } : {}),
    routes: [
      {
        plugin: uploadRoutes,
        options: { bus, store, limits: { maxBytes }, tmpDir: tmp, partSize: 5 * MiB },
      },
    ],
  });
  await app.listen({ host: '127.0.0.1', port });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    base,
    tmp,
    async close() {
      await app.close();
      await bus.close();
    },
  };
}

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

async function postFile(base: string, path: string, type: string, filename: string, key = keys.operator) {
  const form = new FormData();
  form.append('title', 'Launch webinar');
  form.append('file', await openAsBlob(path, { type }), filename);
  const res = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: auth(key), body: form });
  return { status: res.status, body: (await res.json()) as Upload & ErrorBody };
}

async function getUpload(base: string, id: string, key = keys.operator) {
  const res = await fetch(`${base}/v1/uploads/${id}`, { headers: auth(key) });
  return { status: res.status, body: (await res.json()) as Upload & ErrorBody };
}

async function listKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out;
}

/** Sends the first half of a multipart upload, then drops the connection. */
async function postHalfAndHangUp(base: string, path: string, key = keys.operator): Promise<void> {
  const data = await readFile(path);
  const boundary = 'mi-test-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="webinar.mp4"\r\n` +
      'Content-Type: video/mp4\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const req = request(`${base}/v1/uploads`, {
    method: 'POST',
    headers: {
      ...auth(key),
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + data.length + tail.length,
    },
  });
  req.on('error', () => {}); // the hang-up is the point
  req.write(head);
  await new Promise<void>((resolve) => req.write(data.subarray(0, data.length >> 1), () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 200));
  req.destroy();
}

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The whole presigned flow as a client does it: announce, PUT each part, complete. */
async function presignedUpload(base: string, path: string, filename: string) {
  const size = (await stat(path)).size;
  const start = await fetch(`${base}/v1/uploads/presigned`, {
    method: 'POST',
    headers: { ...auth(keys.operator), 'content-type': 'application/json' },
    body: JSON.stringify({ filename, contentType: 'video/quicktime', size }),
  });
  expect(start.status).toBe(201);
  const started = (await start.json()) as PresignedUploadResponse;
  const data = await readFile(path);
  const parts: { partNumber: number; etag: string }[] = [];
  for (const { partNumber, url } of started.parts) {
    const body = data.subarray((partNumber - 1) * started.partSize, partNumber * started.partSize);
    const put = await fetch(url, { method: 'PUT', body });
    expect(put.status).toBe(200);
    parts.push({ partNumber, etag: put.headers.get('etag') ?? '' });
  }
  const complete = (partsSent: typeof parts) =>
    fetch(`${base}/v1/uploads/${started.upload.id}/complete`, {
      method: 'POST',
      headers: { ...auth(keys.operator), 'content-type': 'application/json' },
      body: JSON.stringify({ parts: partsSent }),
    });
  return { started, parts, complete };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mi-uploads-test-'));
  const webinar = await generateWebinar();
  const big = join(work, 'big.mov');
  await run('ffmpeg', [
    ...['-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10:duration=64'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=300:duration=64:sample_rate=48000', '-ac', '2'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'pcm_s16le', '-movflags', '+faststart', big],
  ]);
  const cut = async (from: string, to: string, share: number) => {
    const bytes = await readFile(from);
    await writeFile(to, bytes.subarray(0, Math.floor(bytes.length * share)));
    return to;
  };
  const noise = join(work, 'noise.mp4');
  await writeFile(noise, pseudoRandomBytes(200_000));
  const text = join(work, 'notes.txt');
  await writeFile(text, 'agenda: launch plan, sales numbers, next steps\n'.repeat(500));
  media = {
    webinar,
    big,
    truncated: await cut(webinar.path, join(work, 'webinar-60.mp4'), 0.6),
    bigTruncated: await cut(big, join(work, 'big-60.mov'), 0.6),
    noise,
    text,
  };
  expect((await stat(big)).size).toBeGreaterThan(10 * MiB);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

type StoreSetup = { store: ObjectStore; presign?: PresignHandler; port: number; stop(): Promise<void> };

const stores: [string, () => Promise<StoreSetup>][] = [
  [
    'local store',
    async () => {
      // The store signs URLs for the gateway's own address, so that must be known first.
      const port = await freePort();
      const root = await mkdtemp(join(work, 'store-'));
      const store = new LocalObjectStore({ root, publicUrl: `http://127.0.0.1:${port}`, signingKey: 'test-key' });
      return { store, presign: createLocalPresignHandler(store), port, stop: () => store.close() };
    },
  ],
  [
    'S3 store',
    async () => {
      const s3: TestS3Server = await startS3Server();
      const store = new S3ObjectStore({ ...s3, useSSL: false });
      return {
        store,
        port: 0,
        async stop() {
          await store.close();
          await s3.stop();
        },
      };
    },
  ],
];

describe.each(stores)('uploads with the %s', (_name, setup) => {
  let s: StoreSetup;
  let gw: Harness;
  /** A second gateway on the same store, with a limit just under the webinar's size. */
  let small: Harness;
  let smallLimit: number;

  beforeAll(async () => {
    s = await setup();
    gw = await startGateway(s.store, s.presign, s.port, 64 * MiB);
    smallLimit = (await stat(media.webinar.path)).size - 1000;
    // The local store's URLs name the first gateway; this one gets no presign route.
    small = await startGateway(s.store, undefined, 0, smallLimit);
  });

  afterAll(async () => {
    await small?.close();
    await gw?.close();
    await s?.stop();
  });

  /** After every request: no temp file left behind. */
  const expectNoTempFiles = async () => {
    expect(await readdir(gw.tmp)).toEqual([]);
    expect(await readdir(small.tmp)).toEqual([]);
  };

  it('streams a multipart upload into the store once ffprobe has read it whole', async () => {
    const { status, body } = await postFile(gw.base, media.webinar.path, 'video/mp4', 'Launch Webinar (final).mp4');
    expect(status).toBe(201);
    const size = (await stat(media.webinar.path)).size;
    expect(body).toMatchObject({
      tenant: 'acme',
      state: 'ready',
      filename: 'Launch Webinar (final).mp4',
      contentType: 'video/mp4',
      size,
      key: `uploads/acme/${body.id}/Launch_Webinar_final_.mp4`,
      media: {
        container: expect.stringContaining('mp4'),
        bytes: size,
        audio: { codec: 'aac', sampleRate: 48000, channels: 1 },
        video: { codec: 'h264', width: 640, height: 360, fps: 25 },
      },
    });
    expect(body).not.toHaveProperty('multipart');
    expect(Math.abs((body.media?.durationMs ?? 0) - media.webinar.durationMs)).toBeLessThan(150);
    const info = await s.store.stat(body.key);
    expect(info).toMatchObject({ size, contentType: 'video/mp4', metadata: { upload: body.id, tenant: 'acme' } });
    await expectNoTempFiles();

    // Viewers read; other tenants do not see it; only operators upload.
    expect(await getUpload(gw.base, body.id, keys.viewer)).toMatchObject({ status: 200, body: { state: 'ready' } });
    const foreign = await getUpload(gw.base, body.id, keys.other);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('ERR_NOT_FOUND');
    const viewerPost = await postFile(gw.base, media.webinar.path, 'video/mp4', 'w.mp4', keys.viewer);
    expect(viewerPost.status).toBe(403);
    const list = await fetch(`${gw.base}/v1/uploads?limit=5`, { headers: auth(keys.viewer) });
    expect(((await list.json()) as { uploads: Upload[] }).uploads[0]?.id).toBe(body.id);
    const otherList = await fetch(`${gw.base}/v1/uploads`, { headers: auth(keys.other) });
    expect(((await otherList.json()) as { uploads: Upload[] }).uploads).toEqual([]);

    // 12 MiB: past the gateway's 1 MiB body limit, which buffered bodies obey and streamed files do not.
    const big = await postFile(gw.base, media.big, 'application/octet-stream', 'big.mov');
    expect(big.status).toBe(201);
    expect(big.body).toMatchObject({ state: 'ready', size: (await stat(media.big)).size });
    await expectNoTempFiles();
  });

  it('refuses an upload over the limit, announced or streamed, and stores nothing', async () => {
    // Content-Length says it all: refused before a byte is read, nothing recorded.
    const announced = await postFile(small.base, media.big, 'video/quicktime', 'big.mov');
    expect(announced.status).toBe(413);
    expect(announced.body.error.code).toBe('ERR_PAYLOAD_TOO_LARGE');
    // Within the form's slack: counted while streaming, cut at the limit.
    const streamed = await postFile(small.base, media.webinar.path, 'video/mp4', 'webinar.mp4');
    expect(streamed.status).toBe(413);
    expect(streamed.body.error).toMatchObject({
      code: 'ERR_PAYLOAD_TOO_LARGE',
      message: expect.stringMatching(/limit/),
    });
    const id = streamed.body.error.details?.uploadId ?? '';
    const record = await getUpload(small.base, id);
    expect(record.body).toMatchObject({ state: 'failed', error: { code: 'ERR_PAYLOAD_TOO_LARGE' } });
    expect(await listKeys(s.store, `uploads/acme/${id}/`)).toEqual([]);
    await expectNoTempFiles();
  });

  it('refuses corrupt, truncated and non-media files with their reasons, leaving nothing stored', async () => {
    const cases = [
      { path: media.truncated, type: 'video/mp4', name: 'cut.mp4', status: 422, code: 'ERR_MEDIA_TRUNCATED' },
      { path: media.noise, type: 'video/mp4', name: 'noise.mp4', status: 415, code: 'ERR_UNSUPPORTED_MEDIA' },
      { path: media.text, type: 'text/plain', name: 'notes.txt', status: 415, code: 'ERR_UNSUPPORTED_MEDIA' },
      { path: media.text, type: 'video/mp4', name: 'notes.mp4', status: 415, code: 'ERR_UNSUPPORTED_MEDIA' },
      {
        path: media.text,
        type: 'application/octet-stream',
        name: 'notes.txt',
        status: 415,
        code: 'ERR_UNSUPPORTED_MEDIA',
      },
    ];
    for (const c of cases) {
      const { status, body } = await postFile(gw.base, c.path, c.type, c.name);
      expect({ name: c.name, type: c.type, status, code: body.error?.code }).toEqual({
        name: c.name,
        type: c.type,
        status: c.status,
        code: c.code,
      });
      expect(body.error.message.length).toBeGreaterThan(10);
      expect(body.error.message).not.toContain(gw.tmp);
      const id = body.error.details?.uploadId ?? '';
      const record = await getUpload(gw.base, id);
      expect(record.body).toMatchObject({ state: 'failed', error: { code: c.code, message: body.error.message } });
      expect(await listKeys(s.store, `uploads/acme/${id}/`)).toEqual([]);
    }
    await expectNoTempFiles();
  });

  it('takes a presigned multipart upload straight into the store', async () => {
    const flow = await presignedUpload(gw.base, media.big, 'big.mov');
    expect(flow.started.upload.state).toBe('uploading');
    expect(flow.started.partSize).toBe(5 * MiB);
    expect(flow.started.parts).toHaveLength(3);
    expect(Date.parse(flow.started.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    // A missing part: the upload stays open for a retry.
    const partial = await flow.complete(flow.parts.slice(0, 2));
    expect(partial.status).toBe(409);
    expect(((await partial.json()) as ErrorBody).error.code).toBe('ERR_UPLOAD_INCOMPLETE');
    const done = await flow.complete(flow.parts);
    const upload = (await done.json()) as Upload;
    expect(done.status).toBe(200);
    const size = (await stat(media.big)).size;
    expect(upload).toMatchObject({
      state: 'ready',
      size,
      media: { audio: { codec: 'pcm_s16le', channels: 2 }, video: { width: 320, height: 240 } },
    });
    expect(upload.media?.durationMs).toBeGreaterThan(63_000);
    expect((await s.store.stat(upload.key))?.size).toBe(size);
    // Deleting a ready upload removes object and record.
    const del = await fetch(`${gw.base}/v1/uploads/${upload.id}`, { method: 'DELETE', headers: auth(keys.operator) });
    expect(del.status).toBe(204);
    expect(await s.store.stat(upload.key)).toBeNull();
    expect((await getUpload(gw.base, upload.id)).status).toBe(404);
    await expectNoTempFiles();
  });

  it('fails a presigned upload of a truncated file and deletes the object', async () => {
    const flow = await presignedUpload(gw.base, media.bigTruncated, 'big-60.mov');
    expect(flow.parts).toHaveLength(2);
    const res = await flow.complete(flow.parts);
    const body = (await res.json()) as ErrorBody;
    expect(res.status).toBe(422);
    expect(body.error.code).toBe('ERR_MEDIA_TRUNCATED');
    expect(body.error.message).not.toMatch(/sig=|X-Amz|http/);
    const id = flow.started.upload.id;
    expect((await getUpload(gw.base, id)).body).toMatchObject({
      state: 'failed',
      error: { code: 'ERR_MEDIA_TRUNCATED' },
    });
    expect(await listKeys(s.store, `uploads/acme/${id}/`)).toEqual([]);
    await expectNoTempFiles();
  });

  it('aborts a presigned upload in progress', async () => {
    const flow = await presignedUpload(gw.base, media.webinar.path, 'webinar.mp4');
    const del = await fetch(`${gw.base}/v1/uploads/${flow.started.upload.id}`, {
      method: 'DELETE',
      headers: auth(keys.operator),
    });
    expect(del.status).toBe(200);
    expect(((await del.json()) as Upload).state).toBe('aborted');
    const late = await flow.complete(flow.parts);
    expect(late.status).toBe(409);
    expect(await listKeys(s.store, `uploads/acme/${flow.started.upload.id}/`)).toEqual([]);
  });
  it('records an upload whose client hung up mid-file as incomplete, and cleans up', async () => {
    const uploads = async () =>
      (
        (await (await fetch(`${gw.base}/v1/uploads?limit=1`, { headers: auth(keys.operator) })).json()) as {
          uploads: Upload[];
        }
      ).uploads;
    const before = (await uploads())[0]?.id;
    await postHalfAndHangUp(gw.base, media.webinar.path);
    const [latest] = await eventually(uploads, (u) => u[0]?.id !== before && u[0]?.state === 'failed');
    expect(latest).toMatchObject({ state: 'failed', error: { code: 'ERR_UPLOAD_INCOMPLETE' } });
    expect(await listKeys(s.store, `uploads/acme/${latest?.id}/`)).toEqual([]);
    expect(
      await eventually(
        () => readdir(gw.tmp),
        (entries) => entries.length === 0,
      ),
    ).toEqual([]);
  });
});
