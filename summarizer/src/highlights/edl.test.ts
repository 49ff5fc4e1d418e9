import { AppError } from '@mi/contracts';
import { describe, expect, it } from 'vitest';
import { edlFromRanges } from './edl.ts';
import type { HighlightInput } from './types.ts';
import { longInput, WEBINAR_MS, webinarInput } from './webinar-transcript.ts';

const input = webinarInput();
const words = input.segments.flatMap((s) => s.words);
/** Start of the first and end of the last occurrence-in-order of a run of words. */
function wordsSpan(text: string, after = 0): { start: number; end: number } {
  const want = text.split(' ');
  for (let i = 0; i + want.length <= words.length; i++) {
    if ((words[i]?.start ?? 0) < after) continue;
    if (want.every((w, k) => words[i + k]?.word === w)) {
      return { start: words[i]?.start ?? 0, end: words[i + want.length - 1]?.end ?? 0 };
    }
  }
  throw new Error(`"${text}" is not in the script`);
}

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('edlFromRanges', () => {
  it('cuts a quote range from its first word to the last word of the end quote, padded 150 ms', () => {
    const [e] = edlFromRanges(input, [
      { startQuote: 'we decided to launch the product', endQuote: 'with ten customers first' },
    ]);
    const from = wordsSpan('we decided to launch the product');
    const to = wordsSpan('with ten customers first');
    expect(e?.start).toBe(from.start - 150);
    expect(e?.end).toBe(to.end + 150);
    expect(e?.source).toBe(input.source);
    expect(e?.score).toBeUndefined();
    const text = e?.captions.map((c) => c.text.replace(/\n/g, ' ')).join(' ');
    expect(text).toBe(
      'We decided to launch the product in march The team will test the product with ten customers first',
    );
    for (const c of e?.captions ?? []) expect(c.end).toBeLessThanOrEqual((e?.end ?? 0) - (e?.start ?? 0));
  });

  it('matches quotes typed with capitals, punctuation, digits and slightly wrong words', () => {
    const [e] = edlFromRanges(input, [
      // The transcript says "we decided to launch the product" and "test the product with ten customers first".
      { startQuote: 'We decide to lunch the product,', endQuote: 'tests the products with 10 customer first.' },
    ]);
    expect(e?.start).toBe(wordsSpan('we decided to launch').start - 150);
    expect(e?.end).toBe(wordsSpan('ten customers first').end + 150);
  });

  it('takes the end quote after the start quote, not an earlier occurrence', () => {
    // "in march" is said on the Product Plan slide and again at the end.
    const [e] = edlFromRanges(input, [{ startQuote: 'thanks everyone for joining', endQuote: 'in march' }]);
    expect(e?.start).toBe(wordsSpan('thanks everyone for joining').start - 150);
    expect(e?.end).toBe(Math.min(WEBINAR_MS, wordsSpan('in march', 46_040).end + 150));
  });

  it('throws ERR_QUOTE_NOT_FOUND for a quote nobody said or an end quote before the start', () => {
    const missing = errorOf(() =>
      edlFromRanges(input, [{ startQuote: 'the quarterly budget was approved', endQuote: 'in march' }]),
    );
    expect(missing.code).toBe('ERR_QUOTE_NOT_FOUND');
    expect(missing.message).toContain('"the quarterly budget was approved"');
    const backwards = errorOf(() =>
      edlFromRanges(input, [{ startQuote: 'bob will call the customer', endQuote: 'good morning everyone' }]),
    );
    expect(backwards.code).toBe('ERR_QUOTE_NOT_FOUND');
  });

  it('keeps time ranges as given, titled by the slide that starts in them', () => {
    const edl = edlFromRanges(input, [
      { start: 22_560, end: 34_040 },
      { start: 2000, end: 8000 },
    ]);
    expect(edl.map((e) => [e.start, e.end, e.title])).toEqual([
      [22_560, 34_040, 'Sales Numbers'],
      [2000, 8000, 'Look at the new product plan'],
    ]);
    expect(edl[0]?.captions[0]?.text).toBe('The sales numbers were\nbetter than last year');
    const titled = edlFromRanges(input, [{ start: 0, end: 5000 }], { title: 'My cut' });
    expect(titled[0]?.title).toBe('My cut');
  });

  it('throws ERR_INVALID_RANGE for empty, reversed or out-of-media time ranges', () => {
    for (const range of [
      { start: 5000, end: 5000 },
      { start: 9000, end: 5000 },
      { start: 50_000, end: WEBINAR_MS + 1 },
      { start: -1, end: 1000 },
      { start: Number.NaN, end: 1000 },
    ]) {
      expect(errorOf(() => edlFromRanges(input, [range])).code).toBe('ERR_INVALID_RANGE');
    }
  });

  it('finds quotes in an hour of transcript quickly, taking the first occurrence', () => {
    const long: HighlightInput = longInput();
    const t0 = performance.now();
    const [e] = edlFromRanges(long, [{ startQuote: 'bob will call the customer', endQuote: 'after the webinar' }], {
      title: 'Bob',
    });
    console.log(
      `edlFromRanges: quote range in ${long.segments.length} segments, ${Math.round(performance.now() - t0)} ms`,
    );
    expect(e?.start).toBe(wordsSpan('bob will call').start - 150);
    expect(e?.end).toBe(wordsSpan('after the webinar').end + 150);
  });
});
