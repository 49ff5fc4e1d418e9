import type { AsrEngine, AsrResult } from './engine/types.ts';
import { decodeToPcm16k } from './media/decode.ts';
import { probeMedia } from './media/probe.ts';
import type { SegmenterConfig } from './vad/segmenter.ts';
import type { SileroVad } from './vad/silero.ts';
import { concatAll, type GateEvent, SpeechGate } from './vad/speech-gate.ts';

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
  const gate = new SpeechGate(deps.vad, deps.segmenter);
  const cuts: { start: number; end: number; feedStart: number; pcm: Int16Array }[] = [];
  let open: { start: number; feedStart: number; chunks: Int16Array[] } | undefined;
  const on = (ev: GateEvent) => {
    if (ev.kind === 'start') open = { start: ev.at, feedStart: ev.feedStart, chunks: [ev.head] };
    else if (ev.kind === 'audio') open?.chunks.push(ev.pcm);
    else if (open) {
      cuts.push({ start: open.start, end: ev.at, feedStart: open.feedStart, pcm: concatAll(open.chunks) });
      open = undefined;
    }
  };
  for await (const pcm of decodeToPcm16k(path)) {
    for (const ev of await gate.process(pcm)) on(ev);
    if (info.durationMs > 0) {
      report({ stage: 'decode+vad', percent: Math.min(VAD_SHARE, (ms(gate.offset) / info.durationMs) * VAD_SHARE) });
    }
  }
  for (const ev of gate.finish()) on(ev);
  let done = 0;
  const results = await Promise.all(
    cuts.map(async (c, i) => {
      const [r] = await deps.engine.transcribe([{ id: String(i), pcm: c.pcm }]);
      done++;
      report({ stage: 'asr', percent: VAD_SHARE + ((100 - VAD_SHARE) * done) / cuts.length });
      return r!;
    }),
  );
  report({ stage: 'asr', percent: 100 });
  const segments = cuts
    .map((c, i) => {
      const r = results[i]!;
      const shift = ms(c.feedStart);
      return {
        start: ms(c.start),
        end: ms(c.end),
        text: r.text.trim(),
        words: r.words.map((w) => ({ ...w, start: w.start + shift, end: w.end + shift })),
        confidence: r.confidence,
      };
    })
    .filter((s) => s.text.length > 0);
  return { durationMs: info.durationMs || ms(gate.offset), segments };
}
