import { LocalObjectStore, type LocalStoreConfig } from './local-store.ts';
import { S3ObjectStore, type S3StoreConfig } from './s3-store.ts';
import type { ObjectStore } from './types.ts';

/** Parsed storage configuration (env parsing lives with the app). S3 wins when both are given. */
export interface ObjectStoreConfig {
  s3?: S3StoreConfig;
  local?: LocalStoreConfig;
}

export function createObjectStore(config: ObjectStoreConfig): ObjectStore {
  if (config.s3) return new S3ObjectStore(config.s3);
  if (config.local) return new LocalObjectStore(config.local);
  throw new TypeError('object store config needs either s3 or local settings');
}
