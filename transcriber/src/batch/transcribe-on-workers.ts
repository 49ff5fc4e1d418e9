import { type Bus, defaultDeadLetterSubject, headerNames } from '@mi/bus';
import { AppError, assertValid, queues, streams, subjects, type TranscriptSegment } from '@mi/contracts';
import type { Logger } from '@mi/telemetry';
import { cancelledError, mapLimit } from './cancel.ts';
import { CHUNK_DURABLE } from './chunk-worker.ts';
import { transcriptKeys } from './keys.ts';
import { ChunkDone, ChunkResult, type ChunkWork } from './messages.ts';
import { encodePcmWav } from './pcm-wav.ts';
import { type BatchProgress, ProgressTracker } from './progress.ts';
import type { AudioChunk } from './split-audio.ts';
import { type ChunkStore, readObject } from './store.ts';

export type WorkersTranscriptionOptions = {
  bus: Bus;
  store: ChunkStore;
  tenant: string;
  /** A subject token (the job id). */
  job: string;
  correlationId: string;
  /** Usually `splitAudio(path).chunks`; indexes 0..n-1 in order. */
  chunks: AsyncIterable<AudioChunk>;
  signal?: AbortSignal;
  onProgress?: (p: BatchProgress) => void;
  /** Expected audio length, for percent and ETA before the split has finished. */
  durationMs?: number;
  /** How often results not announced yet are looked for in the store (default 3 s). */
  pollMs?: number;
  /**
   * Give up (a retryable ERR_NOT_READY) when chunks are waiting and none has finished for this long:
   * no transcriber is running, or all are stuck (default 10 min).
   */
  stallMs?: number;
  logger?: Logger;
};

type Meta = { index: number; start: number; end: number };
/** Object-store calls in flight at once when reading results and cleaning up. */
const STORE_PARALLELISM = 8;

/**
 * Transcribes a file's chunks on ChunkWorkers anywhere on the bus and returns the whole
 * transcript in time order. Each chunk whose result is not stored yet is uploaded (WAV,
 * transcriptKeys.chunkAudio) and queued on `queues.transcribeChunk` with msgId `${job}:${index}`;
 * stored results are reused, so a retried job resumes where it left off and does not queue twice.
 * Completion is learnt from `subjects.jobChunkDone(job)` and, as notifications can be missed, by
 * polling the store. Chunk audio is deleted at the end, on success and failure alike (workers
 * dead-letter queued chunks whose audio is gone); the results stay. Throws AppError
 * 'ERR_CANCELLED' when `signal` fires.
 */
