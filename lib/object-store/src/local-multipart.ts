import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Body } from './body.ts';
import { isErrno, randomId, readJsonFile, writeBodyToFile } from './local-files.ts';
import { parseUploadRecord, type UploadRecord } from './local-records.ts';
import type { CompletedPart } from './types.ts';
import { InvalidPartError, UploadNotFoundError } from './types.ts';
import { MIN_PART_SIZE, normalizeParts, validatePartNumber } from './validate.ts';

/**
 * Multipart uploads of the local store, one directory each under `.uploads/<id>/`:
 * `upload.json` (key, content type, metadata) and one file per received part, named
 * `part-<n>-<md5>`, so a part lands with a single atomic rename and a re-sent part never
 * mixes with the old one; completion picks the files whose md5 matches the listed etags.
 */

const UPLOAD_ID = /^[0-9a-f]{32}$/; // also keeps ids from naming paths outside .uploads
const RECORD = 'upload.json';

export interface AssembledUpload {
  record: UploadRecord;
  /** Concatenated content, in the temp dir, ready to commit. */
  file: string;
  size: number;
  etag: string;
  /** Removes the claimed upload directory once the object is committed. */
  finish(): Promise<void>;
}

export class LocalUploads {
  constructor(
    private readonly uploadsDir: string,
    private readonly tmpDir: string,
  ) {}

  async create(key: string, contentType: string | undefined, metadata: Record<string, string>): Promise<string> {
    const id = randomId();
    const dir = join(this.uploadsDir, id);
    await mkdir(dir);
    const record: UploadRecord = { v: 1, key, metadata, created: Date.now(), ...(contentType ? { contentType } : {}) };
    await writeFile(join(dir, RECORD), JSON.stringify(record));
    return id;
  }

  async writePart(key: string, uploadId: string, partNumber: number, body: Body): Promise<CompletedPart> {
    validatePartNumber(partNumber);
    const { dir } = await this.openUpload(key, uploadId);
    const tmp = join(dir, `.tmp-${randomId()}`);
    try {
      const { md5 } = await writeBodyToFile(tmp, body);
      // Fails (ENOENT) if the upload was aborted or completed meanwhile: the part is refused.
      await rename(tmp, join(dir, `part-${partNumber}-${md5}`));
      return { partNumber, etag: md5 };
    } catch (err) {
      await rm(tmp, { force: true });
      if (isErrno(err, 'ENOENT')) throw new UploadNotFoundError(`no multipart upload ${uploadId} for ${key}`);
      throw err;
    }
  }

  /**
   * Validates the part list, then claims the upload (an atomic rename, so concurrent parts,
   * aborts and completions of it fail) and concatenates the parts by streaming.
   */
  async assemble(key: string, uploadId: string, parts: CompletedPart[]): Promise<AssembledUpload> {
    const wanted = normalizeParts(parts);
    const { dir, record } = await this.openUpload(key, uploadId);
    const present = new Set(await readdir(dir));
    const names = wanted.map(({ partNumber, etag }) => {
      const name = `part-${partNumber}-${etag}`;
      if (!/^[0-9a-f]{32}$/.test(etag) || !present.has(name)) {
        throw new InvalidPartError(`part ${partNumber} with etag ${etag} was not uploaded`);
      }
      return name;
    });

    const claimed = join(this.uploadsDir, `${uploadId}.claimed-${randomId()}`);
    try {
      await rename(dir, claimed);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new UploadNotFoundError(`no multipart upload ${uploadId} for ${key}`);
      throw err;
    }
    const file = join(this.tmpDir, randomId());
    try {
      const paths = names.map((name) => join(claimed, name));
      const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size));
      // S3 refuses parts under 5 MiB except the last; refusing here too keeps clients portable.
      if (sizes.slice(0, -1).some((size) => size < MIN_PART_SIZE)) {
        throw new InvalidPartError(`every part but the last must be at least ${MIN_PART_SIZE} bytes`);
      }
      await pipeline(
        async function* () {
          for (const p of paths) yield* createReadStream(p);
        },
        createWriteStream(file, { flags: 'wx' }),
      );
      // S3's multipart etag: md5 of the concatenated binary part md5s, then "-<part count>".
      const md5s = Buffer.concat(wanted.map(({ etag }) => Buffer.from(etag, 'hex')));
      const etag = `${createHash('md5').update(md5s).digest('hex')}-${wanted.length}`;
      const size = sizes.reduce((a, b) => a + b, 0);
      return { record, file, size, etag, finish: () => rm(claimed, { recursive: true, force: true }) };
    } catch (err) {
      await rm(file, { force: true });
      await rename(claimed, dir).catch(() => undefined); // give the upload back, as S3 does on a refused completion
      throw err;
    }
  }

  /** Idempotent: an unknown upload is already gone. */
  async abort(key: string, uploadId: string): Promise<void> {
    let dir: string;
    try {
      ({ dir } = await this.openUpload(key, uploadId));
    } catch (err) {
      if (err instanceof UploadNotFoundError) return;
      throw err;
    }
    // Rename first: in-flight part writes then fail instead of recreating files under a removed dir.
    const trash = join(this.uploadsDir, `${uploadId}.aborted-${randomId()}`);
    try {
      await rename(dir, trash);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    await rm(trash, { recursive: true, force: true });
  }

  /** Directory of a live upload of `key`, or UploadNotFoundError. */
  private async openUpload(key: string, uploadId: string): Promise<{ dir: string; record: UploadRecord }> {
    if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId)) {
      throw new UploadNotFoundError(`no multipart upload ${uploadId} for ${key}`);
    }
    const dir = join(this.uploadsDir, uploadId);
    const record = parseUploadRecord(await readJsonFile(join(dir, RECORD)));
    if (!record || record.key !== key) throw new UploadNotFoundError(`no multipart upload ${uploadId} for ${key}`);
    return { dir, record };
  }
}
