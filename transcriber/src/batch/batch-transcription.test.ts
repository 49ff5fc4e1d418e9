import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, createBus, defaultDeadLetterSubject, headerNames } from '@mi/bus';
import { waitFor } from '@mi/bus/testing';
import { queues, streams, type TranscriptSegment } from '@mi/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A relative import: the object store is not a dependency of this package (ChunkStore is its subset).
import { LocalObjectStore } from '../../../lib/object-store/src/index.ts';
import { PocketsphinxEngine } from '../engine/pocketsphinx.ts';
import { transcribeFile } from '../file-transcriber.ts';
import { defaultSegmenterConfig } from '../vad/segmenter.ts';
import { SileroVad } from '../vad/silero.ts';
import { CHUNK_DURABLE, ChunkWorker } from './chunk-worker.ts';
import { transcriptKeys } from './keys.ts';
import type { ChunkResult, ChunkWork } from './messages.ts';
import type { BatchProgress } from './progress.ts';
import { type AudioChunk, splitAudio } from './split-audio.ts';
import {
  firstOf,
  type GeneratedWebinar,
  generateWebinar,
  misplacedWords,
  transcriptWer,
  wordsOutsideSegments,
} from './test-support.ts';
import { transcribeLocally } from './transcribe-locally.ts';
import { transcribeOnWorkers } from './transcribe-on-workers.ts';

// Measured on the festival webinar: 0.13-0.16 for every path here (whole file, chunks, parts of it).
const MAX_WER = 0.22;
const TARGET_CHUNK_MS = 15_000;

let webinar: GeneratedWebinar;
let vad: SileroVad;
let engine: PocketsphinxEngine;
let bus: Bus;
let store: LocalObjectStore;
let dir: string;
const deps = () => ({ vad, engine, segmenter: defaultSegmenterConfig });

