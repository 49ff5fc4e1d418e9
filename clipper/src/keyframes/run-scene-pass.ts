import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { AppError } from '@mi/contracts';
import { SCENE_FD } from './ffmpeg-args.ts';

export type ScenePassOptions = {
  /** For the progress fraction; 0 when unknown (then only the final 1 is reported). */
  durationMs: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
};

export function cancelledError(): AppError {
  return new AppError('ERR_CANCELLED', 'key-frame extraction was cancelled');
}

/**
 * Runs the scene pass (see buildSceneArgs) and resolves with the frame metadata text from fd 3.
 * Aborting kills ffmpeg and rejects with ERR_CANCELLED; a failed decode is ERR_UNSUPPORTED_MEDIA.
 */
export function runScenePass(args: string[], o: ScenePassOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(cancelledError());
      return;
    }
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    const stdio = child.stdio as (Readable | null)[];
    let meta = '';
    let stderr = '';
    let progressTail = '';
    stdio[SCENE_FD.frameMeta]!.setEncoding('utf8').on('data', (d: string) => {
      meta += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    stdio[SCENE_FD.progress]!.setEncoding('utf8').on('data', (d: string) => {
      const lines = (progressTail + d).split('\n');
      progressTail = lines.pop() ?? '';
      for (const line of lines) {
        const us = /^out_time_us=(\d+)/.exec(line);
        if (us && o.durationMs > 0) o.onProgress?.(Math.min(1, Number(us[1]) / 1000 / o.durationMs));
      }
    });
    const onAbort = () => child.kill('SIGKILL');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      o.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.once('close', (code) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) reject(cancelledError());
      else if (code !== 0) {
        const why = stderr.trim().split('\n').slice(-3).join('; ') || `ffmpeg exited with ${code}`;
        reject(new AppError('ERR_UNSUPPORTED_MEDIA', `cannot decode the video: ${why}`));
      } else {
        o.onProgress?.(1);
        resolve(meta);
      }
    });
  });
}
