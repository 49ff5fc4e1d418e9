import type { SceneChange, TranscriptSegment } from '@mi/contracts';

/** RMS level in dBFS per window of `windowMs`, from the start of the file. */
export type EnergyCurve = { windowMs: number; db: number[] };

export type HighlightInput = {
  /** Object-store key of the media, copied into every EDL entry. */
  source: string;
  durationMs: number;
  segments: TranscriptSegment[];
  scenes?: SceneChange[];
  energy?: EnergyCurve;
  /** YYYY-MM-DD, for the rules engine's due dates (they do not affect scores). */
  meetingDate?: string;
};

export type HighlightOptions = {
  /** How many highlights at most (default 5). */
  count?: number;
  /** Shortest clip, ms (default 15000). */
  minClipMs?: number;
  /** Longest clip, ms (default 60000). */
  maxClipMs?: number;
};

export type TimedWord = { word: string; start: number; end: number };

/**
 * A stretch of speech the highlights align to: a transcript segment, or a piece of an overlong one.
 * Words are always present (spread evenly over the segment when the ASR gave none).
 */
export type Unit = { start: number; end: number; text: string; words: TimedWord[] };
