import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findQuietCut } from './quiet-cut.ts';
import { type AudioChunk, type SplitSummary, splitAudio } from './split-audio.ts';
import { type GeneratedWebinar, generateWebinar } from './test-support.ts';

let webinar: GeneratedWebinar;
let dir: string;
beforeAll(async () => {
  webinar = await generateWebinar();
  dir = await mkdtemp(join(tmpdir(), 'mi-split-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function readAll(path: string, opts: Parameters<typeof splitAudio>[1]) {
  const split = splitAudio(path, opts);
  const chunks: AudioChunk[] = [];
  for await (const c of split.chunks) chunks.push(c);
  return { chunks, summary: await split.summary };
}

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: 'ignore' });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

describe('splitAudio', () => {
  let chunks: AudioChunk[];
  let summary: SplitSummary;
  beforeAll(async () => {
    ({ chunks, summary } = await readAll(webinar.path, { targetChunkMs: 15_000 }));
  });

  it('cuts the webinar into contiguous chunks near the target, in the pauses between lines', () => {
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(chunks[0]!.start).toBe(0);
    for (const [i, c] of chunks.entries()) {
      expect(c.pcm.length).toBe(Math.round((c.end - c.start) * 16));
      expect(c.end - c.start).toBeLessThanOrEqual(22_500);
      if (i > 0) expect(c.start).toBe(chunks[i - 1]!.end);
      if (i < chunks.length - 1) expect(c.end - c.start).toBeGreaterThan(7_500);
    }
    expect(chunks.at(-1)!.end).toBe(summary.durationMs);
    expect(Math.abs(summary.durationMs - webinar.durationMs)).toBeLessThan(100);
    expect(summary.chunks).toBe(chunks.length);
    const boundaries = chunks.slice(1).map((c) => c.start);
    for (const at of boundaries) {
      const hit = webinar.lines.find((l) => at > l.start && at < l.end);
      expect(hit, `boundary ${at} inside "${hit?.text}"`).toBeUndefined();
      // In the middle of its pause, not at its edge.
      const before = webinar.lines.filter((l) => l.end <= at).at(-1)!;
      const after = webinar.lines.find((l) => l.start >= at)!;
      expect(at - before.end).toBeGreaterThan(200);
      expect(after.start - at).toBeGreaterThan(200);
    }
  });

  it('measures RMS dBFS per 500 ms window over the whole file: loud in lines, silent between slides', () => {
    const { windowMs, db } = summary.energy;
    expect(windowMs).toBe(500);
    expect(db.length).toBe(Math.ceil(summary.durationMs / 500));
    const inside = (from: number, to: number) => webinar.lines.some((l) => from >= l.start && to <= l.end);
    const clear = (from: number, to: number) => webinar.lines.every((l) => to <= l.start - 50 || from >= l.end + 50);
    const speech = db.filter((_, i) => inside(i * 500, i * 500 + 500));
    const silence = db.filter((_, i) => clear(i * 500, i * 500 + 500));
    expect(speech.length).toBeGreaterThan(40);
    expect(silence.length).toBeGreaterThan(5);
    for (const v of speech) expect(v).toBeGreaterThan(-40);
    for (const v of silence) expect(v).toBeLessThan(-60);
  });

  it('never exceeds the maximum on audio without pauses', async () => {
    const tone = join(dir, 'tone.wav');
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=31', '-ar', '16000', tone]);
    const { chunks: parts, summary: s } = await readAll(tone, { targetChunkMs: 8_000, maxChunkMs: 10_000 });
    expect(parts.length).toBe(4);
    for (const c of parts) expect(c.end - c.start).toBeLessThanOrEqual(10_000);
    expect(s.durationMs).toBe(31_000);
  });

  it('rejects undecodable media, in the chunks and in the summary', async () => {
    const bad = join(dir, 'bad.mp4');
    await writeFile(bad, 'not a media file');
    const split = splitAudio(bad);
    await expect(
      (async () => {
        for await (const _ of split.chunks);
      })(),
    ).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_MEDIA' });
    await expect(split.summary).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_MEDIA' });
  });
});

describe('findQuietCut', () => {
  const loud = (n: number) => Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
  const join = (...parts: Int16Array[]) => {
    const out = new Int16Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };

  it('cuts in the middle of a pause', () => {
    // 3 s loud, 0.8 s silence, 3 s loud: the pause is 48000..60800, its middle 54400.
    const pcm = join(loud(48_000), new Int16Array(12_800), loud(48_000));
    expect(findQuietCut(pcm, { from: 16_000, to: 96_000, target: 32_000 })).toBe(54_400);
  });

  it('prefers the pause nearer the target among equally quiet ones', () => {
    const gap = new Int16Array(8_000);
    const pcm = join(loud(32_000), gap, loud(64_000), gap, loud(32_000));
    // pauses centred at 36000 and 108000
    expect(findQuietCut(pcm, { from: 0, to: 140_000, target: 100_000 })).toBe(108_000);
    expect(findQuietCut(pcm, { from: 0, to: 140_000, target: 50_000 })).toBe(36_000);
  });

  it('stays within the allowed range, on the 10 ms grid', () => {
    const pcm = loud(160_000);
    const cut = findQuietCut(pcm, { from: 40_000, to: 80_000, target: 60_000 });
    expect(cut).toBeGreaterThanOrEqual(40_000);
    expect(cut).toBeLessThanOrEqual(80_000);
    expect(cut % 160).toBe(0);
    expect(findQuietCut(new Int16Array(1000), { from: 8_000, to: 16_000, target: 12_000 })).toBe(16_000);
  });
});
