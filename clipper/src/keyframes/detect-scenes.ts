import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SceneChange } from '@mi/contracts';
import { buildSceneArgs, type DecodeMode } from './ffmpeg-args.ts';
import { parseFrameMeta } from './frame-meta.ts';
import { ocrFrames } from './ocr-frames.ts';
import { probeVideo } from './probe-video.ts';
import { cancelledError, runScenePass } from './run-scene-pass.ts';

/**
 * Scene score (ffmpeg `scene`, full-size frames) over which a frame starts a new scene.
 * Measured with ffmpeg 5.1 / x264: cuts between slides on different backgrounds score 0.10-0.73;
 * a title-only change on the same white background scores 0.040 (40 px title on 360 lines),
 * 0.020 (28 px on 360: just under the live path's 0.02) and 0.010 (a title 1/18 of the height,
 * 360 to 1080 lines). Static screens score under 0.0005 at key frames, up to 0.006 with
 * camera-like grain; a moving webcam tile in a corner stays under 0.0025. 0.008 sits between.
 */
export const DEFAULT_SCENE_THRESHOLD = 0.008;

export type KeyframeOptions = {
  /** ffmpeg scene score threshold (default DEFAULT_SCENE_THRESHOLD). */
  threshold?: number;
  /** Ignore changes closer than this to the previous kept one (default 1000). */
  minGapMs?: number;
  /** Write <dir>/scene-<ms>.jpg for the first frame and each change. */
  thumbnails?: { dir: string; width?: number };
  /** OCR each kept frame with tesseract; the text goes on the scene. */
  ocr?: boolean;
  /**
   * 'all' (default): every frame is decoded, so a cut lands on its frame. 'reference' and
   * 'keyframes' trade accuracy for speed (see DecodeMode).
   */
  decode?: DecodeMode;
  /** Decoder threads (default: the cores, at most 4; more buys little for slides). */
  threads?: number;
  /** Tesseract processes at once (default 2). */
  ocrConcurrency?: number;
  /** Kills ffmpeg; rejects with an error whose code is 'ERR_CANCELLED'. */
  signal?: AbortSignal;
  /** 0..1 over the decode pass (OCR comes after it). */
  onProgress?: (fraction: number) => void;
};

export type DetectedScene = SceneChange & { thumbnailPath?: string };

const DEFAULT_THUMBNAIL_WIDTH = 320;
/** Grey images for OCR are capped at this width (the live path's default). */
const OCR_MAX_WIDTH = 1920;

/**
 * The first frame (reason 'first', score 0) and each scene change after it, from one ffmpeg pass
 * over the video stream. Not media, or no video stream: ERR_UNSUPPORTED_MEDIA.
 */
export async function detectScenes(path: string, opts: KeyframeOptions = {}): Promise<DetectedScene[]> {
  const { signal } = opts;
  const video = await probeVideo(path, signal);
  const thumbDir = opts.thumbnails && resolve(opts.thumbnails.dir);
  if (thumbDir) await mkdir(thumbDir, { recursive: true });
  // Beside the thumbnails, so that keeping one is a rename.
  const frameDir = await mkdtemp(join(thumbDir ?? tmpdir(), '.keyframes-'));
  try {
    const args = buildSceneArgs({
      path,
      streamIndex: video.index,
      threshold: opts.threshold ?? DEFAULT_SCENE_THRESHOLD,
      minGapMs: opts.minGapMs ?? 1000,
      decode: opts.decode ?? 'all',
      threads: opts.threads ?? Math.min(4, availableParallelism()),
      frameDir,
      ...(thumbDir ? { thumbnailWidth: opts.thumbnails?.width ?? DEFAULT_THUMBNAIL_WIDTH } : {}),
      ...(opts.ocr ? { ocrMaxWidth: OCR_MAX_WIDTH } : {}),
    });
    const meta = await runScenePass(args, {
      durationMs: video.durationMs,
      ...(signal ? { signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const frameFile = (prefix: string, i: number, ext: string) =>
      join(frameDir, `${prefix}-${String(i + 1).padStart(6, '0')}.${ext}`);
    const scenes: DetectedScene[] = parseFrameMeta(meta).map((f, i) => ({
      at: f.at,
      score: i === 0 ? 0 : f.score,
      reason: i === 0 ? 'first' : 'scene',
    }));
    if (opts.ocr) {
      const texts = await ocrFrames(
        scenes.map((_, i) => frameFile('ocr', i, 'png')),
        { concurrency: opts.ocrConcurrency ?? 2, ...(signal ? { signal } : {}) },
      );
      for (const [i, text] of texts.entries()) if (text) scenes[i]!.text = text;
    }
    if (signal?.aborted) throw cancelledError();
    if (thumbDir) {
      for (const [i, scene] of scenes.entries()) {
        scene.thumbnailPath = join(thumbDir, `scene-${scene.at}.jpg`);
        await rename(frameFile('thumb', i, 'jpg'), scene.thumbnailPath);
      }
    }
    return scenes;
  } finally {
    await rm(frameDir, { recursive: true, force: true });
  }
}
