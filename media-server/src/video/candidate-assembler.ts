import type { FrameMeta } from './ffmpeg-output.ts';
import type { JpegImage } from './jpeg-splitter.ts';

/** A frame ffmpeg selected, with everything its three outputs said about it. */
export interface Candidate extends FrameMeta {
  arrivedAt: number;
  jpeg: JpegImage;
  /** Grey PGM for OCR (only when OCR is on; dropped once handed to OCR). */
  gray?: Buffer;
}

/** More than this many unmatched items on one output means the outputs fell out of step. */
const MAX_BACKLOG = 16;

/**
 * Pairs the i-th metadata record with the i-th JPEG (and PGM): ffmpeg writes the same frames,
 * in the same order, to each output, but each arrives on its own pipe at its own pace.
 */
export class CandidateAssembler {
  readonly #metas: FrameMeta[] = [];
  readonly #jpegs: JpegImage[] = [];
  readonly #grays: Buffer[] = [];

  constructor(
    private readonly opts: {
      withGray: boolean;
      onCandidate: (c: Candidate) => void;
      onOutOfStep: (backlog: number) => void;
    },
  ) {}

  addMeta(meta: FrameMeta): void {
    this.#metas.push(meta);
    this.flush();
  }

  addJpegs(images: JpegImage[]): void {
    this.#jpegs.push(...images);
    this.flush();
  }

  addGrays(images: Buffer[]): void {
    this.#grays.push(...images);
    this.flush();
  }

  /** Hands on every complete candidate. */
  flush(): void {
    for (const queue of [this.#metas, this.#jpegs, this.#grays] as unknown[][]) {
      if (queue.length > MAX_BACKLOG) {
        this.opts.onOutOfStep(queue.length);
        queue.splice(0, queue.length - MAX_BACKLOG);
      }
    }
    const withGray = this.opts.withGray;
    while (this.#metas.length > 0 && this.#jpegs.length > 0 && (!withGray || this.#grays.length > 0)) {
      const c: Candidate = { ...this.#metas.shift()!, arrivedAt: Date.now(), jpeg: this.#jpegs.shift()! };
      if (withGray) c.gray = this.#grays.shift();
      this.opts.onCandidate(c);
    }
  }
}
