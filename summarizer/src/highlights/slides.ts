import type { SceneChange } from '@mi/contracts';
import { cleanOcrLine, fitLength, titleCase } from './text.ts';

/** A segment that starts this soon after a slide change starts the clip at the change instead. */
export const SNAP_MS = 1500;

export type Slide = { at: number; title: string };

/** Scene changes in time order, with their OCR reduced to a title ('' when none). */
export function slidesOf(scenes: readonly SceneChange[] | undefined): Slide[] {
  return (scenes ?? [])
    .filter((s) => Number.isFinite(s.at) && s.at >= 0)
    .map((s) => ({ at: s.at, title: fitLength(titleCase(cleanOcrLine(s.text ?? '')), 80) }))
    .sort((a, b) => a.at - b.at);
}

/** Index of the last slide at or before `t`, or -1. */
function slideAt(slides: readonly Slide[], t: number): number {
  let lo = 0;
  let hi = slides.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((slides[mid]?.at ?? 0) <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Where a clip whose first words start at `speechStart` should begin: at the slide change just
 * before it (never before the previous speech ends), or null when no change is that close.
 */
export function snapToSlide(slides: readonly Slide[], speechStart: number, prevSpeechEnd: number): number | null {
  const s = slides[slideAt(slides, speechStart)];
  if (!s || speechStart - s.at > SNAP_MS) return null;
  return Math.max(s.at, prevSpeechEnd);
}

/**
 * 0..1: a clip that opens with a slide reads well, best when it stays on that slide.
 * Half for starting at a change, the other half in proportion to the time spent on that slide.
 */
export function slideFit(slides: readonly Slide[], start: number, end: number): number {
  const i = slideAt(slides, start);
  const s = slides[i];
  if (!s || start - s.at > SNAP_MS || end <= start) return 0;
  const next = slides[i + 1]?.at ?? Number.POSITIVE_INFINITY;
  return 0.5 + (0.5 * (Math.min(end, next) - start)) / (end - start);
}

/** Title of the slide shown longest among those that appear during the clip ('' when none has text). */
export function slideTitle(slides: readonly Slide[], start: number, end: number): string {
  let best = '';
  let bestMs = 0;
  for (let i = Math.max(0, slideAt(slides, start)); i < slides.length; i++) {
    const s = slides[i];
    if (!s || s.at >= end) break;
    if (s.at < start - SNAP_MS || !s.title) continue;
    const shown = Math.min(end, slides[i + 1]?.at ?? end) - Math.max(start, s.at);
    if (shown > bestMs) {
      best = s.title;
      bestMs = shown;
    }
  }
  return best;
}
