import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, createBus } from '@mi/bus';
import { type NatsServerHandle, startNatsServer } from '@mi/bus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../lib/object-store/src/index.ts';
import { PocketsphinxEngine } from '../engine/pocketsphinx.ts';
import { defaultSegmenterConfig } from '../vad/segmenter.ts';
import { SileroVad } from '../vad/silero.ts';
import { ChunkWorker } from './chunk-worker.ts';
import { type AudioChunk, splitAudio } from './split-audio.ts';
import { firstOf, generateWebinar, misplacedWords, transcriptWer, wordsOutsideSegments } from './test-support.ts';
import { transcribeOnWorkers } from './transcribe-on-workers.ts';

// The work-queue path on a real JetStream: the job and each worker on their own connection.
let nats: NatsServerHandle;
let vad: SileroVad;
let engine: PocketsphinxEngine;
let dir: string;
const buses: Bus[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  vad = await SileroVad.create();
  engine = await PocketsphinxEngine.create({ processes: 2 });
  dir = await mkdtemp(join(tmpdir(), 'mi-batch-nats-'));
});
afterAll(async () => {
  for (const b of buses) await b.close();
  await engine?.close();
  await vad?.close();
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('batch transcription on chunk workers (NATS JetStream)', () => {
  it('two workers on their own connections transcribe a job queued from a third', async () => {
    const connect = async (name: string) => {
      const bus = await createBus({ natsUrl: nats.url, name, onError: () => {} });
      buses.push(bus);
      return bus;
    };
    const store = new LocalObjectStore({ root: join(dir, 'store'), publicUrl: 'http://127.0.0.1:1/', signingKey: 'k' });
    const segmenter = defaultSegmenterConfig;
    const workers = [
      new ChunkWorker({ bus: await connect('w1'), store, vad, engine, segmenter, concurrency: 1 }),
      new ChunkWorker({ bus: await connect('w2'), store, vad, engine, segmenter, concurrency: 1 }),
    ];
    for (const w of workers) await w.start();
    const webinar = await generateWebinar();
    const take = 2;
    const chunks: AudioChunk[] = [];
    const split = splitAudio(webinar.path, { targetChunkMs: 15_000 }).chunks;
    const segments = await transcribeOnWorkers({
      bus: await connect('job'),
      store,
      tenant: 't1',
      job: 'job_nats',
      correlationId: 'corr-nats',
      pollMs: 600_000, // the chunk-done notifications alone must finish it
      chunks: (async function* () {
        for await (const c of firstOf(split, take)) {
          chunks.push(c);
          yield c;
        }
      })(),
    });
    for (const w of workers) await w.close();
    expect(workers.reduce((a, w) => a + w.stats.transcribed, 0)).toBe(take);
    const lines = webinar.lines.filter((l) => l.end <= chunks.at(-1)!.end);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(transcriptWer(lines, segments)).toBeLessThan(0.22);
    expect(wordsOutsideSegments(segments)).toEqual([]);
    expect(misplacedWords(lines, segments, 1000).misplaced).toEqual([]);
  });
});
