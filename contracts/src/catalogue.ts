import type { TObject } from '@sinclair/typebox';
import { ActionApprovedV1, ActionPendingV1, ActionRejectedV1 } from './events/action.ts';
import { AuditEntryV1 } from './events/audit.ts';
import { ClipDoneV1, JobProgressV1 } from './events/job.ts';
import { AudioFrameV1, KeyframeV1, RecordingV1, StreamLifecycleV1 } from './events/media.ts';
import { RoomEndedV1 } from './events/room.ts';
import { SpeechStateV1 } from './events/speech.ts';
import { SummaryFinalV1, SummaryUpdateV1 } from './events/summary.ts';
import { TranscriptFinalV1, TranscriptPartialV1 } from './events/transcript.ts';

/**
 * Every published event schema, keyed `<type>.v<version>`.
 * Once a version is published (listed in published/), it may only change compatibly;
 * an incompatible change means adding the next version beside it.
 */
export const eventCatalogue = {
  'media.audio.v1': AudioFrameV1,
  'media.stream.v1': StreamLifecycleV1,
  'media.keyframe.v1': KeyframeV1,
  'media.recording.v1': RecordingV1,
  'speech.state.v1': SpeechStateV1,
  'transcript.partial.v1': TranscriptPartialV1,
  'transcript.final.v1': TranscriptFinalV1,
  'job.progress.v1': JobProgressV1,
  'clip.done.v1': ClipDoneV1,
  'summary.update.v1': SummaryUpdateV1,
  'summary.final.v1': SummaryFinalV1,
  'action.pending.v1': ActionPendingV1,
  'action.approved.v1': ActionApprovedV1,
  'action.rejected.v1': ActionRejectedV1,
  'room.ended.v1': RoomEndedV1,
  'audit.entry.v1': AuditEntryV1,
} satisfies Record<string, TObject>;

export type CatalogueKey = keyof typeof eventCatalogue;
