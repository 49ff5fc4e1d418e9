import { rmsDb } from './audio-energy.ts';

/** 10 ms analysis frames at 16 kHz: cuts land on this grid (whole milliseconds). */
export const CUT_FRAME = 160;
/** Loudness is averaged over ±150 ms, so a cut point needs a pause around it, not a gap between two syllables. */
const HALF_SPAN_FRAMES = 15;
/** A pause at the edge of the search range must be this much quieter than one at the target to win. */
const DISTANCE_PENALTY_DB = 6;
/** Frames this close to the quietest one count as the same pause; the cut goes in its middle. */
const PAUSE_TOLERANCE_DB = 3;

export type CutRange = {
  /** Earliest allowed cut, in samples from the start of `pcm`. */
  from: number;
  /** Latest allowed cut (the maximum chunk length). */
  to: number;
  /** Preferred cut. */
  target: number;
};

/**
 * Where to cut 16 kHz audio so that no word is split: the middle of the quietest pause in
 * [from, to] (loudness averaged over 300 ms), preferring pauses near the target (audio past `to`
 * is lookahead for that average). Without any pause that is the target. Returns samples, a
 * multiple of CUT_FRAME, within [from, to].
 */
export function findQuietCut(pcm: Int16Array, range: CutRange): number {
  const frames = Math.floor(pcm.length / CUT_FRAME);
  const first = Math.ceil(range.from / CUT_FRAME);
  const last = Math.min(Math.floor(range.to / CUT_FRAME), frames - 1);
  if (frames === 0 || last < first) return Math.floor(range.to / CUT_FRAME) * CUT_FRAME;
  const db = smoothedDb(pcm, frames);
  const target = Math.min(Math.max(Math.round(range.target / CUT_FRAME), first), last);
  const reach = Math.max(1, target - first, last - target);
  let best = first;
  let bestScore = Number.POSITIVE_INFINITY;
  for (let k = first; k <= last; k++) {
    const score = db[k]! + (DISTANCE_PENALTY_DB * Math.abs(k - target)) / reach;
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  const limit = db[best]! + PAUSE_TOLERANCE_DB;
  let left = best;
  let right = best;
  while (left > first && db[left - 1]! <= limit) left--;
  while (right < last && db[right + 1]! <= limit) right++;
  return Math.round((left + right) / 2) * CUT_FRAME;
}

/** dBFS per frame of the power averaged over ±HALF_SPAN_FRAMES frames. */
function smoothedDb(pcm: Int16Array, frames: number): Float64Array {
  const cumulative = new Float64Array(frames + 1);
  for (let k = 0; k < frames; k++) {
    let sum = 0;
    for (let i = k * CUT_FRAME; i < (k + 1) * CUT_FRAME; i++) sum += pcm[i]! * pcm[i]!;
    cumulative[k + 1] = cumulative[k]! + sum;
  }
  const db = new Float64Array(frames);
  for (let k = 0; k < frames; k++) {
    const lo = Math.max(0, k - HALF_SPAN_FRAMES);
    const hi = Math.min(frames, k + HALF_SPAN_FRAMES + 1);
    db[k] = rmsDb(cumulative[hi]! - cumulative[lo]!, (hi - lo) * CUT_FRAME);
  }
  return db;
}
