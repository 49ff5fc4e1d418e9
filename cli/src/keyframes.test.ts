import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GeneratedWebinar, generateWebinar } from '@mi/clipper/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderScenesText } from './keyframes.ts';
import { runCli } from './testing/run-cli.ts';

let dir: string;
let webinar: GeneratedWebinar;

const cli = runCli;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mi-cli-keyframes-'));
  webinar = await generateWebinar();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cli keyframes', () => {
  it('prints the scene changes of the webinar as JSON, with each slide title', async () => {
    const r = await cli(['keyframes', webinar.path, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const scenes = JSON.parse(r.stdout) as { at: number; score: number; reason: string; text?: string }[];
    expect(scenes.map((s) => s.reason)).toEqual(['first', 'scene', 'scene', 'scene', 'scene']);
    for (const [i, at] of [0, ...webinar.cuts].entries()) {
      expect(Math.abs(scenes[i]!.at - at)).toBeLessThanOrEqual(500);
      expect(scenes[i]!.text?.toLowerCase()).toContain(webinar.slides[i]!.title.toLowerCase());
      expect(scenes[i]!.score).toBeGreaterThanOrEqual(0);
    }
    expect(r.stderr).toMatch(/key frames .*100%/s);
  });

  it('prints one line a scene as text', async () => {
    const r = await cli(['keyframes', webinar.path, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^00:00:00\.000 {2}0\.00 {2}Welcome$/);
    expect(lines[1]).toMatch(/^00:00:08\.\d{3} {2}0\.\d\d {2}Product Plan$/);
  });

  it('fails with the code on one line for a file that is not media, and rejects an unknown format', async () => {
    const notMedia = join(dir, 'notes.mp4');
    await writeFile(notMedia, 'these are not media\n');
    const bad = await cli(['keyframes', notMedia, '--quiet']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^error: ERR_UNSUPPORTED_MEDIA: /);

    const format = await cli(['keyframes', webinar.path, '--format', 'vtt']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/unknown format "vtt" \(expected json, text\)/);
  });

  it('lists the command in the usage', async () => {
    const r = await cli(['--help']);
    expect(r.stdout).toMatch(/pnpm cli keyframes <video-file> \[--format text\|json\]/);
  });
});

describe('renderScenesText', () => {
  it('writes hours, minutes, seconds and ms, two-decimal scores, and the text on one line', () => {
    expect(
      renderScenesText([
        { at: 0, score: 0, reason: 'first' },
        { at: 3_723_456, score: 0.381, reason: 'scene', text: 'Q3 Plan\nRevenue up' },
      ]),
    ).toBe('00:00:00.000  0.00\n01:02:03.456  0.38  Q3 Plan / Revenue up\n');
  });
});
