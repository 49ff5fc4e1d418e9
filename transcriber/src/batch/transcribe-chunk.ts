import type { TranscriptSegment } from '@mi/contracts';
import type { AsrEngine } from '../engine/types.ts';
import type { SegmenterConfig } from '../vad/segmenter.ts';
import type { SileroVad } from '../vad/silero.ts';
import { recognizeCuts, SpeechCutter } from './speech-cuts.ts';

export type ChunkTranscriptionDeps = {
  vad: SileroVad;
  engine: AsrEngine;
  segmenter: SegmenterConfig;
  /** Where the chunk starts in the whole file; added to every time. Default 0. */
  offsetMs?: number;
};

/** VAD feed size: what a live stream would deliver in a few frames; bounds the gate's per-call work. */
const FEED_SAMPLES = 16_000;

/**
 * Transcribes one chunk of 16 kHz mono PCM the way transcribeFile does a file (Silero VAD cuts,
 * then every utterance through the engine in parallel). Times are ms of the whole file.
 */
export async function transcribeChunk(pcm: Int16Array, deps: ChunkTranscriptionDeps): Promise<TranscriptSegment[]> {
  const cutter = new SpeechCutter(deps.vad, deps.segmenter);
  for (let at = 0; at < pcm.length; at += FEED_SAMPLES) await cutter.push(pcm.subarray(at, at + FEED_SAMPLES));
  return recognizeCuts(deps.engine, cutter.finish(), deps.offsetMs ?? 0);
}
