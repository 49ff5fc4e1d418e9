import { type Static, Type } from '@sinclair/typebox';
import { eventSchema } from '../envelope.ts';
import { RoomId, StreamId } from '../ids.ts';
import { Participant } from './media.ts';

export const Word = Type.Object({
  word: Type.String(),
  start: Type.Number({ description: 'ms, meeting time' }),
  end: Type.Number({ description: 'ms, meeting time' }),
  confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
});
export type Word = Static<typeof Word>;

export const EngineInfo = Type.Object({
  name: Type.String(),
  version: Type.String(),
  model: Type.String(),
});
export type EngineInfo = Static<typeof EngineInfo>;

const segmentFields = {
  segmentId: Type.String({ description: 'stable id of the utterance; partials and its final share it' }),
  stream: StreamId,
  room: RoomId,
  speaker: Participant,
  start: Type.Number({ minimum: 0, description: 'ms from stream start' }),
  end: Type.Number({ minimum: 0, description: 'ms from stream start' }),
  startedAt: Type.String({ format: 'date-time', description: 'wall clock of start' }),
  text: Type.String(),
};

export const TranscriptPartialData = Type.Object({
  ...segmentFields,
  stable: Type.String({ description: 'prefix that later partials will not change' }),
  unstable: Type.String({ description: 'tail that may still change' }),
  revision: Type.Integer({ minimum: 0 }),
});
export type TranscriptPartialData = Static<typeof TranscriptPartialData>;
export const TranscriptPartialV1 = eventSchema('transcript.partial', 1, TranscriptPartialData);

export const TranscriptFinalData = Type.Object({
  ...segmentFields,
  words: Type.Array(Word),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  engine: EngineInfo,
});
export type TranscriptFinalData = Static<typeof TranscriptFinalData>;
export const TranscriptFinalV1 = eventSchema('transcript.final', 1, TranscriptFinalData);
