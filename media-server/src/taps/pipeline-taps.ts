import type { MediaTaps, Tap, TapTarget } from '../sfu/taps.ts';
import { attachAudioTap, type PipelineTapDeps } from './audio-pipeline-tap.ts';
import { attachVideoTap, type VideoTapSettings } from './video-pipeline-tap.ts';

/** Taps every producer into the pipeline: audio to transcription, video to key frames; both recorded. */
export function createPipelineTaps(
  deps: PipelineTapDeps & { audio: boolean; video: VideoTapSettings | false },
): MediaTaps {
  return {
    async attach(target: TapTarget): Promise<Tap | undefined> {
      if (target.producer.kind === 'audio') return deps.audio ? attachAudioTap(target, deps) : undefined;
      return deps.video ? attachVideoTap(target, deps, deps.video) : undefined;
    },
  };
}
