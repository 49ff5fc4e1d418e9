import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AppError } from '@mi/contracts';

const run = promisify(execFile);

export type VideoStreamInfo = {
  /** ffmpeg's index of the stream in the file (for `-map 0:<index>`). */
  index: number;
  /** 0 when neither the stream nor the container says. */
  durationMs: number;
  width: number;
  height: number;
};

/**
 * ffprobe the first picture stream (cover art excluded). Audio is not required: a silent
 * screen recording still has slides.
 */
export async function probeVideo(path: string, signal?: AbortSignal): Promise<VideoStreamInfo> {
  let out: string;
  try {
    ({ stdout: out } = await run(
      'ffprobe',
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-select_streams', 'v', path],
      { maxBuffer: 8 << 20, ...(signal ? { signal } : {}) },
    ));
  } catch (err) {
    if (signal?.aborted) throw new AppError('ERR_CANCELLED', 'key-frame extraction was cancelled');
    const stderr = String((err as { stderr?: string }).stderr ?? '');
    if (/No such file/.test(stderr)) throw new AppError('ERR_NOT_FOUND', `file not found: ${path}`);
    const why = stderr.trim().split('\n').pop()?.replace(`${path}: `, '') || 'not a media file';
    throw new AppError('ERR_UNSUPPORTED_MEDIA', `cannot read media: ${why}`);
  }
  const info = JSON.parse(out) as {
    format?: { duration?: string };
    streams?: {
      index?: number;
      width?: number;
      height?: number;
      duration?: string;
      disposition?: { attached_pic?: number };
    }[];
  };
  const video = info.streams?.find((s) => s.width && s.height && !s.disposition?.attached_pic);
  if (!video?.width || !video.height) throw new AppError('ERR_UNSUPPORTED_MEDIA', 'media has no video stream');
  const seconds = Number(video.duration ?? info.format?.duration ?? Number.NaN);
  return {
    index: video.index ?? 0,
    durationMs: Number.isFinite(seconds) ? seconds * 1000 : 0,
    width: video.width,
    height: video.height,
  };
}
