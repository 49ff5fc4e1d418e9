import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InProcessBus } from '@mi/bus';
import { AppError, type Job } from '@mi/contracts';
import type { JobContext } from '@mi/jobs';
import { LocalObjectStore } from '@mi/object-store';
import { createLogger } from '@mi/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebinar } from '../testing/index.ts';
import { createBatchHandlers } from './batch-handlers.ts';
import { jobKeys } from './keys.ts';

const run = promisify(execFile);
const logger = createLogger({ service: 'batch-handlers-test', level: 'silent' });
let dir: string;
let bus: InProcessBus;
let store: LocalObjectStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mi-batch-handlers-'));
  bus = new InProcessBus();
  store = new LocalObjectStore({ root: join(dir, 'objects'), publicUrl: 'http://127.0.0.1:1', signingKey: 'k' });
  const webinar = await generateWebinar();
  await store.put('uploads/t1/up/webinar.mp4', createReadStream(webinar.path));
}, 120_000);

afterAll(async () => {
  await bus?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('highlights handler', () => {
  it('stops key-frame extraction when transcription fails, and fails with the transcription error', async () => {
    const handlers = createBatchHandlers({
      bus,
      store,
      producer: { service: 'test', version: '0' },
      // Bad audio found a moment in, while ffmpeg is busy with the key frames.
      transcribe: async () => {
        await new Promise((r) => setTimeout(r, 50));
        throw new AppError('ERR_UNSUPPORTED_MEDIA', 'the audio does not decode');
      },
      ocr: true,
      workDir: join(dir, 'work'),
    });
    const now = new Date().toISOString();
    const job: Job = {
      id: 'job_kf',
      tenant: 't1',
      kind: 'highlights',
      state: 'running',
      stage: 'starting',
      percent: 0,
      attempts: 1,
      request: { kind: 'highlights', source: { upload: 'up' } },
      input: { key: 'uploads/t1/up/webinar.mp4' },
      correlationId: 'c1',
      createdAt: now,
      updatedAt: now,
    };
    const ctx: JobContext = {
      job,
      attempt: 1,
      signal: new AbortController().signal,
      progress: () => undefined,
      logger,
    };
    await expect(handlers.highlights(ctx)).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_MEDIA' });
    // The key-frame ffprobe/ffmpeg read the attempt's workspace copy: none may outlive the attempt.
    const { stdout } = await run('ps', ['-eo', 'args']);
    expect(stdout.split('\n').filter((line) => line.includes('mi-job-job_kf-'))).toEqual([]);
    expect(await store.stat(jobKeys('t1', 'job_kf').keyframes)).toBeNull();
  }, 60_000);
});
