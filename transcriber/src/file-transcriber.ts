import { recognizeCuts, SpeechCutter } from './batch/speech-cuts.ts';
import type { AsrEngine, AsrResult } from './engine/types.ts';
import { decodeToPcm16k } from './media/decode.ts';
import { probeMedia } from './media/probe.ts';
import type { SegmenterConfig } from './vad/segmenter.ts';
import type { SileroVad } from './vad/silero.ts';

export type FileSegment = { start: number; end: number; text: string; words: AsrResult['words']; confidence: number };
export type FileProgress = { stage: 'decode+vad' | 'asr'; percent: number; etaMs?: number };

const ms = (samples: number) => (samples / 16000) * 1000;
/** Share of the progress bar spent decoding and cutting (the rest is ASR). */
const VAD_SHARE = 30;

/**
 * Offline transcription of a media file through the live path's VAD and engine:
 * decode + VAD in one streaming pass (cutting on silence exactly as live), then every speech
 * segment through the engine's batch API in parallel.
 */
export async function transcribeFile(
  path: string,
  deps: { vad: SileroVad; engine: AsrEngine; segmenter: SegmenterConfig; onProgress?: (p: FileProgress) => void },
): Promise<{ durationMs: number; segments: FileSegment[] }> {
  const info = await probeMedia(path);
  const started = performance.now();
  const report = (p: FileProgress) => {
    const elapsed = performance.now() - started;
    deps.onProgress?.({ ...p, ...(p.percent >= 1 ? { etaMs: (elapsed / p.percent) * (100 - p.percent) } : {}) });
  };
  const cutter = new SpeechCutter(deps.vad, deps.segmenter);
  for await (const pcm of decodeToPcm16k(path)) {
    await cutter.push(pcm);
    if (info.durationMs > 0) {
      report({ stage: 'decode+vad', percent: Math.min(VAD_SHARE, (ms(cutter.offset) / info.durationMs) * VAD_SHARE) });
    }
  }
  const segments = await recognizeCuts(deps.engine, cutter.finish(), 0, (done, total) =>
    report({ stage: 'asr', percent: VAD_SHARE + ((100 - VAD_SHARE) * done) / total }),
  );
  report({ stage: 'asr', percent: 100 });
  return { durationMs: info.durationMs || ms(cutter.offset), segments };
}
