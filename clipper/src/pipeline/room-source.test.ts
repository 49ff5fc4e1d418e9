import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { InProcessBus } from '@mi/bus';
import { type Job, makeEvent, type Participant, type RecordingData, streams, subjects } from '@mi/contracts';
import type { JobContext } from '@mi/jobs';
import { LocalObjectStore } from '@mi/object-store';
import { createLogger } from '@mi/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebinar } from '../testing/index.ts';
import { jobKeys } from './keys.ts';
import { assembleRoomSource, type RoomHistory, selectMeeting } from './room-source.ts';

const run = promisify(execFile);
const enc = new TextEncoder();
const producer = { service: 'room-source-test', version: '0' };
const logger = createLogger({ service: 'room-source-test', level: 'silent' });
const alice: Participant = { id: 'alice', name: 'Alice' };
const bob: Participant = { id: 'bob', name: 'Bob' };

let root: string;
let bus: InProcessBus;
let store: LocalObjectStore;
/** Wall clock of the meeting's first track: a minute ago, so the meeting has ended by now. */
const t0 = Date.now() - 60_000;
const at = (ms: number) => new Date(t0 + ms).toISOString();

const ffmpeg = (args: string[]) => run('ffmpeg', ['-v', 'error', '-y', ...args]);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'room-source-'));
  bus = new InProcessBus();
  for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
  store = new LocalObjectStore({ root: join(root, 'store'), publicUrl: 'http://localhost', signingKey: 'k' });
  const { path } = await generateWebinar();
  const opus = ['-vn', '-ac', '1', '-ar', '48000', '-c:a', 'libopus', '-b:a', '32k'];
  // Alice: 2 s of the first line; Bob: 8 s from the start of the third line; the camera: 8 s of slides.
  await ffmpeg(['-ss', '0.4', '-t', '2', '-i', path, ...opus, join(root, 'alice.ogg')]);
  await ffmpeg(['-ss', '9.23', '-t', '8', '-i', path, ...opus, join(root, 'bob.ogg')]);
  await ffmpeg([
    ...['-t', '8', '-i', path, '-an', '-vf', 'scale=320:180'],
    ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', join(root, 'cam.webm')],
  ]);
}, 120_000);

