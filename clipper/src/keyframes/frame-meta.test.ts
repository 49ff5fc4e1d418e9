import { describe, expect, it } from 'vitest';
import { parseFrameMeta } from './frame-meta.ts';

describe('parseFrameMeta', () => {
  it('reads ms pts and the scene score of each printed frame', () => {
    const text = [
      'frame:0    pts:0       pts_time:0',
      'lavfi.scene_score=0.000000',
      'frame:1    pts:8880    pts_time:8.88',
      'lavfi.scene_score=0.381921',
      'frame:2    pts:3599987 pts_time:3599.99',
      'lavfi.scene_score=1.000000',
      '',
    ].join('\n');
    expect(parseFrameMeta(text)).toEqual([
      { at: 0, score: 0 },
      { at: 8880, score: 0.381921 },
      { at: 3599987, score: 1 },
    ]);
  });

  it('gives a frame without a score line score 0 and clamps a negative start to 0', () => {
    expect(parseFrameMeta('frame:0 pts:-40 pts_time:-0.04\n')).toEqual([{ at: 0, score: 0 }]);
    expect(parseFrameMeta('')).toEqual([]);
  });
});
