import type { Bus } from '@mi/bus';
import { type Envelope, type KeyframeData, type RecordingData, subjects } from '@mi/contracts';
import type { ObjectStore } from '@mi/object-store';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth.ts';
import { storedEvents } from '../room-events.ts';

const Params = Type.Object({ room: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
const Query = Type.Object({
  expires: Type.Optional(Type.Integer({ minimum: 60, maximum: 7 * 86_400 })),
  /** Key frames listed (the latest ones). */
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});

/**
 * `GET /v1/rooms/:room/media`: the room's recorded tracks and its latest key frames, each with a
 * presigned URL (valid `expires` seconds, default an hour). Only the caller's tenant's media is
 * listed: presigned URLs are credentials.
 */
export async function roomMediaRoutes(app: FastifyInstance, opts: { bus: Bus; store: ObjectStore }) {
  app.get<{ Params: { room: string }; Querystring: { expires?: number; limit?: number } }>(
    '/v1/rooms/:room/media',
    { preHandler: requireRole('operator', 'viewer'), schema: { params: Params, querystring: Query } },
    async (req) => {
      const { room } = req.params;
      const expires = req.query.expires ?? 3600;
      const ours = (e: Envelope) => e.tenant === req.principal.tenant;
      const [recordings, keyframes] = await Promise.all([
        storedEvents(opts.bus, subjects.roomRecordings(room)),
        storedEvents(opts.bus, subjects.roomKeyframes(room)),
      ]);
      const latest = keyframes.filter(ours).slice(-(req.query.limit ?? 100));
      return {
        room,
        recordings: await Promise.all(
          recordings.filter(ours).map(async (e) => {
            const r = e.data as RecordingData;
            return { ...r, url: await opts.store.presignGet(r.key, expires) };
          }),
        ),
        keyframes: await Promise.all(
          latest.map(async (e) => {
            const k = e.data as KeyframeData;
            return { ...k, thumbnailUrl: await opts.store.presignGet(k.thumbnail.key, expires) };
          }),
        ),
      };
    },
  );
}
