// Just the parts of s3rver 3.x (CommonJS, untyped) that the test server uses.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  export interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string; configs?: string[] }[];
  }

  /** Koa context, reduced to what the shims touch. */
  export interface S3rverContext {
    method: string;
    path: string;
    query: Record<string, string | string[] | undefined>;
    status: number;
    body: unknown;
    type: string;
  }

  export type S3rverMiddleware = (ctx: S3rverContext, next: () => Promise<void>) => Promise<void>;

  export interface S3rverListResult {
    objects: { key: string }[];
    commonPrefixes: string[];
    isTruncated: boolean;
  }

  export interface S3rverStore {
    listObjects(bucket: string, options: { maxKeys?: number } & Record<string, unknown>): Promise<S3rverListResult>;
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Koa's middleware stack (S3rver extends Koa). */
    middleware: S3rverMiddleware[];
    store: S3rverStore;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
