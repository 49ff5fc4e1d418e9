import { type KeyframeData, makeEvent, subjects } from '@mi/contracts';
import type { OcrResult } from '@mi/ocr';
import type { Candidate } from './candidate-assembler.ts';
import { appendEvent, type PublishTarget } from './events.ts';
import type { KeptFrame } from './keyframe-selector.ts';
import type { VideoKeyframeTapStats } from './types.ts';

export interface KeyframePublisherOptions extends PublishTarget {
  /** Thumbnails go to `${keyPrefix}/${offsetMs}.jpg`. */
  keyPrefix: string;
  /** Text of a grey frame; absent when OCR is off. */
  ocr?: (gray: Buffer) => Promise<OcrResult | undefined>;
  /** Wall-clock ms of track time 0, once known. */
  wallBase: () => number | undefined;
  /** Counters this publisher updates. */
  stats: Pick<VideoKeyframeTapStats, 'published' | 'publishFailures' | 'thumbnailFailures'>;
  onPublished: (data: KeyframeData) => void;
}

/**
 * Turns kept frames into `media.keyframe` events: stores the thumbnail, waits for OCR, and
 * publishes. Frames are prepared concurrently but published in the order they were kept.
 */
export class KeyframePublisher {
  #tail: Promise<void> = Promise.resolve();

  constructor(private readonly o: KeyframePublisherOptions) {}

  add({ candidate: c, reason, score }: KeptFrame<Candidate>): void {
    const job = this.#prepare(c, reason, score);
    job.catch(() => undefined);
    this.#tail = this.#tail.then(async () => {
      const data = await job.catch((err) => {
        this.o.log.error({ err, offsetMs: c.offsetMs }, 'video tap: key frame failed');
        return undefined;
      });
      if (data) await this.#publish(data);
    });
  }

  /** Resolves once every frame added so far is published (or failed). */
  drained(): Promise<void> {
    return this.#tail;
  }

  async #prepare(c: Candidate, reason: KeyframeData['reason'], score?: number): Promise<KeyframeData | undefined> {
    const offsetMs = Math.max(0, Math.round(c.offsetMs));
    const key = `${this.o.keyPrefix}/${offsetMs}.jpg`;
    const ocr = this.o.ocr && c.gray ? this.o.ocr(c.gray) : Promise.resolve(undefined);
    c.gray = undefined; // a full-size frame: do not keep it alive longer than OCR needs it
    let stored = true;
    try {
      await this.o.store.put(key, c.jpeg.data, { contentType: 'image/jpeg' });
    } catch (err) {
      stored = false;
      this.o.stats.thumbnailFailures++;
      this.o.log.error({ err, key }, 'video tap: could not store the thumbnail');
    }
    const text = await ocr;
    if (!stored) return undefined;
    const data: KeyframeData = {
      room: this.o.room,
      participant: this.o.participant,
      producer: this.o.producerId,
      reason,
      offsetMs,
      at: new Date((this.o.wallBase() ?? c.arrivedAt - c.offsetMs) + c.offsetMs).toISOString(),
      thumbnail: {
        key,
        contentType: 'image/jpeg',
        width: c.jpeg.width,
        height: c.jpeg.height,
        bytes: c.jpeg.data.length,
      },
    };
    if (score !== undefined) data.score = Math.min(1, Math.max(0, score));
    if (text) {
      data.text = text.text.slice(0, 10_000);
      data.ocr = { engine: 'tesseract', ...(text.confidence !== undefined ? { confidence: text.confidence } : {}) };
    }
    return data;
  }

  async #publish(data: KeyframeData): Promise<void> {
    const ev = makeEvent('media.keyframe', 1, data, this.o.ctx, `${this.o.producerId}:kf:${data.offsetMs}`);
    try {
      await appendEvent(this.o.bus, subjects.keyframe(this.o.room, this.o.participant.id), ev, this.o.ctx);
      this.o.stats.published++;
    } catch (err) {
      this.o.stats.publishFailures++;
      this.o.log.error({ err, id: ev.id }, 'video tap: could not publish the key frame');
    }
    try {
      this.o.onPublished(data);
    } catch (err) {
      this.o.log.error({ err }, 'video tap: keyframe listener threw');
    }
  }
}
