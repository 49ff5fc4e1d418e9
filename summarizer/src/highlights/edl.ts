import { AppError, type EditRange, type EdlEntry } from '@mi/contracts';
import { type Analysis, analyse, unitsIn } from './analysis.ts';
import { captionsFor } from './captions.ts';
import { type QuoteToken, quoteRange, quoteTokens } from './quotes.ts';
import { slideTitle } from './slides.ts';
import { titleFor } from './title.ts';
import type { HighlightInput, TimedWord } from './types.ts';
import { allWords, toUnits } from './units.ts';
import { PAD_MS } from './windows.ts';

function mediaEnd(input: HighlightInput, words: readonly TimedWord[]): number {
  if (Number.isFinite(input.durationMs) && input.durationMs > 0) return input.durationMs;
  return words.reduce((m, w) => Math.max(m, w.end), 0);
}

function checkTimes(start: number, end: number, durationMs: number): void {
  if (!Number.isFinite(start) || !Number.isFinite(end) || start < 0 || end > durationMs || end <= start) {
    throw new AppError(
      'ERR_INVALID_RANGE',
      `range ${start}..${end} ms is empty or outside the media (0..${Math.round(durationMs)} ms)`,
    );
  }
}

/**
 * An edit decision list from user ranges: time ranges as given (checked against the media), quote
 * ranges from the first word of `startQuote` to the last word of `endQuote`, padded by 150 ms so
 * no word is clipped. Entries keep the order of `ranges`; titles are `opts.title` or derived like
 * the highlights' (slide, decision or action item, keywords).
 */
export function edlFromRanges(input: HighlightInput, ranges: EditRange[], opts: { title?: string } = {}): EdlEntry[] {
  const words = allWords(toUnits(input.segments));
  const durationMs = mediaEnd(input, words);
  let tokens: QuoteToken[] | null = null;
  let analysis: Analysis | null = null;
  return ranges.map((range) => {
    let start: number;
    let end: number;
    if ('startQuote' in range) {
      tokens ??= quoteTokens(words);
      const found = quoteRange(words, tokens, range.startQuote, range.endQuote);
      start = Math.max(0, found.start - PAD_MS);
      end = Math.min(durationMs, found.end + PAD_MS);
    } else {
      ({ start, end } = range);
    }
    checkTimes(start, end, durationMs);
    let title = opts.title?.trim();
    if (!title) {
      analysis ??= analyse(input);
      const span = unitsIn(analysis, start, end);
      title = span ? titleFor(analysis, start, end, span.first, span.last) : slideTitle(analysis.slides, start, end);
    }
    return {
      source: input.source,
      start,
      end,
      title: title || 'Clip',
      captions: captionsFor(input.segments, start, end),
    };
  });
}
