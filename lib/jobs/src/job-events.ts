import type { Bus } from '@mi/bus';
import { headerNames } from '@mi/bus';
import { type Job, type JobProgressData, makeEvent, type Producer, subjects } from '@mi/contracts';

const enc = new TextEncoder();

/**
 * Publishes a job's progress as `job.progress` events on the EVENTS stream. The id is derived
 * from the job, attempt and a counter, so a re-sent event is de-duplicated by the stream.
 */
export async function publishJobProgress(
  bus: Bus,
  producer: Producer,
  job: Job,
  data: Omit<JobProgressData, 'job' | 'kind'>,
  seq: number,
): Promise<void> {
  const event = makeEvent(
    'job.progress',
    1,
    { job: job.id, kind: job.kind, ...data },
    { tenant: job.tenant, correlationId: job.correlationId, producer, job: job.id },
    `${job.id}:${job.attempts}:${data.state}:${seq}`,
  );
  await bus.append(subjects.jobProgress(job.id), enc.encode(JSON.stringify(event)), {
    msgId: event.id,
    headers: { [headerNames.correlationId]: job.correlationId },
  });
}
