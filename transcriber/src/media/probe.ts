import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class MediaError extends Error {
  constructor(
    readonly code: 'ERR_UNSUPPORTED_MEDIA' | 'ERR_NO_AUDIO' | 'ERR_NOT_FOUND' | 'ERR_MEDIA_TRUNCATED',
    message: string,
  ) {
    super(message);
  }
}

export type MediaInfo = {
  durationMs: number;
  /** ffprobe's format name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  container: string;
  bytes: number;
  audio: { codec: string; sampleRate: number; channels: number };
  /** The first video stream that is not a cover picture. */
  video?: { codec: string; width: number; height: number; fps: number };
};

/** `30000/1001` -> 29.97; 0 when unknown. */
function rate(value: string | undefined): number {
  const [n, d] = (value ?? '0/0').split('/').map(Number);
  return n && d ? n / d : 0;
}

/** ffprobe the file: duration and first audio stream; clear errors for missing, corrupt or silent-less files. */
export async function probeMedia(path: string): Promise<MediaInfo> {
  let out: string;
  try {
    ({ stdout: out } = await run(
      'ffprobe',
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path],
      { maxBuffer: 8 << 20 },
    ));
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '');
    if (/No such file/.test(stderr)) throw new MediaError('ERR_NOT_FOUND', `file not found: ${path}`);
    const why = stderr.trim().split('\n').pop()?.replace(`${path}: `, '') || 'not a media file';
    throw new MediaError('ERR_UNSUPPORTED_MEDIA', `cannot read media: ${why}`);
  }
  const info = JSON.parse(out) as {
    format?: { duration?: string; format_name?: string; size?: string };
    streams?: {
      codec_type?: string;
      width?: number;
      height?: number;
      avg_frame_rate?: string;
      r_frame_rate?: string;
      disposition?: { attached_pic?: number };
      codec_name?: string;
      sample_rate?: string;
      channels?: number;
      duration?: string;
    }[];
  };
  const audio = info.streams?.find((s) => s.codec_type === 'audio');
  if (!audio) throw new MediaError('ERR_NO_AUDIO', 'media has no audio stream');
  const duration = Number(info.format?.duration ?? audio.duration ?? Number.NaN);
  const video = info.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  return {
    durationMs: Number.isFinite(duration) ? duration * 1000 : 0,
    container: info.format?.format_name ?? 'unknown',
    bytes: Number(info.format?.size ?? 0),
    ...(video?.width && video.height
      ? {
          video: {
            codec: video.codec_name ?? 'unknown',
            width: video.width,
            height: video.height,
            fps: rate(video.avg_frame_rate) || rate(video.r_frame_rate),
          },
        }
      : {}),
    audio: {
      codec: audio.codec_name ?? 'unknown',
      sampleRate: Number(audio.sample_rate ?? 0),
      channels: audio.channels ?? 0,
    },
  };
}
