import { randomUUID } from 'node:crypto';
import type { Bus } from '@mi/bus';
import { presignResult, readJson } from '@mi/clipper';
import {
  AppError,
  ClipOptions,
  EditRange,
  type Job,
  JobCreate,
  JobState,
  renderTranscript,
  subjects,
  type TranscriptFormat,
  type TranscriptSegment,
  transcriptFormats,
  type Upload,
} from '@mi/contracts';
import type { JobQueue, JobStore } from '@mi/jobs';
import type { ObjectStore } from '@mi/object-store';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireRole } from '../auth.ts';
import { serveSse, serveWs } from '../event-stream.ts';
import { followFamilies, parseCursor, type RoomEvent, type RoomPosition } from '../room-events.ts';

const Params = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
const ListQuery = Type.Object({
  state: Type.Optional(JobState),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});
const ReadQuery = Type.Object({ expires: Type.Optional(Type.Integer({ minimum: 60, maximum: 7 * 86_400 })) });
const TranscriptQuery = Type.Object({
  format: Type.Optional(Type.Union(transcriptFormats.map((f) => Type.Literal(f)))),
});
const EventsQuery = Type.Object({
  after: Type.Optional(Type.String({ pattern: '^[0-9-]{1,80}$' })),
  from: Type.Optional(Type.Union([Type.Literal('start'), Type.Literal('now')])),
});
/** An edit of a finished job: the body of POST /v1/jobs/:id/edits (a `clip` job with that parent). */
export const JobEdit = Type.Object(
  {
    title: Type.Optional(Type.String({ maxLength: 200 })),
    ranges: Type.Array(EditRange, { minItems: 1, maxItems: 50 }),
    join: Type.Optional(Type.Boolean()),
    clip: Type.Optional(ClipOptions),
  },
  { additionalProperties: false },
);
type JobEdit = Static<typeof JobEdit>;

/** The highlights job an edit was made from. */
const editRoot = (job: Job) => (job.request.kind === 'clip' ? job.request.parent : job.id);

export type JobRoutesOptions = {
  bus: Bus;
  jobs: JobStore;
  queue: JobQueue;
  store: ObjectStore;
  /** Where accepted uploads are looked up (tenant-scoped). */
  uploads: { get(tenant: string, id: string): Promise<Upload | null> };
};

/**
 * Batch jobs: submit (idempotent with Idempotency-Key), follow (SSE/WS progress, resumable),
 * cancel, read results with fresh presigned URLs, and edit a finished job's media by time or
 * by quote range.
 */
