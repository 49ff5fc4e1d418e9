import { type Bus, headerNames, type Subscription, type WorkMessage } from '@mi/bus';
import { assertValid, queues, streams, subjects } from '@mi/contracts';
import type { Logger } from '@mi/telemetry';
import type { AsrEngine } from '../engine/types.ts';
import type { SegmenterConfig } from '../vad/segmenter.ts';
import type { SileroVad } from '../vad/silero.ts';
import { transcriptKeys } from './keys.ts';
import { type ChunkDone, type ChunkResult, ChunkWork } from './messages.ts';
import { decodePcmWav, WavFormatError } from './pcm-wav.ts';
import { type ChunkStore, isNotFound, readObject } from './store.ts';
import { transcribeChunk } from './transcribe-chunk.ts';

export type ChunkWorkerOptions = {
  bus: Bus;
  store: ChunkStore;
  vad: SileroVad;
  engine: AsrEngine;
  segmenter: SegmenterConfig;
  /** Chunks transcribed at once (default: the engine's parallelism, capabilities.maxBatch). */
  concurrency?: number;
  /** Redelivery deadline; heartbeats push it out while a chunk is worked on (default 60 s). */
  ackWaitMs?: number;
  /** Wait before a chunk that failed for a transient reason is tried again (default 5 s). */
  retryDelayMs?: number;
  logger?: Logger;
};

export type ChunkWorkerStats = {
  /** Chunks this worker transcribed. */
  transcribed: number;
  /** Messages acked without work: the chunk's result was already stored. */
  alreadyDone: number;
  /** Messages termed (dead-lettered): malformed, or their audio is gone or unreadable. */
  rejected: number;
  /** Deliveries naked after a transient failure (store or engine). */
  retried: number;
};

/** Every worker shares one durable (they compete for chunks); its limits must agree between workers. */
export const CHUNK_DURABLE = 'transcribe-chunks';
const MAX_DELIVER = 5;
/** Shared by all workers of the durable: only bounds what is out at once across them all. */
const MAX_ACK_PENDING = 1000;

/**
 * Transcribes chunks of batch jobs from the `queues.transcribeChunk` work queue: reads the chunk's
 * WAV from the object store, writes `ChunkResult` JSON next to it (transcriptKeys.chunkResult),
 * acks, then tells the waiting job on `subjects.jobChunkDone(job)`. A chunk whose result is
 * already stored is acked without work. Malformed messages and missing or unreadable audio are
 * termed (dead-lettered with the reason); store or engine failures are naked with a delay.
 */
export class ChunkWorker {
  readonly #opts: ChunkWorkerOptions;
  readonly #inflight = new Set<Promise<void>>();
  readonly #stats: ChunkWorkerStats = { transcribed: 0, alreadyDone: 0, rejected: 0, retried: 0 };
  #sub: Subscription | undefined;

  constructor(opts: ChunkWorkerOptions) {
    this.#opts = opts;
  }

  get stats(): Readonly<ChunkWorkerStats> {
    return { ...this.#stats };
  }

  async start(): Promise<void> {
    const { bus, engine } = this.#opts;
    await bus.ensureStream({ ...streams.WORK, subjects: [...streams.WORK.subjects] });
    this.#sub = await bus.consume(
      {
        stream: streams.WORK.name,
        durable: CHUNK_DURABLE,
        filterSubject: queues.transcribeChunk,
        ackWaitMs: this.#ackWaitMs,
        maxDeliver: MAX_DELIVER,
        maxAckPending: MAX_ACK_PENDING,
        concurrency: this.#opts.concurrency ?? Math.max(1, engine.capabilities.maxBatch),
      },
      (msg) => this.#track(this.#handle(msg)),
    );
  }

  /** Takes no more chunks and waits for those in hand. */
  async close(): Promise<void> {
    await this.#sub?.unsubscribe();
    this.#sub = undefined;
    await Promise.allSettled([...this.#inflight]);
  }

  get #ackWaitMs(): number {
    return this.#opts.ackWaitMs ?? 60_000;
  }

  #track(work: Promise<void>): Promise<void> {
    this.#inflight.add(work);
    return work.finally(() => this.#inflight.delete(work));
  }

  async #handle(msg: WorkMessage): Promise<void> {
    let work: ChunkWork;
    try {
      work = assertValid(ChunkWork, JSON.parse(Buffer.from(msg.data).toString('utf8')), 'chunk work');
      if (!work.key.startsWith(transcriptKeys.prefix(work.tenant, work.job))) {
        throw new Error(`chunk key ${work.key} is outside the job's transcript prefix`);
      }
    } catch (err) {
      return this.#reject(msg, (err as Error).message);
    }
    const log = this.#opts.logger?.child({
      job: work.job,
      chunk: work.index,
      correlationId: msg.headers[headerNames.correlationId] ?? work.correlationId,
    });
    const heartbeat = setInterval(() => msg.working(), Math.max(100, this.#ackWaitMs / 4));
    heartbeat.unref();
    try {
      const { store } = this.#opts;
      const resultKey = transcriptKeys.chunkResult(work.tenant, work.job, work.index);
      if (await store.stat(resultKey)) {
        this.#stats.alreadyDone++;
        await msg.ack();
        return this.#announce(work);
      }
      let pcm: Int16Array;
      try {
        pcm = decodePcmWav(await readObject(store, work.key));
      } catch (err) {
        if (isNotFound(err)) return this.#reject(msg, `chunk audio ${work.key} not found (job cancelled or finished?)`);
        if (err instanceof WavFormatError) return this.#reject(msg, `${work.key}: ${err.message}`);
        throw err;
      }
      const t0 = performance.now();
      const segments = await transcribeChunk(pcm, { ...this.#opts, offsetMs: work.start });
      const result: ChunkResult = { index: work.index, start: work.start, end: work.end, segments };
      await store.put(resultKey, JSON.stringify(result), { contentType: 'application/json' });
      this.#stats.transcribed++;
      await msg.ack();
      log?.debug({ segments: segments.length, ms: Math.round(performance.now() - t0) }, 'chunk transcribed');
      await this.#announce(work);
    } catch (err) {
      this.#stats.retried++;
      log?.warn({ err, delivery: msg.deliveryCount }, 'chunk transcription failed; retrying later');
      msg.nak(this.#opts.retryDelayMs ?? 5000);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async #reject(msg: WorkMessage, reason: string): Promise<void> {
    this.#stats.rejected++;
    this.#opts.logger?.error({ reason, seq: msg.seq }, 'chunk work dead-lettered');
    await msg.term(reason);
  }

  /** A plain notification: the waiter also polls the store, so a lost one only delays it. */
  async #announce(work: ChunkWork): Promise<void> {
    const done: ChunkDone = { index: work.index };
    try {
      await this.#opts.bus.publish(subjects.jobChunkDone(work.job), Buffer.from(JSON.stringify(done)), {
        headers: { [headerNames.correlationId]: work.correlationId },
      });
    } catch (err) {
      this.#opts.logger?.warn({ err, job: work.job }, 'chunk-done notification not sent');
    }
  }
}
