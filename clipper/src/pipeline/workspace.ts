import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from '@mi/object-store';

/** A scratch directory for one job attempt, removed when the attempt ends whatever happened. */
export async function withWorkspace<T>(job: string, run: (dir: string) => Promise<T>, root = tmpdir()): Promise<T> {
  await mkdir(root, { recursive: true });
  const dir = await mkdtemp(join(root, `mi-job-${job}-`));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Streams an object to a local file (ffmpeg seeks in files far better than over HTTP). */
export async function download(store: ObjectStore, key: string, dir: string, signal?: AbortSignal): Promise<string> {
  const path = join(dir, `source${extname(key).slice(0, 10) || '.bin'}`);
  await pipeline(await store.get(key), createWriteStream(path), { signal });
  return path;
}
