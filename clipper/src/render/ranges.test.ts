import { describe, expect, it } from 'vitest';
import { snapToFrames, validateRanges } from './ranges.ts';

describe('frame ranges', () => {
  it('snaps both ends to the nearest frame', () => {
    expect(snapToFrames({ start: 9370, end: 29370 }, 25)).toEqual({ startFrame: 234, frames: 500 });
    expect(snapToFrames({ start: 1001, end: 2002 }, 30000 / 1001)).toEqual({ startFrame: 30, frames: 30 });
    expect(snapToFrames({ start: 1000, end: 1001 }, 25)).toEqual({ startFrame: 25, frames: 1 });
  });

  it('clamps an end within a frame past the media to its last frame', () => {
    expect(validateRanges([{ start: 53_000, end: 53_830 }], 53_800, 25)).toEqual([{ startFrame: 1325, frames: 20 }]);
    expect(
      validateRanges(
        [
          { start: 0, end: 1000 },
          { start: 2000, end: 2480 },
        ],
        53_800,
        25,
      ),
    ).toEqual([
      { startFrame: 0, frames: 25 },
      { startFrame: 50, frames: 12 },
    ]);
  });

  it.each([
    [{ start: 1000, end: 1000 }],
    [{ start: 2000, end: 1000 }],
    [{ start: -1, end: 1000 }],
    [{ start: Number.NaN, end: 1000 }],
    [{ start: 53_800, end: 54_000 }],
    [{ start: 50_000, end: 53_850 }],
    [{ start: 1000, end: 1015 }],
  ])('rejects %o', (range) => {
    expect(() => validateRanges([range], 53_800, 25)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_RANGE' }));
  });

  it('rejects an empty list', () => {
    expect(() => validateRanges([], 53_800, 25)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_RANGE' }));
  });
});
