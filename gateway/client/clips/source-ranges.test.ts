import { describe, expect, it } from 'vitest';
import { toSourceRanges } from './source-ranges.ts';

describe('toSourceRanges', () => {
  it('shifts a trim of a one-range clip by the range start', () => {
    expect(toSourceRanges([{ start: 12_000, end: 24_000 }], 1500, 8000)).toEqual([{ start: 13_500, end: 20_000 }]);
  });

  it('splits a trim across a join into the pieces of both ranges', () => {
    const ranges = [
      { start: 10_000, end: 14_000 },
      { start: 30_000, end: 36_000 },
    ];
    expect(toSourceRanges(ranges, 3000, 6000)).toEqual([
      { start: 13_000, end: 14_000 },
      { start: 30_000, end: 32_000 },
    ]);
    expect(toSourceRanges(ranges, 5000, 7000)).toEqual([{ start: 31_000, end: 33_000 }]);
  });

  it('clamps to the clip and is empty when nothing is selected', () => {
    expect(toSourceRanges([{ start: 0, end: 5000 }], -100, 9000)).toEqual([{ start: 0, end: 5000 }]);
    expect(toSourceRanges([{ start: 0, end: 5000 }], 4000, 4000)).toEqual([]);
  });
});
