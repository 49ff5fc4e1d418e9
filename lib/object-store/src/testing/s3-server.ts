import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { applyS3rverShims } from './s3rver-shims.ts';

export interface TestS3Server {
  endPoint: string;
  port: number;
  accessKey: string;
  secretKey: string;
  /** Created up front. */
  bucket: string;
  /** Where the server keeps its files (tests can watch data arrive there). */
  directory: string;
  stop(): Promise<void>;
}

/**
 * A real S3-compatible server (s3rver, plus the shims in s3rver-shims.ts) over plain HTTP on
 * 127.0.0.1, a free port and a fresh temp directory. For tests only: it checks no SigV4
 * signatures (only presigned-URL expiry) and keeps everything on local disk.
 */
export async function startS3Server(): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'mi-s3rver-'));
  const bucket = 'mi-test';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  applyS3rverShims(server, directory);
  let address: Awaited<ReturnType<S3rver['run']>>;
  try {
    address = await server.run();
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  return {
    endPoint: '127.0.0.1',
    port: address.port,
    // s3rver's one built-in account.
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    bucket,
    directory,
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
