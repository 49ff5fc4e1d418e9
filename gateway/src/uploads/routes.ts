import { tmpdir } from 'node:os';
import multipart from '@fastify/multipart';
import type { Bus } from '@mi/bus';
import { AppError, PresignedUploadCreate, type Upload, UploadComplete, UploadId, UploadState } from '@mi/contracts';
import { type ObjectStore, UploadNotFoundError } from '@mi/object-store';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth.ts';
import { checkMediaOrThrow, type MediaChecker } from './inspect.ts';
import { defaultAllowedTypes } from './media-types.ts';
import { receiveMultipartUpload } from './multipart-upload.ts';
import { completePresignedUpload, startPresignedUpload } from './presigned-upload.ts';
import { sweepStaleUploads } from './sweep.ts';
import type { UploadContext, UploadLimits } from './upload-flow.ts';
import { publicUpload, UploadStore } from './upload-store.ts';

export type UploadRoutesOptions = {
  bus: Bus;
  store: ObjectStore;
  limits: { maxBytes: number; allowedTypes?: readonly string[] };
  /** Where uploads wait while they are checked (default the OS temp directory). */
  tmpDir?: string;
  /** Bytes per presigned part (default 8 MiB; S3 wants at least 5 MiB for all but the last). */
  partSize?: number;
  /** Media check (default checkMedia from @mi/transcriber: ffprobe plus a decode of the last seconds). */
  check?: MediaChecker;
  /** How often abandoned presigned uploads are looked for (default 10 min; 0: never). */
  sweepEveryMs?: number;
  /** True while unfinished jobs read this upload: it cannot be deleted then. */
  inUse?: (tenant: string, uploadId: string) => Promise<boolean>;
};

const MiB = 1024 * 1024;
const Params = Type.Object({ id: UploadId });
const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  state: Type.Optional(UploadState),
});

/**
 * Media uploads: a streamed multipart POST through this server, or presigned multipart straight
 * into the store for large files. Only media that ffprobe reads whole becomes `ready` (the
 * source of a job); anything else is `failed` with its reason and leaves nothing in the store.
 * Viewers may read; operators and admins may upload and delete. Everything is per tenant.
 */
export async function uploadRoutes(app: FastifyInstance, opts: UploadRoutesOptions) {
  const partSize = opts.partSize ?? 8 * MiB;
  if (!Number.isSafeInteger(partSize) || partSize < 5 * MiB || partSize > 5 * 1024 * MiB) {
    throw new RangeError('partSize must be 5 MiB to 5 GiB (S3 multipart limits)');
  }
  if (!(opts.limits.maxBytes > 0)) throw new RangeError('limits.maxBytes must be positive');
  const limits: UploadLimits = {
    maxBytes: opts.limits.maxBytes,
    allowedTypes: opts.limits.allowedTypes ?? defaultAllowedTypes,
  };
  const ctx: UploadContext = {
    uploads: await UploadStore.open(opts.bus),
    store: opts.store,
    limits,
    tmpDir: opts.tmpDir ?? tmpdir(),
    partSize,
    check: opts.check ?? checkMediaOrThrow,
  };
  // Scoped to these routes (this plugin is not wrapped in fastify-plugin): files stream, per request.
  await app.register(multipart);

  const read = { preHandler: requireRole('operator', 'viewer') };
  const write = { preHandler: requireRole('operator') };

  const sweepEveryMs = opts.sweepEveryMs ?? 10 * 60_000;
  if (sweepEveryMs > 0) {
    const sweep = () =>
      void sweepStaleUploads({ uploads: ctx.uploads, store: opts.store, logger: app.log }).catch((err: unknown) =>
        app.log.warn({ err }, 'sweeping abandoned uploads failed'),
      );
    const timer = setInterval(sweep, sweepEveryMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }

  app.post('/v1/uploads', write, async (req, reply) => reply.code(201).send(await receiveMultipartUpload(ctx, req)));

  app.post<{ Body: PresignedUploadCreate }>(
    '/v1/uploads/presigned',
    { ...write, schema: { body: PresignedUploadCreate } },
    async (req, reply) => reply.code(201).send(await startPresignedUpload(ctx, req)),
  );

  app.post<{ Params: { id: string }; Body: UploadComplete }>(
    '/v1/uploads/:id/complete',
    { ...write, schema: { params: Params, body: UploadComplete } },
    async (req) => completePresignedUpload(ctx, req),
  );

  app.get<{ Params: { id: string } }>('/v1/uploads/:id', { ...read, schema: { params: Params } }, async (req) => {
    const record = await ctx.uploads.get(req.principal.tenant, req.params.id);
    if (!record) throw new AppError('ERR_NOT_FOUND', `upload ${req.params.id} not found`);
    return publicUpload(record);
  });

  app.get<{ Querystring: { limit?: number; state?: Upload['state'] } }>(
    '/v1/uploads',
    { ...read, schema: { querystring: ListQuery } },
    async (req) => {
      const records = await ctx.uploads.list(req.principal.tenant, {
        limit: req.query.limit ?? 50,
        state: req.query.state,
      });
      return { uploads: records.map(publicUpload) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/uploads/:id',
    { ...write, schema: { params: Params } },
    async (req, reply) => {
      const record = await ctx.uploads.get(req.principal.tenant, req.params.id);
      if (!record) throw new AppError('ERR_NOT_FOUND', `upload ${req.params.id} not found`);
      if (record.state === 'uploading') {
        // Parts already sent are dropped with the multipart upload; a streamed POST still
        // running sees `aborted` when it finishes and removes what it stored.
        if (record.multipart) {
          await ctx.store.abortMultipart(record.key, record.multipart.uploadId).catch((err: unknown) => {
            if (!(err instanceof UploadNotFoundError)) throw err;
          });
        }
        const after = await ctx.uploads.update(record.tenant, record.id, (r) =>
          r.state === 'uploading' ? { ...r, state: 'aborted', multipart: undefined } : undefined,
        );
        req.log.info({ upload: record.id }, 'upload aborted');
        return after ? publicUpload(after) : reply.code(204).send();
      }
      if (await opts.inUse?.(record.tenant, record.id)) {
        throw new AppError('ERR_CONFLICT', `upload ${record.id} is the source of a job that has not finished`);
      }
      await ctx.store.delete(record.key);
      await ctx.uploads.delete(record.tenant, record.id);
      req.log.info({ upload: record.id, state: record.state }, 'upload deleted');
      return reply.code(204).send();
    },
  );
}
