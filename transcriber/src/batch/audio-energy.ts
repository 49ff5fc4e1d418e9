/** Loudness over time: RMS in dBFS per fixed window, for highlight scoring. */
export type EnergyCurve = { windowMs: number; db: number[] };

/** Floor for digital silence (log of zero), and the value a silent window gets. */
export const SILENCE_DB = -100;
const FULL_SCALE_SQUARED = 32768 * 32768;

/** RMS dBFS of a sum of squares over `samples` samples. */
export function rmsDb(sumSquares: number, samples: number): number {
  if (samples === 0) return SILENCE_DB;
  const db = 10 * Math.log10(sumSquares / samples / FULL_SCALE_SQUARED);
  return Math.max(SILENCE_DB, db);
}

/**
 * Streams 16 kHz PCM in and keeps one number per window; memory is one number per window
 * (a 3-hour file at 500 ms is ~22k numbers). The last, partial window is measured over what it has.
 */
export class EnergyMeter {
  readonly #window: number;
  readonly #db: number[] = [];
  #sum = 0;
  #filled = 0;

  constructor(readonly windowMs = 500) {
    this.#window = Math.round((windowMs / 1000) * 16000);
  }

  push(pcm: Int16Array): void {
    for (let i = 0; i < pcm.length; i++) {
      const s = pcm[i]!;
      this.#sum += s * s;
      if (++this.#filled === this.#window) this.#close();
    }
  }

  finish(): EnergyCurve {
    if (this.#filled > 0) this.#close();
    return { windowMs: this.windowMs, db: this.#db };
  }

  #close(): void {
    // Two decimals: plenty for scoring, and the JSON stays small.
    this.#db.push(Math.round(rmsDb(this.#sum, this.#filled) * 100) / 100);
    this.#sum = 0;
    this.#filled = 0;
  }
}
