import type { TranscriptSegment } from '@mi/contracts';
import type { AsrEngine } from '../engine/types.ts';
import { probeMedia } from '../media/probe.ts';
import type { SegmenterConfig } from '../vad/segmenter.ts';
import type { SileroVad } from '../vad/silero.ts';
import type { EnergyCurve } from './audio-energy.ts';
import { cancelledError } from './cancel.ts';
import { type BatchProgress, ProgressTracker } from './progress.ts';
import { type SplitOptions, splitAudio } from './split-audio.ts';
import { transcribeChunk } from './transcribe-chunk.ts';

export type LocalTranscriptionDeps = { vad: SileroVad; engine: AsrEngine; segmenter: SegmenterConfig };

export type LocalTranscriptionOptions = SplitOptions & {
  /** Chunks in flight at once (default: the engine's parallelism + 1, so the next chunk's VAD overlaps ASR). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: BatchProgress) => void;
  /** Expected audio length, for percent and ETA before the split has finished (default: ffprobe's, when onProgress is set). */
  durationMs?: number;
};

export type BatchTranscript = {
  durationMs: number;
  /** In time order; times in ms of the file. */
  segments: TranscriptSegment[];
  energy: EnergyCurve;
  chunks: { index: number; start: number; end: number }[];
};

/**
 * The batch path without a bus: splitAudio plus transcribeChunk in this process, a bounded number
 * of chunks at a time (so memory stays at a few chunks whatever the file's length). Throws
 * AppError 'ERR_CANCELLED' when `signal` fires (after the chunks in hand have finished).
 */
export async function transcribeLocally(
  path: string,
  deps: LocalTranscriptionDeps,
  opts: LocalTranscriptionOptions = {},
): Promise<BatchTranscript> {
  const { signal } = opts;
  if (signal?.aborted) throw cancelledError();
  const limit = opts.concurrency ?? deps.engine.capabilities.maxBatch + 1;
  // The split only knows the length at its end: ffprobe's, for percent and ETA until then.
  const durationHint = opts.durationMs ?? (opts.onProgress ? (await probeMedia(path)).durationMs : undefined);
  const progress = new ProgressTracker(opts.onProgress, durationHint);
  const split = splitAudio(path, opts);
  const results: TranscriptSegment[][] = [];
  const chunks: BatchTranscript['chunks'] = [];
  const running = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  try {
    for await (const chunk of split.chunks) {
      if (signal?.aborted) throw cancelledError();
      if (failure) throw failure.err;
      const { index, start, end } = chunk;
      chunks.push({ index, start, end });
      const work = transcribeChunk(chunk.pcm, { ...deps, offsetMs: start }).then(
        (segments) => {
          results[index] = segments;
          progress.chunkDone(end - start, false);
        },
        (err: unknown) => {
          failure ??= { err };
        },
      );
      running.add(work);
      void work.finally(() => running.delete(work));
      while (running.size >= limit) await Promise.race(running);
    }
  } finally {
    await Promise.allSettled(running);
  }
  if (failure) throw failure.err;
  if (signal?.aborted) throw cancelledError();
  const summary = await split.summary;
  progress.total(summary.chunks, summary.durationMs);
  return { durationMs: summary.durationMs, segments: results.flat(), energy: summary.energy, chunks };
}
