/**
 * Turns per-window speech probabilities into utterances, with hysteresis:
 * speech starts after `minSpeechMs` above `threshold`; it ends after `minSilenceMs` below
 * `negThreshold`. Utterances longer than `maxUtteranceMs` are cut so finals keep flowing.
 */
export type SegmenterConfig = {
  threshold: number;
  negThreshold: number;
  minSpeechMs: number;
  minSilenceMs: number;
  maxUtteranceMs: number;
  /** Audio kept before the detected start, so the ASR hears the onset. */
  preRollMs: number;
  /**
   * Silence after the last speech handed to the ASR at the end of an utterance. Silence inside an
   * utterance is held back and only passed on if speech resumes, so the engine never decodes the
   * end-of-utterance hangover (less CPU, faster finals).
   */
  postRollMs: number;
};

export const defaultSegmenterConfig: SegmenterConfig = {
  threshold: 0.5,
  negThreshold: 0.35,
  minSpeechMs: 64,
  minSilenceMs: 400,
  maxUtteranceMs: 20_000,
  preRollMs: 200,
  postRollMs: 150,
};

export type SegmenterEvent =
  | { kind: 'start'; at: number; probability: number }
  | { kind: 'end'; at: number; probability: number; forced: boolean };

/** Serializable so a restarted worker resumes exactly where the last checkpoint left off. */
export type SegmenterState = {
  inSpeech: boolean;
  speechRun: number;
  silenceRun: number;
  utteranceStart: number;
  lastSpeechEnd: number;
};

export class Segmenter {
  state: SegmenterState;
  constructor(
    readonly config: SegmenterConfig,
    readonly windowSamples: number,
    state?: SegmenterState,
  ) {
    this.state = state ?? { inSpeech: false, speechRun: 0, silenceRun: 0, utteranceStart: 0, lastSpeechEnd: 0 };
  }

  /** Feeds the probability of the window starting at sample `offset`; returns a transition, if any. */
  push(offset: number, probability: number): SegmenterEvent | undefined {
    const s = this.state;
    const msPerWindow = (this.windowSamples / 16000) * 1000;
    const end = offset + this.windowSamples;
    if (!s.inSpeech) {
      if (probability >= this.config.threshold) {
        if (s.speechRun === 0) s.utteranceStart = offset;
        s.speechRun += msPerWindow;
        if (s.speechRun >= this.config.minSpeechMs) {
          s.inSpeech = true;
          s.silenceRun = 0;
          s.lastSpeechEnd = end;
          return { kind: 'start', at: s.utteranceStart, probability };
        }
      } else {
        s.speechRun = 0;
      }
      return undefined;
    }
    if (probability < this.config.negThreshold) {
      s.silenceRun += msPerWindow;
    } else {
      s.silenceRun = 0;
      s.lastSpeechEnd = end;
    }
    const lengthMs = ((end - s.utteranceStart) / 16000) * 1000;
    const ended = s.silenceRun >= this.config.minSilenceMs;
    const forced = !ended && lengthMs >= this.config.maxUtteranceMs;
    if (ended || forced) {
      s.inSpeech = false;
      s.speechRun = 0;
      s.silenceRun = 0;
      return { kind: 'end', at: forced ? end : s.lastSpeechEnd, probability, forced };
    }
    return undefined;
  }
}
