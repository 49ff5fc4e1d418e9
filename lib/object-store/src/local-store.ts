import { type FileHandle, mkdir, open, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { Body } from './body.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { isErrno, randomId, readJsonFile, writeBodyToFile } from './local-files.ts';
import { objectPaths, segmentsFitOnDisk, walkObjects } from './local-layout.ts';
import { LocalUploads } from './local-multipart.ts';
import { expiryFromNow, type PresignGrant, PresignSigner } from './local-presign.ts';
import { type ObjectRecord, parseObjectRecord, toObjectInfo } from './local-records.ts';
import type { ByteRange, CompletedPart, ObjectInfo, ObjectStore, PutOptions } from './types.ts';
import { InvalidKeyError, ObjectNotFoundError } from './types.ts';
import {
  normalizeMetadata,
  resolveRange,
  validateContentType,
  validateExpiry,
  validateKey,
  validatePartNumber,
  validateRange,
} from './validate.ts';

export interface LocalStoreConfig {
  /** Directory holding everything (created if missing). */
  root: string;
  /** Base URL under which the presign handler is reachable, e.g. https://media.example.com. */
  publicUrl: string;
  /** Secret for presigned URL signatures. */
  signingKey: string;
}

/** An object opened for reading: a consistent snapshot even if the key is replaced meanwhile. */
export interface OpenObject {
  info: ObjectInfo;
  file: FileHandle;
}

/**
 * Object store on local disk (see local-layout.ts). Writes go to a temp file first and are
 * committed with renames: a new immutable data file, then the meta file pointing to it (the
 * single atomic switch), so readers see either the old or the new object, never a mix.
 */
export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local' as const;
  /** Signs and checks presigned URLs; shared with the presign handler. */
  readonly signer: PresignSigner;
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  private readonly uploads: LocalUploads;
  private readonly dirs: string[];
  private readonly commits = new KeyedMutex();
  private ready: Promise<void> | undefined;

  constructor(config: LocalStoreConfig) {
    const root = resolve(config.root);
    this.objectsDir = join(root, 'objects');
    this.tmpDir = join(root, '.tmp');
    this.uploads = new LocalUploads(join(root, '.uploads'), this.tmpDir);
    this.signer = new PresignSigner(config.signingKey, config.publicUrl);
    this.dirs = [this.objectsDir, this.tmpDir, join(root, '.uploads')];
  }

  async put(key: string, body: Body, opts: PutOptions = {}): Promise<{ etag: string; size: number }> {
    this.checkKey(key);
    validateContentType(opts.contentType);
    const metadata = normalizeMetadata(opts.metadata);
    await this.init();
    const tmp = join(this.tmpDir, randomId());
    try {
      const { md5, size } = await writeBodyToFile(tmp, body);
      await this.commit(key, tmp, { size, etag: md5, contentType: opts.contentType, metadata });
      return { etag: md5, size };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string, opts: { range?: ByteRange } = {}): Promise<Readable> {
    this.checkKey(key);
    if (opts.range) validateRange(opts.range);
    const { info, file } = await this.openObject(key);
    if (info.size === 0 && !opts.range) {
      await file.close();
      return Readable.from([]);
    }
    try {
      const { start, end } = resolveRange(opts.range ?? { start: 0 }, info.size);
      return file.createReadStream({ start, end }); // closes the handle when done or destroyed
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    this.checkKey(key);
    const record = await this.readRecord(objectPaths(this.objectsDir, key).meta);
    return record ? toObjectInfo(record) : null;
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    for await (const { meta } of walkObjects(this.objectsDir, prefix)) {
      const record = await this.readRecord(meta);
      if (record) yield toObjectInfo(record); // null: deleted since the directory was read
    }
  }

  async delete(key: string): Promise<void> {
    this.checkKey(key);
    const paths = objectPaths(this.objectsDir, key);
    await this.commits.run(key, async () => {
      const record = await this.readRecord(paths.meta);
      if (!record) return;
      await rm(paths.meta, { force: true }); // the object is gone from here on
      await rm(join(paths.dir, record.data), { force: true });
    });
    await this.pruneEmptyDirs(paths.dir);
  }

  async presignGet(key: string, expirySeconds: number): Promise<string> {
    return this.presign({ op: 'get', key }, expirySeconds);
  }

  async presignPut(key: string, expirySeconds: number): Promise<string> {
    return this.presign({ op: 'put', key }, expirySeconds);
  }

  async createMultipart(key: string, opts: PutOptions = {}): Promise<string> {
    this.checkKey(key);
    validateContentType(opts.contentType);
    const metadata = normalizeMetadata(opts.metadata);
    await this.init();
    return this.uploads.create(key, opts.contentType, metadata);
  }

  async presignPart(key: string, uploadId: string, partNumber: number, expirySeconds: number): Promise<string> {
    validatePartNumber(partNumber);
    return this.presign({ op: 'part', key, uploadId, partNumber }, expirySeconds);
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<CompletedPart> {
    return this.uploadPartStream(key, uploadId, partNumber, body);
  }

  /** uploadPart for a streamed body (used by the presign handler). */
  async uploadPartStream(key: string, uploadId: string, partNumber: number, body: Body): Promise<CompletedPart> {
    this.checkKey(key);
    await this.init();
    return this.uploads.writePart(key, uploadId, partNumber, body);
  }

  async completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<{ etag: string }> {
    this.checkKey(key);
    await this.init();
    const upload = await this.uploads.assemble(key, uploadId, parts);
    try {
      const { record, size, etag } = upload;
      await this.commit(key, upload.file, { size, etag, contentType: record.contentType, metadata: record.metadata });
    } catch (err) {
      await rm(upload.file, { force: true });
      throw err;
    }
    await upload.finish();
    return { etag: upload.etag };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    this.checkKey(key);
    await this.uploads.abort(key, uploadId);
  }

  async close(): Promise<void> {}

  /** Opens the current version of an object; ObjectNotFoundError when absent. */
  async openObject(key: string): Promise<OpenObject> {
    this.checkKey(key);
    const paths = objectPaths(this.objectsDir, key);
    // A concurrent put may remove the version we just read about; then read the record again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const record = await this.readRecord(paths.meta);
      if (!record) break;
      try {
        return { info: toObjectInfo(record), file: await open(join(paths.dir, record.data), 'r') };
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    throw new ObjectNotFoundError(`object not found: ${key}`);
  }

  private checkKey(key: string): void {
    validateKey(key);
    if (!segmentsFitOnDisk(key)) throw new InvalidKeyError('object key has a path segment too long for local disk');
  }

  private init(): Promise<void> {
    this.ready ??= Promise.all(this.dirs.map((d) => mkdir(d, { recursive: true }))).then(
      () => undefined,
      (err: unknown) => {
        this.ready = undefined; // retry on the next call
        throw err;
      },
    );
    return this.ready;
  }

  private async presign(grant: Omit<PresignGrant, 'exp'>, expirySeconds: number): Promise<string> {
    this.checkKey(grant.key);
    validateExpiry(expirySeconds);
    return this.signer.sign({ ...grant, exp: expiryFromNow(expirySeconds) });
  }

  private async readRecord(metaPath: string): Promise<ObjectRecord | null> {
    return parseObjectRecord(await readJsonFile(metaPath));
  }

  /** Moves `tmpData` in as the new content of `key` and switches the meta file to it. */
  private async commit(
    key: string,
    tmpData: string,
    fields: Pick<ObjectRecord, 'size' | 'etag' | 'metadata'> & { contentType: string | undefined },
  ): Promise<void> {
    const paths = objectPaths(this.objectsDir, key);
    const data = paths.newDataName(randomId());
    const { contentType, ...rest } = fields;
    const record: ObjectRecord = {
      v: 1,
      key,
      ...rest,
      lastModified: Date.now(),
      data,
      ...(contentType ? { contentType } : {}),
    };
    const tmpMeta = join(this.tmpDir, randomId());
    await writeFile(tmpMeta, JSON.stringify(record));
    try {
      await this.commits.run(key, async () => {
        await this.renameIntoDir(tmpData, paths.dir, data);
        const previous = await this.readRecord(paths.meta);
        try {
          await rename(tmpMeta, paths.meta);
        } catch (err) {
          await rm(join(paths.dir, data), { force: true });
          throw err;
        }
        if (previous && previous.data !== data) await rm(join(paths.dir, previous.data), { force: true });
      });
    } finally {
      await rm(tmpMeta, { force: true });
    }
  }

  /** rename() into a directory that a concurrent delete may be pruning: recreate it and retry. */
  private async renameIntoDir(from: string, dir: string, name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await mkdir(dir, { recursive: true });
      try {
        await rename(from, join(dir, name));
        return;
      } catch (err) {
        if (!isErrno(err, 'ENOENT') || attempt >= 4) throw err;
      }
    }
  }

  /** Removes directories left empty by a delete, up to (not including) the objects root. */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    for (let d = dir; d.startsWith(this.objectsDir) && d !== this.objectsDir; d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return; // not empty (ENOTEMPTY/EEXIST), or already gone
      }
    }
  }
}
