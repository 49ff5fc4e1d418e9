import { type Bus, headerNames } from '@mi/bus';
import { makeEvent, subjects } from '@mi/contracts';
import type { AuditLog } from '@mi/governance';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth.ts';
import { roomSummary } from '../summary-view.ts';

const Params = Type.Object({ room: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

/** A room's summary (rolling or final) and ending a meeting by API. */
export async function roomRoutes(
  app: FastifyInstance,
  opts: { bus: Bus; audit: AuditLog; producer: { service: string; version: string } },
) {
  app.get<{ Params: { room: string } }>(
    '/v1/rooms/:room/summary',
    { preHandler: requireRole('operator', 'viewer'), schema: { params: Params } },
    async (req, reply) => {
      const view = await roomSummary(opts.bus, req.params.room);
      if (!view) return reply.code(404).send({ error: { code: 'ERR_NOT_FOUND', message: 'no summary yet' } });
      return view;
    },
  );

  /** Ends the meeting now: the summarizer publishes the final summary. Safe to retry. */
  app.post<{ Params: { room: string } }>(
    '/v1/rooms/:room/end',
    { preHandler: requireRole('operator', 'bot'), schema: { params: Params } },
    async (req, reply) => {
      const { room } = req.params;
      const p = req.principal;
      const event = makeEvent(
        'room.ended',
        1,
        { room, reason: 'api' as const, by: p.id },
        { tenant: p.tenant, correlationId: req.id, producer: opts.producer, room },
      );
      await opts.bus.append(subjects.roomEnded(room), new TextEncoder().encode(JSON.stringify(event)), {
        msgId: event.id,
        headers: { [headerNames.correlationId]: req.id },
      });
      await opts.audit.append({
        tenant: p.tenant,
        correlationId: req.id,
        actor: { kind: 'user', id: p.id },
        action: 'room.end',
        target: { kind: 'room', id: room },
        reason: null,
      });
      return reply.code(202).send({ room, event: event.id });
    },
  );
}

/** The tenant's audit log (admins only). */
export async function auditRoutes(app: FastifyInstance, opts: { audit: AuditLog }) {
  const Query = Type.Object({
    target: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  });
  app.get<{ Querystring: { target?: string; limit?: number } }>(
    '/v1/audit',
    { preHandler: requireRole(), schema: { querystring: Query } },
    async (req) => {
      const entries = await opts.audit.list(req.principal.tenant, {
        ...(req.query.target ? { targetId: req.query.target } : {}),
        ...(req.query.limit ? { limit: req.query.limit } : {}),
      });
      return { entries };
    },
  );
}
