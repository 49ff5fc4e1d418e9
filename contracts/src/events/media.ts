import { type Static, Type } from '@sinclair/typebox';
import { eventSchema } from '../envelope.ts';
import { ParticipantId, RoomId, StreamId } from '../ids.ts';

export const Participant = Type.Object({
  id: ParticipantId,
  name: Type.String({ maxLength: 200 }),
});
export type Participant = Static<typeof Participant>;

/** Audio on the bus is always 16 kHz mono signed 16-bit little-endian PCM. */
export const BUS_SAMPLE_RATE = 16000;

/** Metadata of one audio frame; the PCM bytes travel beside it (see codec.ts). */
export const AudioFrameData = Type.Object({
  stream: StreamId,
  room: RoomId,
  participant: Participant,
  seq: Type.Integer({ minimum: 0, description: 'frame number within the stream, from 0' }),
  offset: Type.Integer({ minimum: 0, description: 'first sample of this frame, counted from stream start' }),
  samples: Type.Integer({ minimum: 1 }),
  sampleRate: Type.Literal(BUS_SAMPLE_RATE),
  channels: Type.Literal(1),
  encoding: Type.Literal('pcm_s16le'),
  streamStartedAt: Type.String({ format: 'date-time', description: 'wall clock of sample 0' }),
});
export type AudioFrameData = Static<typeof AudioFrameData>;
export const AudioFrameV1 = eventSchema('media.audio', 1, AudioFrameData);

export const StreamSource = Type.Union([
  Type.Literal('ws'),
  Type.Literal('webrtc'),
  Type.Literal('rtp'),
  Type.Literal('file'),
]);

export const StreamLifecycleData = Type.Object({
  stream: StreamId,
  room: RoomId,
  participant: Participant,
  state: Type.Union([Type.Literal('started'), Type.Literal('ended')]),
  source: StreamSource,
  input: Type.Object({ sampleRate: Type.Integer(), channels: Type.Integer(), encoding: Type.String() }),
  streamStartedAt: Type.String({ format: 'date-time' }),
  frames: Type.Optional(Type.Integer({ minimum: 0, description: 'frames published, on ended' })),
  samples: Type.Optional(Type.Integer({ minimum: 0, description: 'samples published, on ended' })),
  reason: Type.Optional(Type.String()),
});
export type StreamLifecycleData = Static<typeof StreamLifecycleData>;
export const StreamLifecycleV1 = eventSchema('media.stream', 1, StreamLifecycleData);
