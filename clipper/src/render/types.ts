import type { Caption, CaptionMode, MediaInfo } from '@mi/contracts';

/** A range of the source, ms. */
export type ClipRange = { start: number; end: number };

export type RenderRequest = {
  /** Local file path, or an http(s) URL ffmpeg can read. */
  source: string;
  /** One or more ranges; several are joined in order with short fades. */
  ranges: ClipRange[];
  /** Existing directory; the outputs are written here. */
  outDir: string;
  /** Base filename, [A-Za-z0-9_-]+. */
  name: string;
  /** Times in ms relative to the start of the rendered clip (the joined timeline). */
  captions?: Caption[];
  /** `attach` (default): <name>.vtt and <name>.srt beside the MP4; `burn`: also drawn into the picture; `none`. */
  captionMode?: CaptionMode;
  /** Also <name>.vertical.mp4: a centred 9:16 crop (720x1280 at most). */
  vertical?: boolean;
  /** Fade out/in at each join, ms (default 200 when there are several ranges; a single range has no join). */
  fadeMs?: number;
  /** Drawn on a plain background when the source has no video. */
  title?: string;
  /** Aborting kills ffmpeg and rejects with code ERR_CANCELLED; no output is left behind. */
  signal?: AbortSignal;
  /** 0..1, from ffmpeg's progress. */
  onProgress?: (fraction: number) => void;
  /** The source's probe when the caller has it already (an upload's `media`): skips ffprobe. */
  media?: MediaInfo;
};

export type RenderedClip = {
  video: string;
  vertical?: string;
  vtt?: string;
  srt?: string;
  thumbnail: string;
  durationMs: number;
  frames: number;
  fps: number;
};
