import { describe, expect, it } from 'vitest';
import { synthesizeSpeech } from '../testing/speech.ts';
import { defaultSegmenterConfig, Segmenter } from './segmenter.ts';
import { SileroVad, VAD_WINDOW, VadState } from './silero.ts';
import { SpeechGate } from './speech-gate.ts';
import { PartialStabilizer } from './stabilizer.ts';

function windows(pcm: Int16Array): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i + VAD_WINDOW <= pcm.length; i += VAD_WINDOW) {
    out.push(Float32Array.from(pcm.subarray(i, i + VAD_WINDOW), (v) => v / 32768));
  }
  return out;
}

describe('Silero VAD (bundled model)', () => {
  it('scores real speech high and silence/noise low, batched across streams', async () => {
    const vad = await SileroVad.create();
    const speech = await synthesizeSpeech('please send the report to the whole team by friday');
    const silence = new Int16Array(speech.length);
    const noise = Int16Array.from({ length: speech.length }, () => Math.round((Math.random() - 0.5) * 200));
    const [a, b, c] = [new VadState(), new VadState(), new VadState()];
    const pa: number[] = [];
    const pb: number[] = [];
    const pc: number[] = [];
    const ws = [windows(speech), windows(silence), windows(noise)];
    for (let i = 0; i < ws[0]!.length; i++) {
      const r = await Promise.all([
        vad.probability(a, ws[0]![i]!),
        vad.probability(b, ws[1]![i]!),
        vad.probability(c, ws[2]![i]!),
      ]);
      pa.push(r[0]);
      pb.push(r[1]);
      pc.push(r[2]);
    }
    const frac = (p: number[]) => p.filter((x) => x > 0.5).length / p.length;
    expect(frac(pa)).toBeGreaterThan(0.4);
    expect(frac(pb)).toBe(0);
    expect(frac(pc)).toBeLessThan(0.05);
    // same stream through a fresh state alone gives the same numbers: batching does not mix states
    const solo = new VadState();
    const first = await vad.probability(solo, ws[0]![0]!);
    expect(first).toBeCloseTo(pa[0]!, 4);
    await vad.close();
  });
});

describe('Segmenter', () => {
  it('opens after minSpeech and closes after minSilence, reporting the last speech sample', () => {
    const seg = new Segmenter({ ...defaultSegmenterConfig, minSpeechMs: 64, minSilenceMs: 96 }, 512);
    const probs = [0.1, 0.9, 0.9, 0.9, 0.2, 0.1, 0.1, 0.1];
    const evs = probs.map((p, i) => seg.push(i * 512, p)).filter(Boolean);
    expect(evs).toEqual([
      { kind: 'start', at: 512, probability: 0.9 },
      { kind: 'end', at: 4 * 512, probability: 0.1, forced: false },
    ]);
  });
  it('forces an end on overlong utterances', () => {
    const seg = new Segmenter({ ...defaultSegmenterConfig, maxUtteranceMs: 320 }, 512);
    const evs = Array.from({ length: 20 }, (_, i) => seg.push(i * 512, 0.9)).filter(Boolean);
    expect(evs[1]).toMatchObject({ kind: 'end', forced: true });
  });
});

describe('PartialStabilizer', () => {
  it('only ever grows the stable prefix and keeps agreement', () => {
    const s = new PartialStabilizer();
    expect(s.update('we should')).toEqual({ stable: '', unstable: 'we should', text: 'we should' });
    expect(s.update('we should review')).toMatchObject({ stable: 'we should', unstable: 'review' });
    const r = s.update('we could review the');
    expect(r.stable).toBe('we should');
    expect(r.text.startsWith('we should')).toBe(true);
  });
});

describe('SpeechGate', () => {
  /** A VAD that replays scripted probabilities, one per 512-sample window. */
  const scripted = (probs: number[]) => {
    let i = 0;
    return { probability: async () => probs[i++] ?? 0 } as unknown as SileroVad;
  };
  const config = { ...defaultSegmenterConfig, minSpeechMs: 32, minSilenceMs: 32 * 6, preRollMs: 64, postRollMs: 64 };

  it('passes pauses inside speech to the ASR but drops the end-of-utterance hangover beyond the post-roll', async () => {
    // 2 silence, 4 speech, 3 pause, 3 speech, then 8 silence windows
    const probs = [0, 0, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, ...Array(8).fill(0.05)];
    const gate = new SpeechGate(scripted(probs), config);
    const events = await gate.process(new Int16Array(probs.length * 512));
    const start = events.find((e) => e.kind === 'start');
    const end = events.find((e) => e.kind === 'end');
    expect(start).toMatchObject({ at: 2 * 512, feedStart: 0 });
    expect(end).toMatchObject({ at: 12 * 512 });
    const fed = events.reduce(
      (a, e) => a + (e.kind === 'start' ? e.head.length : e.kind === 'audio' ? e.pcm.length : 0),
      0,
    );
    // head (pre-roll + first speech window) + 3 speech + 3 pause + 3 speech + post-roll (2 windows = 64 ms)
    expect(fed).toBe(3 * 512 + 3 * 512 + 3 * 512 + 3 * 512 + 1024);
    expect(gate.inSpeech).toBe(false);
  });

  it('closes an open utterance at end of input with the post-roll only', async () => {
    const probs = [0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1];
    const gate = new SpeechGate(scripted(probs), config);
    await gate.process(new Int16Array(probs.length * 512));
    const tail = gate.finish();
    expect(tail.map((e) => e.kind)).toEqual(['audio', 'end']);
    expect(tail[0]!.kind === 'audio' && tail[0]!.pcm.length).toBe(1024);
    expect(gate.finish()).toEqual([]);
  });
});
