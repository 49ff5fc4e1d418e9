import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type GeneratedWebinar, generateWebinar } from '@mi/clipper/testing';
import type { EdlEntry } from '@mi/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './testing/run-cli.ts';

const run = promisify(execFile);
let dir: string;
let webinar: GeneratedWebinar;

const cli = runCli;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mi-cli-clip-'));
  webinar = await generateWebinar();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cli clip', () => {
  it('turns a webinar into clips, captions, thumbnails and edl.json, offline', async () => {
    const out = join(dir, 'out');
    const r = await cli(['clip', webinar.path, '--out', out, '--highlights', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 clips and edl\.json/);
    expect(r.stderr).toMatch(/clipping 100% done/);
    const edl = JSON.parse(await readFile(join(out, 'edl.json'), 'utf8')) as EdlEntry[];
    expect(edl).toHaveLength(2);
    const files = await readdir(out);
    for (const [i, entry] of edl.entries()) {
      expect(entry.source).toBe(webinar.path);
      for (const ext of ['mp4', 'jpg', 'vtt', 'srt']) expect(files).toContain(`clip-${i + 1}.${ext}`);
      const { stdout } = await run('ffprobe', [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=duration',
        '-of',
        'csv=p=0',
        join(out, `clip-${i + 1}.mp4`),
      ]);
      expect(Math.abs(Number(stdout) * 1000 - (entry.end - entry.start))).toBeLessThanOrEqual(1000 / webinar.fps);
    }
    expect(files).toEqual(expect.arrayContaining(['transcript.json', 'keyframes.json']));
  }, 120_000);

  it('refuses bad arguments and bad media with a one-line reason', async () => {
    const noOut = await cli(['clip', webinar.path]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out/);
    const junk = join(dir, 'junk.mp4');
    await writeFile(junk, Buffer.alloc(50_000, 3));
    const bad = await cli(['clip', junk, '--out', join(dir, 'x')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/ERR_UNSUPPORTED_MEDIA/);
  });
});
