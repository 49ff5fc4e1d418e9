import type { TranscriptFinalData, TranscriptPartialData } from '@mi/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PocketsphinxEngine } from './engine/pocketsphinx.ts';
import { type StreamCheckpoint, StreamTranscriber } from './stream-transcriber.ts';
import { synthesizeScript } from './testing/script.ts';
import { defaultSegmenterConfig } from './vad/segmenter.ts';
import { SileroVad } from './vad/silero.ts';
import { concatAll } from './vad/speech-gate.ts';
import { wordErrorRate } from './wer.ts';

let vad: SileroVad;
let engine: PocketsphinxEngine;
let audio: Int16Array;
let reference: string[];

const info = {
  stream: 'st_test',
  room: 'r1',
  participant: { id: 'alice', name: 'Alice' },
  streamStartedAt: '2026-01-01T00:00:00.000Z',
};
const config = { ...defaultSegmenterConfig, partialIntervalMs: 400 };

beforeAll(async () => {
  vad = await SileroVad.create();
  engine = await PocketsphinxEngine.create({ processes: 2, streamMode: 'live' });
  const lines = (await synthesizeScript()).filter((l) => l.speaker === 'alice').slice(0, 3);
  const gap = new Int16Array(16000);
  const parts = [gap, ...lines.flatMap((l) => [l.pcm, gap])];
  audio = concatAll(parts);
  reference = lines.map((l) => l.text);
}, 60_000);
afterAll(async () => {
  await engine.close();
  await vad.close();
});

type Out = {
  finals: { id: string; data: TranscriptFinalData }[];
  partials: { id: string; data: TranscriptPartialData }[];
  speech: string[];
};

/** Runs audio[from..] through a transcriber in 100 ms frames; optionally stops after `stopAfterFinals`. */
async function run(from: StreamCheckpoint | undefined, stopAfterFinals = Number.POSITIVE_INFINITY) {
  const out: Out = { finals: [], partials: [], speech: [] };
  let checkpoint: StreamCheckpoint | undefined;
  const t = new StreamTranscriber(
    vad,
    engine,
    config,
    info,
    {
      speech: (s, at) => out.speech.push(`${s}@${at}`),
      partial: (data, id) => out.partials.push({ id, data }),
      final: (data, id) => {
        out.finals.push({ id, data });
      },
    },
    from,
  );
  for (let at = from?.offset ?? 0; at < audio.length; at += 1600) {
    await t.push(audio.subarray(at, at + 1600), at);
    if (out.finals.length >= stopAfterFinals) {
      checkpoint = t.checkpoint();
      if (checkpoint) {
        t.abort();
        return { out, checkpoint };
      }
    }
  }
  await t.end();
  return { out, checkpoint: undefined };
}

describe('StreamTranscriber', () => {
  it('emits partials then one final per utterance, attributed and timed inside the stream', async () => {
    const { out } = await run(undefined);
    expect(out.finals.map((f) => f.data.speaker.id)).toEqual(['alice', 'alice', 'alice']);
    expect(wordErrorRate(reference.join(' '), out.finals.map((f) => f.data.text).join(' '))).toBeLessThan(0.3);
    for (const f of out.finals) {
      expect(out.partials.some((p) => p.data.segmentId === f.data.segmentId)).toBe(true);
      expect(f.data.end).toBeGreaterThan(f.data.start);
      expect(f.data.end).toBeLessThanOrEqual((audio.length / 16000) * 1000);
    }
    expect(out.speech.filter((s) => s.startsWith('speech'))).toHaveLength(3);
  }, 60_000);

  it('resumes from a checkpoint with the same segment ids and text (deterministic replay)', async () => {
    const whole = await run(undefined);
    const first = await run(undefined, 1);
    expect(first.checkpoint).toBeDefined();
    const resumed = await run(JSON.parse(JSON.stringify(first.checkpoint)) as StreamCheckpoint);
    const ids = [...first.out.finals, ...resumed.out.finals].map((f) => f.id);
    expect(ids).toEqual(whole.out.finals.map((f) => f.id));
    expect(resumed.out.finals.map((f) => f.data.text)).toEqual(whole.out.finals.slice(1).map((f) => f.data.text));
  }, 90_000);

  it('bridges a lost frame with silence and keeps the rest of the stream', async () => {
    const finals: string[] = [];
    const t = new StreamTranscriber(vad, engine, config, info, {
      speech: () => {},
      partial: () => {},
      final: (d) => {
        finals.push(d.text);
      },
    });
    for (let at = 0; at < audio.length; at += 1600) {
      if (at === 3200) continue; // lost inside the leading second of silence
      await t.push(audio.subarray(at, at + 1600), at);
    }
    await t.end();
    expect(t.offset).toBe(audio.length);
    expect(wordErrorRate(reference.join(' '), finals.join(' '))).toBeLessThan(0.3);
    await expect(t.push(new Int16Array(1600), audio.length + 16000 * 11)).rejects.toThrow(/gap/);
  }, 60_000);

  it('produces nothing from silence and low noise', async () => {
    const out: string[] = [];
    const t = new StreamTranscriber(vad, engine, config, info, {
      speech: (s) => out.push(s),
      partial: () => out.push('partial'),
      final: () => {
        out.push('final');
      },
    });
    const noise = Int16Array.from({ length: 16000 * 5 }, () => Math.round((Math.random() - 0.5) * 80));
    for (let at = 0; at < noise.length; at += 1600) await t.push(noise.subarray(at, at + 1600), at);
    await t.end();
    expect(out).toEqual([]);
  }, 30_000);
});
