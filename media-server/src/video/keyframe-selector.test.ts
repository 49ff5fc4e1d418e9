import { describe, expect, it } from 'vitest';
import { KeyframeSelector } from './keyframe-selector.ts';

describe('KeyframeSelector', () => {
  it('rate-limits cuts (the latest waiting cut is kept when the interval ends) and adds periodic frames', () => {
    const sel = new KeyframeSelector({ threshold: 0.3, minIntervalMs: 2000, periodicMs: 10_000 });
    const offer = (offsetMs: number, score: number) =>
      sel.offer({ offsetMs, score }).map((k) => [k.candidate.offsetMs, k.reason]);
    expect(offer(0, 0)).toEqual([[0, 'first']]);
    expect(offer(500, 0.9)).toEqual([]);
    expect(sel.pendingDueMs).toBe(1500);
    expect(offer(1000, 0.8)).toEqual([]);
    expect(sel.pendingDueMs).toBe(1000);
    expect(offer(2100, 0.1)).toEqual([[1000, 'scene']]);
    expect(sel.pendingDueMs).toBeUndefined();
    expect(offer(3000, 0.9)).toEqual([]);
    expect(sel.release().map((k) => [k.candidate.offsetMs, k.reason, k.score])).toEqual([[3000, 'scene', 0.9]]);
    expect(offer(5000, 0.9)).toEqual([]);
    // 5000 was decided at 6000, so the next cut may only be kept from 8000 on
    expect(offer(6000, 0.9)).toEqual([[5000, 'scene']]);
    expect(sel.pendingDueMs).toBe(2000);
    expect(offer(10_000, 0.1)).toEqual([[6000, 'scene']]);
    expect(offer(16_000, 0.1)).toEqual([[16_000, 'interval']]);
    expect(offer(16_500, 0.1)).toEqual([]);
  });

  it('keeps no periodic frames when periodicMs is 0, and counts a slightly early one as periodic', () => {
    const off = new KeyframeSelector({ threshold: 0.3, minIntervalMs: 0, periodicMs: 0 });
    off.offer({ offsetMs: 0, score: 0 });
    expect(off.offer({ offsetMs: 60_000, score: 0 })).toEqual([]);
    const on = new KeyframeSelector({ threshold: 0.3, minIntervalMs: 0, periodicMs: 1000 });
    on.offer({ offsetMs: 0, score: 0 });
    expect(on.offer({ offsetMs: 967, score: 0 }).map((k) => k.reason)).toEqual(['interval']);
  });
});
