import { join } from 'node:path';
import { configFromEnv } from '@mi/contracts';
import { type Static, Type } from '@sinclair/typebox';

export const serviceNames = ['gateway', 'media-server', 'transcriber', 'summarizer', 'clipper'] as const;
export type ServiceName = (typeof serviceNames)[number];

export const AppConfigSchema = Type.Object({
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  /** Port of the standalone media-server ingest when it runs without the gateway. */
  mediaPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8081 }),
  /** Comma-separated subset of gateway,media-server,transcriber,summarizer,clipper; default all in one process. */
  services: Type.String({ default: serviceNames.join(',') }),
  /** Unset: embedded in-process bus. Set: NATS JetStream (distributed). */
  natsUrl: Type.Optional(Type.String()),
  dataDir: Type.String({ default: join(process.cwd(), '.data') }),
  publicUrl: Type.Optional(Type.String()),
  objectSigningKey: Type.String({ minLength: 16, default: 'dev-only-signing-key-change-me' }),
  s3Endpoint: Type.Optional(Type.String()),
  s3Port: Type.Optional(Type.Integer()),
  s3UseSsl: Type.Boolean({ default: false }),
  s3AccessKey: Type.Optional(Type.String()),
  s3SecretKey: Type.Optional(Type.String()),
  s3Bucket: Type.String({ default: 'mediaintel' }),
  s3Region: Type.String({ default: 'us-east-1' }),
  logLevel: Type.String({ default: 'info' }),
  /** `id:role:tenant:token,...`; unset: open mode (local admin), for a single user on localhost. */
  apiKeys: Type.Optional(Type.String()),
  /** OpenTelemetry spans: none, console or memory. */
  /** The WebRTC SFU in the media-server (mediasoup workers). Off: WS ingest only. */
  sfuEnabled: Type.Boolean({ default: true }),
  /** Where browsers reach the media-server's SFU signaling (ws:// or wss://), when it is not the gateway. */
  sfuPublicUrl: Type.Optional(Type.String()),
  tracesExporter: Type.Union([Type.Literal('none'), Type.Literal('console'), Type.Literal('memory')], {
    default: 'none',
  }),
});
export type AppConfig = Static<typeof AppConfigSchema>;

export function appConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return configFromEnv(
    AppConfigSchema,
    {
      host: 'HOST',
      port: 'PORT',
      mediaPort: 'MEDIA_PORT',
      services: 'SERVICES',
      natsUrl: 'NATS_URL',
      dataDir: 'DATA_DIR',
      publicUrl: 'PUBLIC_URL',
      objectSigningKey: 'OBJECT_SIGNING_KEY',
      s3Endpoint: 'S3_ENDPOINT',
      s3Port: 'S3_PORT',
      s3UseSsl: 'S3_USE_SSL',
      s3AccessKey: 'S3_ACCESS_KEY',
      s3SecretKey: 'S3_SECRET_KEY',
      s3Bucket: 'S3_BUCKET',
      s3Region: 'S3_REGION',
      logLevel: 'LOG_LEVEL',
      apiKeys: 'API_KEYS',
      tracesExporter: 'OTEL_TRACES_EXPORTER',
      sfuEnabled: 'SFU_ENABLED',
      sfuPublicUrl: 'SFU_PUBLIC_URL',
    },
    env,
  );
}

export function parseServices(value: string): ServiceName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(serviceNames as readonly string[]).includes(n)) {
      throw new Error(`unknown service "${n}" (expected ${serviceNames.join(', ')})`);
    }
  }
  return names as ServiceName[];
}
