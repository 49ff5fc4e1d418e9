import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { OpusDecoder, opusPacketSamples } from './opus-decoder.ts';
import { concatPcm, ffmpegOpus, zeroCrossingHz } from './test-media.ts';

const packets = ffmpegOpus('sine=f=440:d=1:sample_rate=48000'); // amplitude 1/8 full scale

describe('opusPacketSamples', () => {
  it('reads durations from the TOC (RFC 6716 §3.1)', () => {
    expect(opusPacketSamples(packets[0]!)).toBe(960); // ffmpeg's default 20 ms frames
    expect(opusPacketSamples(Buffer.from([0x00]))).toBe(480); // SILK NB 10 ms
    expect(opusPacketSamples(Buffer.from([0x18]))).toBe(2880); // SILK NB 60 ms
    expect(opusPacketSamples(Buffer.from([0x19]))).toBe(5760); // 2 x 60 ms
    expect(opusPacketSamples(Buffer.from([0x80]))).toBe(120); // CELT 2.5 ms
    expect(opusPacketSamples(Buffer.from([0x83, 0x05]))).toBe(600); // code 3, 5 x 2.5 ms
    expect(opusPacketSamples(Buffer.from([0xfb, 0x07]))).toBeUndefined(); // 7 x 20 ms = 140 ms: over the 120 ms limit
    expect(opusPacketSamples(Buffer.from([0xfb, 0x00]))).toBeUndefined(); // zero frames
    expect(opusPacketSamples(Buffer.from([0xfb]))).toBeUndefined(); // code 3 without count byte
    expect(opusPacketSamples(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('OpusDecoder', () => {
  it('decodes to 16 kHz mono with the right tone and level', () => {
    const dec = new OpusDecoder();
    const pcm = concatPcm(packets.map((p) => dec.decode(p)));
    dec.close();
    expect(packets.length).toBe(51); // 1 s plus the encoder's 6.5 ms priming
    expect(pcm.length).toBe(51 * 320);
    const steady = pcm.subarray(1600); // past the codec's start-up
    expect(zeroCrossingHz(steady, 16000)).toBeCloseTo(440, -1);
    const rms = Math.sqrt(steady.reduce((a, v) => a + v * v, 0) / steady.length);
    // Sine amplitude 4096, -3 dB from ffmpeg's mono-to-stereo upmix: RMS 4096 / sqrt2 / sqrt2 = 2048.
    expect(rms).toBeGreaterThan(2048 * 0.9);
    expect(rms).toBeLessThan(2048 * 1.1);
    expect(dec.stats()).toMatchObject({ packets: 51, decodeErrors: 0, samplesOut: 51 * 320 });
  });

  it('matches opusscript decode() sample for sample', () => {
    const ours = new OpusDecoder();
    const mine = Buffer.concat(packets.map((p) => Buffer.from(ours.decode(p).buffer)));
    ours.close();
    // The stock decode() in a separate process, so its out-of-bounds writes can't touch this one.
    const script = `const O = require(${JSON.stringify(createRequire(import.meta.url).resolve('opusscript'))});
      const d = new O(16000, 1); const out = [];
      for (const b of require('fs').readFileSync(0, 'utf8').split(',')) out.push(d.decode(Buffer.from(b, 'base64')));
      process.stdout.write(Buffer.concat(out).toString('base64'));`;
    const r = spawnSync(process.execPath, ['-e', script], {
      input: packets.map((p) => p.toString('base64')).join(','),
    });
    expect(r.status).toBe(0);
    expect(Buffer.from(r.stdout.toString(), 'base64').equals(mine)).toBe(true);
  });

  it('replaces corrupt packets by silence of their duration, without throwing', () => {
    const dec = new OpusDecoder();
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    };
    let samples = 0;
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.from(Array.from({ length: 1 + (rnd() % 200) }, rnd));
      const out = dec.decode(junk);
      samples += out.length;
      expect(out.length).toBeGreaterThan(0);
    }
    const s = dec.stats();
    expect(s.packets).toBe(200);
    expect(s.decodeErrors).toBeGreaterThan(0); // random bytes are mostly invalid Opus...
    expect(s.samplesOut).toBe(samples);
    // ... and the decoder still works afterwards.
    expect(zeroCrossingHz(concatPcm(packets.map((p) => dec.decode(p))).subarray(3200), 16000)).toBeCloseTo(440, -1);
    // Explicit failures: empty, truncated code 3, oversized, 120 ms (beyond opusscript's output buffer).
    const before = dec.stats().decodeErrors;
    expect(dec.decode(Buffer.alloc(0)).length).toBe(320);
    expect(dec.decode(Buffer.from([0xfb]), 480).length).toBe(480);
    expect(dec.decode(Buffer.alloc(5000, 0xfc)).length).toBe(320);
    const long = ffmpegOpus('sine=f=440:d=0.12:sample_rate=48000', ['-frame_duration', '120'])[0]!;
    expect(opusPacketSamples(long)).toBe(5760);
    expect(dec.decode(long)).toEqual(new Int16Array(1920));
    expect(dec.stats().decodeErrors - before).toBe(4);
    dec.close();
    dec.close(); // idempotent
    expect(() => dec.decode(packets[0]!)).toThrow(/closed/);
  });

  it('stays correct with many decoders alive and across emscripten heap growth', () => {
    const ref = new OpusDecoder();
    const expected = concatPcm(packets.map((p) => ref.decode(p)));
    ref.close();
    // ~100 KB of emscripten heap each: 180 outgrow the initial 16 MB, which detaches old views.
    const decoders = Array.from({ length: 180 }, () => new OpusDecoder());
    const outs: Int16Array[][] = decoders.map(() => []);
    for (const p of packets) {
      for (const [i, d] of decoders.entries()) outs[i]!.push(d.decode(p));
    }
    const bad = outs.filter((o) => !Buffer.from(concatPcm(o).buffer).equals(Buffer.from(expected.buffer))).length;
    for (const d of decoders) d.close();
    expect(bad).toBe(0);
    expect(decoders.reduce((n, d) => n + d.stats().decodeErrors, 0)).toBe(0);
  });
});
