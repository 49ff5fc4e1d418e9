import { type Static, Type } from '@sinclair/typebox';
import { eventSchema } from '../envelope.ts';
import { RoomId, StreamId } from '../ids.ts';
import { Participant } from './media.ts';

/** Voice activity transitions; `at` is milliseconds from stream start. */
export const SpeechStateData = Type.Object({
  stream: StreamId,
  room: RoomId,
  participant: Participant,
  state: Type.Union([Type.Literal('speech'), Type.Literal('silence')]),
  at: Type.Number({ minimum: 0 }),
  probability: Type.Number({ minimum: 0, maximum: 1 }),
});
export type SpeechStateData = Static<typeof SpeechStateData>;
export const SpeechStateV1 = eventSchema('speech.state', 1, SpeechStateData);