export async function transcribeOnWorkers(opts: WorkersTranscriptionOptions): Promise<TranscriptSegment[]> {
  const { bus, store, tenant, job, signal } = opts;
  if (signal?.aborted) throw cancelledError();
  const key = {
    audio: (i: number) => transcriptKeys.chunkAudio(tenant, job, i),
    result: (i: number) => transcriptKeys.chunkResult(tenant, job, i),
  };
  const progress = new ProgressTracker(opts.onProgress, opts.durationMs);
  const waiting = new Map<number, Meta>();
  const done = new Map<number, Meta>();
  let total: number | undefined;
  let settle!: { resolve: () => void; reject: (err: unknown) => void };
  const finished = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  finished.catch(() => {});
  let lastProgress = Date.now();
  const markDone = (meta: Meta, reused: boolean) => {
    if (done.has(meta.index)) return;
    lastProgress = Date.now();
    waiting.delete(meta.index);
    done.set(meta.index, meta);
    progress.chunkDone(meta.end - meta.start, reused);
    if (total !== undefined && done.size === total) settle.resolve();
  };
  const look = async (meta: Meta) => {
    if ((await store.stat(key.result(meta.index))) && waiting.has(meta.index)) markDone(meta, false);
  };
  await bus.ensureStream({ ...streams.WORK, subjects: [...streams.WORK.subjects] });
  const sub = bus.subscribe(subjects.jobChunkDone(job), async (msg) => {
    try {
      const { index } = assertValid(ChunkDone, JSON.parse(Buffer.from(msg.data).toString('utf8')), 'chunk done');
      const meta = waiting.get(index);
      if (meta) await look(meta);
    } catch (err) {
      opts.logger?.warn({ err, job }, 'chunk-done notification ignored');
    }
  });
  // A chunk that keeps failing is dead-lettered by the workers: the job fails with its reason
  // instead of waiting for a result that will never come.
  const dead = bus.subscribe(defaultDeadLetterSubject(streams.WORK.name, CHUNK_DURABLE), (msg) => {
    try {
      const work = JSON.parse(Buffer.from(msg.data).toString('utf8')) as Partial<ChunkWork>;
      if (work.job !== job || work.tenant !== tenant || typeof work.index !== 'number' || !waiting.has(work.index))
        return;
      const reason = msg.headers[headerNames.deadLetterReason] ?? 'unknown reason';
      settle.reject(new AppError('ERR_INTERNAL', `chunk ${work.index} could not be transcribed: ${reason}`));
    } catch {
      // not a chunk of ours
    }
  });
  await bus.flush?.();
  const stallMs = opts.stallMs ?? 10 * 60_000;
  const stallCheck = setInterval(
    () => {
      if (waiting.size > 0 && Date.now() - lastProgress > stallMs) {
        settle.reject(
          new AppError('ERR_NOT_READY', `no transcriber finished a chunk in ${Math.round(stallMs / 1000)} s`),
        );
      }
    },
    Math.min(stallMs, 5000),
  );
  stallCheck.unref();
  let polling = false;
  const poller = setInterval(() => {
    if (polling) return;
    polling = true;
    mapLimit([...waiting.values()], STORE_PARALLELISM, look)
      .catch((err) => opts.logger?.warn({ err, job }, 'polling chunk results failed'))
      .finally(() => {
        polling = false;
      });
  }, opts.pollMs ?? 3000);
  poller.unref();
  const onAbort = () => settle.reject(cancelledError());
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();

  const queueing = (async () => {
    let count = 0;
    let audioMs = 0;
    for await (const chunk of opts.chunks) {
      if (signal?.aborted) return;
      if (chunk.index !== count) throw new AppError('ERR_INTERNAL', `chunk ${chunk.index} came in place of ${count}`);
      count++;
      audioMs += chunk.end - chunk.start;
      const meta = { index: chunk.index, start: chunk.start, end: chunk.end };
      if (await store.stat(key.result(chunk.index))) {
        markDone(meta, true);
        continue;
      }
      if (waiting.size === 0) lastProgress = Date.now();
      waiting.set(chunk.index, meta);
      await enqueue(opts, chunk, key.audio(chunk.index));
    }
    total = count;
    progress.total(count, audioMs);
    if (done.size === total) settle.resolve();
  })();
  queueing.catch((err) => settle.reject(err));

  try {
    await finished;
  } catch (err) {
    // A cancel stops the split at its next chunk: wait for that, so nothing is uploaded after the clean-up.
    await queueing.catch(() => {});
    const queuedAudio = [...waiting.keys(), ...done.keys()].map(key.audio);
    await mapLimit(queuedAudio, STORE_PARALLELISM, (k) => store.delete(k)).catch(() => {});
    throw err;
  } finally {
    clearInterval(poller);
    clearInterval(stallCheck);
    signal?.removeEventListener('abort', onAbort);
    await sub.unsubscribe();
    await dead.unsubscribe();
  }
  const results = await mapLimit(
    [...done.keys()].sort((a, b) => a - b),
    STORE_PARALLELISM,
    async (index) => {
      const result = assertValid(
        ChunkResult,
        JSON.parse((await readObject(store, key.result(index))).toString('utf8')),
      );
      if (result.index !== index)
        throw new AppError('ERR_INTERNAL', `${key.result(index)} holds chunk ${result.index}`);
      return result;
    },
  );
  await mapLimit([...done.keys()].map(key.audio), STORE_PARALLELISM, (k) => store.delete(k));
  return results.flatMap((r) => r.segments);
}

/**
 * Uploads a chunk's audio and queues it. The msgId makes a retried job's append a no-op while the
 * first is in the stream's duplicate window; but when the audio had to be uploaded again (an
 * earlier attempt's was deleted, so its message may have been dead-lettered), a duplicate gets a
 * fresh id so that the chunk is surely queued.
 */
async function enqueue(opts: WorkersTranscriptionOptions, chunk: AudioChunk, audioKey: string): Promise<void> {
  const { bus, store, tenant, job, correlationId } = opts;
  const hadAudio = (await store.stat(audioKey)) !== null;
  if (!hadAudio) await store.put(audioKey, encodePcmWav(chunk.pcm), { contentType: 'audio/wav' });
  const work: ChunkWork = {
    job,
    tenant,
    index: chunk.index,
    key: audioKey,
    start: chunk.start,
    end: chunk.end,
    correlationId,
  };
  const body = Buffer.from(JSON.stringify(work));
  const headers = { [headerNames.correlationId]: correlationId };
  const msgId = `${job}:${chunk.index}`;
  const { duplicate } = await bus.append(queues.transcribeChunk, body, { msgId, headers });
  if (duplicate && !hadAudio)
    await bus.append(queues.transcribeChunk, body, { msgId: `${msgId}:${Date.now()}`, headers });
}
