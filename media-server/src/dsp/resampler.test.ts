import { describe, expect, it } from 'vitest';
import { decodePcm, floatToInt16, Resampler } from './resampler.ts';

function tone(rate: number, hz: number, seconds: number, amp = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate),
  );
}
function rms(x: Float32Array): number {
  return Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
}
/** Runs the input through in uneven chunks, as network frames arrive. */
function run(r: Resampler, input: Float32Array): Float32Array {
  const parts: Float32Array[] = [];
  for (let i = 0, step = 37; i < input.length; i += step, step = ((step * 7) % 901) + 13) {
    parts.push(r.push(input.subarray(i, i + step)));
  }
  parts.push(r.flush());
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('Resampler', () => {
  it('48k -> 16k keeps a 1 kHz tone (level and frequency) and the duration', () => {
    const out = run(new Resampler(48000, 16000), tone(48000, 1000, 1));
    expect(Math.abs(out.length - 16000)).toBeLessThan(40);
    const mid = out.subarray(1000, 15000);
    expect(rms(mid)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    // zero crossings of 1 kHz over 14000 samples at 16k: ~1750 (2 per cycle)
    let zc = 0;
    for (let i = 1; i < mid.length; i++) if (Math.sign(mid[i]!) !== Math.sign(mid[i - 1]!)) zc++;
    expect(Math.abs(zc - 1750)).toBeLessThan(10);
  });
  it('48k -> 16k suppresses a 12 kHz tone that would alias', () => {
    const out = run(new Resampler(48000, 16000), tone(48000, 12000, 1));
    expect(rms(out.subarray(1000, 15000))).toBeLessThan(0.01);
  });
  it('8k -> 16k upsamples without gaps at chunk boundaries', () => {
    const out = run(new Resampler(8000, 16000), tone(8000, 440, 1));
    const mid = out.subarray(500, 15500);
    let maxJump = 0;
    for (let i = 1; i < mid.length; i++) maxJump = Math.max(maxJump, Math.abs(mid[i]! - mid[i - 1]!));
    expect(maxJump).toBeLessThan(0.1); // 440 Hz at amp 0.5: max slope per sample ~0.086
  });
});

describe('PCM decoding', () => {
  it('averages stereo s16le and reads f32le', () => {
    const s16 = new Int16Array([16384, 0, -16384, -16384]);
    expect([...decodePcm(new Uint8Array(s16.buffer), 'pcm_s16le', 2)]).toEqual([0.25, -0.5]);
    const f32 = new Float32Array([0.5, -1]);
    expect([...decodePcm(new Uint8Array(f32.buffer), 'pcm_f32le', 1)]).toEqual([0.5, -1]);
    expect([...floatToInt16(Float32Array.from([1, -1, 2]))]).toEqual([32767, -32768, 32767]);
  });
});