afterAll(async () => {
  await bus?.close();
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

type Track = { tenant?: string; room: string; who: Participant; kind: 'audio' | 'video'; file: string };

/** Stores a track file and publishes its `media.recording`, as the SFU does when the track ends. */
async function record(t: Track, startMs: number, durationMs: number): Promise<RecordingData> {
  const tenant = t.tenant ?? 't1';
  const producerId = `${tenant}-${t.room}-${t.who.id}-${t.kind}-${startMs}`;
  const key = `rooms/${t.room}/recordings/${t.who.id}/${producerId}.${t.kind === 'audio' ? 'ogg' : 'webm'}`;
  const body = await readFile(join(root, t.file));
  await store.put(key, body, { contentType: t.kind === 'audio' ? 'audio/ogg' : 'video/webm' });
  const data: RecordingData = {
    room: t.room,
    participant: t.who,
    producer: producerId,
    kind: t.kind,
    key,
    contentType: t.kind === 'audio' ? 'audio/ogg' : 'video/webm',
    codec: t.kind === 'audio' ? 'opus' : 'vp8',
    startedAt: at(startMs),
    endedAt: at(startMs + durationMs),
    durationMs,
    bytes: body.length,
  };
  const ev = makeEvent('media.recording', 1, data, { tenant, correlationId: 'c1', producer, room: t.room }, producerId);
  await bus.append(subjects.recording(t.room, t.who.id), enc.encode(JSON.stringify(ev)), { msgId: ev.id });
  return data;
}

async function endRoom(room: string, atMs: number, tenant = 't1'): Promise<void> {
  const ev = makeEvent(
    'room.ended',
    1,
    { room, reason: 'streams-ended' as const },
    { tenant, correlationId: 'c1', producer, room },
    `${tenant}-${room}-ended-${atMs}`,
    new Date(t0 + atMs),
  );
  await bus.append(subjects.roomEnded(room), enc.encode(JSON.stringify(ev)), { msgId: ev.id });
}

type Calls = { stage: string; percent: number }[];

function jobContext(id: string, room: string, controller = new AbortController()): { ctx: JobContext; calls: Calls } {
  const now = new Date().toISOString();
  const job: Job = {
    id,
    tenant: 't1',
    kind: 'highlights',
    state: 'running',
    stage: 'starting',
    percent: 0,
    attempts: 1,
    request: { kind: 'highlights', source: { room } },
    correlationId: 'c1',
    createdAt: now,
    updatedAt: now,
  };
  const calls: Calls = [];
  return {
    ctx: {
      job,
      attempt: 1,
      signal: controller.signal,
      progress: (stage, percent) => void calls.push({ stage, percent }),
      logger,
    },
    calls,
  };
}

async function fetchOutput(key: string, name: string): Promise<string> {
  const path = join(root, name);
  await pipeline(await store.get(key), createWriteStream(path));
  return path;
}

async function probe(path: string) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-of', 'json', '-show_format', '-show_streams', path]);
  return JSON.parse(stdout) as {
    format: { duration: string };
    streams: { codec_type: string; codec_name: string; width?: number; height?: number; avg_frame_rate?: string }[];
  };
}

/** Loudest sample (dBFS) of the audio between `from` and `to` seconds. */
async function maxVolume(path: string, from: number, to: number): Promise<number> {
  const { stderr } = await run('ffmpeg', [
    ...['-hide_banner', '-ss', String(from), '-t', String(to - from), '-i', path],
    ...['-vn', '-af', 'volumedetect', '-f', 'null', '-'],
  ]);
  const m = /max_volume: (-?[\d.]+|-inf) dB/.exec(stderr);
  if (!m) throw new Error(`no volume in ${stderr}`);
  return m[1] === '-inf' ? -Infinity : Number(m[1]);
}

/** Mean luma (0-255) of the top-left corner of the frame at `time` seconds (no title text there). */
async function cornerLuma(path: string, time: number): Promise<number> {
  const { stdout } = await run(
    'ffmpeg',
    [
      ...['-v', 'error', '-ss', String(time), '-i', path, '-frames:v', '1'],
      ...['-vf', 'crop=32:32:0:0,scale=1:1:flags=area,format=gray', '-f', 'rawvideo', '-'],
    ],
    { encoding: 'buffer' },
  );
  return stdout[0]!;
}

describe('selectMeeting', () => {
  const rec = (startMs: number): RecordingData => ({
    room: 'r',
    participant: alice,
    producer: `p${startMs}`,
    kind: 'audio',
    key: `k${startMs}`,
    contentType: 'audio/ogg',
    codec: 'opus',
    startedAt: new Date(startMs).toISOString(),
    endedAt: new Date(startMs + 1000).toISOString(),
    durationMs: 1000,
    bytes: 1,
  });
  const history: RoomHistory = {
    recordings: [rec(100), rec(200), rec(1100), rec(1200), rec(3100)],
    ends: [1000, 2000],
  };
  const starts = (asOf: number) => selectMeeting(history, asOf).recordings.map((r) => Date.parse(r.startedAt));

  it('takes the last meeting that ended by then, without the one before', () => {
    expect(starts(2500)).toEqual([1100, 1200]);
    expect(selectMeeting(history, 2500).endedAt).toBe(2000);
    expect(starts(1500)).toEqual([100, 200]);
    expect(starts(5000)).toEqual([1100, 1200]);
  });

  it('takes everything while no meeting has ended, and nothing for an end with no tracks before it', () => {
    expect(starts(500)).toEqual([100, 200, 1100, 1200, 3100]);
    expect(selectMeeting({ recordings: history.recordings, ends: [1000, 2000, 3000] }, 3500).recordings).toEqual([]);
  });
});

describe('assembleRoomSource', () => {
  it('mixes the tracks of the meeting on one timeline, one MP4 in the store', async () => {
    const room = 'weekly';
    // An earlier meeting in the same room, and another tenant's room of the same name.
    await record({ room, who: bob, kind: 'audio', file: 'bob.ogg' }, -30_000, 8000);
    await endRoom(room, -20_000);
    await record({ tenant: 't2', room, who: bob, kind: 'audio', file: 'bob.ogg' }, 2000, 20_000);
    // This meeting: Alice talks for 2 s with her camera on from 1 s to 9 s; Bob joins at 3 s.
    await record({ room, who: alice, kind: 'audio', file: 'alice.ogg' }, 0, 2000);
    await record({ room, who: alice, kind: 'video', file: 'cam.webm' }, 1000, 8000);
    await record({ room, who: bob, kind: 'audio', file: 'bob.ogg' }, 3000, 8000);
    await endRoom(room, 12_000);

    const { ctx, calls } = jobContext('job1', room);
    const dir = await mkdtemp(join(root, 'work-'));
    const started = performance.now();
    const { key } = await assembleRoomSource({ bus, store }, ctx, room, dir);
    const elapsed = performance.now() - started;
    console.log(`assembled an 11 s room (2 voices, 1 camera) in ${elapsed.toFixed(0)} ms`);

    expect(key).toBe(jobKeys('t1', 'job1').roomSource);
    expect((await store.stat(key))?.contentType).toBe('video/mp4');
    const out = await fetchOutput(key, 'job1.mp4');
    const info = await probe(out);
    const duration = Number(info.format.duration);
    // Bob's track ends last, at 11 s; the other tenant's (to 22 s) and the old meeting are not in it.
    expect(duration).toBeGreaterThan(10.9);
    expect(duration).toBeLessThan(11.5);
    const video = info.streams.find((s) => s.codec_type === 'video');
    const audio = info.streams.find((s) => s.codec_type === 'audio');
    expect(video).toMatchObject({ codec_name: 'h264', width: 320, height: 180, avg_frame_rate: '25/1' });
    expect(audio).toMatchObject({ codec_name: 'aac' });

    // Alice speaks, then nobody (the other tenant's voice would be here), then Bob from 3 s.
    expect(await maxVolume(out, 0.1, 1.9)).toBeGreaterThan(-30);
    expect(await maxVolume(out, 2.3, 2.9)).toBeLessThan(-50);
    expect(await maxVolume(out, 3.05, 3.8)).toBeGreaterThan(-30);
    // Black until the camera starts at 1 s and after it stops at 9 s; the slide in between.
    expect(await cornerLuma(out, 0.5)).toBeLessThan(25);
    expect(await cornerLuma(out, 2)).toBeGreaterThan(45);
    expect(await cornerLuma(out, 10)).toBeLessThan(25);

    expect(calls.every((c) => c.stage === 'assemble' && c.percent >= 0 && c.percent <= 2)).toBe(true);
    expect(calls[0]?.percent).toBe(0);
    expect(calls.at(-1)?.percent).toBe(2);
    expect(calls.map((c) => c.percent)).toEqual([...calls.map((c) => c.percent)].sort((a, b) => a - b));

    // A retried attempt finds the source and does nothing, even with a track gone from the store.
    await store.delete(`rooms/${room}/recordings/bob/t1-${room}-bob-audio-3000.ogg`);
    const again = jobContext('job1', room);
    const t = performance.now();
    expect(await assembleRoomSource({ bus, store }, again.ctx, room, dir)).toEqual({ key });
    expect(performance.now() - t).toBeLessThan(500);
    expect(again.calls).toEqual([]);
  }, 60_000);

  it('makes an audio-only MP4 of a room without cameras, waiting for a late recording', async () => {
    const room = 'late';
    await endRoom(room, 5000);
    const { ctx } = jobContext('job2', room);
    const assembled = assembleRoomSource({ bus, store, pollMs: 50 }, ctx, room, await mkdtemp(join(root, 'work-')));
    await new Promise((r) => setTimeout(r, 200));
    await record({ room, who: alice, kind: 'audio', file: 'alice.ogg' }, 0, 2000);
    const { key } = await assembled;
    expect((await store.stat(key))?.contentType).toBe('audio/mp4');
    const info = await probe(await fetchOutput(key, 'job2.mp4'));
    expect(info.streams.map((s) => s.codec_type)).toEqual(['audio']);
    expect(Number(info.format.duration)).toBeCloseTo(2, 0);
  }, 30_000);

  it('gives up after the wait: ERR_NOT_FOUND without recordings, ERR_NO_AUDIO with video only', async () => {
    const wait = { bus, store, waitForRecordingsMs: 300, pollMs: 50 };
    const started = performance.now();
    await expect(assembleRoomSource(wait, jobContext('job3', 'empty').ctx, 'empty', root)).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);

    await record({ room: 'mute', who: alice, kind: 'video', file: 'cam.webm' }, 0, 8000);
    await expect(assembleRoomSource(wait, jobContext('job4', 'mute').ctx, 'mute', root)).rejects.toMatchObject({
      code: 'ERR_NO_AUDIO',
    });
    expect(await store.stat(jobKeys('t1', 'job4').roomSource)).toBeNull();
  });

  it('stops when the job is cancelled and stores nothing', async () => {
    const room = 'cancelled';
    await record({ room, who: alice, kind: 'audio', file: 'alice.ogg' }, 0, 2000);
    const controller = new AbortController();
    const { ctx } = jobContext('job5', room, controller);
    const progress = ctx.progress;
    // Abort once the tracks are downloaded, as ffmpeg is about to start.
    ctx.progress = (stage, percent) => {
      progress(stage, percent);
      if (percent > 0) controller.abort(new Error('cancelled'));
    };
    await expect(
      assembleRoomSource({ bus, store }, ctx, room, await mkdtemp(join(root, 'work-'))),
    ).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
    expect(await store.stat(jobKeys('t1', 'job5').roomSource)).toBeNull();
  });
});
