import { join } from 'node:path';
import websocket from '@fastify/websocket';
import { type Bus, createBus } from '@mi/bus';
import {
  assembleRoomSource,
  clipperConfigFromEnv,
  createBatchHandlers,
  RoomHighlightsTrigger,
  transcribeOnBus,
} from '@mi/clipper';
import { streams } from '@mi/contracts';
import { createGateway, createWebhooks, GatewayConfigSchema, gatewayConfigFromEnv, parseApiKeys } from '@mi/gateway';
import { ApprovalStore, AuditLog } from '@mi/governance';
import { JobQueue, JobRunner, JobStore } from '@mi/jobs';
import {
  createPipelineTaps,
  createSfu,
  ingestConfigFromEnv,
  type Sfu,
  SfuConfigSchema,
  sfuConfigFromEnv,
  sfuSignalingPlugin,
  signRoomToken,
  wsIngestPlugin,
} from '@mi/media-server';
import { createLocalPresignHandler, createObjectStore, LocalObjectStore, type ObjectStore } from '@mi/object-store';
import { createSummarizerService, type SummarizerService, summarizerConfigFromEnv } from '@mi/summarizer';
import { createLogger, createMetrics, createTracing, type Logger, type Metrics, type Tracing } from '@mi/telemetry';
import {
  ChunkWorker,
  createAsrEngine,
  type PocketsphinxEngine,
  SileroVad,
  TranscriberService,
  transcriberConfigFromEnv,
} from '@mi/transcriber';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { type AppConfig, parseServices, type ServiceName } from './config.ts';

const version = '0.1.0';

export type System = {
  bus: Bus;
  store: ObjectStore;
  logger: Logger;
  metrics: Metrics;
  tracing: Tracing;
  /** Base URL of the HTTP server (gateway, or media-server alone). */
  url: string | undefined;
  transcriber: TranscriberService | undefined;
  summarizer: SummarizerService | undefined;
  sfu: Sfu | undefined;
  close(): Promise<void>;
};

/**
 * Starts the selected services in this process. All of them with no NATS_URL is the embedded
 * default (in-process bus, local disk); with NATS_URL each service can run as its own process.
 */
