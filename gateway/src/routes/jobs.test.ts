import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '@mi/bus';
import { type Job, streams, type Upload } from '@mi/contracts';
import { ApprovalStore, AuditLog } from '@mi/governance';
import { JobQueue, JobStore } from '@mi/jobs';
import { LocalObjectStore } from '@mi/object-store';
import { createLogger, createMetrics } from '@mi/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../app.ts';
import { parseApiKeys } from '../auth.ts';
import { UploadStore } from '../uploads/index.ts';

// The jobs API's own rules; the whole batch path runs in e2e/batch.test.ts.
const keys = { op: 'operator-token-0123456789', viewer: 'viewer-token-01234567890', other: 'other-token-0123456789ab' };
let app: FastifyInstance;
let base: string;
let bus: InProcessBus;
let jobs: JobStore;
let dir: string;

const now = new Date().toISOString();
const upload = (id: string, state: Upload['state']) => ({
  id,
  tenant: 'acme',
  key: `uploads/acme/${id}/talk.mp4`,
  filename: 'talk.mp4',
  contentType: 'video/mp4',
  state,
  createdAt: now,
  updatedAt: now,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mi-jobs-routes-'));
  bus = new InProcessBus();
  for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
  const metrics = createMetrics({ defaultMetrics: false });
  jobs = await JobStore.open(bus);
  const uploads = await UploadStore.open(bus);
  await uploads.create(upload('up_ready', 'ready'));
  await uploads.create(upload('up_busy', 'uploading'));
  app = await createGateway({
    bus,
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics,
    approvals: await ApprovalStore.open(bus),
    audit: new AuditLog(bus, { service: 'test', version: '0' }),
    apiKeys: parseApiKeys(`o:operator:acme:${keys.op},v:viewer:acme:${keys.viewer},g:operator:globex:${keys.other}`),
    registries: [metrics.registry],
    checks: [],
    store: new LocalObjectStore({ root: dir, publicUrl: 'http://127.0.0.1:1', signingKey: 'test-signing-key-123' }),
    jobs: {
      store: jobs,
      queue: new JobQueue({ bus, store: jobs, producer: { service: 'test', version: '0' } }),
      uploads: { maxBytes: 1 << 20 },
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await app?.close();
  await bus?.close();
  await rm(dir, { recursive: true, force: true });
});

async function call(key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
}

describe('jobs API', () => {
  it('queues a job for a ready upload, with its media resolved, once per Idempotency-Key', async () => {
    const body = { kind: 'highlights', source: { upload: 'up_ready' }, highlights: 3 };
    const first = await call(keys.op, 'POST', '/v1/jobs', body, { 'idempotency-key': 'k1' });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      state: 'queued',
      kind: 'highlights',
      input: { key: 'uploads/acme/up_ready/talk.mp4' },
    });
    const again = await call(keys.op, 'POST', '/v1/jobs', body, { 'idempotency-key': 'k1' });
    expect(again.body.id).toBe(first.body.id);
    expect((await jobs.list('acme')).filter((j) => j.request.kind === 'highlights')).toHaveLength(1);
  });

  it('refuses sources that cannot be used, with their codes', async () => {
    const busy = await call(keys.op, 'POST', '/v1/jobs', { kind: 'highlights', source: { upload: 'up_busy' } });
    expect([busy.status, busy.body.error?.code]).toEqual([409, 'ERR_UPLOAD_INCOMPLETE']);
    const missing = await call(keys.op, 'POST', '/v1/jobs', { kind: 'highlights', source: { upload: 'nope' } });
    expect([missing.status, missing.body.error?.code]).toEqual([404, 'ERR_NOT_FOUND']);
    const bad = await call(keys.op, 'POST', '/v1/jobs', { kind: 'highlights', source: { upload: 'a.b' } });
    expect([bad.status, bad.body.error?.code]).toEqual([400, 'ERR_SCHEMA']);
    // Another tenant's upload does not exist for this caller.
    const foreign = await call(keys.other, 'POST', '/v1/jobs', { kind: 'highlights', source: { upload: 'up_ready' } });
    expect(foreign.status).toBe(404);
  });

  it('edits only finished jobs, and viewers may read but not submit', async () => {
    const queued = (await jobs.list('acme'))[0]!;
    const edit = await call(keys.op, 'POST', `/v1/jobs/${queued.id}/edits`, { ranges: [{ start: 0, end: 5000 }] });
    expect([edit.status, edit.body.error?.code]).toEqual([409, 'ERR_CONFLICT']);
    const viewer = await call(keys.viewer, 'POST', '/v1/jobs', { kind: 'highlights', source: { upload: 'up_ready' } });
    expect(viewer.status).toBe(403);
    expect((await call(keys.viewer, 'GET', `/v1/jobs/${queued.id}`)).status).toBe(200);
    expect((await call(keys.other, 'GET', `/v1/jobs/${queued.id}`)).status).toBe(404);
    const list = await call(keys.other, 'GET', '/v1/jobs');
    expect(list.body.jobs).toEqual([]);
  });

  it('refuses an edit of an edit (only a highlights job has the transcript it cuts by)', async () => {
    const result = { source: 'uploads/acme/up_ready/talk.mp4', edl: [], clips: [] };
    await jobs.create({
      id: 'job_edited',
      tenant: 'acme',
      kind: 'clip',
      state: 'succeeded',
      stage: 'succeeded',
      percent: 100,
      attempts: 1,
      request: { kind: 'clip', parent: 'job_root', ranges: [{ start: 0, end: 5000 }] },
      correlationId: 'c1',
      createdAt: now,
      updatedAt: now,
      result,
    });
    const edit = await call(keys.op, 'POST', '/v1/jobs/job_edited/edits', { ranges: [{ start: 0, end: 3000 }] });
    expect([edit.status, edit.body.error?.code]).toEqual([409, 'ERR_CONFLICT']);
    expect(String((edit.body.error as { message?: string })?.message)).toContain('job_root');
  });

  it('cancels a queued job once; a second cancel conflicts', async () => {
    const job = (await call(keys.op, 'POST', '/v1/jobs', { kind: 'highlights', source: { upload: 'up_ready' } }))
      .body as unknown as Job;
    const cancelled = await call(keys.op, 'POST', `/v1/jobs/${job.id}/cancel`);
    expect(cancelled.body).toMatchObject({ state: 'cancelled', cancelRequested: true });
    const again = await call(keys.op, 'POST', `/v1/jobs/${job.id}/cancel`);
    expect([again.status, again.body.error?.code]).toEqual([409, 'ERR_CONFLICT']);
    const transcript = await call(keys.op, 'GET', `/v1/jobs/${job.id}/transcript`);
    expect(transcript.status).toBe(404);
  });

  it('keeps an upload that an unfinished job reads', async () => {
    const res = await call(keys.op, 'DELETE', '/v1/uploads/up_ready');
    expect([res.status, res.body.error?.code]).toEqual([409, 'ERR_CONFLICT']);
  });

  it('an Idempotency-Key on a streamed upload stands for that file (by length), not for any upload', async () => {
    const send = (bytes: number) => {
      const form = new FormData();
      form.append('file', new Blob([Buffer.alloc(bytes, 1)], { type: 'video/mp4' }), 'x.mp4');
      return fetch(`${base}/v1/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.op}`, 'idempotency-key': 'up-1' },
        body: form,
      });
    };
    expect((await send(4000)).status).toBe(415);
    const replay = await send(4000);
    expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([415, 'true']);
    const other = await send(5000);
    expect(other.status).toBe(422);
  });
});
