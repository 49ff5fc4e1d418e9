import type { Bus } from '@mi/bus';
import { AppError } from '@mi/contracts';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { serveSse, serveWs } from '../event-stream.ts';
import { followRoom, parseCursor, type RoomEvent, type RoomPosition, roomFamilies } from '../room-events.ts';

const Params = Type.Object({ room: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
const Query = Type.Object({
  /** Resume after this cursor (the `id` of the last event received; SSE clients may send Last-Event-ID). */
  after: Type.Optional(Type.String({ pattern: '^[0-9-]{1,80}$' })),
  /** `now` skips history (default: from the start of the room). */
  from: Type.Optional(Type.Union([Type.Literal('start'), Type.Literal('now')])),
  /** Comma-separated event types, e.g. transcript.final,transcript.partial. */
  types: Type.Optional(Type.String({ maxLength: 500 })),
});
type Q = { after?: string; from?: 'start' | 'now'; types?: string };

/** Where to start: an explicit `after`, else the SSE Last-Event-ID, else `from`. */
function position(room: string, q: Q, lastEventId: string | undefined): RoomPosition {
  const token = q.after ?? lastEventId;
  if (token !== undefined) {
    const cursor = parseCursor(token, roomFamilies(room).length);
    if (!cursor) throw new AppError('ERR_SCHEMA', `invalid event id "${token}"`);
    return { cursor };
  }
  return q.from ?? 'start';
}

/** Live room events over SSE and WebSocket, resumable by event id. */
export async function streamRoutes(app: FastifyInstance, opts: { bus: Bus; heartbeatMs: number }) {
  const follow = (room: string, q: Q, from: RoomPosition, send: (e: RoomEvent) => void) => {
    const types = q.types ? new Set(q.types.split(',').map((t) => t.trim())) : undefined;
    return followRoom(opts.bus, room, { from, types }, send);
  };

  app.get<{ Params: { room: string }; Querystring: Q }>(
    '/v1/rooms/:room/events',
    { schema: { params: Params, querystring: Query } },
    async (req, reply) => {
      const header = req.headers['last-event-id'];
      const from = position(req.params.room, req.query, Array.isArray(header) ? header[0] : header);
      await serveSse(req, reply, opts.heartbeatMs, (send) => follow(req.params.room, req.query, from, send));
    },
  );

  app.get<{ Params: { room: string }; Querystring: Q }>(
    '/v1/rooms/:room/ws',
    { websocket: true, schema: { params: Params, querystring: Query } },
    async (socket, req) => {
      await serveWs(socket, async () => {
        const from = position(req.params.room, req.query, undefined);
        return (send) => follow(req.params.room, req.query, from, send);
      });
    },
  );
}
