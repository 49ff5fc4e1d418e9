import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type GeneratedWebinar, generateWebinar } from '@mi/clipper/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderCaptions } from './captions.ts';
import { colourDistance, framePixels, inspectStreams, meanColour, pixelDifference } from './inspect-media.ts';
import { renderClip } from './render-clip.ts';

const run = promisify(execFile);
/** The generated slides' backgrounds, in order (webinar.ts). */
const SLIDE_COLOURS = ['0x1f3a80', '0xc04020', '0x208040', '0xd0a020', '0x6030a0'];
/** A corner of the slide, away from the centred title. */
const CORNER = { x: 0, y: 0, w: 32, h: 32 };
const FRAME_SEC = 0.04;

let webinar: GeneratedWebinar;
let outDir: string;

beforeAll(async () => {
  webinar = await generateWebinar();
  outDir = await mkdtemp(join(tmpdir(), 'render-clip-'));
});

async function expectSlide(path: string, frame: number, slide: number): Promise<void> {
  const colour = await meanColour(path, frame, CORNER);
  expect(colourDistance(colour, SLIDE_COLOURS[slide]!), `frame ${frame}: ${colour.map(Math.round)}`).toBeLessThan(30);
}

describe('renderClip', () => {
  it('cuts one range from mid-GOP to the exact frame, with attached captions and a thumbnail', async () => {
    const captions = [{ start: 500, end: 3000, text: 'The product plan' }];
    // 9.37 s snaps to frame 234 (9.36 s), far from a key frame (every 100 frames); the cut to
    // "Sales Numbers" (22.56 s) is then at output frame 330.
    const clip = await renderClip({
      source: webinar.path,
      ranges: [{ start: 9370, end: 23370 }],
      outDir,
      name: 'single',
      captions,
    });
    expect(clip).toMatchObject({ frames: 350, fps: 25, durationMs: 14_000 });
    const streams = await inspectStreams(clip.video);
    expect(streams.video?.frames).toBe(350);
    expect(Math.abs(streams.video!.durationSec - 14)).toBeLessThanOrEqual(FRAME_SEC);
    expect(Math.abs(streams.audio!.durationSec - 14)).toBeLessThanOrEqual(FRAME_SEC);
    const cutFrame = (webinar.cuts[1]! - 9360) / 40;
    expect(cutFrame).toBe(330);
    await expectSlide(clip.video, cutFrame - 1, 1);
    await expectSlide(clip.video, cutFrame, 2);

    expect(await readFile(clip.vtt!, 'utf8')).toBe(renderCaptions(captions, 'vtt'));
    expect(await readFile(clip.vtt!, 'utf8')).toContain('00:00:00.500 --> 00:00:03.000\nThe product plan');
    expect(await readFile(clip.srt!, 'utf8')).toBe('1\n00:00:00,500 --> 00:00:03,000\nThe product plan\n');
    const thumb = await inspectStreams(clip.thumbnail);
    expect(thumb.video).toMatchObject({ codec: 'mjpeg', width: 320, height: 180 });
  });

  it('starts on the requested frame, not the key frame before it', async () => {
    // 8.80 s is frame 220; the slide changes at 8.88 s (frame 222).
    const clip = await renderClip({
      source: webinar.path,
      ranges: [{ start: 8800, end: 10000 }],
      outDir,
      name: 'start',
    });
    expect(clip.frames).toBe(30);
    expect(clip.vtt).toBeUndefined();
    await expectSlide(clip.video, 0, 0);
    await expectSlide(clip.video, 1, 0);
    await expectSlide(clip.video, 2, 1);
  });

  it('joins ranges with fades; the joined length is the sum of the ranges', async () => {
    const ranges = [
      { start: 8800, end: 10000 },
      { start: 22400, end: 24000 },
      { start: 40000, end: 41000 },
    ];
    const clip = await renderClip({ source: webinar.path, ranges, outDir, name: 'joined' });
    expect(clip.frames).toBe(30 + 40 + 25);
    const streams = await inspectStreams(clip.video);
    expect(streams.video?.frames).toBe(95);
    expect(Math.abs(streams.video!.durationSec - 3.8)).toBeLessThanOrEqual(FRAME_SEC);
    expect(Math.abs(streams.audio!.durationSec - 3.8)).toBeLessThanOrEqual(FRAME_SEC);
    await expectSlide(clip.video, 2, 1);
    await expectSlide(clip.video, 50, 2);
    await expectSlide(clip.video, 80, 3);
    // The first range fades out into the join (200 ms: its last 5 frames).
    const before = await meanColour(clip.video, 20, CORNER);
    const fading = await meanColour(clip.video, 29, CORNER);
    expect(fading[0]).toBeLessThan(before[0] * 0.5);
  });

  it('burns captions into the picture and crops a 9:16 variant', async () => {
    const captions = [{ start: 200, end: 2800, text: 'Sales grew this year' }];
    const range = { start: 22560, end: 25560 };
    const plain = await renderClip({ source: webinar.path, ranges: [range], outDir, name: 'plain', captions });
    const burned = await renderClip({
      source: webinar.path,
      ranges: [range],
      outDir,
      name: 'burned',
      captions,
      captionMode: 'burn',
      vertical: true,
    });
    expect(burned.frames).toBe(75);
    const lowerThird = { x: 0, y: 240, w: 640, h: 120 };
    const top = { x: 0, y: 0, w: 640, h: 100 };
    const at = 25; // 1 s in
    expect(
      pixelDifference(await framePixels(plain.video, at, lowerThird), await framePixels(burned.video, at, lowerThird)),
    ).toBeGreaterThan(3);
    expect(
      pixelDifference(await framePixels(plain.video, at, top), await framePixels(burned.video, at, top)),
    ).toBeLessThan(2);

    // The caption can be read back from the picture.
    const png = join(outDir, 'burned-lower.png');
    await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-i',
      burned.video,
      '-vf',
      'select=eq(n\\,25),crop=640:100:0:260',
      '-frames:v',
      '1',
      png,
    ]);
    const { stdout } = await run('tesseract', [png, '-', '--psm', '7']);
    expect(stdout.toLowerCase()).toContain('sales grew');

    const vertical = await inspectStreams(burned.vertical!);
    expect(vertical.video).toMatchObject({ height: 360, frames: 75 });
    expect(vertical.video!.width % 2).toBe(0);
    expect(Math.abs(vertical.video!.width / vertical.video!.height - 9 / 16)).toBeLessThan(0.01);
    expect(vertical.audio).toBeDefined();
  });

  it('renders sound-only sources on a titled background', async () => {
    const audioOnly = join(outDir, 'voice.m4a');
    await run('ffmpeg', ['-v', 'error', '-y', '-i', webinar.path, '-t', '5', '-vn', '-c:a', 'copy', audioOnly]);
    const clip = await renderClip({
      source: audioOnly,
      ranges: [{ start: 1000, end: 3000 }],
      outDir,
      name: 'voice',
      title: 'Launch webinar 100% ready',
    });
    expect(clip).toMatchObject({ frames: 50, fps: 25 });
    const streams = await inspectStreams(clip.video);
    expect(streams.video).toMatchObject({ width: 1280, height: 720, frames: 50 });
    expect(Math.abs(streams.audio!.durationSec - 2)).toBeLessThanOrEqual(FRAME_SEC);
    expect(colourDistance(await meanColour(clip.video, 10, CORNER), '0x1e2230')).toBeLessThan(30);
    const middle = await framePixels(clip.video, 10, { x: 240, y: 320, w: 800, h: 80 });
    expect(middle.some((v) => v > 200)).toBe(true); // the white title
  });

  it('renders a source without sound, with silence', async () => {
    const silent = join(outDir, 'silent.mp4');
    await run('ffmpeg', ['-v', 'error', '-y', '-i', webinar.path, '-t', '4', '-an', '-c:v', 'copy', silent]);
    const clip = await renderClip({ source: silent, ranges: [{ start: 500, end: 2500 }], outDir, name: 'silent' });
    const streams = await inspectStreams(clip.video);
    expect(streams.video?.frames).toBe(50);
    expect(Math.abs(streams.audio!.durationSec - 2)).toBeLessThanOrEqual(FRAME_SEC);
  });
});
