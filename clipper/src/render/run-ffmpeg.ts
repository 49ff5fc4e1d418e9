import { AppError } from '@mi/contracts';
import ffmpeg from 'fluent-ffmpeg';
import type { FfmpegPlan } from './plan.ts';

export type RunOptions = {
  /** Working directory: relative file names in filters (subtitles, title text) resolve here. */
  cwd?: string;
  signal?: AbortSignal;
  /** Length of the output, for progress fractions. */
  durationSec?: number;
  onProgress?: (fraction: number) => void;
};

export function cancelled(): AppError {
  return new AppError('ERR_CANCELLED', 'render cancelled');
}

/** Runs a plan through fluent-ffmpeg; aborting kills ffmpeg (SIGKILL) and rejects with ERR_CANCELLED once it has exited. */
export function runPlan(plan: FfmpegPlan, opts: RunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const { signal, onProgress, durationSec } = opts;
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    const cmd = ffmpeg(opts.cwd ? { cwd: opts.cwd } : {});
    for (const [i, input] of plan.inputs.entries()) {
      cmd.input(input.source);
      const options = i === 0 ? [...plan.globalOptions, ...input.options] : input.options;
      // Several arguments at once: fluent-ffmpeg then never splits a value at its spaces.
      if (options.length > 0) cmd.inputOptions(...(options as [string, ...string[]]));
    }
    if (plan.filterComplex) cmd.complexFilter(plan.filterComplex);
    for (const output of plan.outputs) {
      cmd.output(output.target);
      if (output.options.length > 0) cmd.outputOptions(...(output.options as [string, ...string[]]));
    }

    let aborted = false;
    let started = false;
    const abort = () => {
      aborted = true;
      // Before the spawn there is no process to kill; 'start' kills it then.
      if (started) cmd.kill('SIGKILL');
    };
    signal?.addEventListener('abort', abort, { once: true });
    cmd.on('start', () => {
      started = true;
      if (aborted) cmd.kill('SIGKILL');
    });
    if (onProgress && durationSec && durationSec > 0) {
      let last = 0;
      cmd.on('stderr', (line: string) => {
        const t = progressTime(line);
        if (t === undefined) return;
        const fraction = Math.min(1, Math.max(last, t / durationSec));
        if (fraction > last) {
          last = fraction;
          onProgress(fraction);
        }
      });
    }
    cmd.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      signal?.removeEventListener('abort', abort);
      if (aborted) reject(cancelled());
      else reject(new AppError('ERR_INTERNAL', `ffmpeg failed: ${lastReason(stderr) ?? err.message}`));
    });
    cmd.on('end', () => {
      signal?.removeEventListener('abort', abort);
      if (aborted) reject(cancelled());
      else resolve();
    });
    cmd.run();
  });
}

/** Seconds from an ffmpeg stats line (`... time=00:00:05.12 ...`). */
export function progressTime(line: string): number | undefined {
  const m = /time=(-?\d+):(\d+):(\d+(?:\.\d+)?)/.exec(line);
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** The last stderr line that says something: not a stats line, not ffmpeg's closing "Conversion failed!". */
export function lastReason(stderr: string | null): string | undefined {
  const lines = (stderr ?? '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l && !/^frame=|^size=|time=\S+ bitrate=|^Conversion failed!$/.test(l));
  return lines.at(-1);
}
