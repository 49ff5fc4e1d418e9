import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMedia } from './integrity.ts';
import { MediaError } from './probe.ts';

const run = promisify(execFile);
let dir: string;
let server: Server;
let base: string;

const lavfiAv = (seconds: number) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc=size=320x240:rate=25:duration=${seconds}`,
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:duration=${seconds}`,
];

async function ffmpeg(args: string[]) {
  await run('ffmpeg', ['-y', '-v', 'error', ...args]);
}

/** Keeps the first `share` of a file, as an interrupted upload would. */
async function truncate(from: string, to: string, share: number) {
  const data = await readFile(from);
  await writeFile(to, data.subarray(0, Math.floor(data.length * share)));
}

const path = (name: string) => join(dir, name);

/** Reproducible noise: the same bytes on every run (sha256 in counter mode). */
function noise(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0, block = 0; at < length; block++) {
    at += createHash('sha256').update(`${seed}:${block}`).digest().copy(out, at);
  }
  return out;
}

async function codeOf(input: string): Promise<{ code: string; message: string }> {
  const err = await checkMedia(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MediaError);
  const { code, message } = err as MediaError;
  expect(message).not.toContain(dir); // temp paths and signed URLs stay out of messages
  expect(message).not.toContain('127.0.0.1');
  return { code, message };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mi-integrity-'));
  const h264Aac = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'];
  await Promise.all([
    ffmpeg([...lavfiAv(8), ...h264Aac, '-movflags', '+faststart', path('faststart.mp4')]),
    ffmpeg([...lavfiAv(8), ...h264Aac, path('moov-last.mp4')]),
    ffmpeg([
      ...lavfiAv(8),
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-c:a',
      'libopus',
      path('talk.webm'),
    ]),
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=3', '-c:v', 'libx264', path('silent.mp4')]),
  ]);
  await truncate(path('faststart.mp4'), path('faststart-60.mp4'), 0.6);
  await truncate(path('moov-last.mp4'), path('moov-last-60.mp4'), 0.6);
  await truncate(path('talk.webm'), path('talk-60.webm'), 0.6);
  await writeFile(path('random.mp4'), noise(0, 300_000));
  // These bytes happen to start like a raw H.263 stream: ffprobe finds a video stream in them.
  await writeFile(path('random-h263.mp4'), noise(42, 300_000));
  await writeFile(path('notes.txt'), 'minutes of the meeting\n'.repeat(2000));
  // Text that ffmpeg, going by its first bytes, takes for a raw AMR-WB stream.
  await writeFile(path('agenda.mp4'), 'agenda: launch plan, sales numbers, next steps\n'.repeat(500));
  // An HLS playlist named like an MP4, pointing at another file on the server (ffprobe reads it as hls).
  await writeFile(
    path('playlist.mp4'),
    `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:8,\nfile:${path('faststart.mp4')}\n#EXT-X-ENDLIST\n`,
  );
  // Static files with Range support, like a presigned object URL.
  server = createServer(async (req, res) => {
    const file = path(decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(1)));
    const size = (await stat(file).catch(() => null))?.size;
    if (size === undefined) return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m?.[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    res.writeHead(m ? 206 : 200, {
      'accept-ranges': 'bytes',
      'content-length': end - start + 1,
      ...(m ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('checkMedia', () => {
  it('accepts whole media, with what ffprobe found', async () => {
    const info = await checkMedia(path('faststart.mp4'));
    expect(info).toMatchObject({
      container: expect.stringContaining('mp4'),
      audio: { codec: 'aac', sampleRate: 44100, channels: 1 },
      video: { codec: 'h264', width: 320, height: 240, fps: 25 },
    });
    expect(info.durationMs).toBeGreaterThan(7_900);
    expect(info.durationMs).toBeLessThan(8_200);
    expect(info.bytes).toBe((await stat(path('faststart.mp4'))).size);
    await expect(checkMedia(path('moov-last.mp4'))).resolves.toMatchObject({ audio: { codec: 'aac' } });
    await expect(checkMedia(path('talk.webm'))).resolves.toMatchObject({ audio: { codec: 'opus' } });
  });

  it('finds a truncated MP4 whose index is at the start (the tail does not decode)', async () => {
    const { code, message } = await codeOf(path('faststart-60.mp4'));
    expect(code).toBe('ERR_MEDIA_TRUNCATED');
    expect(message).toMatch(/truncated/);
  });

  it('finds a truncated MP4 whose index was at the end (lost with it)', async () => {
    const { code, message } = await codeOf(path('moov-last-60.mp4'));
    expect(code).toBe('ERR_MEDIA_TRUNCATED');
    expect(message).toMatch(/moov/);
  });

  it('finds a truncated WebM', async () => {
    expect((await codeOf(path('talk-60.webm'))).code).toBe('ERR_MEDIA_TRUNCATED');
  });

  it('refuses random bytes and text as unsupported, and video without audio as ERR_NO_AUDIO', async () => {
    expect((await codeOf(path('random.mp4'))).code).toBe('ERR_UNSUPPORTED_MEDIA');
    expect((await codeOf(path('random-h263.mp4'))).code).toBe('ERR_UNSUPPORTED_MEDIA');
    const text = await codeOf(path('notes.txt'));
    expect(text.code).toBe('ERR_UNSUPPORTED_MEDIA');
    expect(text.message).toMatch(/not an audio or video file/);
    expect((await codeOf(path('agenda.mp4'))).code).toBe('ERR_UNSUPPORTED_MEDIA');
    expect((await codeOf(path('silent.mp4'))).code).toBe('ERR_NO_AUDIO');
  });

  it('refuses playlists that would read other files on the server', async () => {
    const { code, message } = await codeOf(path('playlist.mp4'));
    expect(code).toBe('ERR_UNSUPPORTED_MEDIA');
    expect(message).toMatch(/refers to other files/);
  });

  it('reads URLs by range and keeps them out of messages', async () => {
    await expect(checkMedia(`${base}/moov-last.mp4?sig=secret`)).resolves.toMatchObject({ audio: { codec: 'aac' } });
    expect((await codeOf(`${base}/faststart-60.mp4?sig=secret`)).code).toBe('ERR_MEDIA_TRUNCATED');
    expect((await codeOf(`${base}/moov-last-60.mp4?sig=secret`)).code).toBe('ERR_MEDIA_TRUNCATED');
    expect((await codeOf(`${base}/random.mp4?sig=secret`)).code).toBe('ERR_UNSUPPORTED_MEDIA');
  });
});
