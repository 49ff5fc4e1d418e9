import { readFile } from 'node:fs/promises';
import websocket from '@fastify/websocket';
import type { Bus } from '@mi/bus';
import type { ApprovalStore, AuditLog } from '@mi/governance';
import { type JobQueue, type JobStore, terminalStates } from '@mi/jobs';
import type { ObjectStore, PresignHandler } from '@mi/object-store';
import type { Logger, Metrics } from '@mi/telemetry';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, LogController } from 'fastify';
import type { Registry } from 'prom-client';
import { type ApiKey, authPlugin } from './auth.ts';
import { installErrorHandler } from './errors.ts';
import { idempotencyPlugin } from './idempotency.ts';
import { approvalRoutes } from './routes/approvals.ts';
import { clipsClientRoutes } from './routes/clips-client.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import { jobRoutes } from './routes/jobs.ts';
import { presignedObjectRoutes } from './routes/objects.ts';
import { roomMediaRoutes } from './routes/room-media.ts';
import { type RoomTokenIssuer, roomTokenRoutes } from './routes/room-tokens.ts';
import { auditRoutes, roomRoutes } from './routes/rooms.ts';
import { sfuClientRoutes } from './routes/sfu-client.ts';
import { streamRoutes } from './routes/stream.ts';
import { transcriptRoutes } from './routes/transcript.ts';
import { UploadStore, uploadRoutes } from './uploads/index.ts';

export type GatewayOptions = {
  bus: Bus;
  logger: Logger;
  metrics: Metrics;
  approvals: ApprovalStore;
  audit: AuditLog;
  /** No keys: open mode, every request is the local admin (embedded single-user default). */
  apiKeys?: ApiKey[];
  /** Mounted after auth, so routes see `request.principal` (e.g. webhooks). */
  routes?: { plugin: FastifyPluginAsync<never>; options: unknown }[];
  version?: string;
  registries: Registry[];
  checks: ReadinessCheck[];
  /** Extra plugins mounted on the same server (e.g. the bot audio ingest in the embedded mode). */
  plugins?: { plugin: FastifyPluginAsync<never>; options: unknown }[];
  heartbeatMs?: number;
  bodyLimitBytes?: number;
  /** Object store of recordings and thumbnails (presigned URLs); without it no media route. */
  store?: ObjectStore;
  /** Serves presigned URLs of a local-disk store (`/v1/objects/...`); S3 serves its own. */
  presign?: PresignHandler;
  /** Batch jobs (needs `store`): uploads and the jobs API. */
  jobs?: { store: JobStore; queue: JobQueue; uploads: { maxBytes: number; tmpDir?: string } };
  /** Signs SFU room tokens; without it there is no token route (no SFU in this deployment). */
  roomTokens?: RoomTokenIssuer;
};

/** The gateway: REST, WS/SSE streams, health and metrics, and the web console, on one Fastify server. */
export async function createGateway(opts: GatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimitBytes ?? 1_048_576,
    genReqId: (req) => (req.headers['x-correlation-id'] as string | undefined) ?? crypto.randomUUID(),
    requestIdHeader: 'x-correlation-id',
    // Probes and scrapes would drown the request log.
    logController: new LogController({
      disableRequestLogging: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url),
    }),
  });
  installErrorHandler(app);
  await app.register(websocket, { options: { maxPayload: 1 << 20 } });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-correlation-id', req.id);
  });
  await app.register(healthRoutes, { checks: opts.checks, registries: opts.registries });
  await app.register(authPlugin, { keys: opts.apiKeys ?? [] });
  await app.register(idempotencyPlugin, { bus: opts.bus });
  const producer = { service: 'gateway', version: opts.version ?? '0.0.0' };
  await app.register(transcriptRoutes, { bus: opts.bus });
  await app.register(streamRoutes, { bus: opts.bus, heartbeatMs: opts.heartbeatMs ?? 15_000 });
  await app.register(approvalRoutes, {
    bus: opts.bus,
    approvals: opts.approvals,
    audit: opts.audit,
    metrics: opts.metrics,
    producer,
  });
  await app.register(roomRoutes, { bus: opts.bus, audit: opts.audit, producer });
  await app.register(auditRoutes, { audit: opts.audit });
  if (opts.roomTokens) await app.register(roomTokenRoutes, { issuer: opts.roomTokens });
  if (opts.store) await app.register(roomMediaRoutes, { bus: opts.bus, store: opts.store });
  if (opts.presign) await app.register(presignedObjectRoutes, { handler: opts.presign });
  if (opts.store && opts.jobs) {
    const { uploads, ...jobs } = opts.jobs;
    await app.register(uploadRoutes, {
      bus: opts.bus,
      store: opts.store,
      limits: { maxBytes: uploads.maxBytes },
      inUse: async (tenant, id) =>
        (await jobs.store.list(tenant, { limit: 10_000 })).some(
          (j) =>
            !terminalStates.has(j.state) &&
            j.request.kind === 'highlights' &&
            'upload' in j.request.source &&
            j.request.source.upload === id,
        ),
      ...(uploads.tmpDir ? { tmpDir: uploads.tmpDir } : {}),
    });
    await app.register(jobRoutes, {
      bus: opts.bus,
      store: opts.store,
      jobs: jobs.store,
      queue: jobs.queue,
      uploads: await UploadStore.open(opts.bus),
    });
  }
  await app.register(sfuClientRoutes);
  await app.register(clipsClientRoutes);
  for (const p of opts.routes ?? []) await app.register(p.plugin, p.options as never);
  for (const p of opts.plugins ?? []) await app.register(p.plugin, p.options as never);
  const consolePage = await readFile(new URL('../public/index.html', import.meta.url), 'utf8');
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(consolePage));
  const roomPage = await readFile(new URL('../public/room.html', import.meta.url), 'utf8');
  app.get('/room', async (_req, reply) => reply.type('text/html; charset=utf-8').send(roomPage));
  return app;
}
