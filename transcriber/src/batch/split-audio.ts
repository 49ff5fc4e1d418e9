import { decodeToPcm16k } from '../media/decode.ts';
import { concatAll } from '../vad/speech-gate.ts';
import { type EnergyCurve, EnergyMeter } from './audio-energy.ts';
import { findQuietCut } from './quiet-cut.ts';

/** A piece of the file's audio: 16 kHz mono PCM, times in ms from the start of the file. */
export type AudioChunk = { index: number; start: number; end: number; pcm: Int16Array };

/** Known once every chunk has been read. */
export type SplitSummary = { energy: EnergyCurve; durationMs: number; chunks: number };

export type SplitOptions = {
  /** Preferred chunk length (default 60 s). */
  targetChunkMs?: number;
  /** Hard limit (default 1.5 x target, 90 s for the default target). */
  maxChunkMs?: number;
  /** Window of the energy curve (default 500 ms). */
  energyWindowMs?: number;
};

/**
 * `chunks` can be iterated once; `summary` settles when that iteration ends (it rejects if decoding
 * failed or the iteration stopped early), so await it after the loop.
 */
export type AudioSplit = { chunks: AsyncIterable<AudioChunk>; summary: Promise<SplitSummary> };

const SAMPLES_PER_MS = 16;
/** Audio read past the latest cut, so that a pause straddling it is measured whole. */
const LOOKAHEAD_SAMPLES = 16_000;

/**
 * One ffmpeg decode of `path` to 16 kHz mono, cut into chunks of about `targetChunkMs` at the
 * quietest pause within target ± (max - target), so no word is split, while measuring the energy
 * curve of the whole file. Streams: holds at most one chunk plus a second of lookahead (twice that
 * briefly while cutting). Rejects (chunks and summary) with MediaError on undecodable media.
 *
 *   const split = splitAudio(path, { targetChunkMs: 60_000 });
 *   for await (const chunk of split.chunks) ...
 *   const { energy, durationMs } = await split.summary;
 */
export function splitAudio(path: string, opts: SplitOptions = {}): AudioSplit {
  const targetMs = opts.targetChunkMs ?? 60_000;
  const maxMs = opts.maxChunkMs ?? targetMs * 1.5;
  if (!(targetMs > 0) || !(maxMs >= targetMs)) {
    throw new RangeError(`need 0 < targetChunkMs <= maxChunkMs (got ${targetMs}, ${maxMs})`);
  }
  const range = {
    from: Math.round(Math.max(0, 2 * targetMs - maxMs) * SAMPLES_PER_MS),
    target: Math.round(targetMs * SAMPLES_PER_MS),
    to: Math.round(maxMs * SAMPLES_PER_MS),
  };
  let settle!: { resolve: (s: SplitSummary) => void; reject: (e: unknown) => void };
  const summary = new Promise<SplitSummary>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Callers that only iterate must not get an unhandled rejection; awaiting it still throws.
  summary.catch(() => {});

  async function* chunks(): AsyncGenerator<AudioChunk> {
    const meter = new EnergyMeter(opts.energyWindowMs ?? 500);
    let parts: Int16Array[] = [];
    let buffered = 0;
    let start = 0;
    let index = 0;
    let finished = false;
    const take = (audio: Int16Array, length: number): AudioChunk => {
      const chunk = {
        index: index++,
        start: start / SAMPLES_PER_MS,
        end: (start + length) / SAMPLES_PER_MS,
        pcm: audio.slice(0, length),
      };
      start += length;
      return chunk;
    };
    try {
      for await (const pcm of decodeToPcm16k(path)) {
        meter.push(pcm);
        parts.push(pcm);
        buffered += pcm.length;
        while (buffered >= range.to + LOOKAHEAD_SAMPLES) {
          const audio = concatAll(parts);
          const cut = findQuietCut(audio, range);
          yield take(audio, cut);
          parts = [audio.subarray(cut)];
          buffered = audio.length - cut;
        }
      }
      let rest = concatAll(parts);
      while (rest.length > range.to) {
        const cut = findQuietCut(rest, range);
        yield take(rest, cut);
        rest = rest.subarray(cut);
      }
      if (rest.length > 0) yield take(rest, rest.length);
      finished = true;
      settle.resolve({ energy: meter.finish(), durationMs: start / SAMPLES_PER_MS, chunks: index });
    } catch (err) {
      settle.reject(err);
      throw err;
    } finally {
      if (!finished) settle.reject(new Error('the audio split was not read to the end'));
    }
  }
  return { chunks: chunks(), summary };
}
