import { type Bus, headerNames } from '@mi/bus';
import { type ClipDoneData, type Job, type JobResult, makeEvent, type Producer, subjects } from '@mi/contracts';
import type { ObjectStore } from '@mi/object-store';
import { presignResult } from './presign.ts';

const enc = new TextEncoder();

/** `clip.done` with presigned URLs; its id is fixed per job, so a retried attempt's copy is dropped. */
export async function publishClipDone(
  deps: { bus: Bus; store: ObjectStore; producer: Producer; urlExpirySeconds: number },
  job: Job,
  result: JobResult,
): Promise<void> {
  const signed = await presignResult(deps.store, result, deps.urlExpirySeconds);
  const data: ClipDoneData = {
    job: job.id,
    source: result.source,
    edl: result.edl,
    clips: signed.clips,
    expiresAt: new Date(Date.now() + deps.urlExpirySeconds * 1000).toISOString(),
  };
  const event = makeEvent(
    'clip.done',
    1,
    data,
    { tenant: job.tenant, correlationId: job.correlationId, producer: deps.producer, job: job.id },
    `${job.id}:clip.done`,
  );
  await deps.bus.append(subjects.clipDone(job.id), enc.encode(JSON.stringify(event)), {
    msgId: event.id,
    headers: { [headerNames.correlationId]: job.correlationId },
  });
}
