import { readFile } from 'node:fs/promises';
import type { Bus } from '@mi/bus';
import {
  AppError,
  type Caption,
  type ClipOptions,
  type ClipOutput,
  type EdlEntry,
  type JobCreate,
  type JobResult,
  type MediaInfo,
  type Producer,
  type SceneChange,
  type StoredFile,
  type TranscriptSegment,
} from '@mi/contracts';
import type { JobContext, JobHandler } from '@mi/jobs';
import type { ObjectStore } from '@mi/object-store';
import { edlFromRanges, findHighlights } from '@mi/summarizer';
import { checkMedia } from '@mi/transcriber';
import { detectScenes } from '../keyframes/index.ts';
import { jobKeys } from './keys.ts';
import { publishClipDone } from './publish-done.ts';
import { type ClipPlan, renderAndStore } from './render-outputs.ts';
import { checkpoint, readJson, writeJson } from './stored-json.ts';
import { download, withWorkspace } from './workspace.ts';

/** What transcription of a source yields: segments with word times, and the audio energy curve. */
export type SourceTranscript = {
  durationMs: number;
  segments: TranscriptSegment[];
  energy: { windowMs: number; db: number[] };
  engine?: { name: string; version: string; model: string };
};

export type TranscribeSource = (
  path: string,
  ctx: {
    tenant: string;
    job: string;
    correlationId: string;
    signal: AbortSignal;
    onProgress: (f: number) => void;
    /** From the probe: lets progress and ETA start before the whole file is split. */
    durationMs?: number;
  },
) => Promise<SourceTranscript>;

export type BatchDeps = {
  bus: Bus;
  store: ObjectStore;
  producer: Producer;
  /** Batch transcription (chunks on the transcriber workers, or in this process for the CLI). */
  transcribe: TranscribeSource;
  /** Builds one media file from a room's recordings; without it, room sources are refused. */
  assembleRoom?: (ctx: JobContext, room: string, dir: string) => Promise<{ key: string }>;
  /** OCR of slide text on key frames (tesseract). */
  ocr?: boolean;
  /** Lifetime of the presigned URLs in `clip.done`. */
  urlExpirySeconds?: number;
  /** Where job scratch directories go (default the OS temp dir). */
  workDir?: string;
};

type Highlights = Extract<JobCreate, { kind: 'highlights' }>;
type Edit = Extract<JobCreate, { kind: 'clip' }>;

/** Overall progress: the share of the job each stage covers. */
const span = { download: [0, 2], probe: [2, 3], analyse: [3, 70], highlights: [70, 72], clips: [72, 99] } as const;
const at = (stage: keyof typeof span, f: number) => span[stage][0] + (span[stage][1] - span[stage][0]) * f;

/**
 * The batch path as job handlers: `highlights` (source -> transcript + key frames -> highlights
 * -> EDL -> clips) and `clip` (an edit of a finished job by time or quote ranges). Every stage
 * checkpoints its output in the object store, so a retried attempt resumes where the last stopped.
 */
