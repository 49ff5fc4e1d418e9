import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Bus } from '@mi/bus';
import { AppError, assertValid, type RecordingData, RecordingV1, RoomEndedV1, streams, subjects } from '@mi/contracts';
import type { JobContext } from '@mi/jobs';
import { ObjectNotFoundError, type ObjectStore } from '@mi/object-store';
import type { Logger } from '@mi/telemetry';
import { type FfmpegPlan, quietOptions } from '../render/plan.ts';
import { runPlan } from '../render/run-ffmpeg.ts';
import { jobKeys } from './keys.ts';

const run = promisify(execFile);
const dec = new TextDecoder();

export type RoomSourceDeps = {
  bus: Bus;
  store: ObjectStore;
  /**
   * How long after the meeting ended (or the job was created, for a room that has not ended) a
   * job waits for audio recordings to appear: tracks are uploaded when they end, so a job started
   * by `room.ended` may be there first. Default 2 minutes; then the job fails for good.
   */
  waitForRecordingsMs?: number;
  /** How often the recordings are looked for again while waiting (default 2 s). */
  pollMs?: number;
};

/** Everything the bus holds about one tenant's room: its tracks and the times its meetings ended. */
export type RoomHistory = { recordings: RecordingData[]; ends: number[] };

/** The recordings of one meeting of a room, and when it ended (absent while it has not). */
export type Meeting = { recordings: RecordingData[]; endedAt?: number };

/** Frame rate and size box of the assembled source. */
const FPS = 25;
const MAX_WIDTH = 1280;
const MAX_HEIGHT = 720;
/** A job's creation time and the room.ended time come from different hosts' clocks. */
const CLOCK_SKEW_MS = 60_000;
/** The job's share of progress this covers (the rest of the path starts at 0 again with the download). */
const PROGRESS_SPAN = 2;

/**
 * Reads the room's `media.recording` and `room.ended` events of one tenant from the EVENTS stream.
 * Another tenant's room of the same name is left out; events are de-duplicated by envelope id.
 */
export async function readRoomHistory(bus: Bus, tenant: string, room: string, logger?: Logger): Promise<RoomHistory> {
  const recordings = new Map<string, RecordingData>();
  const ends = new Map<string, number>();
  const read = async (filterSubject: string, take: (value: unknown) => void) => {
    const sub = await bus.replay(streams.EVENTS.name, { filterSubject, from: { kind: 'all' }, live: false }, (msg) => {
      try {
        take(JSON.parse(dec.decode(msg.data)));
      } catch (err) {
        logger?.warn({ err, subject: msg.subject, seq: msg.seq }, 'room source: skipping a malformed event');
      }
    });
    await sub.done;
  };
  await read(subjects.roomRecordings(room), (value) => {
    const ev = assertValid(RecordingV1, value, 'media.recording');
    if (ev.tenant === tenant && ev.data.room === room && !recordings.has(ev.id)) recordings.set(ev.id, ev.data);
  });
  await read(subjects.roomEnded(room), (value) => {
    const ev = assertValid(RoomEndedV1, value, 'room.ended');
    if (ev.tenant === tenant && ev.data.room === room && !ends.has(ev.id)) ends.set(ev.id, Date.parse(ev.time));
  });
  return { recordings: [...recordings.values()], ends: [...ends.values()].sort((a, b) => a - b) };
}

/**
 * The last meeting of the room that had ended by `asOf`, or everything so far when none had:
 * rooms are reused, so only the tracks that started after the previous meeting's end and by this
 * one's belong to it. A room ended twice with nothing recorded in between gives an empty meeting.
 */
export function selectMeeting(history: RoomHistory, asOf: number): Meeting {
  const endedAt = history.ends.filter((t) => t <= asOf).at(-1);
  const after = endedAt === undefined ? undefined : history.ends.filter((t) => t < endedAt).at(-1);
  const recordings = history.recordings.filter((r) => {
    const started = Date.parse(r.startedAt);
    return (after === undefined || started > after) && (endedAt === undefined || started <= endedAt);
  });
  return endedAt === undefined ? { recordings } : { recordings, endedAt };
}

/** From the first track's start to the last one's end. */
export function meetingSpanMs(recordings: RecordingData[]): number {
  if (recordings.length === 0) return 0;
  const start = Math.min(...recordings.map((r) => Date.parse(r.startedAt)));
  const end = Math.max(...recordings.map((r) => Date.parse(r.startedAt) + r.durationMs));
  return end - start;
}

