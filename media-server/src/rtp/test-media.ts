import { spawnSync } from 'node:child_process';
import { readOggPages } from './ogg-opus-writer.ts';

/**
 * Real Opus packets (stereo, 20 ms, as WebRTC sends) from ffmpeg's libopus for a lavfi source,
 * Ogg-demuxed by our reader. Test helper. Not opusscript's own encoder: its encode() writes
 * outside its buffers (the bug OpusDecoder works around) and corrupts the shared heap.
 */
export function ffmpegOpus(input: string, extra: string[] = []): Buffer[] {
  const args = [
    '-hide_banner',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    input,
    '-ac',
    '2',
    '-c:a',
    'libopus',
    '-b:a',
    '32k',
  ];
  const r = spawnSync('ffmpeg', [...args, ...extra, '-f', 'ogg', '-'], { maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return readOggPages(r.stdout)
    .flatMap((p) => p.packets)
    .slice(2); // OpusHead, OpusTags
}

/** Frequency of a tone from its zero crossings. */
export function zeroCrossingHz(pcm: Int16Array, rate: number): number {
  let n = 0;
  for (let i = 1; i < pcm.length; i++) if (pcm[i - 1]! < 0 !== pcm[i]! < 0) n++;
  return n / 2 / (pcm.length / rate);
}

export function concatPcm(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
