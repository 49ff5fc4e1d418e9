import { randomUUID } from 'node:crypto';
import { type RoomTokenClaims, RoomTokenRequest, type RoomTokenResponse, sfuPath } from '@mi/contracts';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth.ts';

export type RoomTokenIssuer = {
  sign(claims: RoomTokenClaims): string;
  /** Base URL of the media server's signaling (ws:// or wss://); default: this server. */
  signalingBaseUrl?: string;
  defaultTtlSeconds: number;
};

const Params = Type.Object({ room: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

/**
 * `POST /v1/rooms/:room/tokens`: a short-lived token to join the room's SFU. Bots, operators
 * and admins may publish; viewers get receive-only tokens. The room belongs to the caller's tenant.
 */
export async function roomTokenRoutes(app: FastifyInstance, opts: { issuer: RoomTokenIssuer }) {
  app.post<{ Params: { room: string }; Body: RoomTokenRequest }>(
    '/v1/rooms/:room/tokens',
    {
      preHandler: requireRole('operator', 'bot', 'viewer'),
      schema: { params: Params, body: RoomTokenRequest },
    },
    async (req, reply) => {
      const p = req.principal;
      const ttl = req.body.ttlSeconds ?? opts.issuer.defaultTtlSeconds;
      // Choosing the id lets a caller take over that participant's connection: not for viewers.
      const chosen = p.role === 'viewer' ? undefined : req.body.participant.id;
      const participant = { id: chosen ?? `p-${randomUUID().slice(0, 8)}`, name: req.body.participant.name };
      const claims: RoomTokenClaims = {
        v: 1,
        room: req.params.room,
        tenant: p.tenant,
        participant,
        publish: p.role !== 'viewer' && req.body.publish !== false,
        exp: Math.floor(Date.now() / 1000) + ttl,
        cid: req.id.slice(0, 200),
        sub: p.id.slice(0, 200),
      };
      const token = opts.issuer.sign(claims);
      const base = opts.issuer.signalingBaseUrl ?? `${req.protocol === 'https' ? 'wss' : 'ws'}://${req.host}`;
      const body: RoomTokenResponse = {
        token,
        expiresAt: new Date(claims.exp * 1000).toISOString(),
        room: claims.room,
        participant,
        url: `${base}${sfuPath}?token=${encodeURIComponent(token)}`,
      };
      return reply.code(201).send(body);
    },
  );
}
