import { join } from 'node:path';

/**
 * Which frames the decoder looks at: every one; only reference frames (skips most B-frames:
 * about half the CPU for x264 output, a cut lands a frame or two late at worst); only key frames
 * (a cut is found at the first key frame after it, up to a GOP late).
 */
export type DecodeMode = 'all' | 'reference' | 'keyframes';

const SKIP_FRAME: Record<DecodeMode, string[]> = {
  all: [],
  reference: ['-skip_frame', 'noref'],
  keyframes: ['-skip_frame', 'nokey'],
};

/** Child stdio index of each ffmpeg text output (0-2 are stdin, stdout, stderr). */
export const SCENE_FD = { frameMeta: 3, progress: 4 } as const;

export type SceneArgsOptions = {
  /** Input file path. */
  path: string;
  /** ffmpeg's index of the video stream to read. */
  streamIndex: number;
  threshold: number;
  /** A change this soon after the previous selected frame is not selected. */
  minGapMs: number;
  decode: DecodeMode;
  /** Decoder threads. */
  threads: number;
  /** Where the selected frames go as `thumb-%06d.jpg` / `ocr-%06d.png`, one per selected frame, in order. */
  frameDir: string;
  thumbnailWidth?: number;
  /** Grey full-size images for OCR, at most this wide. */
  ocrMaxWidth?: number;
};

/**
 * ffmpeg `select` expression: the first frame, then each frame whose scene score is over the
 * threshold and that comes at least `minGapMs` after the last one selected. The gap is applied
 * here rather than afterwards so that a flickering video cannot pile up frames on disk.
 */
export function sceneSelectExpression(threshold: number, minGapMs: number): string {
  const cut = `gt(scene,${threshold})`;
  return `isnan(prev_selected_t)+${minGapMs > 0 ? `${cut}*gte(t-prev_selected_t,${minGapMs / 1000})` : cut}`;
}

/**
 * The filter graph. Scores come from the full-size decoded frame: downscaling first would cost
 * more than the scene filter saves (swscale on every frame) and blurs thin text, lowering
 * text-only scores (measured: 0.010 -> 0.0064 at 160 wide for a 720p title change). Every frame
 * also goes to `[all]` (a null output) so that ffmpeg's progress advances between selections.
 * Selected frames (time base 1/1000, so pts are ms) are printed to fd 3, then scaled only once
 * they are picked.
 */
export function sceneFilterGraph(o: SceneArgsOptions): string {
  const select = `select='${sceneSelectExpression(o.threshold, o.minGapMs)}'`;
  const head = `[0:${o.streamIndex}]settb=1/1000,split=2[all][s];[s]${select},metadata=mode=print:file='pipe\\:${SCENE_FD.frameMeta}'`;
  const branches = [
    ...(o.thumbnailWidth ? [`scale=${o.thumbnailWidth}:-2[thumb]`] : []),
    ...(o.ocrMaxWidth ? [`scale='min(iw,${o.ocrMaxWidth})':-2,format=gray[ocr]`] : []),
  ];
  if (branches.length === 0) return `${head},nullsink`;
  if (branches.length === 1) return `${head},${branches[0]}`;
  return `${head},split=2[t][o];[t]${branches[0]};[o]${branches[1]}`;
}

/** The command line: one pass over the video only; frames as files, text outputs on fds 3 and 4. */
export function buildSceneArgs(o: SceneArgsOptions): string[] {
  const images = (label: string, codec: string[], pattern: string) => [
    ...['-map', `[${label}]`, '-fps_mode', 'passthrough', ...codec, '-threads', '1'],
    // the image2 muxer reads `%` in the whole name as a pattern
    ...['-f', 'image2', join(o.frameDir.replaceAll('%', '%%'), pattern)],
  ];
  return [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats'],
    ...['-an', '-sn', '-dn'],
    ...SKIP_FRAME[o.decode],
    // `file:` keeps a colon in the name from reading as a protocol
    ...['-threads', String(o.threads), '-i', `file:${o.path}`],
    ...['-filter_complex', sceneFilterGraph(o)],
    ...['-map', '[all]', '-fps_mode', 'passthrough', '-f', 'null', '-'],
    ...(o.thumbnailWidth ? images('thumb', ['-c:v', 'mjpeg', '-q:v', '3'], 'thumb-%06d.jpg') : []),
    ...(o.ocrMaxWidth ? images('ocr', ['-c:v', 'png'], 'ocr-%06d.png') : []),
    ...['-progress', `pipe:${SCENE_FD.progress}`],
  ];
}
