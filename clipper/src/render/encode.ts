/** The one set of encoder settings for every clip: the benchmark baseline uses the same. */
export const encoderOptions = [
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-pix_fmt',
  'yuv420p',
  '-c:a',
  'aac',
  '-b:a',
  '128k',
  '-movflags',
  '+faststart',
];

/** Seconds as ffmpeg reads them (µs precision). */
export function secs(seconds: number): string {
  return Math.max(0, seconds).toFixed(6);
}

/**
 * Where to seek for a frame: half a millisecond early, so float rounding of the frame's time
 * never drops it (accurate seeking keeps frames at or after this point).
 */
export function seekTo(startFrame: number, fps: number): string {
  return secs(startFrame / fps - 0.0005);
}

/** Output bounds: the exact frame count for the picture and the same length for the sound. */
export function boundOptions(frames: number, fps: number): string[] {
  return ['-frames:v', String(frames), '-t', secs(frames / fps)];
}
