import { configFromEnv } from '@mi/contracts';
import { type Static, Type } from '@sinclair/typebox';

export const TranscriberConfigSchema = Type.Object({
  engine: Type.Union([Type.Literal('pocketsphinx')], { default: 'pocketsphinx' }),
  /**
   * How live finals are made: `live` decodes once while audio arrives (cheapest, lowest latency;
   * per-stream CMN carry-over keeps accuracy near batch); `hybrid` re-decodes each utterance whole
   * at its end (exactly pocketsphinx_batch's result, ~1.7x the CPU and +0.3 s latency).
   */
  streamMode: Type.Union([Type.Literal('live'), Type.Literal('hybrid')], { default: 'live' }),
  /**
   * Live decoding: cap on active HMMs per frame (pocketsphinx -maxhmmpf). 3000 cut CPU ~20 % with
   * no WER change on the test script (2000 lost accuracy); 0 keeps the engine default. Batch (files) is unaffected.
   */
  liveMaxHmmPerFrame: Type.Integer({ minimum: 0, default: 3000 }),
  /** ASR helper processes (parallel decoders). */
  engineProcesses: Type.Integer({ minimum: 0, maximum: 64, default: 0, description: '0 = one per core' }),
  threshold: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
  negThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.35 }),
  minSpeechMs: Type.Integer({ minimum: 0, default: 64 }),
  minSilenceMs: Type.Integer({ minimum: 32, default: 400 }),
  maxUtteranceMs: Type.Integer({ minimum: 1000, default: 20_000 }),
  preRollMs: Type.Integer({ minimum: 0, maximum: 2000, default: 200 }),
  postRollMs: Type.Integer({ minimum: 0, maximum: 2000, default: 150 }),
  partialIntervalMs: Type.Integer({ minimum: 100, default: 400 }),
  claimAckWaitMs: Type.Integer({ minimum: 500, default: 6000 }),
  maxStreams: Type.Integer({ minimum: 1, default: 64 }),
  checkpointEveryMs: Type.Integer({ minimum: 100, default: 2000 }),
});
export type TranscriberSettings = Static<typeof TranscriberConfigSchema>;

export function transcriberConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TranscriberSettings {
  return configFromEnv(
    TranscriberConfigSchema,
    {
      engine: 'ASR_ENGINE',
      streamMode: 'ASR_STREAM_MODE',
      liveMaxHmmPerFrame: 'ASR_LIVE_MAX_HMM_PER_FRAME',
      engineProcesses: 'ASR_PROCESSES',
      threshold: 'VAD_THRESHOLD',
      negThreshold: 'VAD_NEG_THRESHOLD',
      minSpeechMs: 'VAD_MIN_SPEECH_MS',
      minSilenceMs: 'VAD_MIN_SILENCE_MS',
      maxUtteranceMs: 'VAD_MAX_UTTERANCE_MS',
      preRollMs: 'VAD_PRE_ROLL_MS',
      postRollMs: 'VAD_POST_ROLL_MS',
      partialIntervalMs: 'PARTIAL_INTERVAL_MS',
      claimAckWaitMs: 'TRANSCRIBER_CLAIM_ACK_WAIT_MS',
      maxStreams: 'TRANSCRIBER_MAX_STREAMS',
      checkpointEveryMs: 'TRANSCRIBER_CHECKPOINT_MS',
    },
    env,
  );
}
