import type { RtpPacket } from './rtp-packet.ts';

export type JitterBufferOptions = {
  /** Most packets held while waiting for a missing one (default 16, 320 ms of 20 ms Opus). */
  maxPackets?: number;
  /** Longest a packet waits for a missing predecessor, in ms of arrival time (default 120). */
  maxDelayMs?: number;
};

/** A packet released in order; `lostBefore` counts the sequence numbers skipped just before it. */
export type JitterRelease = { packet: RtpPacket; lostBefore: number };

export type JitterStats = {
  /** Packets accepted into the buffer (duplicates, late and out-of-window packets excluded). */
  received: number;
  /** Sequence numbers skipped because they had not arrived in time. */
  lost: number;
  /** Packets that arrived after their slot was released or skipped, and were dropped. */
  late: number;
  duplicates: number;
  /** Sequence jumps beyond the window the buffer re-synchronised to (sender restart). */
  resyncs: number;
};

// RFC 3550 A.1: jumps beyond these are a restart, not loss or reordering.
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const HISTORY = 1024; // released sequence numbers remembered, to tell duplicates from late packets

type Held = { ext: number; at: number; packet: RtpPacket };

/**
 * Small reorder buffer keyed by the 16-bit RTP sequence number, extended to a monotonic
 * counter so wrap-around at 65535 is invisible. In-order packets pass straight through;
 * a hole holds later packets until it fills, `maxPackets` are waiting, or the oldest waited
 * `maxDelayMs` (then the hole is declared lost). The caller drives time: `push`, `poll`, `flush`.
 */
export class JitterBuffer {
  readonly #maxPackets: number;
  readonly #maxDelayMs: number;
  #held: Held[] = []; // sorted by ext
  #next: number | undefined; // extended seq of the next packet to release
  #released = new Float64Array(HISTORY).fill(-1);
  #badSeq: number | undefined; // RFC 3550 A.1 probation for a restart
  #stats: JitterStats = { received: 0, lost: 0, late: 0, duplicates: 0, resyncs: 0 };

  constructor(opts: JitterBufferOptions = {}) {
    this.#maxPackets = Math.max(1, opts.maxPackets ?? 16);
    this.#maxDelayMs = Math.max(0, opts.maxDelayMs ?? 120);
  }

  get size(): number {
    return this.#held.length;
  }

  stats(): JitterStats {
    return { ...this.#stats };
  }

  /** Adds a packet; returns whatever is now releasable, in order. */
  push(packet: RtpPacket, now: number = performance.now()): JitterRelease[] {
    const seq = packet.sequenceNumber & 0xffff;
    if (this.#next === undefined) this.#next = seq;
    const delta = ((seq - (this.#next & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    if (delta > MAX_DROPOUT || delta < -MAX_MISORDER) {
      // Far jump: a restarted sender, or garbage. Follow it only if the next packet continues it.
      if (this.#badSeq !== seq) {
        this.#badSeq = (seq + 1) & 0xffff;
        this.#stats.late++;
        return [];
      }
      const out = this.flush();
      this.#stats.resyncs++;
      this.#next = seq;
      this.#badSeq = undefined;
      return out.concat(this.push(packet, now));
    }
    this.#badSeq = undefined;
    const ext = this.#next + delta;
    if (ext < this.#next) {
      if (this.#released[ext % HISTORY] === ext) this.#stats.duplicates++;
      else this.#stats.late++;
      return [];
    }
    let i = this.#held.length;
    while (i > 0 && this.#held[i - 1]!.ext > ext) i--;
    if (i > 0 && this.#held[i - 1]!.ext === ext) {
      this.#stats.duplicates++;
      return [];
    }
    this.#held.splice(i, 0, { ext, at: now, packet });
    this.#stats.received++;
    return this.#drain(now, false);
  }

  /** Releases packets whose wait expired (call at `nextDeadline()`). */
  poll(now: number = performance.now()): JitterRelease[] {
    return this.#drain(now, false);
  }

  /** When `poll` would next release something, or undefined if nothing is waiting. */
  nextDeadline(): number | undefined {
    return this.#held.length > 0 ? this.#oldestArrival() + this.#maxDelayMs : undefined;
  }

  /** Releases everything held, skipping holes (end of stream). */
  flush(): JitterRelease[] {
    return this.#drain(Number.POSITIVE_INFINITY, true);
  }

  // The hole has been open since the earliest arrival still held (not the lowest sequence number).
  #oldestArrival(): number {
    let at = Number.POSITIVE_INFINITY;
    for (const h of this.#held) at = Math.min(at, h.at);
    return at;
  }

  #drain(now: number, all: boolean): JitterRelease[] {
    const out: JitterRelease[] = [];
    while (this.#held.length > 0) {
      const first = this.#held[0]!;
      const next = this.#next!;
      if (first.ext !== next) {
        const giveUp = all || this.#held.length > this.#maxPackets || now - this.#oldestArrival() >= this.#maxDelayMs;
        if (!giveUp) break;
      }
      this.#held.shift();
      const lostBefore = first.ext - next;
      this.#stats.lost += lostBefore;
      this.#released[first.ext % HISTORY] = first.ext;
      this.#next = first.ext + 1;
      out.push({ packet: first.packet, lostBefore });
    }
    return out;
  }
}
