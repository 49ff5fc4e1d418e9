import { createWriteStream } from 'node:fs';
import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type Received = { bytes: number; tooLarge: boolean };

/**
 * Streams an upload to `path`, counting bytes: at most `maxBytes` reach the disk. Past the limit
 * the rest is read and dropped rather than the stream destroyed, so the request ends normally
 * and the client gets the answer instead of a reset connection.
 */
export async function receiveToFile(source: Readable, path: string, maxBytes: number): Promise<Received> {
  let bytes = 0;
  let tooLarge = false;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        tooLarge = true;
        const room = maxBytes - (bytes - chunk.length);
        done(null, room > 0 ? chunk.subarray(0, room) : undefined);
        return;
      }
      done(null, chunk);
    },
  });
  await pipeline(source, cap, createWriteStream(path));
  return { bytes, tooLarge };
}

/** Reads a stream to its end and drops it (a part refused before its bytes were looked at). */
export async function discard(source: Readable): Promise<void> {
  await pipeline(
    source,
    new Writable({
      write(_chunk, _enc, done) {
        done();
      },
    }),
  );
}