export function createBatchHandlers(deps: BatchDeps): { highlights: JobHandler; clip: JobHandler } {
  const expiry = deps.urlExpirySeconds ?? 86_400;

  const prepare = async (ctx: JobContext, dir: string, key: string) => {
    ctx.progress('download', at('download', 0));
    const path = await download(deps.store, key, dir, ctx.signal);
    ctx.progress('probe', at('probe', 0));
    // Uploads were checked when they arrived (and edits reuse their parent's): probe only what was not.
    const media: MediaInfo = ctx.job.input?.media ?? { ...(await checkMedia(path)) };
    return { path, media };
  };

  const finish = async (ctx: JobContext, result: JobResult) => {
    await publishClipDone({ ...deps, urlExpirySeconds: expiry }, ctx.job, result);
    ctx.progress('done', 100);
    return result;
  };

  const highlights: JobHandler = (ctx) =>
    withWorkspace(
      ctx.job.id,
      async (dir) => {
        const request = ctx.job.request as Highlights;
        const keys = jobKeys(ctx.job.tenant, ctx.job.id);
        const key = await sourceKey(ctx, deps, request, dir);
        const { path, media } = await prepare(ctx, dir, key);

        // Transcription and key frames run side by side: one mostly on the transcriber workers, one in ffmpeg.
        let heard = 0;
        let seen = media.video ? 0 : 1;
        const analysed = () => ctx.progress('analyse', at('analyse', heard * 0.8 + seen * 0.2));
        const [transcript, scenes] = await sideBySide(
          ctx.signal,
          (signal) =>
            checkpoint(deps.store, keys.transcript, () =>
              deps.transcribe(path, {
                tenant: ctx.job.tenant,
                job: ctx.job.id,
                correlationId: ctx.job.correlationId,
                durationMs: media.durationMs,
                signal,
                onProgress: (f) => {
                  heard = f;
                  analysed();
                },
              }),
            ),
          (signal) =>
            media.video
              ? checkpoint(deps.store, keys.keyframes, () =>
                  keyframes(deps, keys, path, signal, (f) => {
                    seen = f;
                    analysed();
                  }),
                )
              : Promise.resolve([] as SceneChange[]),
        );
        ctx.progress('highlights', at('highlights', 0));
        const edl = findHighlights(
          {
            source: key,
            durationMs: transcript.durationMs,
            segments: transcript.segments,
            scenes,
            energy: transcript.energy,
          },
          {
            count: request.highlights ?? 5,
            ...(request.minClipMs ? { minClipMs: request.minClipMs } : {}),
            ...(request.maxClipMs ? { maxClipMs: request.maxClipMs } : {}),
          },
        );
        await writeJson(deps.store, keys.edl, edl);
        const plans = edl.map((e) => ({
          title: e.title,
          ranges: [{ start: e.start, end: e.end }],
          captions: e.captions,
        }));
        const clips = await renderClips(ctx, deps, keys, { path, media }, plans, request.clip ?? {}, dir);
        return finish(ctx, {
          source: key,
          media,
          transcript: stored(keys.transcript, transcript),
          ...(media.video ? { keyframes: stored(keys.keyframes, scenes) } : {}),
          edl,
          clips,
        });
      },
      deps.workDir,
    );

  const clip: JobHandler = (ctx) =>
    withWorkspace(
      ctx.job.id,
      async (dir) => {
        const request = ctx.job.request as Edit;
        const key = ctx.job.input?.key;
        if (!key) throw new AppError('ERR_NOT_FOUND', 'the edited job has no source media');
        const parent = jobKeys(ctx.job.tenant, request.parent);
        const transcript = await readJson<SourceTranscript>(deps.store, parent.transcript);
        if (!transcript) throw new AppError('ERR_NOT_FOUND', `job ${request.parent} has no transcript`);
        const { path, media } = await prepare(ctx, dir, key);
        const edl = edlFromRanges(
          { source: key, durationMs: media.durationMs, segments: transcript.segments },
          request.ranges,
          request.title ? { title: request.title } : {},
        );
        const keys = jobKeys(ctx.job.tenant, ctx.job.id);
        await writeJson(deps.store, keys.edl, edl);
        const plans = request.join === false ? edl.map(planOf) : [joined(edl, request.title)];
        const clips = await renderClips(ctx, deps, keys, { path, media }, plans, request.clip ?? {}, dir);
        return finish(ctx, { source: key, media, edl, clips });
      },
      deps.workDir,
    );

  return { highlights, clip };
}

const planOf = (e: EdlEntry): ClipPlan => ({
  title: e.title,
  ranges: [{ start: e.start, end: e.end }],
  captions: e.captions,
});

