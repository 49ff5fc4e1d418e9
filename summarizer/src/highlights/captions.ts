import type { Caption, TranscriptSegment } from '@mi/contracts';
import { fixPronounI } from './text.ts';
import type { TimedWord } from './types.ts';
import { toUnits } from './units.ts';

// Broadcast caption conventions: at most two lines of about 42 characters, a cue never bridges a
// long pause or a new segment, and stays on screen no longer than a reader needs.
export const LINE_CHARS = 42;
const MAX_CUE_MS = 7000;
const PAUSE_MS = 1200;

/** The two lines (or one) a cue's words break into with the shorter line as long as possible, or null. */
export function breakLines(words: readonly string[]): string[] | null {
  const one = words.join(' ');
  if (one.length <= LINE_CHARS) return [one];
  let best: string[] | null = null;
  let bestLongest = Number.POSITIVE_INFINITY;
  for (let k = 1; k < words.length; k++) {
    const a = words.slice(0, k).join(' ');
    const b = words.slice(k).join(' ');
    const longest = Math.max(a.length, b.length);
    if (longest <= LINE_CHARS && longest < bestLongest) {
      best = [a, b];
      bestLongest = longest;
    }
  }
  return best;
}

type Cue = { words: TimedWord[]; display: string[] };

/**
 * Caption cues for [start, end) of the source, timed relative to `start`: the words whose middle
 * falls in the range, in cues of at most two balanced lines.
 */
export function captionsFor(segments: TranscriptSegment[], start: number, end: number): Caption[] {
  const length = end - start;
  if (!(length > 0)) return [];
  const cues: Cue[] = [];
  for (const unit of toUnits(segments.filter((s) => s.end >= start && s.start < end))) {
    let cue: Cue | null = null;
    for (const [i, w] of unit.words.entries()) {
      const mid = (w.start + w.end) / 2;
      if (mid < start || mid >= end) continue;
      const text = i === 0 ? w.word.charAt(0).toUpperCase() + w.word.slice(1) : w.word;
      const shown = fixPronounI(text);
      const prev = cue?.words.at(-1);
      const fits =
        cue !== null &&
        prev !== undefined &&
        w.start - prev.end <= PAUSE_MS &&
        w.end - (cue.words[0]?.start ?? w.start) <= MAX_CUE_MS &&
        breakLines([...cue.display, shown]) !== null;
      if (cue && fits) {
        cue.words.push(w);
        cue.display.push(shown);
      } else {
        cue = { words: [w], display: [shown] };
        cues.push(cue);
      }
    }
  }
  return cues.map((c) => {
    const from = Math.max(0, (c.words[0]?.start ?? start) - start);
    const to = Math.min(length, Math.max(...c.words.map((w) => w.end)) - start);
    return {
      start: round(from),
      end: round(Math.max(to, Math.min(length, from + 1))),
      text: (breakLines(c.display) ?? [c.display.join(' ')]).join('\n'),
    };
  });
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
