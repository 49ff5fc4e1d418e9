import { type Static, Type } from '@sinclair/typebox';
import { ParticipantId, RoomId } from '../ids.ts';

/**
 * Bot audio ingest over WebSocket (`/v1/ingest/audio`), protocol version 1:
 * 1. client sends one text message, the hello below;
 * 2. server answers `{ "type": "ready", "stream": "<id>", "protocol": 1 }`;
 * 3. client sends binary frames of PCM in the announced format (whole samples, any length up to maxFrameBytes);
 * 4. client sends `{ "type": "end" }` (or closes) and the server answers with close code 1000.
 * Errors close the socket with a code from `ingestCloseCodes` and a short reason.
 */
export const IngestHello = Type.Object(
  {
    type: Type.Literal('hello'),
    protocol: Type.Optional(Type.Literal(1)),
    room: RoomId,
    participant: Type.Object({ id: ParticipantId, name: Type.String({ minLength: 1, maxLength: 200 }) }),
    sampleRate: Type.Integer({ minimum: 8000, maximum: 48000 }),
    channels: Type.Optional(Type.Integer({ minimum: 1, maximum: 2, default: 1 })),
    encoding: Type.Union([Type.Literal('pcm_s16le'), Type.Literal('pcm_f32le')]),
    tenant: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
    correlationId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** W3C trace context of the caller; the stream's trace continues it. */
    traceparent: Type.Optional(Type.String({ pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' })),
  },
  { $id: 'IngestHello', additionalProperties: false },
);
export type IngestHello = Static<typeof IngestHello>;

export const IngestReady = Type.Object({
  type: Type.Literal('ready'),
  protocol: Type.Literal(1),
  stream: Type.String(),
});
export type IngestReady = Static<typeof IngestReady>;

export const IngestControl = Type.Object({ type: Type.Literal('end') }, { additionalProperties: false });

/** WebSocket close codes (4000-4999 is the application range). */
export const ingestCloseCodes = {
  normal: 1000,
  /** Hello missing, not JSON, or not matching IngestHello. */
  badHello: 4400,
  /** Not authorised for this room/tenant. */
  unauthorized: 4401,
  /** Binary data in a format other than announced (odd byte count, text where binary expected...). */
  badFormat: 4415,
  /** One frame larger than maxFrameBytes. */
  frameTooLarge: 4413,
  /** Stream exceeded its rate (too many samples per second) or the server is overloaded. */
  overloaded: 4429,
  /** Hello not received in time. */
  helloTimeout: 4408,
  /** Unexpected server failure. */
  internal: 4500,
} as const;
