import { boundOptions, encoderOptions, seekTo } from './encode.ts';
import { type FfmpegPlan, planArgs, quietOptions } from './plan.ts';
import { type FrameRange, snapToFrames } from './ranges.ts';
import { thumbnailFilters, thumbnailOptions } from './thumbnail.ts';
import type { ClipRange } from './types.ts';

/**
 * The default path: one range of a source with picture and sound, one encode and no filters.
 * Input `-ss` with a re-encode is frame-accurate; `-frames:v` fixes the length.
 */
export function directCutPlan(source: string, range: FrameRange, fps: number, out: string): FfmpegPlan {
  return {
    globalOptions: quietOptions,
    inputs: [{ source, options: ['-ss', seekTo(range.startFrame, fps)] }],
    outputs: [
      {
        target: out,
        options: ['-map', '0:v:0', '-map', '0:a:0', ...boundOptions(range.frames, fps), ...encoderOptions],
      },
    ],
  };
}

/** The default path with the thumbnail as a second output of the same run (no second encode of the clip). */
export function directCutWithThumbnailPlan(
  source: string,
  range: FrameRange,
  fps: number,
  out: string,
  thumbnail: string,
): FfmpegPlan {
  const plan = directCutPlan(source, range, fps, out);
  const thumb = ['-map', '0:v:0', '-vf', thumbnailFilters(range.frames), ...thumbnailOptions];
  return { ...plan, outputs: [...plan.outputs, { target: thumbnail, options: thumb }] };
}

/** The ffmpeg arguments of the same cut done by bare ffmpeg (same encoder settings, no captions/thumbnail), for the benchmark baseline. */
export function bareCutArgs(source: string, range: ClipRange, out: string, fps: number): string[] {
  return planArgs(directCutPlan(source, snapToFrames(range, fps), fps, out));
}
