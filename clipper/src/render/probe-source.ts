import type { MediaInfo } from '@mi/contracts';
import { MediaError, probeMedia } from '@mi/transcriber';
import ffmpeg from 'fluent-ffmpeg';

/** Frame grid for sources without video (and for video whose rate ffprobe cannot tell). */
export const DEFAULT_FPS = 25;

export type SourceInfo = {
  durationMs: number;
  fps: number;
  video?: { width: number; height: number };
  audio: boolean;
};

/** What the cut needs to know about a source; media errors (corrupt, missing) keep their codes. */
export async function probeSource(source: string): Promise<SourceInfo> {
  try {
    return sourceInfo(await probeMedia(source));
  } catch (err) {
    // Uploads always have sound, but a silent video must still render (with silence).
    if (err instanceof MediaError && err.code === 'ERR_NO_AUDIO') return probeSilentVideo(source);
    throw err;
  }
}

/** From a probe taken earlier (it always has sound: probeMedia rejects media without). */
export function sourceInfo(media: MediaInfo): SourceInfo {
  const fps = media.video?.fps ?? 0;
  return {
    durationMs: media.durationMs,
    fps: fps > 0 && fps <= 240 ? fps : DEFAULT_FPS,
    ...(media.video ? { video: { width: media.video.width, height: media.video.height } } : {}),
    audio: true,
  };
}

function probeSilentVideo(source: string): Promise<SourceInfo> {
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(source, (err, data) => {
      if (err) {
        reject(new MediaError('ERR_UNSUPPORTED_MEDIA', 'cannot read media'));
        return;
      }
      const video = data.streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
      const duration = Number(data.format.duration ?? video?.duration);
      if (!video?.width || !video.height || !Number.isFinite(duration)) {
        reject(new MediaError('ERR_UNSUPPORTED_MEDIA', 'media has neither sound nor picture'));
        return;
      }
      const [n, d] = String(video.avg_frame_rate ?? video.r_frame_rate ?? '0/0')
        .split('/')
        .map(Number);
      const fps = n && d ? n / d : 0;
      resolve({
        durationMs: duration * 1000,
        fps: fps > 0 && fps <= 240 ? fps : DEFAULT_FPS,
        video: { width: video.width, height: video.height },
        audio: false,
      });
    });
  });
}
