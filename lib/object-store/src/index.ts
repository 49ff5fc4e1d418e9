export { createObjectStore, type ObjectStoreConfig } from './create.ts';
export {
  createLocalPresignHandler,
  type PresignHandler,
  type PresignHandlerOptions,
} from './local-presign-handler.ts';
export { LocalObjectStore, type LocalStoreConfig, type OpenObject } from './local-store.ts';
export { S3ObjectStore, type S3StoreConfig } from './s3-store.ts';
export type { ByteRange, CompletedPart, ObjectInfo, ObjectStore, PutOptions } from './types.ts';
export { InvalidKeyError, InvalidPartError, ObjectNotFoundError, UploadNotFoundError } from './types.ts';
