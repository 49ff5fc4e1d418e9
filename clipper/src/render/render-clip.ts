import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError } from '@mi/contracts';
import { renderCaptions } from './captions.ts';
import { directCutWithThumbnailPlan } from './direct-cut.ts';
import { graphCutPlan } from './graph-cut.ts';
import { probeSource, sourceInfo } from './probe-source.ts';
import { validateRanges } from './ranges.ts';
import { cancelled, runPlan } from './run-ffmpeg.ts';
import { wrapTitle } from './title.ts';
import type { RenderedClip, RenderRequest } from './types.ts';

const DEFAULT_JOIN_FADE_MS = 200;
/** Picture for sources without video. */
const BACKGROUND_SIZE = { width: 1280, height: 720 };

/**
 * Cuts a clip frame-accurately (re-encoded, snapped to the source's frame grid) and writes the
 * MP4, a JPEG thumbnail, optional WebVTT/SRT captions and an optional 9:16 variant into outDir.
 * The common case (one range, captions attached, no vertical) is a single ffmpeg encode; the
 * thumbnail comes out of the same run.
 */
export async function renderClip(req: RenderRequest): Promise<RenderedClip> {
  if (!/^[A-Za-z0-9_-]+$/.test(req.name)) throw new AppError('ERR_SCHEMA', 'clip name must match [A-Za-z0-9_-]+');
  if (req.signal?.aborted) throw cancelled();
  const source = /^[a-z][a-z0-9+.-]+:\/\//i.test(req.source) ? req.source : resolve(req.source);
  const outDir = resolve(req.outDir);
  const dir = await stat(outDir).catch(() => undefined);
  if (!dir?.isDirectory()) throw new AppError('ERR_NOT_FOUND', `output directory not found: ${outDir}`);
  const info = req.media ? sourceInfo(req.media) : await probeSource(source);
  const { fps } = info;
  const ranges = validateRanges(req.ranges, info.durationMs, fps);
  const frames = ranges.reduce((n, r) => n + r.frames, 0);
  const durationSec = frames / fps;

  const mode = req.captionMode ?? 'attach';
  const captions = mode === 'none' ? undefined : req.captions;
  const burn = mode === 'burn' && captions !== undefined && captions.length > 0;
  const file = (suffix: string) => join(outDir, `${req.name}${suffix}`);
  const final = {
    video: file('.mp4'),
    vertical: req.vertical ? file('.vertical.mp4') : undefined,
    vtt: captions ? file('.vtt') : undefined,
    srt: captions ? file('.srt') : undefined,
    thumbnail: file('.jpg'),
  };
  // Videos are written under temporary names, so a killed encode never leaves a final-looking file.
  const partVideo = file('.part.mp4');
  const partVertical = final.vertical ? file('.vertical.part.mp4') : undefined;
  const titleFile = `${req.name}.title.txt`;
  const written = [partVideo, partVertical, final.vtt, final.srt, final.thumbnail].filter(
    (p): p is string => p !== undefined,
  );

  try {
    if (captions && final.vtt && final.srt) {
      await writeFile(final.vtt, renderCaptions(captions, 'vtt'));
      await writeFile(final.srt, renderCaptions(captions, 'srt'));
    }
    const title = info.video ? '' : wrapTitle(req.title ?? '');
    if (title) await writeFile(join(outDir, titleFile), title);

    const direct = ranges.length === 1 && info.video && info.audio && !burn && !partVertical;
    const plan = direct
      ? directCutWithThumbnailPlan(source, ranges[0]!, fps, partVideo, final.thumbnail)
      : graphCutPlan({
          source,
          ranges,
          fps,
          has: { video: info.video !== undefined, audio: info.audio },
          fadeMs: req.fadeMs ?? (ranges.length > 1 ? DEFAULT_JOIN_FADE_MS : 0),
          ...(burn ? { burnSubtitles: `${req.name}.srt` } : {}),
          background: { ...BACKGROUND_SIZE, ...(title ? { titleFile } : {}) },
          out: partVideo,
          thumbnail: final.thumbnail,
          ...(partVertical ? { vertical: partVertical } : {}),
        });
    const onProgress = req.onProgress;
    await runPlan(plan, {
      cwd: outDir,
      ...(req.signal ? { signal: req.signal } : {}),
      durationSec,
      ...(onProgress ? { onProgress: (f: number) => onProgress(f * 0.99) } : {}),
    });
    if (req.signal?.aborted) throw cancelled();
    await rename(partVideo, final.video);
    if (partVertical && final.vertical) await rename(partVertical, final.vertical);
    onProgress?.(1);
  } catch (err) {
    // Best effort: a failed clean-up must not hide why the render failed.
    await Promise.all(written.map((p) => rm(p, { force: true }).catch(() => undefined)));
    throw err;
  } finally {
    await rm(join(outDir, titleFile), { force: true }).catch(() => undefined);
  }

  return {
    video: final.video,
    ...(final.vertical ? { vertical: final.vertical } : {}),
    ...(final.vtt && final.srt ? { vtt: final.vtt, srt: final.srt } : {}),
    thumbnail: final.thumbnail,
    durationMs: (frames * 1000) / fps,
    frames,
    fps,
  };
}
