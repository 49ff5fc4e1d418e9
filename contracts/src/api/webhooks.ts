import { type Static, Type } from '@sinclair/typebox';
import { RoomId } from '../ids.ts';

/**
 * Event types a webhook may subscribe to. `action.pending` is deliberately absent: a high-risk
 * action must not reach any downstream system before a person approves it.
 */
export const webhookEventTypes = [
  'transcript.final',
  'summary.update',
  'summary.final',
  'action.approved',
  'action.rejected',
  'room.ended',
  'job.progress',
  'clip.done',
  'media.recording',
  'media.keyframe',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const WebhookCreate = Type.Object(
  {
    url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }),
    /** Types to deliver; `*` means every deliverable type. */
    eventTypes: Type.Array(Type.Union([...webhookEventTypes.map((t) => Type.Literal(t)), Type.Literal('*')]), {
      minItems: 1,
      uniqueItems: true,
    }),
    /** Only these rooms; absent means all rooms of the tenant. */
    rooms: Type.Optional(Type.Array(RoomId, { minItems: 1 })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    /** Standard Webhooks secret (`whsec_` + base64 of 24–64 bytes); generated when absent. */
    secret: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]{32,}$' })),
  },
  { $id: 'WebhookCreate', additionalProperties: false },
);
export type WebhookCreate = Static<typeof WebhookCreate>;

export const WebhookEndpoint = Type.Object(
  {
    id: Type.String(),
    tenant: Type.String(),
    url: Type.String(),
    eventTypes: Type.Array(Type.String()),
    rooms: Type.Optional(Type.Array(RoomId)),
    description: Type.Optional(Type.String()),
    enabled: Type.Boolean(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'WebhookEndpoint' },
);
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

/** A delivery that exhausted its retries; kept until replayed or deleted. */
export const WebhookDeadLetter = Type.Object(
  {
    id: Type.String({ description: 'dead-letter id' }),
    endpoint: Type.String(),
    eventId: Type.String(),
    eventType: Type.String(),
    room: Type.Optional(Type.String()),
    attempts: Type.Integer({ minimum: 1 }),
    lastError: Type.String(),
    lastStatus: Type.Optional(Type.Integer()),
    failedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'WebhookDeadLetter' },
);
export type WebhookDeadLetter = Static<typeof WebhookDeadLetter>;
