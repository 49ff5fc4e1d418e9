/** Follows one job's progress over its SSE stream (`/v1/jobs/:id/events`). */

import type { Api } from './api.ts';
import type { Envelope, JobProgressData } from './contracts.ts';

export const finishedStates: readonly JobProgressData['state'][] = ['succeeded', 'failed', 'cancelled'];

export type JobFollowHandlers = {
  progress(p: JobProgressData): void;
  /** The job reached a final state (the stream is closed by then). */
  finished(p: JobProgressData): void;
  /** The stream broke for good (e.g. the job is unknown or the key was refused). */
  failed(message: string): void;
};

/**
 * Opens the job's event stream from its start, so a job already running or finished replays its
 * progress. EventSource reconnects by itself (resuming by Last-Event-ID); returns a stop function.
 */
export function followJob(api: Api, jobId: string, on: JobFollowHandlers): () => void {
  const source = new EventSource(api.url(`/v1/jobs/${encodeURIComponent(jobId)}/events`, { from: 'start' }));
  source.addEventListener('job.progress', (m) => {
    const p = (JSON.parse(m.data) as Envelope<string, JobProgressData>).data;
    on.progress(p);
    if (finishedStates.includes(p.state)) {
      source.close();
      on.finished(p);
    }
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) on.failed(`the event stream of job ${jobId} was refused`);
  };
  return () => source.close();
}