beforeAll(async () => {
  webinar = await generateWebinar();
  vad = await SileroVad.create();
  engine = await PocketsphinxEngine.create({ processes: 2, streamMode: 'live' });
  dir = await mkdtemp(join(tmpdir(), 'mi-batch-'));
  bus = await createBus({ dataDir: join(dir, 'bus') });
  store = new LocalObjectStore({ root: join(dir, 'store'), publicUrl: 'http://127.0.0.1:1/', signingKey: 'k' });
});
afterAll(async () => {
  await bus?.close();
  await engine?.close();
  await vad?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Checks every transcript of the webinar (or of its first chunks, up to `untilMs`) the same way. */
function expectGoodTranscript(segments: TranscriptSegment[], untilMs = Number.POSITIVE_INFINITY) {
  const lines = webinar.lines.filter((l) => l.end <= untilMs);
  const wer = transcriptWer(lines, segments);
  console.log(`WER ${wer.toFixed(3)} over ${lines.length} lines`);
  expect(wer).toBeLessThan(MAX_WER);
  expect(wordsOutsideSegments(segments)).toEqual([]);
  const { matched, misplaced } = misplacedWords(lines, segments, 1000);
  expect(matched).toBeGreaterThan(lines.length * 5);
  expect(misplaced).toEqual([]);
  const starts = segments.map((s) => s.start);
  expect(starts).toEqual([...starts].sort((a, b) => a - b));
}

/** Work messages stored on the chunk queue so far. */
async function queued(): Promise<number> {
  let n = 0;
  const sub = await bus.replay(
    streams.WORK.name,
    { filterSubject: queues.transcribeChunk, from: { kind: 'all' }, live: false },
    () => {
      n++;
    },
  );
  await sub.done;
  return n;
}

async function exists(key: string): Promise<boolean> {
  return (await store.stat(key)) !== null;
}

describe('batch transcription in this process', () => {
  it('transcribes the webinar chunk by chunk, with word times and the energy curve', async () => {
    const progress: BatchProgress[] = [];
    const t0 = performance.now();
    const result = await transcribeLocally(webinar.path, deps(), {
      targetChunkMs: TARGET_CHUNK_MS,
      onProgress: (p) => progress.push(p),
    });
    console.log(`transcribeLocally: ${Math.round(performance.now() - t0)} ms for ${result.durationMs} ms of audio`);
    expectGoodTranscript(result.segments);
    expect(result.chunks.length).toBeGreaterThanOrEqual(3);
    expect(Math.abs(result.durationMs - webinar.durationMs)).toBeLessThan(100);
    expect(result.energy.db.length).toBe(Math.ceil(result.durationMs / 500));
    expect(progress.at(-1)).toMatchObject({ chunksDone: result.chunks.length, chunksTotal: result.chunks.length });
    expect(progress.at(-1)!.percent).toBeCloseTo(100, 5);
    expect(progress.some((p) => p.etaMs !== undefined && p.etaMs > 0)).toBe(true);
  });

  it('transcribeFile (same VAD and engine code) still transcribes a whole file', async () => {
    const result = await transcribeFile(webinar.path, deps());
    expectGoodTranscript(result.segments);
  });

  it('cancels', async () => {
    const controller = new AbortController();
    let reports = 0;
    const run = transcribeLocally(webinar.path, deps(), {
      targetChunkMs: TARGET_CHUNK_MS,
      concurrency: 1,
      signal: controller.signal,
      onProgress: () => {
        reports++;
        controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
    expect(reports).toBe(1);
  });
});

describe('batch transcription on chunk workers (in-process bus)', () => {
  const tenant = 't1';
  const chunksOf = () => splitAudio(webinar.path, { targetChunkMs: TARGET_CHUNK_MS }).chunks;
  let workers: ChunkWorker[] = [];
  const startWorkers = async (n: number, concurrency?: number) => {
    workers = Array.from(
      { length: n },
      () => new ChunkWorker({ bus, store, ...deps(), ackWaitMs: 10_000, ...(concurrency ? { concurrency } : {}) }),
    );
    for (const w of workers) await w.start();
  };
  const stopWorkers = async () => {
    for (const w of workers) await w.close();
  };
  const sum = (key: 'transcribed' | 'alreadyDone' | 'rejected') => workers.reduce((a, w) => a + w.stats[key], 0);

  it('shares a job between two workers, then a retry reuses the stored results without queueing', async () => {
    await startWorkers(2);
    const progress: BatchProgress[] = [];
    const job = 'job_share';
    const t0 = performance.now();
    const segments = await transcribeOnWorkers({
      bus,
      store,
      tenant,
      job,
      correlationId: 'corr-1',
      chunks: chunksOf(),
      onProgress: (p) => progress.push(p),
      pollMs: 600_000, // the chunk-done notifications alone must finish it
    });
    console.log(`transcribeOnWorkers: ${Math.round(performance.now() - t0)} ms`);
    expectGoodTranscript(segments);
    const total = progress.at(-1)!.chunksTotal!;
    expect(total).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toMatchObject({ chunksDone: total });
    expect(workers.map((w) => w.stats.transcribed).every((n) => n > 0)).toBe(true);
    expect(sum('transcribed')).toBe(total);
    expect(await queued()).toBe(total);
    for (let i = 0; i < total; i++) {
      expect(await exists(transcriptKeys.chunkResult(tenant, job, i))).toBe(true);
      expect(await exists(transcriptKeys.chunkAudio(tenant, job, i))).toBe(false);
    }

    const again = await transcribeOnWorkers({ bus, store, tenant, job, correlationId: 'corr-2', chunks: chunksOf() });
    expect(again).toEqual(segments);
    expect(await queued()).toBe(total);
    expect(sum('transcribed')).toBe(total);
    await stopWorkers();
  });

  it('cancels, deleting the audio of unfinished chunks; the retry queues only those', async () => {
    await startWorkers(1, 1);
    const job = 'job_cancel';
    const take = 3;
    const controller = new AbortController();
    const before = await queued();
    const run = transcribeOnWorkers({
      bus,
      store,
      tenant,
      job,
      correlationId: 'corr-3',
      chunks: firstOf(chunksOf(), take),
      signal: controller.signal,
      onProgress: (p) => {
        if (p.chunksDone >= 1) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
    // The worker drops what is left of the job: the audio is gone, so those messages are dead-lettered.
    await waitFor(async () => sum('transcribed') + sum('rejected') === (await queued()) - before, {
      timeoutMs: 30_000,
    });
    expect((await queued()) - before).toBe(take);
    const missing: number[] = [];
    for (let i = 0; i < take; i++) {
      expect(await exists(transcriptKeys.chunkAudio(tenant, job, i))).toBe(false);
      if (!(await exists(transcriptKeys.chunkResult(tenant, job, i)))) missing.push(i);
    }
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThan(take);
    const done = sum('transcribed');

    const segments = await transcribeOnWorkers({
      bus,
      store,
      tenant,
      job,
      correlationId: 'corr-4',
      chunks: firstOf(chunksOf(), take),
    });
    expect(sum('transcribed') - done).toBe(missing.length);
    // Within the duplicate window each re-uploaded chunk needs a second message (the first was dropped).
    expect(await queued()).toBe(before + take + missing.length);
    const chunks: AudioChunk[] = [];
    for await (const c of firstOf(chunksOf(), take)) chunks.push(c);
    expectGoodTranscript(segments, chunks.at(-1)!.end);
    await stopWorkers();
  });

  it('finds results by polling the store when no notification comes', async () => {
    // A stand-in worker that stores (empty) results and acks, but never announces them.
    const silent = await bus.consume(
      { stream: streams.WORK.name, durable: CHUNK_DURABLE, filterSubject: queues.transcribeChunk, concurrency: 4 },
      async (msg) => {
        const work = JSON.parse(Buffer.from(msg.data).toString('utf8')) as ChunkWork;
        const result: ChunkResult = { index: work.index, start: work.start, end: work.end, segments: [] };
        await store.put(transcriptKeys.chunkResult(work.tenant, work.job, work.index), JSON.stringify(result));
        await msg.ack();
      },
    );
    const t0 = performance.now();
    const segments = await transcribeOnWorkers({
      bus,
      store,
      tenant,
      job: 'job_poll',
      correlationId: 'corr-5',
      chunks: firstOf(chunksOf(), 2),
      pollMs: 300,
    });
    expect(segments).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(10_000);
    await silent.unsubscribe();
  });

  it('dead-letters malformed work and work whose audio is missing or unreadable, with the reason', async () => {
    await startWorkers(1, 1);
    const reasons: string[] = [];
    const sub = bus.subscribe(defaultDeadLetterSubject(streams.WORK.name, CHUNK_DURABLE), (m) => {
      reasons.push(m.headers[headerNames.deadLetterReason] ?? '');
    });
    const work = (index: number, key: string) =>
      JSON.stringify({ job: 'j1', tenant, index, key, start: 0, end: 1000, correlationId: 'c' });
    const garbage = transcriptKeys.chunkAudio(tenant, 'j1', 1);
    await store.put(garbage, 'RIFF but not really a wave file at all, no');
    const bad = [
      'not json',
      JSON.stringify({ job: 'j1', tenant }),
      work(0, 'elsewhere/x.wav'),
      work(1, garbage),
      work(2, transcriptKeys.chunkAudio(tenant, 'j1', 2)),
    ];
    for (const body of bad) await bus.append(queues.transcribeChunk, Buffer.from(body));
    await waitFor(() => reasons.length === bad.length, { timeoutMs: 10_000 });
    expect(reasons).toEqual([
      expect.stringMatching(/JSON/),
      expect.stringMatching(/invalid chunk work/),
      expect.stringMatching(/outside the job's transcript prefix/),
      expect.stringMatching(/not a 16 kHz mono 16-bit PCM WAV/),
      expect.stringMatching(/not found/),
    ]);
    await sub.unsubscribe();
    await stopWorkers();
  });

  it('fails the job when a chunk is dead-lettered, and when no transcriber finishes anything', async () => {
    await startWorkers(1, 1);
    // Chunk audio damaged on its way into the store: the worker dead-letters it, the job learns why.
    const damaging = {
      ...store,
      put: (key: string, body: Parameters<typeof store.put>[1], o?: Parameters<typeof store.put>[2]) =>
        store.put(key, key.endsWith('.wav') ? 'RIFF and nothing else' : body, o),
      get: store.get.bind(store),
      stat: store.stat.bind(store),
      delete: store.delete.bind(store),
    };
    await expect(
      transcribeOnWorkers({
        bus,
        store: damaging,
        tenant,
        job: 'job_dead',
        correlationId: 'c',
        chunks: firstOf(chunksOf(), 1),
      }),
    ).rejects.toMatchObject({
      code: 'ERR_INTERNAL',
      message: expect.stringMatching(/chunk 0 could not be transcribed: .*WAV/),
    });
    await stopWorkers();
    // Nobody takes the work: a retryable error after the stall limit, not a wait forever.
    await expect(
      transcribeOnWorkers({
        bus,
        store,
        tenant,
        job: 'job_stall',
        correlationId: 'c',
        chunks: firstOf(chunksOf(), 1),
        stallMs: 700,
      }),
    ).rejects.toMatchObject({ code: 'ERR_NOT_READY' });
  });
});
