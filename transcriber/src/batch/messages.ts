import { JobId, TranscriptSegment } from '@mi/contracts';
import { type Static, Type } from '@sinclair/typebox';

/** Body of a `queues.transcribeChunk` work message (JSON). Times in ms of the whole file. */
export const ChunkWork = Type.Object({
  job: JobId,
  tenant: Type.String({ minLength: 1, maxLength: 128 }),
  index: Type.Integer({ minimum: 0 }),
  /** Object-store key of the chunk's audio (see pcm-wav.ts); must lie under the job's transcript prefix. */
  key: Type.String({ minLength: 1 }),
  start: Type.Number({ minimum: 0 }),
  end: Type.Number({ minimum: 0 }),
  correlationId: Type.String(),
});
export type ChunkWork = Static<typeof ChunkWork>;

/** What a worker stores per chunk (transcriptKeys.chunkResult). */
export const ChunkResult = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  start: Type.Number({ minimum: 0 }),
  end: Type.Number({ minimum: 0 }),
  segments: Type.Array(TranscriptSegment),
});
export type ChunkResult = Static<typeof ChunkResult>;

/** Body of `subjects.jobChunkDone(job)` (JSON). */
export const ChunkDone = Type.Object({ index: Type.Integer({ minimum: 0 }) });
export type ChunkDone = Static<typeof ChunkDone>;