export async function jobRoutes(app: FastifyInstance, opts: JobRoutesOptions) {
  const read = { preHandler: requireRole('operator', 'viewer') };
  const write = { preHandler: requireRole('operator') };

  const load = async (req: FastifyRequest, id: string): Promise<Job> => {
    const job = await opts.jobs.get(req.principal.tenant, id);
    if (!job) throw new AppError('ERR_NOT_FOUND', `job ${id} not found`);
    return job;
  };

  /** Resolves the job's media now, so a bad source is refused before anything is queued. */
  const inputOf = async (req: FastifyRequest, body: JobCreate): Promise<Job['input']> => {
    const tenant = req.principal.tenant;
    if (body.kind === 'clip') {
      const parent = await load(req, body.parent);
      if (parent.state !== 'succeeded' || !parent.result) {
        throw new AppError('ERR_CONFLICT', `job ${parent.id} is ${parent.state}: only a finished job can be edited`);
      }
      // The edit cuts by the parent's transcript, which only a highlights job has: refuse now, not after queueing.
      if (parent.kind !== 'highlights' || !parent.result.transcript) {
        throw new AppError('ERR_CONFLICT', `job ${parent.id} is an edit: edit its highlights job ${editRoot(parent)}`);
      }
      return { key: parent.result.source, ...(parent.result.media ? { media: parent.result.media } : {}) };
    }
    if ('room' in body.source) return undefined;
    const upload = await opts.uploads.get(tenant, body.source.upload);
    if (!upload) throw new AppError('ERR_NOT_FOUND', `upload ${body.source.upload} not found`);
    if (upload.state !== 'ready') {
      throw new AppError('ERR_UPLOAD_INCOMPLETE', `upload ${upload.id} is ${upload.state}`);
    }
    return { key: upload.key, filename: upload.filename, ...(upload.media ? { media: upload.media } : {}) };
  };

  const submit = async (req: FastifyRequest, body: JobCreate) => {
    const input = await inputOf(req, body);
    return opts.queue.submit({
      tenant: req.principal.tenant,
      id: `job_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
      request: body,
      correlationId: req.id,
      ...(input ? { input } : {}),
    });
  };

  app.post<{ Body: JobCreate }>('/v1/jobs', { ...write, schema: { body: JobCreate } }, async (req, reply) => {
    reply.code(202);
    return submit(req, req.body);
  });

  app.post<{ Params: { id: string }; Body: JobEdit }>(
    '/v1/jobs/:id/edits',
    { ...write, schema: { params: Params, body: JobEdit } },
    async (req, reply) => {
      reply.code(202);
      return submit(req, { kind: 'clip', parent: req.params.id, ...req.body });
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/jobs',
    { ...read, schema: { querystring: ListQuery } },
    async (req) => ({ jobs: await opts.jobs.list(req.principal.tenant, req.query) }),
  );

  app.get<{ Params: { id: string }; Querystring: { expires?: number } }>(
    '/v1/jobs/:id',
    { ...read, schema: { params: Params, querystring: ReadQuery } },
    async (req) => {
      const job = await load(req, req.params.id);
      if (!job.result) return job;
      return { ...job, result: await presignResult(opts.store, job.result, req.query.expires ?? 3600) };
    },
  );

  app.post<{ Params: { id: string } }>('/v1/jobs/:id/cancel', { ...write, schema: { params: Params } }, async (req) =>
    opts.queue.cancel(req.principal.tenant, req.params.id),
  );

  app.get<{ Params: { id: string }; Querystring: { format?: TranscriptFormat } }>(
    '/v1/jobs/:id/transcript',
    { ...read, schema: { params: Params, querystring: TranscriptQuery } },
    async (req, reply) => {
      const job = await load(req, req.params.id);
      const key = job.result?.transcript?.key;
      if (!key) throw new AppError('ERR_NOT_FOUND', `job ${job.id} has no transcript yet`);
      const doc = await readJson<{ segments: TranscriptSegment[] }>(opts.store, key);
      if (!doc) throw new AppError('ERR_NOT_FOUND', `the transcript of job ${job.id} is gone`);
      const format = req.query.format ?? 'json';
      const types = { json: 'application/json', text: 'text/plain', vtt: 'text/vtt', srt: 'application/x-subrip' };
      reply.type(`${types[format]}; charset=utf-8`);
      return renderTranscript(doc.segments, format, doc);
    },
  );

  // Progress and clip events of one job, resumable by event id like a room's stream.
  const follow = async (req: FastifyRequest, id: string, from: RoomPosition) => {
    const job = await load(req, id);
    return (send: (e: RoomEvent) => void) =>
      followFamilies(opts.bus, subjects.jobEvents(job.id), { from }, (e) => {
        if (e.event.tenant === job.tenant) send(e);
      });
  };
  const position = (q: Static<typeof EventsQuery>, lastEventId?: string): RoomPosition => {
    const token = q.after ?? lastEventId;
    if (token === undefined) return q.from ?? 'start';
    const cursor = parseCursor(token, 2);
    if (!cursor) throw new AppError('ERR_SCHEMA', `invalid event id "${token}"`);
    return { cursor };
  };

  app.get<{ Params: { id: string }; Querystring: Static<typeof EventsQuery> }>(
    '/v1/jobs/:id/events',
    { ...read, schema: { params: Params, querystring: EventsQuery } },
    async (req, reply) => {
      const header = req.headers['last-event-id'];
      const start = await follow(req, req.params.id, position(req.query, Array.isArray(header) ? header[0] : header));
      await serveSse(req, reply, 15_000, start);
    },
  );

  app.get<{ Params: { id: string }; Querystring: Static<typeof EventsQuery> }>(
    '/v1/jobs/:id/ws',
    { ...read, websocket: true, schema: { params: Params, querystring: EventsQuery } },
    async (socket, req) => {
      await serveWs(socket, () => follow(req, req.params.id, position(req.query)));
    },
  );
}
