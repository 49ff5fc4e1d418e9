import type { Bus, Subscription, WorkMessage } from '@mi/bus';
import { type ApiError, type Job, type JobResult, type Producer, queues, streams } from '@mi/contracts';
import type { Logger, Metrics } from '@mi/telemetry';
import { publishJobProgress } from './job-events.ts';
import type { JobMessage } from './job-queue.ts';
import { type JobStore, terminalStates } from './job-store.ts';
import { ProgressTracker } from './progress.ts';

const dec = new TextDecoder();

export type JobContext = {
  /** The record as the attempt started (state running). */
  job: Job;
  /** 1 on the first attempt. */
  attempt: number;
  /** Aborted when the job is cancelled or the runner shuts down: stop and throw. */
  signal: AbortSignal;
  /** Overall progress of the job, 0-100, within a named stage. Cheap: throttled before it is sent. */
  progress(stage: string, percent: number, message?: string): void;
  logger: Logger;
};

export type JobHandler = (ctx: JobContext) => Promise<JobResult>;

export type JobRunnerOptions = {
  bus: Bus;
  store: JobStore;
  producer: Producer;
  handlers: Partial<Record<Job['kind'], JobHandler>>;
  logger: Logger;
  metrics?: Metrics;
  /** Jobs this runner works on at once (default 1). */
  concurrency?: number;
  /** A job whose worker stops heartbeating for this long is handed to another worker (default 30 s). */
  ackWaitMs?: number;
  /** Attempts before a job fails for good and its message is dead-lettered (default 3). */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt (default 2 s). */
  retryDelayMs?: number;
  /** How often a running job checks whether it was cancelled (default 1 s). */
  cancelPollMs?: number;
  /** Error codes that fail a job at once (bad input will not get better on retry). */
  permanentCodes?: ReadonlySet<string>;
};

export const defaultPermanentCodes: ReadonlySet<string> = new Set([
  'ERR_SCHEMA',
  'ERR_NOT_FOUND',
  'ERR_UNSUPPORTED_MEDIA',
  'ERR_NO_AUDIO',
  'ERR_MEDIA_TRUNCATED',
  'ERR_QUOTE_NOT_FOUND',
  'ERR_INVALID_RANGE',
  'ERR_UPLOAD_INCOMPLETE',
]);

class CancelledError extends Error {
  readonly code = 'ERR_CANCELLED';
}

/** The catalogue code and message of any error (unknown errors are internal). */
function apiError(err: unknown): ApiError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' && e.code.startsWith('ERR_') ? e.code : 'ERR_INTERNAL';
  return { code, message: String(e?.message ?? err).slice(0, 2000) };
}

/** Settles with `work`, or rejects as soon as `signal` aborts (a handler slow to notice is not waited for). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Runs jobs from the durable WORK queue. Each attempt heartbeats its message, so a job whose
 * worker dies is redelivered to another worker after `ackWaitMs`; handlers resume from what
 * earlier attempts stored. Failures are retried with backoff unless their code is permanent;
 * the last attempt's failure dead-letters the message. Cancel requests abort the handler.
 */
export class JobRunner {
  private subscription: Subscription | undefined;
  private readonly running = new Map<string, AbortController>();
  private readonly inflight = new Set<Promise<void>>();
  private closing = false;

  constructor(private readonly opts: JobRunnerOptions) {}

  async start(): Promise<void> {
    const maxAttempts = this.opts.maxAttempts ?? 3;
    this.subscription = await this.opts.bus.consume(
      {
        stream: streams.WORK.name,
        durable: 'jobs',
        filterSubject: queues.jobs,
        ackWaitMs: this.opts.ackWaitMs ?? 30_000,
        // One delivery more than attempts: the job whose workers all died mid-attempt is then
        // failed by a runner (below), not dropped silently by the queue.
        maxDeliver: maxAttempts + 1,
        concurrency: this.opts.concurrency ?? 1,
      },
      (msg) => {
        const p = this.handle(msg, maxAttempts);
        this.inflight.add(p);
        return p.finally(() => this.inflight.delete(p));
      },
    );
  }

  /** Stops taking jobs; running ones are aborted and handed back to the queue for another worker. */
  async close(): Promise<void> {
    this.closing = true;
    await this.subscription?.unsubscribe();
    for (const c of this.running.values()) c.abort(new Error('shutting down'));
    // Let aborted attempts hand their messages back and clean their workspaces (bounded).
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }

