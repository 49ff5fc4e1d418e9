import { makeEvent, type RecordingData, subjects } from '@mi/contracts';
import { appendEvent, type PublishTarget } from './events.ts';
import type { RecordingFile } from './recording-file.ts';
import type { FfmpegExit, VideoKeyframeTapStats } from './types.ts';

export interface PublishRecordingOptions extends PublishTarget {
  file: RecordingFile;
  key: string;
  /** How ffmpeg ended; it must have exited (the file is complete, or as complete as it gets). */
  exit: FfmpegExit | undefined;
  /** Track time of the first and the last frame (ms), and the wall-clock ms of track time 0. */
  timeline: { firstOffsetMs: number | undefined; lastOffsetMs: number | undefined; wallBase: number };
  /** Counters this updates. */
  stats: Pick<VideoKeyframeTapStats, 'recordingBytes' | 'recordingError'>;
}

/**
 * Uploads the finished recording file and publishes `media.recording`; resolves to the event
 * data, or undefined when nothing was recorded or the upload failed (logged, never thrown).
 */
export async function publishRecording(o: PublishRecordingOptions): Promise<RecordingData | undefined> {
  const { file, key, timeline } = o;
  const written = file.size();
  o.stats.recordingBytes = written;
  // the first decoded frame is always a candidate: without one, nothing in the file plays
  if (written === 0 || timeline.firstOffsetMs === undefined) {
    o.log.warn({ key, bytes: written }, 'video tap: nothing recorded');
    return undefined;
  }
  if (o.exit && o.exit.code !== 0) {
    // the muxer writes clusters as it goes: what is there plays, but may lack Duration and Cues
    o.log.warn({ key, code: o.exit.code, signal: o.exit.signal }, 'video tap: uploading an unfinished recording');
  }
  let bytes: number;
  try {
    bytes = await file.upload(o.store, key, { producer: o.producerId, room: o.room });
  } catch (err) {
    o.stats.recordingError = (err as Error).message;
    o.log.error({ err, key }, 'video tap: recording upload failed');
    return undefined;
  }
  o.stats.recordingBytes = bytes;
  const first = timeline.firstOffsetMs;
  const durationMs = Math.max(0, (timeline.lastOffsetMs ?? first) - first);
  const startedAt = timeline.wallBase + first;
  const data: RecordingData = {
    room: o.room,
    participant: o.participant,
    producer: o.producerId,
    kind: 'video',
    key,
    contentType: file.container.contentType,
    codec: file.container.codec,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: new Date(startedAt + durationMs).toISOString(),
    durationMs,
    bytes,
  };
  const ev = makeEvent('media.recording', 1, data, o.ctx, `${o.producerId}:recording`);
  try {
    await appendEvent(o.bus, subjects.recording(o.room, o.participant.id), ev, o.ctx);
  } catch (err) {
    o.log.error({ err, id: ev.id }, 'video tap: could not publish the recording');
  }
  return data;
}
