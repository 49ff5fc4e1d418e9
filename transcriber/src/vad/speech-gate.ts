import { Segmenter, type SegmenterConfig, type SegmenterState } from './segmenter.ts';
import { type SileroVad, VAD_WINDOW, VadState } from './silero.ts';

export type GateEvent =
  /** Speech began at `at`; `head` is the audio from `feedStart` (pre-roll) to the current window's end. */
  | { kind: 'start'; at: number; probability: number; feedStart: number; head: Int16Array }
  /** One more window of audio inside the open utterance. */
  | { kind: 'audio'; pcm: Int16Array }
  /** Speech ended at `at` (last speech sample), or was cut at the maximum length. */
  | { kind: 'end'; at: number; probability: number; forced: boolean };

/** Serializable gate state, valid between calls to process(). */
export type GateState = {
  offset: number;
  vad: { rnn: number[]; context: number[] };
  segmenter: SegmenterState;
  leftover: number[];
  recent: number[];
};

/**
 * Cuts a contiguous 16 kHz stream into utterances with Silero VAD: scores whole 512-sample windows,
 * keeps a short history for the pre-roll, and reports start / audio / end. Shared by the live
 * stream transcriber and the offline file transcriber so both cut speech identically.
 */
export class SpeechGate {
  #vadState: VadState;
  #segmenter: Segmenter;
  #leftover: Int16Array;
  #recent: Int16Array;
  #offset: number;
  #open = false;
  /** Non-speech windows inside the open utterance, passed on only if speech resumes. */
  #held: Int16Array[] = [];
  readonly #preRoll: number;
  readonly #postRoll: number;
  readonly #negThreshold: number;
  readonly #keep: number;

  constructor(
    private readonly vad: SileroVad,
    config: SegmenterConfig,
    state?: GateState,
  ) {
    this.#preRoll = Math.round((config.preRollMs / 1000) * 16000);
    this.#postRoll = Math.round((config.postRollMs / 1000) * 16000);
    this.#negThreshold = config.negThreshold;
    this.#keep = this.#preRoll + VAD_WINDOW * 8;
    this.#vadState = state ? VadState.from(state.vad) : new VadState();
    this.#segmenter = new Segmenter(config, VAD_WINDOW, state?.segmenter);
    this.#leftover = Int16Array.from(state?.leftover ?? []);
    this.#recent = Int16Array.from(state?.recent ?? []);
    this.#offset = state?.offset ?? 0;
    this.#open = this.#segmenter.state.inSpeech;
  }

  /** Samples consumed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** First sample not yet scored (the end of the last whole window). */
  get scoredEnd(): number {
    return this.#offset - this.#leftover.length;
  }

  get inSpeech(): boolean {
    return this.#open;
  }

  state(): GateState {
    return {
      offset: this.#offset,
      vad: this.#vadState.toJSON(),
      segmenter: { ...this.#segmenter.state },
      leftover: [...this.#leftover],
      recent: [...this.#recent],
    };
  }

  /** Scores the new samples (which must follow the previous ones) and returns what happened. */
  async process(pcm: Int16Array): Promise<GateEvent[]> {
    const events: GateEvent[] = [];
    const all = concat(this.#leftover, pcm);
    const base = this.scoredEnd;
    let at = 0;
    for (; at + VAD_WINDOW <= all.length; at += VAD_WINDOW) {
      const window = all.subarray(at, at + VAD_WINDOW);
      const start = base + at;
      const p = await this.vad.probability(this.#vadState, toFloat(window));
      this.#recent = concat(this.#recent, window).slice(-this.#keep);
      const ev = this.#segmenter.push(start, p);
      if (ev?.kind === 'start') {
        const windowEnd = start + VAD_WINDOW;
        const recentStart = windowEnd - this.#recent.length;
        const feedStart = Math.max(recentStart, ev.at - this.#preRoll, 0);
        events.push({ ...ev, feedStart, head: this.#recent.slice(feedStart - recentStart) });
        this.#open = true;
      } else if (this.#open && p >= this.#negThreshold) {
        if (this.#held.length) events.push({ kind: 'audio', pcm: concatAll(this.#held) });
        this.#held = [];
        events.push({ kind: 'audio', pcm: window.slice() });
      } else if (this.#open) {
        this.#held.push(window.slice());
      }
      if (ev?.kind === 'end') {
        this.#releasePostRoll(events);
        events.push(ev);
        this.#open = false;
      }
    }
    this.#leftover = all.slice(at);
    this.#offset += pcm.length;
    return events;
  }

  /** End of input: closes an open utterance at the last scored sample. */
  finish(): GateEvent[] {
    if (!this.#open) return [];
    this.#open = false;
    this.#segmenter.state.inSpeech = false;
    const events: GateEvent[] = [];
    this.#releasePostRoll(events);
    return [...events, { kind: 'end', at: this.scoredEnd, probability: 0, forced: true }];
  }

  /** Hands the ASR the first postRoll samples of trailing silence and drops the rest. */
  #releasePostRoll(events: GateEvent[]): void {
    const tail = concatAll(this.#held).subarray(0, this.#postRoll);
    if (tail.length) events.push({ kind: 'audio', pcm: tail });
    this.#held = [];
  }
}

function concat(a: Int16Array, b: Int16Array): Int16Array {
  if (a.length === 0) return b;
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function concatAll(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function toFloat(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i]! / 32768;
  return out;
}
