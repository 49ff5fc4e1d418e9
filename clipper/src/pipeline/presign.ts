import type { JobResult, StoredFile } from '@mi/contracts';
import type { ObjectStore } from '@mi/object-store';

async function sign(store: ObjectStore, file: StoredFile, expires: number): Promise<StoredFile> {
  return { ...file, url: await store.presignGet(file.key, expires) };
}

/**
 * The result with a fresh presigned URL on every stored file. URLs are credentials: job records keep
 * keys only; `clip.done` carries URLs that expire (CLIP_URL_EXPIRY_SECONDS).
 */
export async function presignResult(store: ObjectStore, result: JobResult, expires: number): Promise<JobResult> {
  const clips = await Promise.all(
    result.clips.map(async (c) => ({
      ...c,
      video: await sign(store, c.video, expires),
      thumbnail: await sign(store, c.thumbnail, expires),
      ...(c.vertical ? { vertical: await sign(store, c.vertical, expires) } : {}),
      ...(c.captions
        ? {
            captions: {
              vtt: await sign(store, c.captions.vtt, expires),
              srt: await sign(store, c.captions.srt, expires),
            },
          }
        : {}),
    })),
  );
  return {
    ...result,
    clips,
    ...(result.transcript ? { transcript: await sign(store, result.transcript, expires) } : {}),
    ...(result.keyframes ? { keyframes: await sign(store, result.keyframes, expires) } : {}),
  };
}
