import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { ParticipantId, RoomId, TenantId } from '../ids.ts';

/**
 * SFU signaling over WebSocket (`/v1/sfu?token=<room token>`), protocol version 1.
 *
 * Frames are JSON text:
 * - client request   `{ "type": "request", "id": 7, "method": "produce", "data": { ... } }`
 * - server response  `{ "type": "response", "id": 7, "ok": true, "data": { ... } }`
 *                    `{ "type": "response", "id": 7, "ok": false, "error": { "code": "ERR_NOT_JOINED", "message": "..." } }`
 * - server notice    `{ "type": "notification", "method": "newProducer", "data": { ... } }`
 *
 * Order: `getRouterRtpCapabilities` -> `join` -> create/connect transports -> `produce` / `consume`
 * -> `resumeConsumer`. Any request out of that order gets `ERR_NOT_JOINED` or `ERR_NOT_FOUND`;
 * a malformed frame gets `ERR_BAD_REQUEST` (with `id: null` when no id could be read). The
 * socket is never closed for a bad request. mediasoup objects (RTP capabilities and
 * parameters, DTLS parameters) are passed through as mediasoup defines them and checked by it.
 */
export const SFU_PROTOCOL = 1;
export const sfuPath = '/v1/sfu';

/** Room token claims: issued by the gateway (`POST /v1/rooms/:room/tokens`), HMAC-signed, short-lived. */
export const RoomTokenClaims = Type.Object(
  {
    v: Type.Literal(1),
    room: RoomId,
    tenant: TenantId,
    participant: Type.Object({ id: ParticipantId, name: Type.String({ minLength: 1, maxLength: 200 }) }),
    /** May send media (false for viewers). */
    publish: Type.Boolean(),
    /** Expiry, seconds since the epoch. Checked when the socket opens. */
    exp: Type.Integer(),
    /** Correlation id every event of this participant carries. */
    cid: Type.Optional(Type.String({ maxLength: 200 })),
    /** Who asked for the token (API key id): only the same caller may take over a participant's connection. */
    sub: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type RoomTokenClaims = Static<typeof RoomTokenClaims>;

/** Body of `POST /v1/rooms/:room/tokens`. */
export const RoomTokenRequest = Type.Object(
  {
    participant: Type.Object(
      {
        /** Bots, operators and admins may choose it; viewers always get a fresh one. */
        id: Type.Optional(ParticipantId),
        name: Type.String({ minLength: 1, maxLength: 200 }),
      },
      { additionalProperties: false },
    ),
    /** Lifetime of the token (only for joining; an open session outlives it). */
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86_400 })),
    publish: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RoomTokenRequest = Static<typeof RoomTokenRequest>;

export const RoomTokenResponse = Type.Object({
  token: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  room: RoomId,
  participant: Type.Object({ id: ParticipantId, name: Type.String() }),
  /** Signaling URL path, token included. */
  url: Type.String(),
});
export type RoomTokenResponse = Static<typeof RoomTokenResponse>;

/** A mediasoup-defined object, validated by mediasoup itself. */
const Ms = Type.Object({}, { additionalProperties: true });
const Id = Type.String({ minLength: 1, maxLength: 128 });
const Kind = Type.Union([Type.Literal('audio'), Type.Literal('video')]);
const Source = Type.Union([Type.Literal('mic'), Type.Literal('camera'), Type.Literal('screen'), Type.Literal('file')]);
const Empty = Type.Object({}, { additionalProperties: false });
const strict = <T extends Record<string, TSchema>>(props: T) => Type.Object(props, { additionalProperties: false });

export const SfuProducerInfo = Type.Object({ id: Id, kind: Kind, source: Source, paused: Type.Boolean() });
export const SfuPeerInfo = Type.Object({
  id: ParticipantId,
  name: Type.String(),
  producers: Type.Array(SfuProducerInfo),
});
export type SfuPeerInfo = Static<typeof SfuPeerInfo>;

/** Every request method: its data schema and the shape of a successful answer. */
export const sfuRequests = {
  getRouterRtpCapabilities: { data: Empty, result: Type.Object({ rtpCapabilities: Ms }) },
  join: {
    data: strict({ rtpCapabilities: Ms }),
    result: Type.Object({
      protocol: Type.Literal(SFU_PROTOCOL),
      room: RoomId,
      peerId: ParticipantId,
      peers: Type.Array(SfuPeerInfo),
    }),
  },
  createWebRtcTransport: {
    data: strict({
      direction: Type.Union([Type.Literal('send'), Type.Literal('recv')]),
      forceTcp: Type.Optional(Type.Boolean()),
    }),
    result: Type.Object({ id: Id, iceParameters: Ms, iceCandidates: Type.Array(Ms), dtlsParameters: Ms }),
  },
  connectWebRtcTransport: { data: strict({ transportId: Id, dtlsParameters: Ms }), result: Empty },
  restartIce: { data: strict({ transportId: Id }), result: Type.Object({ iceParameters: Ms }) },
  /** RTP ingest: a plain transport a bot pushes RTP into (comedia: the server learns the sender's address). */
  createPlainTransport: {
    data: strict({ rtcpMux: Type.Optional(Type.Boolean()) }),
    result: Type.Object({ id: Id, ip: Type.String(), port: Type.Integer(), rtcpPort: Type.Optional(Type.Integer()) }),
  },
  produce: {
    data: strict({ transportId: Id, kind: Kind, rtpParameters: Ms, source: Type.Optional(Source) }),
    result: Type.Object({ producerId: Id }),
  },
  closeProducer: { data: strict({ producerId: Id }), result: Empty },
  pauseProducer: { data: strict({ producerId: Id }), result: Empty },
  resumeProducer: { data: strict({ producerId: Id }), result: Empty },
  /** The consumer starts paused: call `resumeConsumer` once the client side is ready. */
  consume: {
    data: strict({ transportId: Id, producerId: Id }),
    result: Type.Object({
      consumerId: Id,
      producerId: Id,
      peerId: ParticipantId,
      kind: Kind,
      rtpParameters: Ms,
      type: Type.String(),
      producerPaused: Type.Boolean(),
    }),
  },
  resumeConsumer: { data: strict({ consumerId: Id }), result: Empty },
  pauseConsumer: { data: strict({ consumerId: Id }), result: Empty },
  setConsumerPreferredLayers: {
    data: strict({
      consumerId: Id,
      spatialLayer: Type.Integer({ minimum: 0 }),
      temporalLayer: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
    result: Empty,
  },
  getStats: { data: strict({ id: Id }), result: Type.Object({ stats: Type.Array(Ms) }) },
  leave: { data: Empty, result: Empty },
} as const;
export type SfuMethod = keyof typeof sfuRequests;
export type SfuRequestData<M extends SfuMethod> = Static<(typeof sfuRequests)[M]['data']>;
export type SfuResult<M extends SfuMethod> = Static<(typeof sfuRequests)[M]['result']>;

/** Server notifications. */
export const sfuNotifications = {
  peerJoined: Type.Object({ peer: SfuPeerInfo }),
  peerLeft: Type.Object({ peerId: ParticipantId }),
  newProducer: Type.Object({ peerId: ParticipantId, producerId: Id, kind: Kind, source: Source }),
  producerClosed: Type.Object({ peerId: ParticipantId, producerId: Id }),
  producerPaused: Type.Object({ peerId: ParticipantId, producerId: Id }),
  producerResumed: Type.Object({ peerId: ParticipantId, producerId: Id }),
  consumerClosed: Type.Object({ consumerId: Id, producerId: Id }),
  activeSpeaker: Type.Object({ peerId: ParticipantId, producerId: Id }),
  audioLevels: Type.Object({
    volumes: Type.Array(Type.Object({ peerId: ParticipantId, producerId: Id, volume: Type.Number() })),
  }),
} as const;
export type SfuNotification = keyof typeof sfuNotifications;
export type SfuNotificationData<N extends SfuNotification> = Static<(typeof sfuNotifications)[N]>;

export const SfuRequestFrame = Type.Object(
  {
    type: Type.Literal('request'),
    id: Type.Integer({ minimum: 0 }),
    method: Type.String({ minLength: 1, maxLength: 64 }),
    data: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);
export type SfuRequestFrame = Static<typeof SfuRequestFrame>;

/** Error codes in signaling responses. */
export const sfuErrorCodes = {
  /** Not JSON, not a request frame, or data not matching the method's schema. */
  badRequest: 'ERR_BAD_REQUEST',
  unknownMethod: 'ERR_UNKNOWN_METHOD',
  /** A request that needs `join` (or `getRouterRtpCapabilities`) first. */
  notJoined: 'ERR_NOT_JOINED',
  alreadyJoined: 'ERR_ALREADY_JOINED',
  /** The participant id is connected by another caller. */
  conflict: 'ERR_CONFLICT',
  /** Unknown transport, producer or consumer id (or someone else's). */
  notFound: 'ERR_NOT_FOUND',
  /** The token does not allow publishing. */
  forbidden: 'ERR_FORBIDDEN',
  /** The client's RTP capabilities cannot receive this producer. */
  cannotConsume: 'ERR_CANNOT_CONSUME',
  /** mediasoup rejected the parameters. */
  mediaRejected: 'ERR_MEDIA_REJECTED',
  tooMany: 'ERR_TOO_MANY',
  internal: 'ERR_INTERNAL',
} as const;

/** WebSocket close codes. */
export const sfuCloseCodes = {
  normal: 1000,
  /** Token missing, malformed, badly signed or expired. */
  unauthorized: 4401,
  /** The same participant joined again from another connection. */
  replaced: 4409,
  /** The room's media worker restarted: reconnect with the same token (or a fresh one) and join again. */
  roomReset: 4503,
  /** Server shutting down. */
  goingAway: 1001,
} as const;
