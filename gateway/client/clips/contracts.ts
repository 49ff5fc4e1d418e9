/**
 * API types of @mi/contracts for the browser build. The package index also exports Node-only
 * modules (Buffer, node:crypto) that this DOM-only tsconfig cannot type, so the schema modules are
 * imported by path. Types only: nothing of this is bundled.
 */
export type {
  ClipOutput,
  EdlEntry,
  Job,
  JobCreate,
  PresignedUploadResponse,
  StoredFile,
  Upload,
} from '../../../contracts/src/api/jobs.ts';
export type { Envelope } from '../../../contracts/src/envelope.ts';
export type { JobProgressData } from '../../../contracts/src/events/job.ts';
