import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { concatAll, wordErrorRate } from '@mi/transcriber';
import { planningScript, synthesizeScript, writeWavFile } from '@mi/transcriber/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './testing/run-cli.ts';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir: string;
let wav: string;
let reference: string;

const cli = runCli;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mi-cli-'));
  const lines = (await synthesizeScript()).slice(0, 4);
  const gap = new Int16Array(8000);
  const parts = lines.flatMap((l) => [l.pcm, gap]);
  const pcm = concatAll(parts);
  wav = join(dir, 'talk.wav');
  await writeWavFile(wav, pcm);
  reference = lines.map((l) => l.text).join(' ');
  // A video with the speech as its (AAC) audio track, and a video without audio.
  await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=10',
    '-i',
    wav,
    '-shortest',
    '-c:v',
    'libx264',
    '-c:a',
    'aac',
    join(dir, 'talk.mp4'),
  ]);
  await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=160x120:rate=5',
    '-t',
    '1',
    join(dir, 'silent.mp4'),
  ]);
  const plan = (await synthesizeScript(planningScript)).flatMap((l) => [l.pcm, gap]);
  await writeWavFile(join(dir, 'plan.wav'), concatAll(plan));
  await writeFile(join(dir, 'broken.json'), '{"segments": [');
  await writeFile(join(dir, 'notes.txt'), 'these are not media\n');
  await writeFile(
    join(dir, 'corrupt.wav'),
    Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), Buffer.alloc(64, 7)]),
  );
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pnpm cli transcribe', () => {
  it('prints only the transcript on stdout for --format text (progress on stderr)', async () => {
    const r = await cli(['transcribe', wav, '--format', 'text'], true);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').length).toBe(4);
    expect(wordErrorRate(reference, r.stdout)).toBeLessThan(0.3);
    expect(r.stderr).toMatch(/transcribing .*100%/s);
    expect(r.stdout).not.toMatch(/transcribing|%/);
  }, 90_000);

  it('transcribes the audio track of a video into WebVTT, SRT and JSON', async () => {
    const mp4 = join(dir, 'talk.mp4');
    const vtt = await cli(['transcribe', mp4, '--format', 'vtt', '--quiet']);
    expect(vtt.code).toBe(0);
    expect(vtt.stdout).toMatch(/^WEBVTT\n\n00:00:\d\d\.\d{3} --> 00:00:\d\d\.\d{3}\n/);
    const srt = await cli(['transcribe', mp4, '--format', 'srt', '--quiet']);
    expect(srt.stdout).toMatch(/^1\n00:00:\d\d,\d{3} --> /);
    const json = JSON.parse((await cli(['transcribe', mp4, '--format', 'json', '--quiet'])).stdout) as {
      segments: { start: number; end: number; words: { start: number; end: number }[] }[];
      text: string;
    };
    expect(json.segments.length).toBe(4);
    expect(wordErrorRate(reference, json.text)).toBeLessThan(0.3);
    for (const s of json.segments) {
      for (const w of s.words) {
        expect(w.start).toBeGreaterThanOrEqual(s.start - 300);
        expect(w.end).toBeLessThanOrEqual(s.end + 600);
      }
    }
  }, 90_000);

  it.each([
    ['notes.txt', /ERR_UNSUPPORTED_MEDIA/],
    ['corrupt.wav', /ERR_UNSUPPORTED_MEDIA/],
    ['silent.mp4', /ERR_NO_AUDIO/],
    ['missing.wav', /ERR_NOT_FOUND/],
  ])('exits non-zero with a one-line reason for %s', async (name, reason) => {
    const r = await cli(['transcribe', join(dir, name), '--format', 'text']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(reason);
  });

  it('rejects an unknown format with usage', async () => {
    const r = await cli(['transcribe', wav, '--format', 'doc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown format "doc"/);
  });
});

type Summary = {
  meeting_date: string;
  summary: string[];
  decisions: { text: string }[];
  action_items: {
    owner: string | null;
    task: string;
    due: string | null;
    confidence: number;
    source_segments: string[];
  }[];
};

describe('pnpm cli summarize', () => {
  it('summarizes a labelled transcript JSON: owners, normalised due dates, decisions', async () => {
    const file = join(root, 'summarizer/fixtures/meetings/m09-vendor-negotiation.json');
    const r = await cli(['summarize', file]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Summary;
    expect(out.meeting_date).toBe('2026-04-21');
    expect(out.action_items.length).toBeGreaterThanOrEqual(4);
    const redline = out.action_items.find((a) => /redline/.test(a.task));
    expect(redline).toMatchObject({ owner: 'rachel', due: '2026-04-24' });
    expect(out.decisions.length).toBeGreaterThan(0);
    expect(out.summary.length).toBeGreaterThan(0);
    const text = await cli(['summarize', file, '--format', 'text']);
    expect(text.stdout).toMatch(/Action items:\n {2}- \[rachel\] .*redline/);
  });

  it('transcribes and summarizes an audio file, resolving dates against --date', async () => {
    const r = await cli(['summarize', join(dir, 'plan.wav'), '--date', '2026-11-27', '--quiet']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Summary;
    // "i will call the customer on monday", said on Friday 2026-11-27.
    expect(out.action_items.find((a) => /call the customer/.test(a.task))).toMatchObject({ due: '2026-11-30' });
    expect(out.action_items.some((a) => /price/.test(a.task))).toBe(false); // "we will not change the price"
    expect(out.decisions.some((d) => /launch/.test(d.text))).toBe(true);
  }, 90_000);

  it('reads the JSON that transcribe writes', async () => {
    const json = join(dir, 'plan.json');
    await writeFile(json, (await cli(['transcribe', join(dir, 'plan.wav'), '--format', 'json', '--quiet'])).stdout);
    const out = JSON.parse((await cli(['summarize', json, '--date', '2026-11-27'])).stdout) as Summary;
    expect(out.action_items.some((a) => /call the customer/.test(a.task))).toBe(true);
  }, 90_000);

  it.each([
    ['corrupt.wav', /ERR_UNSUPPORTED_MEDIA/],
    ['broken.json', /JSON/],
  ])('exits non-zero with a one-line reason for %s', async (name, reason) => {
    const r = await cli(['summarize', join(dir, name)]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(reason);
  });

  it('rejects a bad --date and format', async () => {
    expect((await cli(['summarize', join(dir, 'plan.wav'), '--date', 'friday'])).code).toBe(2);
    expect((await cli(['summarize', join(dir, 'plan.wav'), '--format', 'vtt'])).code).toBe(2);
  });
});
