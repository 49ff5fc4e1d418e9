// Test support: what ffprobe/ffmpeg see in a rendered file (stream lengths, frame pixels).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type StreamReport = {
  video?: { width: number; height: number; durationSec: number; frames: number; codec: string };
  audio?: { durationSec: number };
};

export async function inspectStreams(path: string): Promise<StreamReport> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', path]);
  const streams = (
    JSON.parse(stdout) as {
      streams: {
        codec_type: string;
        codec_name: string;
        width?: number;
        height?: number;
        duration?: string;
        nb_frames?: string;
      }[];
    }
  ).streams;
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  return {
    ...(v
      ? {
          video: {
            width: v.width ?? 0,
            height: v.height ?? 0,
            durationSec: Number(v.duration ?? Number.NaN),
            frames: Number(v.nb_frames ?? Number.NaN),
            codec: v.codec_name,
          },
        }
      : {}),
    ...(a ? { audio: { durationSec: Number(a.duration ?? Number.NaN) } } : {}),
  };
}

export type Region = { x: number; y: number; w: number; h: number };

/** Raw RGB of one region of frame `n` (counted from the first frame of the file). */
export async function framePixels(path: string, n: number, r: Region): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    [
      ...['-v', 'error', '-i', path, '-vf', `select=eq(n\\,${n}),crop=${r.w}:${r.h}:${r.x}:${r.y}`],
      ...['-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    ],
    { encoding: 'buffer', maxBuffer: 32 << 20 },
  );
  return stdout;
}

/** Mean colour of a region of frame `n`. */
export async function meanColour(path: string, n: number, r: Region): Promise<[number, number, number]> {
  const px = await framePixels(path, n, r);
  const sum = [0, 0, 0];
  for (let i = 0; i < px.length; i++) sum[i % 3]! += px[i]!;
  const count = px.length / 3;
  return [sum[0]! / count, sum[1]! / count, sum[2]! / count];
}

/** Sum of channel differences between a colour and a hex like `0xc04020`. */
export function colourDistance(c: [number, number, number], hex: string): number {
  const v = Number.parseInt(hex.replace(/^0x/, ''), 16);
  return Math.abs(c[0] - ((v >> 16) & 255)) + Math.abs(c[1] - ((v >> 8) & 255)) + Math.abs(c[2] - (v & 255));
}

/** Mean absolute difference per byte of two equally sized pixel buffers. */
export function pixelDifference(a: Buffer, b: Buffer): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - (b[i] ?? 0));
  return d / a.length;
}
