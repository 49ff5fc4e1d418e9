import { type Static, Type } from '@sinclair/typebox';
import { ApiError, ClipOutput, EdlEntry } from '../api/jobs.ts';
import { eventSchema } from '../envelope.ts';

export const JobProgressData = Type.Object({
  job: Type.String({ minLength: 1, maxLength: 128 }),
  kind: Type.String({ description: 'e.g. transcribe, clip' }),
  stage: Type.String(),
  percent: Type.Number({ minimum: 0, maximum: 100 }),
  etaMs: Type.Optional(Type.Number({ minimum: 0 })),
  state: Type.Union([
    Type.Literal('queued'),
    Type.Literal('running'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
    Type.Literal('cancelled'),
  ]),
  message: Type.Optional(Type.String()),
  /** Why a job failed (state `failed`): a catalogue code and a reason. */
  error: Type.Optional(ApiError),
  /** Attempt number, from 1 (a retried job counts up). */
  attempt: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type JobProgressData = Static<typeof JobProgressData>;
export const JobProgressV1 = eventSchema('job.progress', 1, JobProgressData);

/**
 * Clips of a job are in the object store. URLs are presigned and expire at `expiresAt`;
 * GET /v1/jobs/:id hands out fresh ones.
 */
export const ClipDoneData = Type.Object({
  job: Type.String({ minLength: 1, maxLength: 128 }),
  source: Type.String({ description: 'object-store key of the source media' }),
  edl: Type.Array(EdlEntry),
  clips: Type.Array(ClipOutput),
  expiresAt: Type.String({ format: 'date-time' }),
});
export type ClipDoneData = Static<typeof ClipDoneData>;
export const ClipDoneV1 = eventSchema('clip.done', 1, ClipDoneData);
