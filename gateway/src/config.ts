import { configFromEnv } from '@mi/contracts';
import { type Static, Type } from '@sinclair/typebox';

export const GatewayConfigSchema = Type.Object({
  /** Master key that seals webhook secrets at rest (AES-256-GCM, key derived with scrypt). */
  secretsKey: Type.String({ minLength: 16, default: 'dev-only-secrets-key-change-me' }),
  webhookMaxAttempts: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
  webhookBackoffBaseMs: Type.Integer({ minimum: 1, default: 500 }),
  webhookBackoffMaxMs: Type.Integer({ minimum: 1, default: 60_000 }),
  webhookTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  webhookBreakerFailures: Type.Integer({ minimum: 1, default: 5 }),
  webhookBreakerOpenMs: Type.Integer({ minimum: 100, default: 30_000 }),
  /** Largest media upload accepted, bytes (default 8 GiB: a few hours of 1080p). */
  uploadMaxBytes: Type.Integer({ minimum: 1, default: 8 * 1024 ** 3 }),
  /** Where streamed uploads wait on disk while they are checked (default the OS temp dir). */
  uploadTmpDir: Type.Optional(Type.String()),
});
export type GatewayConfig = Static<typeof GatewayConfigSchema>;

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return configFromEnv(
    GatewayConfigSchema,
    {
      secretsKey: 'SECRETS_KEY',
      webhookMaxAttempts: 'WEBHOOK_MAX_ATTEMPTS',
      webhookBackoffBaseMs: 'WEBHOOK_BACKOFF_BASE_MS',
      webhookBackoffMaxMs: 'WEBHOOK_BACKOFF_MAX_MS',
      webhookTimeoutMs: 'WEBHOOK_TIMEOUT_MS',
      webhookBreakerFailures: 'WEBHOOK_BREAKER_FAILURES',
      webhookBreakerOpenMs: 'WEBHOOK_BREAKER_OPEN_MS',
      uploadMaxBytes: 'UPLOAD_MAX_BYTES',
      uploadTmpDir: 'UPLOAD_TMP_DIR',
    },
    env,
  );
}