/**
 * Builds one MP4 of a room's meeting for the batch path: every audio track mixed at its start
 * offset, the longest video track (if any) on the same timeline (black before and after it),
 * 25 fps H.264 at most 1280x720 + AAC 48 kHz. Stored under the job's `roomSource` key; a retried
 * attempt that finds it there returns it as it is.
 *
 * The meeting is the last one of the room that ended by the job's creation (see selectMeeting).
 * While it has no audio recording yet, this waits up to `waitForRecordingsMs` after the meeting's
 * end; then it fails with ERR_NO_AUDIO (video only) or ERR_NOT_FOUND (nothing recorded), which the
 * job runner does not retry. Tracks ffprobe cannot read are left out with a warning.
 */
export async function assembleRoomSource(
  deps: RoomSourceDeps,
  ctx: JobContext,
  room: string,
  dir: string,
): Promise<{ key: string }> {
  const { tenant, id } = ctx.job;
  const key = jobKeys(tenant, id).roomSource;
  if (await deps.store.stat(key)) return { key };
  const progress = (f: number, message?: string) => ctx.progress('assemble', f * PROGRESS_SPAN, message);
  progress(0);

  const meeting = await awaitRecordings(deps, ctx, room, progress);
  const work = join(dir, 'room');
  await mkdir(work, { recursive: true });
  try {
    const tracks = await fetchTracks(deps.store, meeting.recordings, work, ctx);
    progress(0.2);
    const plan = mixPlan(tracks, join(work, 'mixed.mp4'));
    ctx.logger.info(
      { room, audio: plan.audioTracks, video: plan.videoTrack, durationMs: plan.durationMs },
      'assembling the room source',
    );
    await runPlan(plan.ffmpeg, {
      signal: ctx.signal,
      durationSec: plan.durationMs / 1000,
      onProgress: (f) => progress(0.2 + 0.7 * f),
    });
    const output = plan.ffmpeg.outputs[0]!.target;
    const { size } = await stat(output);
    await deps.store.put(key, createReadStream(output), {
      contentType: plan.videoTrack ? 'video/mp4' : 'audio/mp4',
      size,
      metadata: { room },
    });
    progress(1);
    return { key };
  } finally {
    // The handler downloads the stored source into the same directory: no need to hold two copies.
    await rm(work, { recursive: true, force: true });
  }
}

async function awaitRecordings(
  deps: RoomSourceDeps,
  ctx: JobContext,
  room: string,
  progress: (f: number, message?: string) => void,
): Promise<Meeting> {
  const asOf = Date.parse(ctx.job.createdAt) + CLOCK_SKEW_MS;
  const waitMs = deps.waitForRecordingsMs ?? 120_000;
  for (;;) {
    ctx.signal.throwIfAborted();
    const meeting = selectMeeting(await readRoomHistory(deps.bus, ctx.job.tenant, room, ctx.logger), asOf);
    if (meeting.recordings.some((r) => r.kind === 'audio')) return meeting;
    const left = (meeting.endedAt ?? Date.parse(ctx.job.createdAt)) + waitMs - Date.now();
    if (left <= 0) {
      if (meeting.recordings.length > 0) throw new AppError('ERR_NO_AUDIO', `room ${room} has no audio recording`);
      throw new AppError('ERR_NOT_FOUND', `room ${room} has no recordings`);
    }
    progress(0, 'waiting for the room recordings');
    await sleep(Math.min(left, deps.pollMs ?? 2000), undefined, { signal: ctx.signal });
  }
}

/** A downloaded track with what ffprobe says about it. */
export type LocalTrack = {
  recording: RecordingData;
  path: string;
  /** Milliseconds the file plays. */
  durationMs: number;
  audioChannels?: number;
  video?: { width: number; height: number };
};

async function fetchTracks(
  store: ObjectStore,
  recordings: RecordingData[],
  dir: string,
  ctx: JobContext,
): Promise<LocalTrack[]> {
  const fetched = await Promise.all(
    recordings.map(async (recording, i) => {
      // ffmpeg tells the container by its content; the name only keeps tracks apart.
      const path = join(dir, `track-${i}.${recording.kind === 'audio' ? 'ogg' : 'mkv'}`);
      try {
        await pipeline(await store.get(recording.key), createWriteStream(path), { signal: ctx.signal });
      } catch (err) {
        if (!(err instanceof ObjectNotFoundError)) throw err;
        ctx.logger.warn({ key: recording.key }, 'room source: leaving out a track missing from the store');
        return undefined;
      }
      const probed = await probeTrack(path);
      const usable = recording.kind === 'audio' ? probed?.audioChannels : probed?.video;
      if (!probed || !usable) {
        ctx.logger.warn({ key: recording.key, kind: recording.kind }, 'room source: leaving out an unreadable track');
        return undefined;
      }
      return { recording, path, ...probed };
    }),
  );
  const tracks = fetched.filter((t): t is LocalTrack => t !== undefined);
  if (!tracks.some((t) => t.recording.kind === 'audio')) {
    throw new AppError('ERR_UNSUPPORTED_MEDIA', 'no audio recording of the room could be read');
  }
  return tracks;
}

