import type { Bus } from '@mi/bus';
import { type Envelope, type KeyframeData, type RecordingData, streams } from '@mi/contracts';
import type { ObjectStore } from '@mi/object-store';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth.ts';

const Params = Type.Object({ room: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
const Query = Type.Object({ expires: Type.Optional(Type.Integer({ minimum: 60, maximum: 7 * 86_400 })) });

/**
 * `GET /v1/rooms/:room/media`: the room's recorded tracks and key frames so far, each with a
 * presigned URL (valid `expires` seconds, default an hour) to fetch it from the object store.
 */
export async function roomMediaRoutes(app: FastifyInstance, opts: { bus: Bus; store: ObjectStore }) {
  app.get<{ Params: { room: string }; Querystring: { expires?: number } }>(
    '/v1/rooms/:room/media',
    { preHandler: requireRole('operator', 'viewer'), schema: { params: Params, querystring: Query } },
    async (req) => {
      const { room } = req.params;
      const expires = req.query.expires ?? 3600;
      const [recordings, keyframes] = await Promise.all([
        stored<RecordingData>(opts.bus, `v1.media.${room}.*.recording`),
        stored<KeyframeData>(opts.bus, `v1.media.${room}.*.keyframe`),
      ]);
      return {
        room,
        recordings: await Promise.all(
          recordings.map(async (r) => ({ ...r, url: await opts.store.presignGet(r.key, expires) })),
        ),
        keyframes: await Promise.all(
          keyframes.map(async (k) => ({ ...k, thumbnailUrl: await opts.store.presignGet(k.thumbnail.key, expires) })),
        ),
      };
    },
  );
}

async function stored<D>(bus: Bus, filterSubject: string): Promise<D[]> {
  const byId = new Map<string, D>();
  const sub = await bus.replay(streams.EVENTS.name, { filterSubject, from: { kind: 'all' }, live: false }, (m) => {
    try {
      const e = JSON.parse(Buffer.from(m.data).toString('utf8')) as Envelope<string, D>;
      byId.set(e.id, e.data);
    } catch {
      // not an event
    }
  });
  await sub.done;
  await sub.unsubscribe();
  return [...byId.values()];
}
