import { describe, expect, it } from 'vitest';
import { backoffDelay, CircuitBreaker, CircuitOpenError, TimeoutError, withTimeout } from './index.ts';

describe('CircuitBreaker', () => {
  it('opens after the threshold, fails fast, lets one trial through after openMs, closes on success', async () => {
    let t = 0;
    const states: string[] = [];
    const cb = new CircuitBreaker({
      failureThreshold: 2,
      openMs: 100,
      now: () => t,
      onStateChange: (s) => states.push(s),
    });
    const fail = () => Promise.reject(new Error('boom'));
    await expect(cb.run(fail)).rejects.toThrow('boom');
    expect(cb.state).toBe('closed');
    await expect(cb.run(fail)).rejects.toThrow('boom');
    expect(cb.state).toBe('open');
    let called = false;
    await expect(
      cb.run(async () => {
        called = true;
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
    t = 100;
    expect(cb.state).toBe('half-open');
    // A failed trial reopens at once.
    await expect(cb.run(fail)).rejects.toThrow('boom');
    expect(cb.state).toBe('open');
    t = 200;
    await expect(cb.run(async () => 'ok')).resolves.toBe('ok');
    expect(cb.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('half-open admits a single trial at a time', async () => {
    let t = 0;
    const cb = new CircuitBreaker({ failureThreshold: 1, openMs: 10, now: () => t });
    await expect(cb.run(() => Promise.reject(new Error('x')))).rejects.toThrow();
    t = 10;
    let release!: () => void;
    const trial = cb.run(() => new Promise<void>((r) => (release = r)));
    expect(cb.canPass()).toBe(false);
    release();
    await trial;
    expect(cb.canPass()).toBe(true);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with jitter inside [0, cap]', () => {
    const max = (n: number) => backoffDelay(n, { baseMs: 100, maxMs: 1000, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6].map(max)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 1000, random: () => 0 })).toBe(0);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(4, { baseMs: 100, maxMs: 1000 });
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(800);
    }
  });
});

describe('withTimeout', () => {
  it('rejects with TimeoutError and aborts the signal when fn is too slow', async () => {
    let aborted = false;
    const p = withTimeout(20, (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => {});
    });
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    expect(aborted).toBe(true);
  });
  it('returns the value when fast enough', async () => {
    await expect(withTimeout(1000, async () => 7)).resolves.toBe(7);
  });
});