export async function startSystem(config: AppConfig, env: NodeJS.ProcessEnv = process.env): Promise<System> {
  const services = new Set<ServiceName>(parseServices(config.services));
  const logger = createLogger({ service: [...services].join('+'), level: config.logLevel });
  const sfuConfig = sfuConfigFromEnv(env);
  const signsOrChecksTokens = services.has('gateway') || (services.has('media-server') && config.sfuEnabled);
  if (signsOrChecksTokens && sfuConfig.tokenSecret === SfuConfigSchema.properties.tokenSecret.default) {
    // With API keys the deployment is shared: a public development secret would let anyone forge room tokens.
    if (config.apiKeys)
      throw new Error('ROOM_TOKEN_SECRET must be set when API_KEYS is (room tokens are signed with it)');
    logger.warn('ROOM_TOKEN_SECRET is not set: room tokens are signed with the development secret');
  }
  const metrics = createMetrics();
  const tracing = createTracing({ service: [...services].join('+'), exporter: config.tracesExporter });
  const bus = await createBus({
    natsUrl: config.natsUrl,
    dataDir: config.natsUrl ? undefined : join(config.dataDir, 'bus'),
    // Embedded: raw audio cannot outlive its bots' connections, so it is not written to disk.
    memoryOnlyStreams: [streams.AUDIO.name],
    name: `mediaintel-${[...services].join('+')}`,
    // In a compose deployment services may come up before NATS does.
    connectTimeoutMs: 30_000,
  });
  for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
  const publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
  const store = createObjectStore(
    config.s3Endpoint
      ? {
          s3: {
            endPoint: config.s3Endpoint,
            port: config.s3Port ?? (config.s3UseSsl ? 443 : 9000),
            useSSL: config.s3UseSsl,
            accessKey: config.s3AccessKey ?? '',
            secretKey: config.s3SecretKey ?? '',
            bucket: config.s3Bucket,
            region: config.s3Region,
          },
        }
      : { local: { root: join(config.dataDir, 'objects'), publicUrl, signingKey: config.objectSigningKey } },
  );
  const closers: (() => Promise<void>)[] = [];

  let transcriber: TranscriberService | undefined;
  let engine: PocketsphinxEngine | undefined;
  if (services.has('transcriber')) {
    const tc = transcriberConfigFromEnv(env);
    const vad = await SileroVad.create({ onBatch: (n) => metrics.batchSize.observe({ model: 'silero_vad' }, n) });
    engine = await createAsrEngine(tc, 'live');
    transcriber = new TranscriberService({
      bus,
      vad,
      engine,
      config: tc,
      logger: logger.child({ component: 'transcriber' }),
      metrics,
      service: { name: 'transcriber', version },
      claimAckWaitMs: tc.claimAckWaitMs,
      maxStreams: tc.maxStreams,
      checkpointEveryMs: tc.checkpointEveryMs,
      tracer: tracing.tracer,
    });
    await transcriber.start();
    // Batch chunks get their own engine: full-accuracy search, and live streams keep their decoders.
    const batchEngine = await createAsrEngine(tc, 'batch');
    const chunks = new ChunkWorker({
      bus,
      store,
      vad,
      engine: batchEngine,
      segmenter: tc,
      logger: logger.child({ component: 'batch-transcriber' }),
    });
    await chunks.start();
    const e = engine;
    closers.push(async () => {
      await chunks.close();
      await transcriber?.close();
      await e.close();
      await batchEngine.close();
      await vad.close();
    });
  }

  let summarizer: SummarizerService | undefined;
  if (services.has('summarizer')) {
    summarizer = await createSummarizerService({
      bus,
      config: summarizerConfigFromEnv(env),
      logger: logger.child({ component: 'summarizer' }),
      metrics,
      tracer: tracing.tracer,
      service: { name: 'summarizer', version },
      env,
    });
    await summarizer.start();
    const s = summarizer;
    closers.push(() => s.close());
  }

  // Batch jobs: records and the work queue are shared by the gateway (submit) and clippers (run).
  const jobStore = services.has('gateway') || services.has('clipper') ? await JobStore.open(bus) : undefined;
  const jobQueue = jobStore
    ? new JobQueue({
        bus,
        store: jobStore,
        producer: { service: services.has('gateway') ? 'gateway' : 'clipper', version },
      })
    : undefined;
  if (services.has('clipper') && jobStore && jobQueue) {
    const cc = clipperConfigFromEnv(env);
    const producer = { service: 'clipper', version };
    const runner = new JobRunner({
      bus,
      store: jobStore,
      producer,
      handlers: createBatchHandlers({
        bus,
        store,
        producer,
        transcribe: transcribeOnBus({ bus, store, logger: logger.child({ component: 'batch-transcribe' }) }),
        assembleRoom: (ctx, room, dir) => assembleRoomSource({ bus, store }, ctx, room, dir),
        ocr: cc.ocr,
        urlExpirySeconds: cc.urlExpirySeconds,
        ...(cc.workDir ? { workDir: cc.workDir } : {}),
      }),
      logger: logger.child({ component: 'clipper' }),
      metrics,
      concurrency: cc.concurrency,
      ackWaitMs: cc.ackWaitMs,
      maxAttempts: cc.maxAttempts,
      retryDelayMs: cc.retryDelayMs,
    });
    await runner.start();
    const trigger = new RoomHighlightsTrigger({
      bus,
      queue: jobQueue,
      logger: logger.child({ component: 'room-highlights' }),
      enabled: cc.roomHighlights,
      highlights: cc.roomHighlightsCount,
    });
    await trigger.start();
    closers.push(async () => {
      await trigger.close();
      await runner.close();
    });
    logger.info('clipper started');
  }

  const ingest = services.has('media-server')
    ? {
        plugin: wsIngestPlugin,
        options: {
          ...ingestConfigFromEnv(env),
          bus,
          logger: logger.child({ component: 'ingest' }),
          metrics,
          service: { name: 'media-server', version },
          tracer: tracing.tracer,
        },
      }
    : undefined;

  // The SFU: rooms over WebRTC, every producer tapped into the same pipeline as the WS ingest.
  let sfu: Sfu | undefined;
  if (services.has('media-server') && config.sfuEnabled) {
    const ingestConfig = ingestConfigFromEnv(env);
    // Without a usable worker binary the rest of the product still runs (WS ingest, batch);
    // rooms over WebRTC are refused until the worker is built.
    try {
      sfu = await createSfu({
        config: sfuConfig,
        logger: logger.child({ component: 'sfu' }),
        metrics,
        taps: createPipelineTaps({
          bus,
          store,
          logger: logger.child({ component: 'tap' }),
          metrics,
          service: { name: 'media-server', version },
          tracer: tracing.tracer,
          frameMs: ingestConfig.frameMs,
          record: sfuConfig.record,
          maxTaps: sfuConfig.maxTaps,
          audio: sfuConfig.tapAudio,
          video: sfuConfig.tapVideo
            ? {
                sceneThreshold: sfuConfig.sceneThreshold,
                screenSceneThreshold: sfuConfig.screenSceneThreshold,
                portRange: { min: sfuConfig.tapMinPort, max: sfuConfig.tapMaxPort },
                minIntervalMs: sfuConfig.keyframeMinIntervalMs,
                decode: sfuConfig.keyframeDecode,
                periodicMs: sfuConfig.keyframePeriodicMs,
                ocr: sfuConfig.ocr,
              }
            : false,
        }),
      });
    } catch (err) {
      logger.error(
        { err: (err as Error).message },
        'SFU disabled: the mediasoup worker did not start (run bash media-server/worker/build-worker.sh)',
      );
    }
    const s = sfu;
    if (s) closers.push(() => s.close());
  }
  const mediaPlugins: { plugin: FastifyPluginAsync<never>; options: unknown }[] = [
    ...(ingest ? [{ plugin: ingest.plugin as never, options: ingest.options }] : []),
    ...(sfu ? [{ plugin: sfuSignalingPlugin as never, options: sfu.signaling }] : []),
  ];

  let server: FastifyInstance | undefined;
  if (services.has('gateway')) {
    const producer = { service: 'gateway', version };
    const audit = new AuditLog(bus, producer);
    const gatewayConfig = gatewayConfigFromEnv(env);
    if (gatewayConfig.secretsKey === GatewayConfigSchema.properties.secretsKey.default) {
      logger.warn('SECRETS_KEY is not set: webhook secrets are sealed with the development key');
    }
    const webhooks = await createWebhooks({
      bus,
      config: gatewayConfig,
      audit,
      metrics,
      logger,
      tracer: tracing.tracer,
    });
    closers.push(() => webhooks.close());
    server = await createGateway({
      bus,
      logger,
      metrics,
      version,
      approvals: await ApprovalStore.open(bus),
      audit,
      apiKeys: parseApiKeys(config.apiKeys),
      routes: [webhooks.routes],
      registries: [metrics.registry],
      checks: [
        { name: 'bus', check: async () => (await bus.kv('health')) !== undefined },
        ...(engine ? [{ name: 'asr', check: () => engine?.ready ?? false }] : []),
        ...(sfu ? [{ name: 'sfu', check: () => sfu?.pool.workers.some((w) => !w.closed && !w.died) ?? false }] : []),
      ],
      plugins: mediaPlugins,
      store,
      ...(jobStore && jobQueue
        ? {
            jobs: {
              store: jobStore,
              queue: jobQueue,
              uploads: {
                maxBytes: gatewayConfig.uploadMaxBytes,
                ...(gatewayConfig.uploadTmpDir ? { tmpDir: gatewayConfig.uploadTmpDir } : {}),
              },
            },
          }
        : {}),
      ...(store instanceof LocalObjectStore ? { presign: createLocalPresignHandler(store) } : {}),
      roomTokens: {
        sign: (claims) => signRoomToken(claims, sfuConfig.tokenSecret),
        defaultTtlSeconds: 600,
        ...(config.sfuPublicUrl ? { signalingBaseUrl: config.sfuPublicUrl } : {}),
      },
    });
    await server.listen({ host: config.host, port: config.port });
  } else if (mediaPlugins.length > 0) {
    // media-server alone (distributed): its own small server for ingest, health and metrics.
    const media = Fastify({ loggerInstance: logger as FastifyBaseLogger });
    await media.register(websocket, { options: { maxPayload: 1 << 20 } });
    for (const p of mediaPlugins) await media.register(p.plugin, p.options as never);
    media.get('/healthz', async () => ({ status: 'ok' }));
    media.get('/metrics', async (_r, reply) => reply.type('text/plain').send(await metrics.registry.metrics()));
    await media.listen({ host: config.host, port: config.mediaPort });
    server = media;
  }
  const address = server?.server.address();
  const url =
    address && typeof address === 'object'
      ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
      : undefined;
  if (server) {
    const s = server;
    closers.unshift(() => s.close());
  }
  logger.info({ services: [...services], bus: bus.kind, store: store.kind, url }, 'mediaintel started');

  return {
    bus,
    store,
    logger,
    metrics,
    tracing,
    url,
    transcriber,
    summarizer,
    sfu,
    async close() {
      for (const c of closers) await c().catch((err) => logger.warn({ err }, 'close failed'));
      await store.close();
      await bus.close();
      await tracing.shutdown();
    },
  };
}
