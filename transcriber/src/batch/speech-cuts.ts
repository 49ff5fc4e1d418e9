import type { TranscriptSegment } from '@mi/contracts';
import type { AsrEngine } from '../engine/types.ts';
import type { SegmenterConfig } from '../vad/segmenter.ts';
import type { SileroVad } from '../vad/silero.ts';
import { concatAll, type GateEvent, SpeechGate } from '../vad/speech-gate.ts';

/** One utterance found by the VAD; sample positions from the start of the audio fed in. */
export type SpeechCut = {
  /** First and last speech sample. */
  start: number;
  end: number;
  /** Where `pcm` starts (the pre-roll before `start`). */
  feedStart: number;
  pcm: Int16Array;
};

const ms = (samples: number) => (samples / 16000) * 1000;

/**
 * Collects the utterances of contiguous 16 kHz audio with the live path's SpeechGate, so files
 * and chunks are cut on speech exactly as live streams are.
 */
export class SpeechCutter {
  readonly #gate: SpeechGate;
  readonly #cuts: SpeechCut[] = [];
  #open: { start: number; feedStart: number; parts: Int16Array[] } | undefined;

  constructor(vad: SileroVad, segmenter: SegmenterConfig) {
    this.#gate = new SpeechGate(vad, segmenter);
  }

  /** Samples fed so far. */
  get offset(): number {
    return this.#gate.offset;
  }

  async push(pcm: Int16Array): Promise<void> {
    for (const ev of await this.#gate.process(pcm)) this.#on(ev);
  }

  /** End of the audio: closes an open utterance and returns them all. */
  finish(): SpeechCut[] {
    for (const ev of this.#gate.finish()) this.#on(ev);
    return this.#cuts;
  }

  #on(ev: GateEvent): void {
    if (ev.kind === 'start') this.#open = { start: ev.at, feedStart: ev.feedStart, parts: [ev.head] };
    else if (ev.kind === 'audio') this.#open?.parts.push(ev.pcm);
    else if (this.#open) {
      const o = this.#open;
      this.#cuts.push({ start: o.start, end: ev.at, feedStart: o.feedStart, pcm: concatAll(o.parts) });
      this.#open = undefined;
    }
  }
}

/**
 * Every cut through the engine's batch API at once (the engine spreads them over its processes),
 * as transcript segments in ms shifted by `offsetMs`. Segments without words are dropped. A
 * segment's bounds are widened to its words: the engine may place a word in the pre- or post-roll
 * around the speech the VAD detected.
 */
export async function recognizeCuts(
  engine: AsrEngine,
  cuts: SpeechCut[],
  offsetMs = 0,
  onDone?: (done: number, total: number) => void,
): Promise<TranscriptSegment[]> {
  let done = 0;
  const results = await Promise.all(
    cuts.map(async (c, i) => {
      const [r] = await engine.transcribe([{ id: String(i), pcm: c.pcm }]);
      onDone?.(++done, cuts.length);
      return r!;
    }),
  );
  return cuts
    .map((c, i) => {
      const r = results[i]!;
      const shift = offsetMs + ms(c.feedStart);
      const words = r.words.map((w) => ({ ...w, start: w.start + shift, end: w.end + shift }));
      return {
        start: Math.min(offsetMs + ms(c.start), ...words.map((w) => w.start)),
        end: Math.max(offsetMs + ms(c.end), ...words.map((w) => w.end)),
        text: r.text.trim(),
        words,
        confidence: r.confidence,
      };
    })
    .filter((s) => s.text.length > 0);
}
