import type { Bus } from '@mi/bus';
import type { ObjectStore } from '@mi/object-store';
import type { Logger } from '@mi/telemetry';
import { splitAudio, transcribeOnWorkers } from '@mi/transcriber';
import type { TranscribeSource } from './batch-handlers.ts';

/**
 * Batch transcription on the transcriber workers: the file is cut into about a minute of audio
 * at a time on silences, every chunk is queued for any ChunkWorker on the bus, and the results are
 * joined in time order. Energy comes from the same decoding pass.
 */
export function transcribeOnBus(deps: {
  bus: Bus;
  store: ObjectStore;
  logger?: Logger;
  targetChunkMs?: number;
}): TranscribeSource {
  return async (path, ctx) => {
    const split = splitAudio(path, { targetChunkMs: deps.targetChunkMs ?? 60_000 });
    const segments = await transcribeOnWorkers({
      bus: deps.bus,
      store: deps.store,
      tenant: ctx.tenant,
      job: ctx.job,
      correlationId: ctx.correlationId,
      chunks: split.chunks,
      signal: ctx.signal,
      onProgress: (p) => ctx.onProgress((p.percent ?? 0) / 100),
      ...(ctx.durationMs ? { durationMs: ctx.durationMs } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
    const { energy, durationMs } = await split.summary;
    return { durationMs, segments, energy };
  };
}
