import { type Bus, headerNames } from '@mi/bus';
import { AppError, type Job, type JobCreate, type Producer, queues } from '@mi/contracts';
import { publishJobProgress } from './job-events.ts';
import { type JobStore, terminalStates } from './job-store.ts';

const enc = new TextEncoder();

/** The body of a work message: which job to run. The record in the store holds the rest. */
export type JobMessage = { tenant: string; id: string };

/**
 * Submitting and cancelling jobs (the gateway's side). A job is a record in the JobStore plus one
 * message on the durable WORK queue; whichever job worker takes the message runs it.
 */
export class JobQueue {
  constructor(private readonly deps: { bus: Bus; store: JobStore; producer: Producer }) {}

  /**
   * Creates the job and queues it. Submitting the same id again (a retried request) returns the
   * existing job and queues nothing new: the work message is de-duplicated by job id too.
   */
  async submit(input: {
    tenant: string;
    id: string;
    request: JobCreate;
    correlationId: string;
    input?: Job['input'];
  }): Promise<Job> {
    const now = new Date().toISOString();
    const job: Job = {
      id: input.id,
      tenant: input.tenant,
      kind: input.request.kind,
      state: 'queued',
      stage: 'queued',
      percent: 0,
      attempts: 0,
      request: input.request,
      ...(input.input ? { input: input.input } : {}),
      correlationId: input.correlationId,
      createdAt: now,
      updatedAt: now,
    };
    const created = await this.deps.store.create(job);
    const stored = created ? job : await this.deps.store.get(input.tenant, input.id);
    if (!stored) throw new AppError('ERR_INTERNAL', 'job vanished while submitting');
    // Only a new job is queued: an existing one has its message already (waiting, or held by the
    // worker running it), and a second message would let two workers run it at once.
    if (created) {
      const message: JobMessage = { tenant: input.tenant, id: input.id };
      await this.deps.bus.append(queues.jobs, enc.encode(JSON.stringify(message)), {
        msgId: `job:${input.tenant}:${input.id}`,
        headers: { [headerNames.correlationId]: input.correlationId },
      });
      await publishJobProgress(
        this.deps.bus,
        this.deps.producer,
        job,
        { stage: 'queued', percent: 0, state: 'queued' },
        0,
      );
    }
    return stored;
  }

  /**
   * Asks for a job to stop. A queued job is cancelled at once; a running one stops at its next
   * check (within about a second) and its worker records `cancelled`. Finished jobs cannot be cancelled.
   */
  async cancel(tenant: string, id: string): Promise<Job> {
    let finishedNow = false;
    const job = await this.deps.store.update(tenant, id, (j) => {
      if (terminalStates.has(j.state)) throw new AppError('ERR_CONFLICT', `job is already ${j.state}`);
      finishedNow = j.state === 'queued';
      return finishedNow
        ? { ...j, cancelRequested: true, state: 'cancelled', stage: 'cancelled' }
        : { ...j, cancelRequested: true };
    });
    if (!job) throw new AppError('ERR_NOT_FOUND', `job ${id} not found`);
    if (finishedNow) {
      await publishJobProgress(
        this.deps.bus,
        this.deps.producer,
        job,
        { stage: 'cancelled', percent: job.percent, state: 'cancelled' },
        1,
      );
    }
    return job;
  }
}
