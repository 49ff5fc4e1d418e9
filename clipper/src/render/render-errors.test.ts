import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GeneratedWebinar, generateWebinar } from '@mi/clipper/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderClip } from './render-clip.ts';

let webinar: GeneratedWebinar;

beforeAll(async () => {
  webinar = await generateWebinar();
});

const freshDir = () => mkdtemp(join(tmpdir(), 'render-errors-'));

describe('renderClip failures', () => {
  it('rejects ranges that are empty or outside the media', async () => {
    const outDir = await freshDir();
    for (const range of [
      { start: 5000, end: 5000 },
      { start: 6000, end: 5000 },
      { start: -100, end: 2000 },
      { start: 60_000, end: 61_000 },
      { start: 50_000, end: webinar.durationMs + 500 },
      { start: 1000, end: 1010 }, // both ends snap to the same frame
    ]) {
      await expect(renderClip({ source: webinar.path, ranges: [range], outDir, name: 'bad' })).rejects.toMatchObject({
        code: 'ERR_INVALID_RANGE',
      });
    }
    await expect(renderClip({ source: webinar.path, ranges: [], outDir, name: 'bad' })).rejects.toMatchObject({
      code: 'ERR_INVALID_RANGE',
    });
    expect(await readdir(outDir)).toEqual([]);
  });

  it('rejects a corrupt source with the probe code', async () => {
    const outDir = await freshDir();
    const junk = join(outDir, 'junk.mp4');
    await writeFile(junk, randomBytes(64 * 1024));
    await expect(
      renderClip({ source: junk, ranges: [{ start: 0, end: 1000 }], outDir, name: 'junk' }),
    ).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_MEDIA' });
    await expect(
      renderClip({ source: join(outDir, 'missing.mp4'), ranges: [{ start: 0, end: 1000 }], outDir, name: 'x' }),
    ).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('rejects a name that is not a plain file name', async () => {
    const outDir = await freshDir();
    await expect(
      renderClip({ source: webinar.path, ranges: [{ start: 0, end: 1000 }], outDir, name: '../escape' }),
    ).rejects.toMatchObject({ code: 'ERR_SCHEMA' });
  });

  it('cancels: kills ffmpeg, rejects with ERR_CANCELLED and leaves no file behind', async () => {
    const outDir = await freshDir();
    const controller = new AbortController();
    const progress: number[] = [];
    let abortedAt = 0;
    const render = renderClip({
      source: webinar.path,
      ranges: [
        { start: 0, end: 40_000 },
        { start: 40_000, end: 50_000 },
      ],
      outDir,
      name: 'cancelled',
      captions: [{ start: 0, end: 1000, text: 'hello' }],
      vertical: true,
      signal: controller.signal,
      onProgress: (f) => {
        progress.push(f);
        if (abortedAt) return;
        abortedAt = Date.now();
        controller.abort(); // ffmpeg is running: it reported progress
      },
    });
    await expect(render).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
    // Killed, not left to finish: no progress after the abort, and no wait for the rest.
    expect(Math.max(...progress)).toBeLessThan(0.5);
    expect(Date.now() - abortedAt).toBeLessThan(3000);
    expect(await readdir(outDir)).toEqual([]);
  });

  it('cancels before starting when the signal is already aborted', async () => {
    const outDir = await freshDir();
    const signal = AbortSignal.abort();
    await expect(
      renderClip({ source: webinar.path, ranges: [{ start: 0, end: 1000 }], outDir, name: 'early', signal }),
    ).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
    expect(await readdir(outDir)).toEqual([]);
  });

  it('reports an ffmpeg failure with its reason and cleans up', async () => {
    const outDir = await freshDir();
    // ffmpeg cannot write its output where a directory stands in the way.
    await mkdir(join(outDir, 'blocked.part.mp4'));
    const err = await renderClip({
      source: webinar.path,
      ranges: [{ start: 0, end: 1000 }],
      outDir,
      name: 'blocked',
      captions: [{ start: 0, end: 500, text: 'hi' }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^ffmpeg failed: .*directory/i);
    expect((err as Error).message.length).toBeLessThan(300);
    expect(await readdir(outDir)).toEqual(['blocked.part.mp4']);
  });

  it('rejects an output directory that does not exist', async () => {
    const outDir = join(await freshDir(), 'missing');
    await expect(
      renderClip({ source: webinar.path, ranges: [{ start: 0, end: 1000 }], outDir, name: 'x' }),
    ).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });
});
