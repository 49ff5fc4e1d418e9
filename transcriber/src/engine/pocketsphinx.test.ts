import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeScript } from '../testing/script.ts';
import { corpusWordErrorRate, wordErrorRate, wordErrors } from '../wer.ts';
import { PocketsphinxEngine } from './pocketsphinx.ts';
import { runPocketsphinxBatch } from './pocketsphinx-batch.ts';
import type { AsrResult, AsrStream, StreamContext } from './types.ts';

const CHUNK = 1600; // 100 ms at 16 kHz
type Clip = Awaited<ReturnType<typeof synthesizeScript>>[number];

let engine: PocketsphinxEngine;
let clips: Clip[];
let batchResults: AsrResult[] | undefined;
let baseline: Promise<string[]> | undefined;
const helperLog: string[] = [];

beforeAll(async () => {
  [engine, clips] = await Promise.all([
    PocketsphinxEngine.create({ processes: 2, onStderr: (line) => helperLog.push(line) }),
    synthesizeScript(),
  ]);
});

afterAll(async () => {
  await engine?.close();
});

/** Batch results for all clips, computed once and shared by the tests that compare with them. */
async function allBatchResults(): Promise<AsrResult[]> {
  batchResults ??= await engine.transcribe(clips.map((c, i) => ({ id: String(i), pcm: c.pcm })));
  return batchResults;
}

/** Bare pocketsphinx_batch hypotheses for all clips, computed once. */
function baselineHypotheses(): Promise<string[]> {
  baseline ??= runPocketsphinxBatch(
    clips.map((c) => c.pcm),
    { jobs: 2 },
  ).then((r) => r.hypotheses);
  return baseline;
}

function durationMs(pcm: Int16Array): number {
  return (pcm.length / 16000) * 1000;
}

function expectWellFormed(r: AsrResult, pcm: Int16Array): void {
  expect(r.confidence).toBeGreaterThanOrEqual(0);
  expect(r.confidence).toBeLessThanOrEqual(1);
  expect(r.words.map((w) => w.word).join(' ')).toBe(r.text);
  let prevEnd = 0;
  for (const w of r.words) {
    expect(w.word).not.toMatch(/^<|^\[|\(\d+\)$/); // no fillers, no pronunciation variants
    expect(w.start).toBeGreaterThanOrEqual(prevEnd);
    expect(w.end).toBeGreaterThan(w.start);
    expect(w.end).toBeLessThanOrEqual(durationMs(pcm));
    expect(w.confidence).toBeGreaterThanOrEqual(0);
    expect(w.confidence).toBeLessThanOrEqual(1);
    prevEnd = w.end;
  }
}

/** Deterministic low-level noise (a few LSBs of a 16-bit signal). */
function lowNoise(samples: number, amplitude = 60): Int16Array {
  let x = 12345;
  return Int16Array.from({ length: samples }, () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return Math.round(((x / 0x7fffffff) * 2 - 1) * amplitude);
  });
}

