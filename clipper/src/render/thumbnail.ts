/**
 * The thumbnail rides along in the clip's own ffmpeg run: the middle frame goes through a 320-wide
 * scale into a JPEG, which costs one small scale instead of a second process and decode.
 */
export const THUMBNAIL_WIDTH = 320;

/** The frame to show: the middle of the clip. */
export function thumbnailFrame(frames: number): number {
  return Math.floor(frames / 2);
}

/** Filter chain (select the middle frame, scale it) for a video stream of `frames` frames. */
export function thumbnailFilters(frames: number): string {
  return `select=eq(n\\,${thumbnailFrame(frames)}),scale=${THUMBNAIL_WIDTH}:-2`;
}

/** JPEG output options after the stream mapping. */
export const thumbnailOptions = ['-frames:v', '1', '-q:v', '4'];
