import { type Caption, renderTranscript } from '@mi/contracts';

/** WebVTT or SRT for clip captions (times relative to the clip), in the shared transcript formats. */
export function renderCaptions(captions: Caption[], format: 'vtt' | 'srt'): string {
  return renderTranscript(captions, format);
}