async function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('PocketsphinxEngine', () => {
  it('streams: partials grow during speech, the final has timed words and a confidence', async () => {
    const clip = clips[2]!; // "we should review the budget before the meeting on friday"
    const stream = engine.startStream();
    const partials: string[] = [];
    for (let i = 0; i < clip.pcm.length; i += CHUNK) {
      stream.write(clip.pcm.subarray(i, i + CHUNK));
      if ((i / CHUNK) % 5 === 4) partials.push(await stream.partial());
    }
    const result = await stream.finish();

    const nonEmpty = partials.filter((p) => p.length > 0);
    const half = partials.slice(0, Math.ceil(partials.length / 2));
    expect(half.some((p) => p.length > 0)).toBe(true); // text already in the first half of the speech
    const words = (s: string) => s.split(' ').length;
    expect(words(nonEmpty.at(-1)!)).toBeGreaterThan(words(nonEmpty[0]!));
    expect(result.words.length).toBeGreaterThan(3);
    expectWellFormed(result, clip.pcm);
    expect(wordErrorRate(clip.text, result.text)).toBeLessThan(0.9);
    // hybrid mode: the final is the full-utterance decode, identical to batch transcription
    expect(result.text).toBe((await allBatchResults())[2]!.text);
  });

  it('batch transcription equals bare pocketsphinx_batch on the same audio (same search)', async () => {
    const results = await allBatchResults();
    const hypotheses = await baselineHypotheses();
    const refs = clips.map((c) => c.text);
    const engineWer = corpusWordErrorRate(refs.map((reference, i) => ({ reference, hypothesis: results[i]!.text })));
    const batchWer = corpusWordErrorRate(refs.map((reference, i) => ({ reference, hypothesis: hypotheses[i]! })));
    console.info(`WER engine ${(engineWer * 100).toFixed(1)}% vs pocketsphinx_batch ${(batchWer * 100).toFixed(1)}%`);
    expect(engineWer).toBeLessThanOrEqual(batchWer * 1.1 + 1e-9);
    expect(results.map((r) => r.text)).toEqual(hypotheses);
    for (const [i, r] of results.entries()) expectWellFormed(r, clips[i]!.pcm);
  });

  it('runs concurrent interleaved streams and each final equals its batch result', async () => {
    const picked = [0, 1, 4, 9].map((i) => ({ clip: clips[i]!, i }));
    const streams: AsrStream[] = picked.map(() => engine.startStream());
    const longest = Math.max(...picked.map((p) => p.clip.pcm.length));
    for (let off = 0; off < longest; off += CHUNK) {
      picked.forEach((p, k) => {
        if (off < p.clip.pcm.length) streams[k]!.write(p.clip.pcm.subarray(off, off + CHUNK));
      });
      if ((off / CHUNK) % 10 === 9) await Promise.all(streams.map((s) => s.partial()));
    }
    const finals = await Promise.all(streams.map((s) => s.finish()));
    const batch = await allBatchResults();
    expect(finals.map((f) => f.text)).toEqual(picked.map((p) => batch[p.i]!.text));
  });

  it('reports word times relative to the first sample, across silence the decoder skips', async () => {
    const clip = clips[2]!;
    const padded = new Int16Array(clip.pcm.length + 24_000);
    padded.set(clip.pcm, 16_000); // 1 s of silence before, 0.5 s after
    const [plain, shifted] = await engine.transcribe([
      { id: 'plain', pcm: clip.pcm },
      { id: 'padded', pcm: padded },
    ]);
    expectWellFormed(shifted!, padded);
    expect(shifted!.words[0]!.start).toBeGreaterThanOrEqual(1000);
    if (plain!.text === shifted!.text) {
      for (const [i, w] of shifted!.words.entries())
        expect(Math.abs(w.start - plain!.words[i]!.start - 1000)).toBeLessThanOrEqual(30);
    }
  });

  it('queues streams beyond the per-process limit and serves them in turn', async () => {
    const small = await PocketsphinxEngine.create({ processes: 1, maxStreamsPerProcess: 1, onStderr: () => {} });
    try {
      const picked = [3, 5, 8].map((i) => clips[i]!);
      const streams = picked.map(() => small.startStream());
      for (const [k, s] of streams.entries()) s.write(picked[k]!.pcm);
      expect(await streams[2]!.partial()).toBe(''); // still waiting for a decoder
      const finals = await Promise.all(streams.map((s) => s.finish()));
      const batch = await allBatchResults();
      expect(finals.map((f) => f.text)).toEqual([3, 5, 8].map((i) => batch[i]!.text));
    } finally {
      await small.close();
    }
  });

  it('returns empty text for silence and for low noise, streaming and batch', async () => {
    const zeros = new Int16Array(24_000);
    const noise = lowNoise(24_000);
    const batch = await engine.transcribe([
      { id: 'zeros', pcm: zeros },
      { id: 'noise', pcm: noise },
      { id: 'empty', pcm: new Int16Array(0) },
    ]);
    expect(batch.map((r) => r.text)).toEqual(['', '', '']);
    expect(batch.every((r) => r.words.length === 0 && r.confidence === 0)).toBe(true);
    for (const pcm of [zeros, noise]) {
      const s = engine.startStream();
      for (let i = 0; i < pcm.length; i += CHUNK) s.write(pcm.subarray(i, i + CHUNK));
      expect(await s.partial()).toBe('');
      expect((await s.finish()).text).toBe('');
    }
  });

  it('fails in-flight work with a clear error when a helper dies, then respawns it', async () => {
    const clip = clips[4]!;
    const oldPids = engine.pids;
    const streams = [engine.startStream(), engine.startStream()]; // least-loaded: one per helper
    for (const s of streams) s.write(clip.pcm.subarray(0, clip.pcm.length / 2));
    await Promise.all(streams.map((s) => s.partial()));
    const batch = engine.transcribe([{ id: 'x', pcm: clip.pcm }]); // in flight when the helpers die
    for (const pid of oldPids) process.kill(pid, 'SIGKILL');
    const died = /pocketsphinx helper \(pid \d+\) died: signal SIGKILL/;
    await Promise.all([
      ...streams.map((s) => expect(s.finish()).rejects.toThrow(died)),
      expect(batch).rejects.toThrow(died),
    ]);

    await waitFor(() => engine.ready && engine.pids.length === 2 && engine.pids.every((p) => !oldPids.includes(p)));
    const s = engine.startStream();
    s.write(clip.pcm);
    expect((await s.finish()).text).toBe((await allBatchResults())[4]!.text);
    expect(helperLog.some((l) => /died: signal SIGKILL; restarting/.test(l))).toBe(true);
  });

  it('aborts a stream and rejects misuse', async () => {
    const clip = clips[5]!;
    const a = engine.startStream();
    a.write(clip.pcm);
    a.abort();
    expect(() => a.write(clip.pcm)).toThrow(/after finish\(\) or abort\(\)/);
    await expect(a.finish()).rejects.toThrow();
    const b = engine.startStream();
    b.write(clip.pcm);
    const r = await b.finish();
    expect(r.text).toBe((await allBatchResults())[5]!.text);
    await expect(b.finish()).rejects.toThrow(/called twice/);
    const stats = await engine.stats();
    expect(stats.every((s) => s.sessions === 0 && s.share_lm)).toBe(true);
  });

  it('live mode carries CMN per audio stream: near-batch WER, deterministic from a JSON checkpoint', async () => {
    const live = await PocketsphinxEngine.create({ processes: 2, streamMode: 'live', onStderr: () => {} });
    try {
      /** Streams the clips in script order, one context per speaker, as a live meeting would. */
      const run = async (contexts: Record<string, StreamContext>, from = 0, checkpointAt = -1) => {
        const texts: string[] = [];
        let checkpoint = '';
        for (let k = from; k < clips.length; k++) {
          if (k === checkpointAt) checkpoint = JSON.stringify(contexts);
          const clip = clips[k]!;
          contexts[clip.speaker] ??= {};
          const s = live.startStream({ context: contexts[clip.speaker] });
          for (let i = 0; i < clip.pcm.length; i += CHUNK) s.write(clip.pcm.subarray(i, i + CHUNK));
          const r = await s.finish();
          expectWellFormed(r, clip.pcm);
          texts.push(r.text);
        }
        return { texts, checkpoint };
      };
      const half = 6;
      const contexts: Record<string, StreamContext> = {};
      const first = await run(contexts, 0, half);
      const errors = (hyps: string[]) =>
        clips.reduce((n, c, i) => {
          const e = wordErrors(c.text, hyps[i]!);
          return n + e.substitutions + e.deletions + e.insertions;
        }, 0);
      const carried = errors(first.texts);
      const batch = errors(await baselineHypotheses());
      const plainTexts = await Promise.all(
        clips.map(async (c) => {
          const s = live.startStream(); // no context: every utterance starts from the generic prior
          s.write(c.pcm);
          return (await s.finish()).text;
        }),
      );
      const plain = errors(plainTexts);
      console.info(`word errors: live+context ${carried}, live without ${plain}, pocketsphinx_batch ${batch}`);
      expect(carried).toBeLessThanOrEqual(Math.max(batch * 1.1, batch + 1));
      // The first utterance of each stream has nothing to carry yet: same as without a context.
      for (const speaker of ['alice', 'bob']) {
        const i = clips.findIndex((c) => c.speaker === speaker);
        expect(first.texts[i]).toBe(plainTexts[i]);
      }
      expect(first.checkpoint).toMatch(/"cmn":\[/);

      // Restoring the checkpoint (as after a crash) reproduces the rest of the run exactly.
      const restored = JSON.parse(first.checkpoint) as Record<string, StreamContext>;
      const resumed = await run(restored, half);
      expect(resumed.texts).toEqual(first.texts.slice(half));
      expect(JSON.parse(JSON.stringify(restored))).toEqual(JSON.parse(JSON.stringify(contexts)));

      // A context from another model or a corrupted one is ignored: generic prior, like no context.
      const s = live.startStream({ context: { pocketsphinx: { hmm: '/other/model', cmn: [1, 2, 3] } } });
      s.write(clips[0]!.pcm);
      const t = live.startStream();
      t.write(clips[0]!.pcm);
      expect((await s.finish()).text).toBe((await t.finish()).text);
    } finally {
      await live.close();
    }
  });
});
