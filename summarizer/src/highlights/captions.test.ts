import { describe, expect, it } from 'vitest';
import { breakLines, captionsFor, LINE_CHARS } from './captions.ts';
import { segmentOf } from './webinar-transcript.ts';

const long =
  'so this quarter i want to walk you through how the new onboarding flow works from the first login to the ' +
  'moment a team shares its first meeting notes with everyone';

describe('captionsFor', () => {
  it('splits a long segment into cues of at most two balanced lines of 42 characters', () => {
    const seg = segmentOf(long, 10_000, 22_000);
    const cues = captionsFor([seg], 10_000, 22_000);
    expect(cues.length).toBeGreaterThanOrEqual(2);
    for (const c of cues) {
      const lines = c.text.split('\n');
      expect(lines.length).toBeLessThanOrEqual(2);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(LINE_CHARS);
    }
    expect(cues.map((c) => c.text.replace(/\n/g, ' ')).join(' ')).toBe(
      `So this quarter I want to walk you through how the new onboarding flow works from the first login to the moment a team shares its first meeting notes with everyone`,
    );
    expect(cues[0]?.start).toBe(0);
    expect(cues.at(-1)?.end).toBeLessThanOrEqual(12_000);
  });

  it('cuts to the range by word times and makes times relative to its start', () => {
    const seg = segmentOf('we decided to launch the product in march', 1000, 5000);
    const launch = seg.words[3];
    const march = seg.words[7];
    const cues = captionsFor([seg], launch?.start ?? 0, march?.start ?? 0);
    expect(cues).toEqual([
      { start: 0, end: (seg.words[6]?.end ?? 0) - (launch?.start ?? 0), text: 'launch the product in' },
    ]);
  });

  it('starts a new cue at a new segment and after a long pause', () => {
    const a = segmentOf('first point', 0, 1000);
    const b = segmentOf('second point', 1200, 2000);
    const c = segmentOf('third point', 6000, 7000);
    const cues = captionsFor([c, a, b], 0, 8000);
    expect(cues.map((x) => x.text)).toEqual(['First point', 'Second point', 'Third point']);
    expect(cues.map((x) => x.start)).toEqual([0, 1200, 6000]);
  });

  it('spreads a segment without word times over its span', () => {
    const cues = captionsFor([{ start: 0, end: 4000, text: 'hello and welcome', words: [], confidence: 0.5 }], 0, 4000);
    expect(cues).toEqual([{ start: 0, end: 4000, text: 'Hello and welcome' }]);
    expect(captionsFor([], 0, 1000)).toEqual([]);
    expect(captionsFor([{ start: 0, end: 4000, text: 'x', words: [], confidence: 1 }], 500, 500)).toEqual([]);
  });
});

describe('breakLines', () => {
  it('balances two lines and refuses what does not fit', () => {
    expect(breakLines(['short', 'line'])).toEqual(['short line']);
    const words = 'the sales numbers were better than last year in every single region'.split(' ');
    const lines = breakLines(words);
    expect(lines).toHaveLength(2);
    expect(Math.abs((lines?.[0]?.length ?? 0) - (lines?.[1]?.length ?? 0))).toBeLessThan(12);
    expect(breakLines(long.split(' '))).toBeNull();
  });
});
