import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from './local-files.ts';

/**
 * On-disk layout of the local store. A key's segments become nested directories, so S3 keys
 * such as `a` and `a/b` can coexist; file names carry a `%`-marker suffix that no directory
 * name can have (directory names only contain `%` as the escape `%25`):
 *
 *   objects/<seg>/<seg>%meta          JSON record: size, etag, metadata, current data file
 *   objects/<seg>/<seg>%data-<id>     immutable content; replaced by writing a new one
 */

const META_SUFFIX = '%meta';
const DATA_MARK = '%data-';

export function encodeSegment(segment: string): string {
  return segment.replaceAll('%', '%25');
}

/** Undefined when the name is not something encodeSegment produces. */
export function decodeSegment(name: string): string | undefined {
  if (/%(?!25)/.test(name)) return undefined;
  return name.replaceAll('%25', '%');
}

export interface ObjectPaths {
  dir: string;
  meta: string;
  /** File name (in dir) for a new version of the content. */
  newDataName(id: string): string;
}

/** Paths for a key that validateKey accepted. */
export function objectPaths(objectsRoot: string, key: string): ObjectPaths {
  const segments = key.split('/').map(encodeSegment);
  const base = segments.pop() ?? '';
  const dir = join(objectsRoot, ...segments);
  return { dir, meta: join(dir, base + META_SUFFIX), newDataName: (id) => `${base}${DATA_MARK}${id}` };
}

/** Longest encoded segment we accept, leaving room for the data suffix within 255-byte file names. */
export const MAX_ENCODED_SEGMENT_BYTES = 200;

export function segmentsFitOnDisk(key: string): boolean {
  return key.split('/').every((s) => Buffer.byteLength(encodeSegment(s)) <= MAX_ENCODED_SEGMENT_BYTES);
}

const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Meta file paths of the objects whose key starts with `prefix`, in S3 key order (UTF-8 bytes).
 * Each directory is sorted by the key text its entries stand for (`name` for an object,
 * `name/` for a directory); every key under a directory then sorts between its siblings.
 */
export async function* walkObjects(objectsRoot: string, prefix: string): AsyncGenerator<{ key: string; meta: string }> {
  // Jump straight to the deepest directory the prefix names in full.
  const cut = prefix.lastIndexOf('/');
  const dirSegments = cut < 0 ? [] : prefix.slice(0, cut).split('/');
  if (dirSegments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\0'))) return; // no valid key matches
  yield* walkDir(join(objectsRoot, ...dirSegments.map(encodeSegment)), cut < 0 ? '' : prefix.slice(0, cut + 1), prefix);
}

async function* walkDir(dir: string, keyPrefix: string, prefix: string): AsyncGenerator<{ key: string; meta: string }> {
  let names: { name: string; isDir: boolean }[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).map((e) => ({ name: e.name, isDir: e.isDirectory() }));
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return; // removed meanwhile, or never there
    throw err;
  }
  const entries: { key: string; path: string; isDir: boolean }[] = [];
  for (const { name, isDir } of names) {
    const encoded = isDir ? name : name.endsWith(META_SUFFIX) ? name.slice(0, -META_SUFFIX.length) : undefined;
    const segment = encoded === undefined ? undefined : decodeSegment(encoded);
    if (segment === undefined) continue; // data files and strays
    const key = keyPrefix + segment + (isDir ? '/' : '');
    const relevant = isDir ? key.startsWith(prefix) || prefix.startsWith(key) : key.startsWith(prefix);
    if (relevant) entries.push({ key, path: join(dir, name), isDir });
  }
  entries.sort((a, b) => compareKeys(a.key, b.key));
  for (const entry of entries) {
    if (entry.isDir) yield* walkDir(entry.path, entry.key, prefix);
    else yield { key: entry.key, meta: entry.path };
  }
}
