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

/** A stored image in the object store (thumbnails of key frames). */
export const StoredImage = Type.Object({
  key: Type.String({ minLength: 1, description: 'object-store key' }),
  contentType: Type.String(),
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  bytes: Type.Integer({ minimum: 1 }),
});

/**
 * A video key frame worth keeping: the first frame of a track, a scene or slide change,
 * or the periodic sample. Its thumbnail sits in the object store; `text` is the OCR of the
 * frame when the OCR engine found any (slides).
 */
export const KeyframeData = Type.Object({
  room: RoomId,
  participant: Participant,
  /** The video producer (track) the frame came from. */
  producer: Type.String({ minLength: 1, maxLength: 128 }),
  reason: Type.Union([Type.Literal('first'), Type.Literal('scene'), Type.Literal('interval')]),
  /** Milliseconds since the track started. */
  offsetMs: Type.Integer({ minimum: 0 }),
  at: Type.String({ format: 'date-time', description: 'wall clock of the frame' }),
  /** Scene-change score in [0, 1] against the previous kept frame (absent for `first`). */
  score: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  thumbnail: StoredImage,
  text: Type.Optional(Type.String({ maxLength: 10_000 })),
  ocr: Type.Optional(Type.Object({ engine: Type.String(), confidence: Type.Optional(Type.Number()) })),
});
export type KeyframeData = Static<typeof KeyframeData>;
export const KeyframeV1 = eventSchema('media.keyframe', 1, KeyframeData);

/** One recorded track of a room, complete in the object store (published when the track ends). */
export const RecordingData = Type.Object({
  room: RoomId,
  participant: Participant,
  producer: Type.String({ minLength: 1, maxLength: 128 }),
  kind: Type.Union([Type.Literal('audio'), Type.Literal('video')]),
  key: Type.String({ minLength: 1, description: 'object-store key' }),
  contentType: Type.String(),
  codec: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Type.String({ format: 'date-time' }),
  durationMs: Type.Integer({ minimum: 0 }),
  bytes: Type.Integer({ minimum: 0 }),
});
export type RecordingData = Static<typeof RecordingData>;
export const RecordingV1 = eventSchema('media.recording', 1, RecordingData);
