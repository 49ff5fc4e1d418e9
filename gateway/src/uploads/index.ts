export { checkMediaOrThrow, inspectStoredObject, type MediaChecker } from './inspect.ts';
export { defaultAllowedTypes, mediaExtensions, mediaTypeAllowed, sanitizeFilename } from './media-types.ts';
export { PART_URL_EXPIRY_S, partSizeFor } from './presigned-upload.ts';
export { type UploadRoutesOptions, uploadRoutes } from './routes.ts';
export { sweepStaleUploads } from './sweep.ts';
export type { UploadLimits } from './upload-flow.ts';
export { type MultipartState, publicUpload, type UploadRecord, UploadStore } from './upload-store.ts';
