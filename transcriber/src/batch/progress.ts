/** Progress of a chunked transcription. Audio figures are ms of the file. */
export type BatchProgress = {
  chunksDone: number;
  /** Known once the whole file has been split. */
  chunksTotal?: number;
  audioDoneMs: number;
  /** The split's total, or the caller's `durationMs` hint until then. */
  audioTotalMs?: number;
  percent?: number;
  /** From this run's pace (results reused from an earlier run do not count towards it). */
  etaMs?: number;
};

/** Counts finished chunks and estimates the time left from the pace of this run. */
export class ProgressTracker {
  readonly #started = performance.now();
  #chunksDone = 0;
  #audioDoneMs = 0;
  #workedMs = 0;
  #chunksTotal: number | undefined;
  #audioTotalMs: number | undefined;

  constructor(
    private readonly onProgress: ((p: BatchProgress) => void) | undefined,
    durationHintMs?: number,
  ) {
    this.#audioTotalMs = durationHintMs;
  }

  /** A chunk is done; `reused` when its result came from an earlier run. */
  chunkDone(audioMs: number, reused: boolean): void {
    this.#chunksDone++;
    this.#audioDoneMs += audioMs;
    if (!reused) this.#workedMs += audioMs;
    this.#report();
  }

  /** The whole file has been split. */
  total(chunks: number, audioMs: number): void {
    this.#chunksTotal = chunks;
    this.#audioTotalMs = audioMs;
    this.#report();
  }

  #report(): void {
    if (!this.onProgress) return;
    const p: BatchProgress = { chunksDone: this.#chunksDone, audioDoneMs: this.#audioDoneMs };
    if (this.#chunksTotal !== undefined) p.chunksTotal = this.#chunksTotal;
    const total = this.#audioTotalMs;
    if (total !== undefined && total > 0) {
      p.audioTotalMs = total;
      p.percent = Math.min(100, (this.#audioDoneMs / total) * 100);
      const elapsed = performance.now() - this.#started;
      if (this.#workedMs > 0) p.etaMs = Math.max(0, ((total - this.#audioDoneMs) * elapsed) / this.#workedMs);
    }
    this.onProgress(p);
  }
}