  private async handle(msg: WorkMessage, maxAttempts: number): Promise<void> {
    let ref: JobMessage;
    try {
      ref = JSON.parse(dec.decode(msg.data)) as JobMessage;
      if (typeof ref.tenant !== 'string' || typeof ref.id !== 'string') throw new Error('missing tenant or id');
    } catch (err) {
      await msg.term(`malformed job message: ${(err as Error).message}`);
      return;
    }
    const { store } = this.opts;
    const existing = await store.get(ref.tenant, ref.id);
    if (!existing) {
      await msg.term(`unknown job ${ref.tenant}/${ref.id}`);
      return;
    }
    if (terminalStates.has(existing.state)) {
      await msg.ack();
      return;
    }
    if (existing.cancelRequested) {
      await this.finish(existing, 'cancelled', {});
      await msg.ack();
      return;
    }
    if (existing.attempts >= maxAttempts) {
      const error = { code: 'ERR_INTERNAL', message: `gave up after ${existing.attempts} attempts: workers stopped` };
      await this.finish(existing, 'failed', { error });
      await msg.term(error.message);
      return;
    }
    const handler = this.opts.handlers[existing.kind];
    if (!handler) {
      // Another kind of worker may run it; this one leaves it alone.
      msg.nak(1000);
      return;
    }
    const attempt = existing.attempts + 1;
    // Compare-and-set against what was read: a cancel or another worker in between wins.
    let raced = false;
    const job = await store.update(ref.tenant, ref.id, (j) => {
      if (j.attempts !== existing.attempts || j.cancelRequested || terminalStates.has(j.state)) {
        raced = true;
        return undefined;
      }
      return { ...j, state: 'running', stage: 'starting', attempts: attempt, error: undefined };
    });
    if (!job) return void (await msg.term('job vanished'));
    if (raced) {
      // Redelivered at once: the next delivery sees the new state (cancelled, finished or taken).
      msg.nak(0);
      return;
    }
    const logger = this.opts.logger.child({
      job: job.id,
      tenant: job.tenant,
      attempt,
      correlationId: job.correlationId,
    });
    const controller = new AbortController();
    this.running.set(`${job.tenant}.${job.id}`, controller);
    this.opts.metrics?.jobsRunning.inc();
    const tracker = new ProgressTracker({
      publish: (p, seq) =>
        publishJobProgress(this.opts.bus, this.opts.producer, job, { ...p, state: 'running', attempt }, seq),
      save: (p) =>
        store.update(job.tenant, job.id, (j) =>
          j.state === 'running' ? { ...j, stage: p.stage, percent: p.percent, etaMs: p.etaMs } : undefined,
        ),
      onStageEnd: (stage, seconds) => this.opts.metrics?.jobStageSeconds.observe({ stage }, seconds),
      logger,
    });
    const heartbeat = setInterval(() => msg.working(), Math.max(200, (this.opts.ackWaitMs ?? 30_000) / 3));
    const cancelPoll = setInterval(() => {
      void store.get(job.tenant, job.id).then(
        (j) => j?.cancelRequested && controller.abort(new CancelledError('job was cancelled')),
        () => undefined,
      );
    }, this.opts.cancelPollMs ?? 1000);
    logger.info({ kind: job.kind }, 'job started');
    tracker.update('starting', 0);
    try {
      const result = await untilAborted(
        handler({
          job,
          attempt,
          signal: controller.signal,
          progress: (stage, percent, message) => tracker.update(stage, percent, message),
          logger,
        }),
        controller.signal,
      );
      if (controller.signal.aborted) throw controller.signal.reason;
      await tracker.close();
      await this.finish(job, 'succeeded', { result });
      await msg.ack();
      logger.info({ elapsedMs: tracker.elapsedMs }, 'job succeeded');
    } catch (err) {
      await tracker.close();
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      if (reason instanceof CancelledError) {
        await this.finish(job, 'cancelled', {});
        await msg.ack();
        logger.info('job cancelled');
      } else if (this.closing) {
        // Shutting down: another worker picks it up at once and resumes from what is stored.
        msg.nak(0);
      } else {
        const error = apiError(err);
        const permanent = (this.opts.permanentCodes ?? defaultPermanentCodes).has(error.code);
        if (permanent || attempt >= maxAttempts || msg.deliveryCount >= maxAttempts) {
          await this.finish(job, 'failed', { error });
          await msg.term(`${error.code}: ${error.message}`);
          logger.warn({ error, permanent }, 'job failed');
        } else {
          const delay = (this.opts.retryDelayMs ?? 2000) * 2 ** (attempt - 1);
          await store.update(job.tenant, job.id, (j) => ({ ...j, state: 'queued', stage: 'retrying', error }));
          await publishJobProgress(
            this.opts.bus,
            this.opts.producer,
            job,
            {
              stage: 'retrying',
              percent: tracker.percent,
              state: 'queued',
              attempt,
              error,
              message: `retrying in ${delay} ms`,
            },
            tracker.seq + 1,
          );
          this.opts.metrics?.jobs.inc({ kind: job.kind, outcome: 'retried' });
          msg.nak(delay);
          logger.warn({ error, delay }, 'job attempt failed; retrying');
        }
      }
    } finally {
      clearInterval(heartbeat);
      clearInterval(cancelPoll);
      this.running.delete(`${job.tenant}.${job.id}`);
      this.opts.metrics?.jobsRunning.dec();
    }
  }

  private async finish(
    job: Job,
    state: 'succeeded' | 'failed' | 'cancelled',
    extra: { result?: JobResult; error?: ApiError },
  ): Promise<void> {
    const stored = await this.opts.store.update(job.tenant, job.id, (j) => ({
      ...j,
      state,
      stage: state,
      percent: state === 'succeeded' ? 100 : j.percent,
      etaMs: undefined,
      ...extra,
    }));
    this.opts.metrics?.jobs.inc({ kind: job.kind, outcome: state });
    await publishJobProgress(
      this.opts.bus,
      this.opts.producer,
      stored ?? job,
      {
        stage: state,
        percent: stored?.percent ?? job.percent,
        state,
        attempt: Math.max(1, stored?.attempts ?? job.attempts),
        ...(extra.error ? { error: extra.error, message: extra.error.message } : {}),
      },
      1_000_000,
    );
  }
}
