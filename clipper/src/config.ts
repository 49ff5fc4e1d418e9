import { configFromEnv } from '@mi/contracts';
import { type Static, Type } from '@sinclair/typebox';

export const ClipperConfigSchema = Type.Object({
  /** Jobs one clipper process runs at once (each job already uses every core in ffmpeg and ASR). */
  concurrency: Type.Integer({ minimum: 1, maximum: 32, default: 1 }),
  /** A job whose worker stops heartbeating this long is handed to another worker. */
  ackWaitMs: Type.Integer({ minimum: 1000, default: 30_000 }),
  /** Attempts before a job fails for good (its message is dead-lettered). */
  maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
  retryDelayMs: Type.Integer({ minimum: 0, default: 5000 }),
  /** Scratch space for jobs (source copies, renders); default the OS temp dir. */
  workDir: Type.Optional(Type.String()),
  /** OCR of slide text on key frames (tesseract). */
  ocr: Type.Boolean({ default: true }),
  /** Lifetime of presigned URLs in `clip.done` events. */
  urlExpirySeconds: Type.Integer({ minimum: 60, maximum: 7 * 86_400, default: 86_400 }),
  /** Make highlight clips of every SFU meeting when it ends. */
  roomHighlights: Type.Boolean({ default: true }),
  roomHighlightsCount: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
});
export type ClipperConfig = Static<typeof ClipperConfigSchema>;

export function clipperConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ClipperConfig {
  return configFromEnv(
    ClipperConfigSchema,
    {
      concurrency: 'CLIPPER_CONCURRENCY',
      ackWaitMs: 'JOB_ACK_WAIT_MS',
      maxAttempts: 'JOB_MAX_ATTEMPTS',
      retryDelayMs: 'JOB_RETRY_DELAY_MS',
      workDir: 'JOB_WORK_DIR',
      ocr: 'KEYFRAME_OCR',
      urlExpirySeconds: 'CLIP_URL_EXPIRY_SECONDS',
      roomHighlights: 'ROOM_HIGHLIGHTS',
      roomHighlightsCount: 'ROOM_HIGHLIGHTS_COUNT',
    },
    env,
  );
}
