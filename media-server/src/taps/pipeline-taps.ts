import type { MediaTaps, Tap, TapTarget } from '../sfu/taps.ts';
import { attachAudioTap, type PipelineTapDeps } from './audio-pipeline-tap.ts';
import { attachVideoTap, type VideoTapSettings } from './video-pipeline-tap.ts';

/**
 * Taps every producer into the pipeline: audio to transcription, video to key frames; both
 * recorded. At most `maxTaps` run at once (each video tap is an ffmpeg decoder): beyond that a
 * producer is forwarded but not tapped, and the refusal is logged.
 */
export function createPipelineTaps(
  deps: PipelineTapDeps & { audio: boolean; video: VideoTapSettings | false; maxTaps: number },
): MediaTaps {
  let running = 0;
  return {
    async attach(target: TapTarget): Promise<Tap | undefined> {
      const kind = target.producer.kind;
      if (kind === 'audio' ? !deps.audio : !deps.video) return undefined;
      if (running >= deps.maxTaps) {
        deps.logger.warn({ room: target.room, producer: target.producer.id, kind, running }, 'tap limit reached');
        return undefined;
      }
      running++;
      try {
        const tap =
          kind === 'audio'
            ? await attachAudioTap(target, deps)
            : await attachVideoTap(target, deps, deps.video as VideoTapSettings);
        const close = tap.close;
        let released = false;
        return {
          kind: tap.kind,
          close: (reason) => {
            if (!released) {
              released = true;
              running--;
            }
            return close(reason);
          },
        };
      } catch (err) {
        running--;
        throw err;
      }
    },
  };
}
