import type { TranscriptSegment } from '@mi/contracts';
import type { TimedWord, Unit } from './types.ts';

/** Word times for a segment the ASR gave none for: its tokens spread evenly over its span. */
function spreadWords(seg: TranscriptSegment): TimedWord[] {
  const tokens = seg.text.split(/\s+/).filter(Boolean);
  const step = (seg.end - seg.start) / Math.max(1, tokens.length);
  return tokens.map((word, i) => ({ word, start: seg.start + i * step, end: seg.start + (i + 1) * step }));
}

function wordsOf(seg: TranscriptSegment): TimedWord[] {
  const words = seg.words
    .filter((w) => w.word.trim() && Number.isFinite(w.start) && Number.isFinite(w.end))
    .map((w) => ({ word: w.word.trim(), start: w.start, end: Math.max(w.start, w.end) }));
  return words.length ? words.sort((a, b) => a.start - b.start) : spreadWords(seg);
}

/** Cuts a segment longer than `maxMs` at word boundaries, so windows can still align to it. */
function split(words: TimedWord[], maxMs: number): TimedWord[][] {
  const pieces: TimedWord[][] = [];
  let piece: TimedWord[] = [];
  for (const w of words) {
    const first = piece[0];
    if (first && w.end - first.start > maxMs) {
      pieces.push(piece);
      piece = [];
    }
    piece.push(w);
  }
  if (piece.length) pieces.push(piece);
  return pieces;
}

/**
 * The transcript as units in time order: empty segments dropped, word times guaranteed, and
 * segments longer than `maxUnitMs` split so that no single unit outgrows a clip.
 */
export function toUnits(segments: readonly TranscriptSegment[], maxUnitMs = Number.POSITIVE_INFINITY): Unit[] {
  const units: Unit[] = [];
  const sorted = [...segments].filter((s) => s.text.trim() || s.words.length).sort((a, b) => a.start - b.start);
  for (const seg of sorted) {
    const words = wordsOf(seg);
    if (!words.length) continue;
    if (seg.end - seg.start <= maxUnitMs) {
      units.push({ start: seg.start, end: Math.max(seg.end, seg.start), text: seg.text.trim(), words });
      continue;
    }
    const pieces = split(words, maxUnitMs);
    for (const [i, piece] of pieces.entries()) {
      const start = i === 0 ? seg.start : (piece[0]?.start ?? seg.start);
      const end = i === pieces.length - 1 ? seg.end : (piece.at(-1)?.end ?? seg.end);
      units.push({ start, end, text: piece.map((w) => w.word).join(' '), words: piece });
    }
  }
  return units;
}

/** All words in time order, flattened across units. */
export function allWords(units: readonly Unit[]): TimedWord[] {
  return units.flatMap((u) => u.words);
}
