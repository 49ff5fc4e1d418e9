import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class MediaError extends Error {
  constructor(
    readonly code: 'ERR_UNSUPPORTED_MEDIA' | 'ERR_NO_AUDIO' | 'ERR_NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

export type MediaInfo = { durationMs: number; audio: { codec: string; sampleRate: number; channels: number } };

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
    format?: { duration?: string };
    streams?: {
      codec_type?: string;
      codec_name?: string;
      sample_rate?: string;
      channels?: number;
      duration?: string;
    }[];
  };
  const audio = info.streams?.find((s) => s.codec_type === 'audio');
  if (!audio) throw new MediaError('ERR_NO_AUDIO', 'media has no audio stream');
  const duration = Number(info.format?.duration ?? audio.duration ?? Number.NaN);
  return {
    durationMs: Number.isFinite(duration) ? duration * 1000 : 0,
    audio: {
      codec: audio.codec_name ?? 'unknown',
      sampleRate: Number(audio.sample_rate ?? 0),
      channels: audio.channels ?? 0,
    },
  };
}
