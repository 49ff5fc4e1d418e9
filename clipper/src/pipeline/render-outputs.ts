import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Caption, ClipOptions, ClipOutput, MediaInfo, StoredFile } from '@mi/contracts';
import type { ObjectStore } from '@mi/object-store';
import { type ClipRange, type RenderedClip, renderClip } from '../render/index.ts';
import type { JobKeys } from './keys.ts';
import { checkpoint } from './stored-json.ts';

/** One clip to make: its ranges of the source (joined in order), title and captions (clip time). */
export type ClipPlan = { title: string; ranges: ClipRange[]; captions: Caption[] };

const contentTypes: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.vtt': 'text/vtt',
  '.srt': 'application/x-subrip',
};

async function upload(store: ObjectStore, path: string, key: string): Promise<StoredFile> {
  const ext = path.slice(path.lastIndexOf('.'));
  const contentType = contentTypes[ext] ?? 'application/octet-stream';
  const { size } = await stat(path);
  await store.put(key, createReadStream(path), { contentType, size });
  return { key, contentType, bytes: size };
}

/**
 * Renders every planned clip from the local source and stores its files. Each finished clip
 * leaves a manifest, so an attempt that died half-way resumes with the next clip.
 */
export async function renderAndStore(opts: {
  store: ObjectStore;
  keys: JobKeys;
  source: string;
  /** The source's probe result (saves a probe per clip). */
  media?: MediaInfo;
  plans: ClipPlan[];
  options: ClipOptions;
  dir: string;
  signal: AbortSignal;
  onProgress: (fraction: number) => void;
}): Promise<ClipOutput[]> {
  const out: ClipOutput[] = [];
  for (const [index, plan] of opts.plans.entries()) {
    const clip = await checkpoint(opts.store, opts.keys.clipManifest(index), async () => {
      const rendered: RenderedClip = await renderClip({
        source: opts.source,
        ...(opts.media ? { media: opts.media } : {}),
        ranges: plan.ranges,
        outDir: opts.dir,
        name: `clip-${index + 1}`,
        captions: plan.captions,
        captionMode: opts.options.captions ?? 'attach',
        vertical: opts.options.vertical ?? false,
        ...(opts.options.fadeMs !== undefined ? { fadeMs: opts.options.fadeMs } : {}),
        title: plan.title,
        signal: opts.signal,
        onProgress: (f) => opts.onProgress((index + f) / opts.plans.length),
      });
      const put = (path: string) => upload(opts.store, path, opts.keys.clipFile(index, basename(path)));
      const output: ClipOutput = {
        id: `clip-${index + 1}`,
        title: plan.title,
        ranges: plan.ranges,
        durationMs: rendered.durationMs,
        video: await put(rendered.video),
        thumbnail: await put(rendered.thumbnail),
        ...(rendered.vertical ? { vertical: await put(rendered.vertical) } : {}),
        ...(rendered.vtt && rendered.srt
          ? { captions: { vtt: await put(rendered.vtt), srt: await put(rendered.srt) } }
          : {}),
      };
      return output;
    });
    out.push(clip);
    opts.onProgress((index + 1) / opts.plans.length);
  }
  return out;
}
