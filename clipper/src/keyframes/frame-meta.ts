/** A frame the `select` filter passed, in output order. */
export type SelectedFrame = { at: number; score: number };

/**
 * Frames from ffmpeg's `metadata=mode=print` output (time base 1/1000, so pts are ms):
 * a `frame:N pts:P pts_time:T` line, then that frame's `key=value` lines.
 */
export function parseFrameMeta(text: string): SelectedFrame[] {
  const frames: SelectedFrame[] = [];
  for (const line of text.split('\n')) {
    const pts = /^frame:\d+\s+pts:(-?\d+)/.exec(line);
    if (pts) {
      frames.push({ at: Math.max(0, Number(pts[1])), score: 0 });
      continue;
    }
    const score = /^lavfi\.scene_score=([\d.]+)/.exec(line);
    const last = frames[frames.length - 1];
    if (score && last) last.score = Math.min(1, Number(score[1]));
  }
  return frames;
}
