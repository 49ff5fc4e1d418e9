import { spawn } from 'node:child_process';
import { MediaError } from './probe.ts';

/**
 * Decodes any ffmpeg-readable file to 16 kHz mono s16le, streamed in chunks (never the whole file
 * in memory at once unless the caller keeps it). Rejects with MediaError if ffmpeg fails mid-way.
 */
export async function* decodeToPcm16k(path: string): AsyncGenerator<Int16Array> {
  const ff = spawn(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-i', path, '-vn', '-ac', '1', '-ar', '16000', '-f', 's16le', '-'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  ff.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve) => ff.on('close', (code) => resolve(code ?? 1)));
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of ff.stdout as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const whole = buf.length - (buf.length % 2);
    carry = buf.subarray(whole);
    const pcm = new Int16Array(whole / 2);
    Buffer.from(pcm.buffer).set(buf.subarray(0, whole));
    yield pcm;
  }
  const code = await exited;
  if (code !== 0) {
    throw new MediaError(
      'ERR_UNSUPPORTED_MEDIA',
      `decoding failed: ${stderr.trim().split('\n').pop() ?? `ffmpeg exit ${code}`}`,
    );
  }
}
