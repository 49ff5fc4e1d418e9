import { configFromEnv } from '@mi/contracts';
import { type Static, Type } from '@sinclair/typebox';

export const IngestConfigSchema = Type.Object({
  maxFrameBytes: Type.Integer({ minimum: 320, default: 65_536 }),
  helloTimeoutMs: Type.Integer({ minimum: 100, default: 5000 }),
  frameMs: Type.Integer({ minimum: 10, maximum: 500, default: 100 }),
  maxRealtimeFactor: Type.Number({ minimum: 1, default: 20 }),
  burstSeconds: Type.Number({ minimum: 0, default: 30 }),
  defaultTenant: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'default' }),
});
export type IngestConfig = Static<typeof IngestConfigSchema>;

export function ingestConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  return configFromEnv(
    IngestConfigSchema,
    {
      maxFrameBytes: 'INGEST_MAX_FRAME_BYTES',
      helloTimeoutMs: 'INGEST_HELLO_TIMEOUT_MS',
      frameMs: 'INGEST_FRAME_MS',
      maxRealtimeFactor: 'INGEST_MAX_REALTIME_FACTOR',
      burstSeconds: 'INGEST_BURST_SECONDS',
      defaultTenant: 'DEFAULT_TENANT',
    },
    env,
  );
}