/** All ranges in one clip: captions shifted onto the joined timeline. */
function joined(edl: EdlEntry[], title?: string): ClipPlan {
  let offset = 0;
  const captions: Caption[] = [];
  for (const e of edl) {
    for (const c of e.captions) captions.push({ ...c, start: c.start + offset, end: c.end + offset });
    offset += e.end - e.start;
  }
  return {
    title: title ?? edl[0]?.title ?? 'Clip',
    ranges: edl.map((e) => ({ start: e.start, end: e.end })),
    captions,
  };
}

/**
 * Two stages side by side under the attempt's signal. When one fails the other is stopped (its
 * ffmpeg killed, its queued chunks dropped) and waited for, so nothing of a failed attempt runs on
 * beside the retry or after its workspace is gone; the attempt fails with the first error.
 */
async function sideBySide<A, B>(
  signal: AbortSignal,
  first: (signal: AbortSignal) => Promise<A>,
  second: (signal: AbortSignal) => Promise<B>,
): Promise<[A, B]> {
  const both = new AbortController();
  const relay = () => both.abort(signal.reason);
  signal.addEventListener('abort', relay, { once: true });
  if (signal.aborted) relay();
  const outcome: { failure?: { error: unknown } } = {};
  const watched = async <T>(stage: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    try {
      return await stage(both.signal);
    } catch (error) {
      outcome.failure ??= { error };
      both.abort(error);
      throw error;
    }
  };
  try {
    const [a, b] = await Promise.allSettled([watched(first), watched(second)]);
    if (outcome.failure) throw outcome.failure.error;
    return [(a as PromiseFulfilledResult<A>).value, (b as PromiseFulfilledResult<B>).value];
  } finally {
    signal.removeEventListener('abort', relay);
  }
}

function stored(key: string, value: unknown): StoredFile {
  return { key, contentType: 'application/json', bytes: Buffer.byteLength(JSON.stringify(value)) };
}

async function sourceKey(ctx: JobContext, deps: BatchDeps, request: Highlights, dir: string): Promise<string> {
  if (ctx.job.input?.key) return ctx.job.input.key;
  if ('room' in request.source) {
    if (!deps.assembleRoom) throw new AppError('ERR_NOT_FOUND', 'room recordings are not available to this worker');
    return (await deps.assembleRoom(ctx, request.source.room, dir)).key;
  }
  throw new AppError('ERR_NOT_FOUND', 'job has no source media');
}

async function keyframes(
  deps: BatchDeps,
  keys: ReturnType<typeof jobKeys>,
  path: string,
  signal: AbortSignal,
  onProgress: (f: number) => void,
): Promise<SceneChange[]> {
  // Reference frames only: half the decoding of every frame, cuts still found within a frame or two,
  // while transcription keeps the other core busy.
  const scenes = await detectScenes(path, {
    ocr: deps.ocr ?? true,
    decode: 'reference',
    thumbnails: { dir: `${path}.frames` },
    signal,
    onProgress,
  });
  return Promise.all(
    scenes.map(async ({ thumbnailPath, ...scene }) => {
      if (!thumbnailPath) return scene;
      const body = await readFile(thumbnailPath);
      const key = keys.keyframeImage(scene.at);
      await deps.store.put(key, body, { contentType: 'image/jpeg' });
      return { ...scene, thumbnail: { key, contentType: 'image/jpeg', bytes: body.length } };
    }),
  );
}

function renderClips(
  ctx: JobContext,
  deps: BatchDeps,
  keys: ReturnType<typeof jobKeys>,
  source: { path: string; media: MediaInfo },
  plans: ClipPlan[],
  options: ClipOptions,
  dir: string,
): Promise<ClipOutput[]> {
  ctx.progress('clips', at('clips', 0));
  return renderAndStore({
    store: deps.store,
    keys,
    source: source.path,
    media: source.media,
    plans,
    options,
    dir,
    signal: ctx.signal,
    onProgress: (f) => ctx.progress('clips', at('clips', f)),
  });
}
