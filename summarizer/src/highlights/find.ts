import type { EdlEntry } from '@mi/contracts';
import { type Analysis, analyse } from './analysis.ts';
import { captionsFor } from './captions.ts';
import { topKeywords } from './keywords.ts';
import { slideTitle } from './slides.ts';
import { titleFor } from './title.ts';
import type { HighlightInput, HighlightOptions } from './types.ts';
import { type Candidate, pickGreedy, scoreWindows, WEIGHTS } from './windows.ts';

export const HIGHLIGHT_DEFAULTS = { count: 5, minClipMs: 15_000, maxClipMs: 60_000 } as const;

function reasonsFor(a: Analysis, c: Candidate): string[] {
  const reasons = c.findings.map((f) => f.key);
  if (c.features.slide > 0) {
    const title = slideTitle(a.slides, c.start, c.end);
    reasons.push(title ? `slide: ${title}` : 'slide change');
  }
  const keywords = topKeywords(a.keywords, c.first, c.last, 3);
  if (keywords.length && c.features.keywords >= 0.5) reasons.push(`keywords: ${keywords.join(', ')}`);
  if (c.features.energy >= 0.25) reasons.push(`lively: +${c.aboveDb.toFixed(1)} dB above usual`);
  if (c.features.speech >= 0.8) reasons.push('dense speech');
  return reasons;
}

/**
 * The `count` best moments of a talk as EDL entries, sorted by start and never overlapping. Each
 * starts at a segment start (or the slide change just before it) and ends at a segment end; see
 * windows.ts for the scoring. Deterministic: the same input gives the same list.
 */
export function findHighlights(input: HighlightInput, opts: HighlightOptions = {}): EdlEntry[] {
  const count = Math.max(0, Math.floor(opts.count ?? HIGHLIGHT_DEFAULTS.count));
  const minClipMs = Math.max(0, opts.minClipMs ?? HIGHLIGHT_DEFAULTS.minClipMs);
  const maxClipMs = Math.max(minClipMs, opts.maxClipMs ?? HIGHLIGHT_DEFAULTS.maxClipMs);
  if (count === 0 || !input.segments.length) return [];
  // Units no longer than a third of a clip, so an overlong ASR segment cannot rule a window out.
  const a = analyse(input, Math.max(1000, maxClipMs / 3));
  let candidates = scoreWindows(a, { minClipMs, maxClipMs });
  // A talk shorter than one clip still gets its best stretch.
  if (!candidates.length) candidates = scoreWindows(a, { minClipMs: 0, maxClipMs });
  const words = new Map<Candidate, ReadonlySet<string>>();
  const wordsOf = (c: Candidate) => {
    let set = words.get(c);
    if (!set) {
      set = new Set(
        a.units
          .slice(c.first, c.last + 1)
          .flatMap((u) => u.text.toLowerCase().split(/\W+/))
          .filter(Boolean),
      );
      words.set(c, set);
    }
    return set;
  };
  return pickGreedy(candidates, count, wordsOf).map((c) => ({
    source: input.source,
    start: c.start,
    end: c.end,
    title: titleFor(a, c.start, c.end, c.first, c.last),
    captions: captionsFor(input.segments, c.start, c.end),
    score: Math.round(c.score * 1000) / 1000,
    reasons: reasonsFor(a, c),
  }));
}

export { WEIGHTS as HIGHLIGHT_WEIGHTS };
