import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError, type MediaInfo } from '@mi/contracts';
import type { ObjectStore } from '@mi/object-store';
import { checkMedia, MediaError } from '@mi/transcriber';

/** Checks media and returns what ffprobe found; ffprobe's verdicts come back as catalogue errors. */
export type MediaChecker = (pathOrUrl: string) => Promise<MediaInfo>;

const mediaCodes = new Set(['ERR_UNSUPPORTED_MEDIA', 'ERR_NO_AUDIO', 'ERR_MEDIA_TRUNCATED'] as const);
type MediaCode = typeof mediaCodes extends Set<infer C> ? C : never;

/** checkMedia, with the media verdicts as AppErrors (anything else, e.g. no ffmpeg, stays a 500). */
export const checkMediaOrThrow: MediaChecker = async (pathOrUrl) => {
  try {
    return await checkMedia(pathOrUrl);
  } catch (err) {
    if (err instanceof MediaError && mediaCodes.has(err.code as MediaCode)) {
      throw new AppError(err.code as MediaCode, err.message);
    }
    throw err;
  }
};

/** Seconds a presigned GET for the checker stays valid: a probe and a tail decode. */
const INSPECT_URL_EXPIRY_S = 900;

/**
 * Checks an object already in the store. S3: through a presigned GET URL, since ffprobe and
 * ffmpeg read by range (the index and the last seconds, not the whole object) and the URL
 * points at the endpoint this server already reaches. Local store: its presigned URLs go to
 * the public URL of this server, which the server itself may not reach (a proxy, TLS in front),
 * so the object is copied to a temp file on the same disk and checked there.
 */
export async function inspectStoredObject(
  store: ObjectStore,
  key: string,
  tmpDir: string,
  check: MediaChecker = checkMediaOrThrow,
): Promise<MediaInfo> {
  if (store.kind === 's3') return check(await store.presignGet(key, INSPECT_URL_EXPIRY_S));
  const dir = await mkdtemp(join(tmpDir, 'mi-inspect-'));
  try {
    const path = join(dir, `media${extname(key)}`); // the extension helps ffprobe guess
    await pipeline(await store.get(key), createWriteStream(path));
    return await check(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
