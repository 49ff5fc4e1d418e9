import { type Static, Type } from '@sinclair/typebox';
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
});
export type JobProgressData = Static<typeof JobProgressData>;
export const JobProgressV1 = eventSchema('job.progress', 1, JobProgressData);
