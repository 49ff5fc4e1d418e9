import { createLogger } from '@mi/telemetry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyFrameRequester } from './keyframe-requester.ts';

const log = createLogger({ service: 'keyframe-requester-test', level: 'silent' });

describe('KeyFrameRequester', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks every second until frames flow, then every everyMs, and after decode errors', async () => {
    let requests = 0;
    let phase: 'waiting-for-frames' | 'frames-flowing' | 'stopped' = 'waiting-for-frames';
    const r = new KeyFrameRequester({ request: async () => void requests++, everyMs: 5000, log });
    r.start(() => phase);
    await vi.advanceTimersByTimeAsync(3000);
    expect(requests).toBe(4); // at start, then at 1, 2, 3 s
    phase = 'frames-flowing';
    await vi.advanceTimersByTimeAsync(4000);
    expect(requests).toBe(4);
    await vi.advanceTimersByTimeAsync(1000);
    expect(requests).toBe(5);
    r.afterDecodeError(); // right after a request: not again
    expect(requests).toBe(5);
    await vi.advanceTimersByTimeAsync(2500);
    r.afterDecodeError();
    await vi.advanceTimersByTimeAsync(0);
    expect(requests).toBe(6);
    phase = 'stopped';
    await vi.advanceTimersByTimeAsync(20_000);
    expect(requests).toBe(6);
    expect(r.count).toBe(6);
    r.stop();
  });

  it('keeps one request in flight and survives a failing one', async () => {
    let calls = 0;
    let release: () => void = () => {};
    const r = new KeyFrameRequester({
      request: () => {
        calls++;
        return new Promise<void>((_, reject) => {
          release = () => reject(new Error('no'));
        });
      },
      everyMs: 0,
      log,
    });
    r.request();
    r.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    r.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2);
  });
});
