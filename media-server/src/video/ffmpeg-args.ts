import type { TapSettings } from './settings.ts';

/** Where each ffmpeg output goes (child stdio index); fds 0 and 2 are the SDP and stderr. */
export const FFMPEG_FD = { thumbnails: 1, frameMeta: 3, ocrFrames: 4, progress: 5 } as const;

export type FfmpegArgsOptions = Pick<
  TapSettings,
  'sceneThreshold' | 'periodicMs' | 'ocr' | 'ocrMaxWidth' | 'thumbnailWidth' | 'thumbnailQuality'
> & {
  /** 'keyframes': the decoder skips every other frame (the recording still copies them all). */
  decode?: 'all' | 'keyframes';
  /**
   * Stream-copy the input into this file: seekable, so the muxer can go back and write Duration
   * and Cues. The `file:` prefix keeps a colon in the path from reading as a protocol.
   */
  recording?: { format: 'webm' | 'matroska'; path: string };
};

/** ffmpeg `select` expression: the first frame, scene cuts, and a periodic sample when enabled. */
export function selectExpression(sceneThreshold: number, periodicMs: number): string {
  const terms = ['isnan(prev_selected_t)', `gt(scene,${sceneThreshold})`];
  if (periodicMs > 0) terms.push(`gte(t-prev_selected_t,${periodicMs / 1000})`);
  return terms.join('+');
}

/**
 * The filter graph: selected frames (in a 1/1000 time base, so pts are ms) have their pts and
 * score printed to fd 3, then become `[thumb]` and, with OCR, a full-size grey `[ocr]` image.
 */
export function filterGraph(o: FfmpegArgsOptions): string {
  const select = selectExpression(o.sceneThreshold, o.periodicMs);
  const head = `[0:v]settb=1/1000,select='${select}',metadata=mode=print:direct=1:file='pipe\\:${FFMPEG_FD.frameMeta}'`;
  return o.ocr
    ? `${head},split=2[c1][c2];[c1]scale=${o.thumbnailWidth}:-2[thumb];[c2]scale='min(iw,${o.ocrMaxWidth})':-2,format=gray[ocr]`
    : `${head},scale=${o.thumbnailWidth}:-2[thumb]`;
}

/** The command line: RTP described by the SDP on stdin in; thumbnails, OCR frames, recording and progress out. */
export function buildFfmpegArgs(o: FfmpegArgsOptions): string[] {
  const input = [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats'],
    ...['-protocol_whitelist', 'file,udp,rtp,pipe', '-f', 'sdp', '-sdp_flags', 'rtcp_to_source'],
    ...['-localaddr', '127.0.0.1', '-listen_timeout', '-1', '-buffer_size', String(4 << 20)],
    // wait long for the first key frame, but do not wait for a frame rate estimate
    ...['-analyzeduration', '15000000', '-fpsprobesize', '0'],
    ...(o.decode === 'keyframes' ? ['-skip_frame', 'nokey'] : []),
    ...['-i', 'pipe:0'],
  ];
  const thumbnails = [
    ...['-filter_complex', filterGraph(o), '-map', '[thumb]', '-fps_mode', 'passthrough'],
    ...['-c:v', 'mjpeg', '-q:v', String(o.thumbnailQuality)],
    // no frame threading: it would hold each thumbnail back until the next one
    ...['-threads', '1', '-flush_packets', '1', '-f', 'image2pipe', `pipe:${FFMPEG_FD.thumbnails}`],
  ];
  const ocrFrames = o.ocr
    ? [
        ...['-map', '[ocr]', '-fps_mode', 'passthrough', '-c:v', 'pgm', '-flush_packets', '1'],
        ...['-f', 'image2pipe', `pipe:${FFMPEG_FD.ocrFrames}`],
      ]
    : [];
  const recording = o.recording
    ? [
        ...['-map', '0:v', '-c:v', 'copy'],
        // hand each finished cluster to the file at once: if ffmpeg dies, what it muxed is there
        ...['-flush_packets', '1', '-f', o.recording.format, `file:${o.recording.path}`],
      ]
    : [];
  return [...input, ...thumbnails, ...ocrFrames, ...recording, '-progress', `pipe:${FFMPEG_FD.progress}`];
}
