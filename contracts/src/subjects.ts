import { isSubjectToken } from './ids.ts';

/**
 * Bus subjects. The version comes first so a v2 can run beside v1.
 * Room and participant ids are single subject tokens (see ids.ts).
 */
function token(value: string, what: string): string {
  if (!isSubjectToken(value)) throw new Error(`${what} "${value}" is not a valid subject token`);
  return value;
}

export const subjects = {
  audio: (room: string, participant: string) =>
    `v1.media.${token(room, 'room')}.${token(participant, 'participant')}.audio`,
  streamLifecycle: (room: string, participant: string) =>
    `v1.media.${token(room, 'room')}.${token(participant, 'participant')}.stream`,
  keyframe: (room: string, participant: string) =>
    `v1.media.${token(room, 'room')}.${token(participant, 'participant')}.keyframe`,
  recording: (room: string, participant: string) =>
    `v1.media.${token(room, 'room')}.${token(participant, 'participant')}.recording`,
  /** Key frames and recordings of everyone in a room (filters). */
  roomKeyframes: (room: string) => `v1.media.${token(room, 'room')}.*.keyframe`,
  roomRecordings: (room: string) => `v1.media.${token(room, 'room')}.*.recording`,
  speech: (room: string, participant: string) =>
    `v1.speech.${token(room, 'room')}.${token(participant, 'participant')}`,
  transcriptPartial: (room: string) => `v1.transcript.${token(room, 'room')}.partial`,
  transcriptFinal: (room: string) => `v1.transcript.${token(room, 'room')}.final`,
  jobProgress: (job: string) => `v1.job.${token(job, 'job')}.progress`,
  clipDone: (job: string) => `v1.clip.${token(job, 'job')}.done`,
  /** A job's events (progress and its clips), for streams and replay. */
  jobEvents: (job: string) => [`v1.job.${token(job, 'job')}.>`, `v1.clip.${token(job, 'job')}.>`],
  /** Not stored: a transcriber tells a waiting job that one of its chunks is done. */
  jobChunkDone: (job: string) => `v1.jobchunk.${token(job, 'job')}.done`,
  summaryUpdate: (room: string) => `v1.summary.${token(room, 'room')}.update`,
  summaryFinal: (room: string) => `v1.summary.${token(room, 'room')}.final`,
  actionPending: (room: string) => `v1.action.${token(room, 'room')}.pending`,
  actionApproved: (room: string) => `v1.action.${token(room, 'room')}.approved`,
  actionRejected: (room: string) => `v1.action.${token(room, 'room')}.rejected`,
  roomEnded: (room: string) => `v1.room.${token(room, 'room')}.ended`,
  audit: (tenant: string) => `v1.audit.${token(tenant, 'tenant')}`,
  /** Wildcards for subscribers. */
  allAudio: 'v1.media.*.*.audio',
  allStreamLifecycle: 'v1.media.*.*.stream',
  allKeyframes: 'v1.media.*.*.keyframe',
  allRecordings: 'v1.media.*.*.recording',
  allTranscriptFinals: 'v1.transcript.*.final',
  allActionDecisions: 'v1.action.*.*',
  allRoomEnded: 'v1.room.*.ended',
  roomEvents: (room: string) => [
    `v1.transcript.${token(room, 'room')}.>`,
    `v1.speech.${token(room, 'room')}.>`,
    `v1.media.${token(room, 'room')}.*.stream`,
    `v1.media.${token(room, 'room')}.*.keyframe`,
    `v1.media.${token(room, 'room')}.*.recording`,
    `v1.summary.${token(room, 'room')}.>`,
    `v1.action.${token(room, 'room')}.>`,
    `v1.room.${token(room, 'room')}.>`,
  ],
} as const;

/** Streams (durable logs) and their subjects; one definition for both bus implementations. */
export const streams = {
  /** Raw audio: short retention, replayed to a restarted transcriber. */
  AUDIO: { name: 'AUDIO', subjects: ['v1.media.*.*.audio'], maxAgeMs: 15 * 60_000 },
  /** Everything a client may read or resume: transcripts, speech state, lifecycle, progress. */
  EVENTS: {
    name: 'EVENTS',
    subjects: [
      'v1.transcript.>',
      'v1.speech.>',
      'v1.media.*.*.stream',
      'v1.media.*.*.keyframe',
      'v1.media.*.*.recording',
      'v1.job.>',
      'v1.clip.>',
      'v1.summary.>',
      'v1.action.>',
      'v1.room.>',
    ],
    maxAgeMs: 7 * 24 * 3600_000,
  },
  /** Work items (claims on live streams, batch jobs); each taken by one worker of a durable consumer. */
  WORK: { name: 'WORK', subjects: ['v1.work.>'], maxAgeMs: 24 * 3600_000 },
  /** Who decided what, when and why. Immutable: the stream denies delete and purge; kept for a year. */
  AUDIT: { name: 'AUDIT', subjects: ['v1.audit.>'], maxAgeMs: 365 * 24 * 3600_000, immutable: true },
} as const;

/** Header on the audio subject telling frames from the end-of-stream marker. */
export const audioMessageKinds = { header: 'Mi-Kind', frame: 'frame', end: 'end' } as const;

/** Work queues (one consumer takes each message). */
export const queues = {
  /** One message per live stream: whoever holds it transcribes that stream. */
  transcribeStream: 'v1.work.transcribe.stream',
  /** One message per job attempt: a batch job (upload to clips) for any job worker. */
  jobs: 'v1.work.jobs.run',
  /** One message per audio chunk of a batch job: any transcriber decodes it. */
  transcribeChunk: 'v1.work.transcribe.chunk',
} as const;
