import { type Static, Type } from '@sinclair/typebox';
import { eventSchema } from '../envelope.ts';
import { RoomId } from '../ids.ts';

/** The meeting is over: by API, or when every stream has ended and a grace period passed. */
export const RoomEndedData = Type.Object({
  room: RoomId,
  reason: Type.Union([Type.Literal('api'), Type.Literal('streams-ended')]),
  by: Type.Optional(Type.String({ description: 'who ended it, for api' })),
});
export type RoomEndedData = Static<typeof RoomEndedData>;
export const RoomEndedV1 = eventSchema('room.ended', 1, RoomEndedData);
