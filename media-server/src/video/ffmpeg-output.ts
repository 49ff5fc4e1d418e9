import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { FFMPEG_FD } from './ffmpeg-args.ts';
import { type JpegImage, JpegSplitter } from './jpeg-splitter.ts';
import { PgmSplitter } from './pgm-splitter.ts';

/** One frame ffmpeg selected: its index, track time (ms) and scene score. */
export interface FrameMeta {
  index: number;
  offsetMs: number;
  score: number;
}

/** Calls `onLine` for each line of a text stream (a runaway line without newline is capped). */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      onLine(rest.slice(0, nl).replace(/\r$/, ''));
      rest = rest.slice(nl + 1);
      nl = rest.indexOf('\n');
    }
    if (rest.length > 65536) rest = rest.slice(-65536);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}

/**
 * Line parser for the `metadata=mode=print` records: `frame:N pts:P pts_time:T` then
 * `lavfi.scene_score=S`; calls `onFrame` once both lines of a record arrived.
 */
export function frameMetaParser(onFrame: (meta: FrameMeta) => void): (line: string) => void {
  let current: { index: number; offsetMs: number } | undefined;
  return (line) => {
    const head = /^frame:(\d+)\s+pts:(\S+)\s+pts_time:(\S+)/.exec(line);
    if (head) {
      // the filter graph sets a 1/1000 time base, so pts is already in ms
      const pts = Number(head[2]);
      const ptsTime = Number(head[3]);
      const offsetMs = Number.isFinite(pts) ? pts : ptsTime * 1000;
      current = Number.isFinite(offsetMs) ? { index: Number(head[1]), offsetMs } : undefined;
      return;
    }
    const score = /^lavfi\.scene_score=(\S+)/.exec(line);
    if (score && current) {
      const s = Number(score[1]);
      onFrame({ ...current, score: Number.isFinite(s) ? s : 0 });
      current = undefined;
    }
  };
}

/** Track time processed (ms) from a `-progress` line, or undefined for other lines. */
export function parseProgressLine(line: string): number | undefined {
  const eq = line.indexOf('=');
  if (eq < 0 || line.slice(0, eq) !== 'out_time_us') return undefined;
  const us = Number(line.slice(eq + 1));
  return Number.isFinite(us) && us >= 0 ? Math.round(us / 1000) : undefined;
}

/** Decoder complaints on stderr (`[vp8 @ 0x...] ...`): the sender should send a key frame. */
export function isDecodeError(line: string): boolean {
  return /^\[(vp8|vp9|h264|libvpx|libdav1d)\s*@/i.test(line);
}

export interface FfmpegOutputHandlers {
  onFrameMeta: (meta: FrameMeta) => void;
  onThumbnails: (images: JpegImage[]) => void;
  /** Set only when ffmpeg writes OCR frames. */
  onOcrFrames?: (images: Buffer[]) => void;
  onProcessedMs: (ms: number) => void;
  onPipeError: (err: Error) => void;
}

/** Reads the tap's ffmpeg outputs (see FFMPEG_FD) and hands on what each one carries. */
export function readFfmpegOutputs(child: ChildProcess, h: FfmpegOutputHandlers): void {
  const stdio = child.stdio as (Readable | null)[];
  onLines(stdio[FFMPEG_FD.frameMeta]!, frameMetaParser(h.onFrameMeta));
  onLines(stdio[FFMPEG_FD.progress]!, (line) => {
    const ms = parseProgressLine(line);
    if (ms !== undefined) h.onProcessedMs(ms);
  });
  const jpegs = new JpegSplitter();
  stdio[FFMPEG_FD.thumbnails]!.on('data', (chunk: Buffer) => h.onThumbnails(jpegs.push(chunk)));
  const onOcrFrames = h.onOcrFrames;
  if (onOcrFrames) {
    const pgms = new PgmSplitter();
    stdio[FFMPEG_FD.ocrFrames]!.on('data', (chunk: Buffer) => onOcrFrames(pgms.push(chunk)));
  }
  for (const s of stdio) s?.on('error', h.onPipeError);
}