/** ffprobe of one track; undefined when it does not read as media. */
async function probeTrack(path: string): Promise<Omit<LocalTrack, 'recording' | 'path'> | undefined> {
  let out: string;
  try {
    ({ stdout: out } = await run('ffprobe', ['-v', 'error', '-of', 'json', '-show_format', '-show_streams', path], {
      maxBuffer: 8 << 20,
    }));
  } catch {
    return undefined;
  }
  const info = JSON.parse(out) as {
    format?: { duration?: string };
    streams?: { codec_type?: string; channels?: number; width?: number; height?: number }[];
  };
  const audio = info.streams?.find((s) => s.codec_type === 'audio');
  const video = info.streams?.find((s) => s.codec_type === 'video');
  const seconds = Number(info.format?.duration);
  return {
    durationMs: Number.isFinite(seconds) ? seconds * 1000 : 0,
    ...(audio?.channels ? { audioChannels: audio.channels } : {}),
    ...(video?.width && video.height ? { video: { width: video.width, height: video.height } } : {}),
  };
}

/** The ffmpeg run that mixes the tracks onto one timeline, with what went into it. */
export type MixPlan = {
  ffmpeg: FfmpegPlan;
  durationMs: number;
  audioTracks: number;
  /** The producer of the video track used, if any. */
  videoTrack?: string;
};

/** Even dimensions that fit the box without upscaling. */
function fitBox(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, MAX_WIDTH / width, MAX_HEIGHT / height);
  const even = (n: number) => Math.max(2, 2 * Math.round((n * scale) / 2));
  return { width: even(width), height: even(height) };
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** Plans the mix: tracks start where their `startedAt` puts them after the earliest one. */
export function mixPlan(tracks: LocalTrack[], target: string): MixPlan {
  const audio = tracks.filter((t) => t.recording.kind === 'audio');
  // The longest picture is most of the meeting; a second camera would need a layout.
  const video = tracks
    .filter((t) => t.recording.kind === 'video' && t.video)
    .sort((a, b) => b.recording.durationMs - a.recording.durationMs)[0];
  const used = video ? [...audio, video] : audio;
  const t0 = Math.min(...used.map((t) => Date.parse(t.recording.startedAt)));
  const offset = (t: LocalTrack) => Date.parse(t.recording.startedAt) - t0;
  // The SFU's clock over the container's: a live recording's header duration can be missing or wrong.
  const durationMs = Math.max(...used.map((t) => offset(t) + (t.recording.durationMs || t.durationMs)));

  const layout = audio.some((t) => (t.audioChannels ?? 1) > 1) ? 'stereo' : 'mono';
  const graph = audio.map(
    (t, i) =>
      `[${i}:a:0]asetpts=PTS-STARTPTS,aresample=48000,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=${layout},` +
      `adelay=delays=${Math.round(offset(t))}:all=1[a${i}]`,
  );
  const labels = audio.map((_, i) => `[a${i}]`).join('');
  // normalize=0: a voice keeps its level whoever else is in the room; apad fills to the end of the picture.
  graph.push(
    audio.length > 1
      ? `${labels}amix=inputs=${audio.length}:normalize=0:duration=longest:dropout_transition=0,apad[aout]`
      : `${labels}apad[aout]`,
  );
  const outputOptions = ['-map', '[aout]', '-c:a', 'aac', '-b:a', '128k', '-ar', '48000'];
  if (video?.video) {
    const box = fitBox(video.video.width, video.video.height);
    // A fixed box: WebRTC senders change resolution mid-call, and the encoder cannot follow.
    graph.push(
      `[${audio.length}:v:0]setpts=PTS-STARTPTS,fps=${FPS},` +
        `scale=${box.width}:${box.height}:force_original_aspect_ratio=decrease:force_divisible_by=2,` +
        `pad=${box.width}:${box.height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p,` +
        `tpad=start_duration=${seconds(offset(video))}:start_mode=add:color=black:` +
        `stop_mode=add:stop_duration=${seconds(durationMs)}[vout]`,
    );
    outputOptions.unshift('-map', '[vout]', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23');
    outputOptions.push('-g', String(FPS * 2));
  }
  outputOptions.push('-t', seconds(durationMs), '-movflags', '+faststart');
  return {
    ffmpeg: {
      globalOptions: quietOptions,
      inputs: used.map((t) => ({ source: t.path, options: [] })),
      filterComplex: graph.join(';'),
      outputs: [{ target, options: outputOptions }],
    },
    durationMs,
    audioTracks: audio.length,
    ...(video ? { videoTrack: video.recording.producer } : {}),
  };
}
