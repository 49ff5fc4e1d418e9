import { AppError } from '@mi/contracts';
import type { ClipRange } from './types.ts';

/** A range on the source's frame grid: the first frame and how many frames follow. */
export type FrameRange = { startFrame: number; frames: number };

/** Nearest frames to the range ends (at least one frame); no check against the media. */
export function snapToFrames(range: ClipRange, fps: number): FrameRange {
  const startFrame = Math.max(0, Math.round((range.start * fps) / 1000));
  const endFrame = Math.round((range.end * fps) / 1000);
  return { startFrame, frames: Math.max(1, endFrame - startFrame) };
}

/**
 * Checks each range against the media (end after start, inside the duration with a frame of
 * slack; the end is clamped to the duration) and snaps it to the frame grid.
 */
export function validateRanges(ranges: ClipRange[], durationMs: number, fps: number): FrameRange[] {
  if (ranges.length === 0) throw new AppError('ERR_INVALID_RANGE', 'no ranges to render');
  const frameMs = 1000 / fps;
  // The last whole frame that the media holds (a hair of tolerance for float durations).
  const lastFrame = Math.floor((durationMs * fps) / 1000 + 1e-6);
  return ranges.map(({ start, end }, i) => {
    const where = `range ${i + 1} (${start}-${end} ms)`;
    if (!Number.isFinite(start) || !Number.isFinite(end) || start < 0 || end <= start) {
      throw new AppError('ERR_INVALID_RANGE', `${where}: the end must come after the start`);
    }
    if (end > durationMs + frameMs || start >= durationMs) {
      throw new AppError('ERR_INVALID_RANGE', `${where}: outside the media (${Math.round(durationMs)} ms)`);
    }
    const startFrame = Math.round((start * fps) / 1000);
    const endFrame = Math.min(Math.round((end * fps) / 1000), lastFrame);
    if (endFrame <= startFrame) {
      throw new AppError('ERR_INVALID_RANGE', `${where}: shorter than one frame`);
    }
    return { startFrame, frames: endFrame - startFrame };
  });
}
