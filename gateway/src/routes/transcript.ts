import type { Bus } from '@mi/bus';
import { renderTranscript, type TranscriptFinalData, transcriptFormats } from '@mi/contracts';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { roomTranscript } from '../room-events.ts';

const Params = Type.Object({ room: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
const Query = Type.Object({
  format: Type.Optional(Type.Union(transcriptFormats.map((f) => Type.Literal(f)))),
});

/** GET /v1/rooms/:room/transcript: the final segments so far (json by default; text, vtt, srt). */
export async function transcriptRoutes(app: FastifyInstance, opts: { bus: Bus }) {
  app.get<{ Params: { room: string }; Querystring: { format?: 'text' | 'json' | 'vtt' | 'srt' } }>(
    '/v1/rooms/:room/transcript',
    { schema: { params: Params, querystring: Query } },
    async (req, reply) => {
      const events = await roomTranscript(opts.bus, req.params.room);
      const format = req.query.format ?? 'json';
      if (format === 'json') return { room: req.params.room, segments: events };
      const segs = events.map((e) => e.data as TranscriptFinalData);
      const type = { text: 'text/plain', vtt: 'text/vtt', srt: 'application/x-subrip' }[format];
      return reply.type(`${type}; charset=utf-8`).send(renderTranscript(segs, format));
    },
  );
}
