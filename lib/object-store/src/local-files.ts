import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Body, isInMemory, toBuffer } from './body.ts';

/** Random hex id for temp files, data file versions and upload ids. */
export function randomId(): string {
  return randomBytes(16).toString('hex');
}

export function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && codes.includes(err.code);
}

/** Passes bytes through while computing their md5 and count, so a stream is hashed in one pass. */
class Md5Counter extends Transform {
  readonly hash = createHash('md5');
  size = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }
}

/** Writes a body to a new file (never buffering a stream whole); returns its md5 hex and size. */
export async function writeBodyToFile(path: string, body: Body): Promise<{ md5: string; size: number }> {
  if (isInMemory(body)) {
    const buffer = toBuffer(body);
    await writeFile(path, buffer, { flag: 'wx' });
    return { md5: createHash('md5').update(buffer).digest('hex'), size: buffer.length };
  }
  const counter = new Md5Counter();
  await pipeline(body, counter, createWriteStream(path, { flags: 'wx' }));
  return { md5: counter.hash.digest('hex'), size: counter.size };
}

/** Parsed JSON file, or null when it does not exist. */
export async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw err;
  }
}
