import { readFile } from 'node:fs/promises';
import websocket from '@fastify/websocket';
import type { Bus } from '@mi/bus';
import type { Logger } from '@mi/telemetry';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, LogController } from 'fastify';
import type { Registry } from 'prom-client';
import { installErrorHandler } from './errors.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import { streamRoutes } from './routes/stream.ts';
import { transcriptRoutes } from './routes/transcript.ts';

export type GatewayOptions = {
  bus: Bus;
  logger: Logger;
  registries: Registry[];
  checks: ReadinessCheck[];
  /** Extra plugins mounted on the same server (e.g. the bot audio ingest in the embedded mode). */
  plugins?: { plugin: FastifyPluginAsync<never>; options: unknown }[];
  heartbeatMs?: number;
  bodyLimitBytes?: number;
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
  await app.register(transcriptRoutes, { bus: opts.bus });
  await app.register(streamRoutes, { bus: opts.bus, heartbeatMs: opts.heartbeatMs ?? 15_000 });
  for (const p of opts.plugins ?? []) await app.register(p.plugin, p.options as never);
  const consolePage = await readFile(new URL('../public/index.html', import.meta.url), 'utf8');
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(consolePage));
  return app;
}
