import type { Readable } from 'node:stream';
import type { Bus } from '@mi/bus';
import type { EventContext, KeyframeData, Participant, RecordingData } from '@mi/contracts';
import type { OcrStats } from '@mi/ocr';
import type { Logger } from '@mi/telemetry';
import type { KeyframeReason } from './keyframe-selector.ts';
import type { RtpVideoCodec } from './sdp.ts';

/**
 * The part of the object store the tap needs (any `ObjectStore` from @mi/object-store fits).
 * `put` must stream a Readable body rather than buffer it.
 */
export interface KeyframeObjectStore {
  put(
    key: string,
    body: Readable | Uint8Array | string,
    opts?: { contentType?: string; metadata?: Record<string, string>; size?: number },
  ): Promise<{ etag: string; size: number }>;
  delete?(key: string): Promise<void>;
}

export interface VideoKeyframeTapOptions {
  bus: Bus;
  store: KeyframeObjectStore;
  ctx: EventContext;
  room: string;
  participant: Participant;
  /** The video producer (track); part of event ids and of the `producer` field. */
  producerId: string;
  codec: RtpVideoCodec;
  /** Scene score (0-1, ffmpeg `select` scene metric) above which a frame counts as a cut. Default 0.3. */
  sceneThreshold?: number;
  /** At most one kept frame per this many ms of track time (a later cut is kept when it ends). Default 2000. */
  minIntervalMs?: number;
  /**
   * 'all' decodes every frame (scene cuts found to the frame); 'keyframes' decodes key frames only
   * (ffmpeg skip_frame) and asks the sender for one every keyFrameRequestMs (default then
   * max(1000, minIntervalMs)): a fraction of the CPU, cuts found to the nearest key frame, and a
   * little more bandwidth for everyone receiving that track. Default 'all'.
   */
  decode?: 'all' | 'keyframes';
  /** Keep an 'interval' frame when nothing was kept for this long. Default 30000; 0 = off. */
  periodicMs?: number;
  /** Asks the sender for a key frame: every second until the first frame decodes, then every keyFrameRequestMs and on decode errors. */
  requestKeyFrame?: () => Promise<void>;
  /** Key frame requests once frames flow (seek points for the recording, recovery). Default 30000; 0 = only on errors. */
  keyFrameRequestMs?: number;
  /**
   * Record the track (stream copy: WebM for VP8/VP9, Matroska for H264) into the object store
   * under `key`. ffmpeg writes a temporary file (so it has Duration and Cues), uploaded at close().
   */
  record?: { key: string };
  /** OCR each kept frame with tesseract. Default true. */
  ocr?: boolean;
  /** Tesseract language(s). Default 'eng'. */
  ocrLanguage?: string;
  /** Kill an OCR run after this long. Default 15000. */
  ocrTimeoutMs?: number;
  /** Widest image given to OCR (larger frames are scaled down). Default 1920. */
  ocrMaxWidth?: number;
  /** Words below this tesseract confidence (0-100) are dropped. Default 40. */
  ocrMinWordConfidence?: number;
  /** Thumbnail width in pixels (height keeps the aspect ratio, even). Default 320. */
  thumbnailWidth?: number;
  /** JPEG quality as ffmpeg's -q:v (2 best - 31 worst). Default 5. */
  thumbnailQuality?: number;
  /** Object-store key prefix of thumbnails: `${keyPrefix}/${offsetMs}.jpg`. */
  keyPrefix: string;
  logger: Logger;
  ffmpegPath?: string;
  tesseractPath?: string;
  /** Where to look for the free RTP/RTCP port pair (keep it clear of mediasoup's rtcMinPort-rtcMaxPort). Default 20000-59998. */
  portRange?: { min: number; max: number };
  /** How long close() waits for ffmpeg to finish after RTCP BYE before SIGINT, then SIGKILL. Default 5000. */
  stopTimeoutMs?: number;
}

export interface TapAddress {
  ip: '127.0.0.1';
  rtpPort: number;
  rtcpPort: number;
}

export interface FfmpegExit {
  code: number | null;
  signal: string | null;
  /** True when close() asked for it or the sender ended the stream (RTCP BYE, exit code 0). */
  expected: boolean;
  at: string;
  /** Last lines ffmpeg wrote to stderr. */
  stderr: string[];
}

export type VideoKeyframeTapState = 'idle' | 'starting' | 'running' | 'ended' | 'failed' | 'closing' | 'closed';

export interface VideoKeyframeTapStats {
  state: VideoKeyframeTapState;
  pid?: number;
  rtpPort?: number;
  rtcpPort?: number;
  /** Frames ffmpeg selected (first, over the threshold, periodic) before rate limiting. */
  candidates: number;
  keyframes: number;
  byReason: Record<KeyframeReason, number>;
  published: number;
  publishFailures: number;
  thumbnailFailures: number;
  ocr: OcrStats;
  keyFrameRequests: number;
  decodeErrors: number;
  lastOffsetMs?: number;
  /** Track time ffmpeg has processed (progress report), ms. */
  processedMs?: number;
  /** Size of the recording file so far (the uploaded size once closed). */
  recordingBytes: number;
  recordingError?: string;
  /** User + system CPU seconds of the ffmpeg process (Linux /proc; last sample). */
  ffmpegCpuSeconds?: number;
  exit?: FfmpegExit;
}

export type VideoKeyframeTapEvents = {
  keyframe: [data: KeyframeData];
  recording: [data: RecordingData];
  exit: [info: FfmpegExit];
};
