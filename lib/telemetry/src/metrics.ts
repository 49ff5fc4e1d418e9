import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets (seconds) that resolve the 0.1-2 s range the live path cares about. */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];

/**
 * The product's Prometheus metrics, one registry per process (passed in, never global).
 * Per-stage latency histograms give p50/p95/p99 via histogram_quantile.
 */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    stageLatency: new Histogram({
      name: 'mi_stage_latency_seconds',
      help: 'Latency of one pipeline stage (ingest, transcribe_frame, transcriber_lag, asr_final, end_of_utterance_to_final)',
      labelNames: ['stage'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'mi_queue_depth',
      help: 'Items waiting per queue',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
    realTimeFactor: new Histogram({
      name: 'mi_asr_real_time_factor',
      help: 'ASR processing time divided by audio duration, per segment',
      labelNames: ['engine'] as const,
      buckets: [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'mi_batch_size',
      help: 'Items per inference batch',
      labelNames: ['model'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    droppedFrames: new Counter({
      name: 'mi_dropped_frames_total',
      help: 'Audio frames dropped, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    ingestStreams: new Gauge({
      name: 'mi_ingest_streams',
      help: 'Open ingest streams',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    events: new Counter({
      name: 'mi_events_total',
      help: 'Events published, by type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'mi_retries_total',
      help: 'Redeliveries and retries, by stage',
      labelNames: ['stage'] as const,
      registers: [registry],
    }),
    audioSeconds: new Counter({
      name: 'mi_audio_seconds_total',
      help: 'Seconds of audio processed, by stage',
      labelNames: ['stage'] as const,
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'mi_dead_letters_total',
      help: 'Messages or deliveries given up after their retries, by stage',
      labelNames: ['stage'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'mi_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by outcome (ok, http_error, network_error, circuit_open)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    circuitOpen: new Gauge({
      name: 'mi_circuit_open',
      help: '1 while a circuit breaker is open or half-open, by dependency',
      labelNames: ['dependency'] as const,
      registers: [registry],
    }),
    approvalsPending: new Gauge({
      name: 'mi_approvals_pending',
      help: 'High-risk actions waiting for a person',
      registers: [registry],
    }),
    engineFallbacks: new Counter({
      name: 'mi_engine_fallbacks_total',
      help: 'Times a preferred model failed and a fallback (rules) answered, by stage and reason',
      labelNames: ['stage', 'reason'] as const,
      registers: [registry],
    }),
    inferenceCost: new Counter({
      name: 'mi_inference_cost_total',
      help: 'Estimated inference cost (tokens for LLMs, CPU seconds for local engines), by engine and unit',
      labelNames: ['engine', 'unit'] as const,
      registers: [registry],
    }),
    sfuEntities: new Gauge({
      name: 'mi_sfu_entities',
      help: 'Live SFU entities by kind (rooms, peers, transports, producers, consumers, taps)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    sfuRequests: new Counter({
      name: 'mi_sfu_requests_total',
      help: 'SFU signaling requests by method and outcome (ok or error code)',
      labelNames: ['method', 'outcome'] as const,
      registers: [registry],
    }),
    sfuWorkerDeaths: new Counter({
      name: 'mi_sfu_worker_deaths_total',
      help: 'mediasoup workers that died (each is replaced and its rooms moved)',
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'mi_jobs_total',
      help: 'Batch jobs finished, by kind and outcome (succeeded, failed, cancelled, retried)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    jobStageSeconds: new Histogram({
      name: 'mi_job_stage_seconds',
      help: 'Duration of one stage of a batch job (probe, transcribe, keyframes, highlights, clips)',
      labelNames: ['stage'] as const,
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    }),
    jobsRunning: new Gauge({
      name: 'mi_jobs_running',
      help: 'Batch jobs running in this process',
      registers: [registry],
    }),
    tapPackets: new Counter({
      name: 'mi_tap_packets_total',
      help: 'RTP packets seen by media taps, by kind and outcome (ok, lost, late, corrupt)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
