import type { KeyframeData } from '@mi/contracts';

export type KeyframeReason = KeyframeData['reason'];

export interface KeptFrame<C> {
  candidate: C;
  reason: KeyframeReason;
  score?: number;
}

export interface KeyframeSelectorOptions {
  /** Scene score above which a frame counts as a cut. */
  threshold: number;
  minIntervalMs: number;
  /** 0 = no periodic frames. */
  periodicMs: number;
}

/** ffmpeg's own periodic selection may land a frame slightly early; still count it as periodic. */
const PERIODIC_SLACK_MS = 100;

/**
 * Which candidate frames to keep (track time, ms): the first; a cut (score over the threshold)
 * unless one was kept less than minIntervalMs before, in which case the latest such cut waits
 * and is kept when the interval ends; otherwise a frame when nothing was kept for periodicMs.
 */
export class KeyframeSelector<C extends { offsetMs: number; score: number }> {
  #lastKeptMs: number | undefined;
  #nextAllowedMs = 0;
  #pending: C | undefined;

  constructor(private readonly opts: KeyframeSelectorOptions) {}

  /** The frames to keep now, in order (a waiting cut the interval has passed for, then this one). */
  offer(c: C): KeptFrame<C>[] {
    const out: KeptFrame<C>[] = [];
    if (this.#lastKeptMs === undefined) {
      this.#keep(c);
      return [{ candidate: c, reason: 'first' }];
    }
    if (this.#pending && c.offsetMs >= this.#nextAllowedMs) out.push(...this.release());
    if (c.score > this.opts.threshold) {
      if (c.offsetMs >= this.#nextAllowedMs) {
        this.#keep(c);
        out.push({ candidate: c, reason: 'scene', score: c.score });
      } else {
        this.#pending = c;
      }
    } else if (
      this.opts.periodicMs > 0 &&
      c.offsetMs - this.#lastKeptMs >= this.opts.periodicMs - PERIODIC_SLACK_MS &&
      c.offsetMs >= this.#nextAllowedMs
    ) {
      this.#keep(c);
      out.push({ candidate: c, reason: 'interval' });
    }
    return out;
  }

  /** Track time until the waiting cut may be kept, or undefined when none waits. */
  get pendingDueMs(): number | undefined {
    return this.#pending ? Math.max(0, this.#nextAllowedMs - this.#pending.offsetMs) : undefined;
  }

  /** Keeps the waiting cut now (its interval is over, or the track ended). */
  release(): KeptFrame<C>[] {
    const p = this.#pending;
    if (!p) return [];
    this.#pending = undefined;
    // the interval runs from when the cut was decided, not from its own (earlier) offset
    const decidedAt = this.#nextAllowedMs;
    this.#keep(p);
    this.#nextAllowedMs = Math.max(this.#nextAllowedMs, decidedAt + this.opts.minIntervalMs);
    return [{ candidate: p, reason: 'scene', score: p.score }];
  }

  #keep(c: C): void {
    this.#lastKeptMs = c.offsetMs;
    this.#nextAllowedMs = c.offsetMs + this.opts.minIntervalMs;
  }
}
