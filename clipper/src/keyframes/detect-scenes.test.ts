import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type GeneratedWebinar, generateWebinar } from '@mi/clipper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCENE_THRESHOLD, type DetectedScene, detectScenes } from './detect-scenes.ts';

const run = promisify(execFile);
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const TOLERANCE_MS = 500;

let dir: string;
let webinar: GeneratedWebinar;
/** White background, black title: "Quarterly Review", then "Budget Overview" at 3.0 s, "Hiring Plan" at 3.4 s. */
let sameBackground: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mi-keyframes-'));
  webinar = await generateWebinar();
  const titles = [
    { text: 'Quarterly Review', enable: 'lt(t,3)' },
    { text: 'Budget Overview', enable: 'between(t,3,3.3999)' },
    { text: 'Hiring Plan', enable: 'gte(t,3.4)' },
  ];
  const filters: string[] = [];
  for (const [i, t] of titles.entries()) {
    const file = join(dir, `title-${i}.txt`);
    await writeFile(file, t.text);
    // 28 px on 360 lines: a modest title; its change scores about 0.02
    filters.push(
      `drawtext=fontfile=${FONT}:textfile=${file}:fontsize=28:fontcolor=black:x=(w-text_w)/2:y=(h-text_h)/2:enable='${t.enable}'`,
    );
  }
  sameBackground = join(dir, 'same-background.mp4');
  await run('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'color=c=white:s=640x360:r=25:d=6', '-vf', filters.join(',')],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '50', sameBackground],
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Each expected time has a scene within the tolerance, and there is nothing else. */
function expectScenesAt(scenes: DetectedScene[], expected: number[]): void {
  expect(scenes.map((s) => s.at)).toHaveLength(expected.length);
  for (const [i, at] of expected.entries()) {
    expect(Math.abs(scenes[i]!.at - at), `scene ${i} at ${scenes[i]!.at}, expected ${at}`).toBeLessThanOrEqual(
      TOLERANCE_MS,
    );
  }
}

describe('detectScenes on the generated webinar', () => {
  it('finds every slide change once, reads each title and writes JPEG thumbnails', async () => {
    const thumbs = join(dir, 'thumbs');
    const progress: number[] = [];
    const scenes = await detectScenes(webinar.path, {
      ocr: true,
      thumbnails: { dir: thumbs },
      onProgress: (f) => progress.push(f),
    });

    expectScenesAt(scenes, [0, ...webinar.cuts]);
    expect(scenes[0]).toMatchObject({ reason: 'first', score: 0 });
    for (const s of scenes.slice(1)) {
      expect(s.reason).toBe('scene');
      expect(s.score).toBeGreaterThan(DEFAULT_SCENE_THRESHOLD);
    }
    for (const [i, slide] of webinar.slides.entries()) {
      expect(scenes[i]!.text?.toLowerCase()).toContain(slide.title.toLowerCase());
    }
    for (const s of scenes) {
      expect(s.thumbnailPath).toBe(join(thumbs, `scene-${s.at}.jpg`));
      const jpeg = await readFile(s.thumbnailPath!);
      expect(jpeg.subarray(0, 3).toString('hex')).toBe('ffd8ff');
      const { stdout } = await run('ffprobe', [
        ...['-v', 'error', '-show_entries', 'stream=width', '-of', 'csv=p=0', s.thumbnailPath!],
      ]);
      expect(Number(stdout.trim())).toBe(320);
    }
    // nothing else is left beside the thumbnails (the working folder is gone)
    expect((await readdir(thumbs)).sort()).toEqual(scenes.map((s) => `scene-${s.at}.jpg`).sort());
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('decoding reference frames only still lands within the tolerance', async () => {
    // (and a folder name that ffmpeg's image2 muxer would read as a pattern)
    const thumbs = join(dir, '100% thumbs');
    const scenes = await detectScenes(webinar.path, { decode: 'reference', thumbnails: { dir: thumbs, width: 160 } });
    expectScenesAt(scenes, [0, ...webinar.cuts]);
    expect((await readdir(thumbs)).length).toBe(scenes.length);
  });

  it('decoding key frames only finds each change at or after it, no later than one GOP', async () => {
    const scenes = await detectScenes(webinar.path, { decode: 'keyframes' });
    expect(scenes).toHaveLength(webinar.cuts.length + 1);
    const gopMs = 4000; // generateWebinar encodes with -g 4 s (x264 adds key frames at some cuts)
    for (const [i, cut] of webinar.cuts.entries()) {
      const at = scenes[i + 1]!.at;
      expect(at).toBeGreaterThanOrEqual(cut);
      expect(at).toBeLessThanOrEqual(cut + gopMs);
    }
  });
});

describe('detectScenes on a text-only change (same background)', () => {
  it('finds a title change that a cut-level threshold would miss', async () => {
    const scenes = await detectScenes(sameBackground, { minGapMs: 0, ocr: true });
    expectScenesAt(scenes, [0, 3000, 3400]);
    // too weak for the thresholds that suit cuts between backgrounds
    for (const s of scenes.slice(1)) expect(s.score).toBeLessThan(0.05);
    expect(scenes.map((s) => s.text)).toEqual(['Quarterly Review', 'Budget Overview', 'Hiring Plan']);
  });

  it('ignores a change closer than minGapMs to the previous kept one', async () => {
    const scenes = await detectScenes(sameBackground, {});
    expectScenesAt(scenes, [0, 3000]);
  });
});

describe('detectScenes failures', () => {
  it('rejects a corrupt file and a file without video with ERR_UNSUPPORTED_MEDIA', async () => {
    const corrupt = join(dir, 'corrupt.mp4');
    await writeFile(corrupt, Buffer.concat([Buffer.from('\x00\x00\x00\x18ftypmp42'), Buffer.alloc(4096, 7)]));
    await expect(detectScenes(corrupt)).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_MEDIA' });

    const audioOnly = join(dir, 'audio.m4a');
    await run('ffmpeg', ['-v', 'error', '-i', webinar.path, '-vn', '-c:a', 'copy', '-t', '2', audioOnly]);
    await expect(detectScenes(audioOnly)).rejects.toMatchObject({
      code: 'ERR_UNSUPPORTED_MEDIA',
      message: expect.stringMatching(/no video/),
    });
    await expect(detectScenes(join(dir, 'missing.mp4'))).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('cancels: ffmpeg is killed, the promise rejects with ERR_CANCELLED and no frames are left', async () => {
    // Twenty loops of the webinar (about 18 minutes): seconds to decode, so the abort lands mid-pass.
    const long = join(dir, 'long.mp4');
    await run('ffmpeg', ['-v', 'error', '-stream_loop', '19', '-i', webinar.path, '-c', 'copy', long]);
    const thumbs = join(dir, 'cancelled');
    const controller = new AbortController();
    let abortedAt = 0;
    const started = Date.now();
    const result = detectScenes(long, {
      thumbnails: { dir: thumbs },
      signal: controller.signal,
      threads: 1,
      onProgress: (f) => {
        if (f < 1 && !abortedAt) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    });
    await expect(result).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await readdir(thumbs)).toEqual([]);
    const { stdout: processes } = await run('ps', ['-eo', 'args']);
    expect(processes).not.toContain(long);
  });

  it('rejects at once when the signal is already aborted', async () => {
    await expect(detectScenes(webinar.path, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ERR_CANCELLED',
    });
  });
});
