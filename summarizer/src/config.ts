import { configFromEnv } from '@mi/contracts';
import { type Static, Type } from '@sinclair/typebox';

export const SummarizerConfigSchema = Type.Object({
  /** After a room's last stream ends, wait this long (late finals, rejoins) before the final summary. */
  endGraceMs: Type.Integer({ minimum: 0, default: 15_000 }),
  /** Bullets in the rolling summary. */
  maxBullets: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
  /** Policy file deciding which actions need approval; default: the bundled policy. */
  policyFile: Type.Optional(Type.String()),
  /** Approval decisions and room ends one worker handles at once (segments are applied one by one, in order). */
  concurrency: Type.Integer({ minimum: 1, default: 64 }),
  /** A claimed message not acknowledged in this time goes to another worker. */
  ackWaitMs: Type.Integer({ minimum: 1000, default: 30_000 }),
});
export type SummarizerConfig = Static<typeof SummarizerConfigSchema>;

export function summarizerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SummarizerConfig {
  return configFromEnv(
    SummarizerConfigSchema,
    {
      endGraceMs: 'SUMMARY_END_GRACE_MS',
      maxBullets: 'SUMMARY_MAX_BULLETS',
      policyFile: 'POLICY_FILE',
      concurrency: 'SUMMARIZER_CONCURRENCY',
      ackWaitMs: 'SUMMARIZER_ACK_WAIT_MS',
    },
    env,
  );
}
