export { publishJobProgress } from './job-events.ts';
export { type JobMessage, JobQueue } from './job-queue.ts';
export {
  defaultPermanentCodes,
  type JobContext,
  type JobHandler,
  JobRunner,
  type JobRunnerOptions,
} from './job-runner.ts';
export { JobStore, terminalStates } from './job-store.ts';
export { type Progress, ProgressTracker } from './progress.ts';
