import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BusMessage, InProcessBus } from '@mi/bus';
import {
  assertValid,
  type EventContext,
  type KeyframeData,
  KeyframeV1,
  type RecordingData,
  RecordingV1,
  streams,
  subjects,
} from '@mi/contracts';
// media-server does not depend on @mi/object-store; the test borrows the local-disk store.
import { LocalObjectStore } from '@mi/object-store';
import { createLogger } from '@mi/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VideoKeyframeTap } from './keyframe-tap.ts';
import type { VideoKeyframeTapOptions } from './types.ts';

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const has = (cmd: string, args: string[], match: RegExp) => {
  try {
    return match.test(execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return false;
  }
};
const hasFfmpeg = has('ffmpeg', ['-hide_banner', '-filters'], /drawtext/) && existsSync(FONT);
const hasTesseract = has('tesseract', ['--list-langs'], /\beng\b/);
const hasX264 = hasFfmpeg && has('ffmpeg', ['-hide_banner', '-encoders'], /libx264/);
const media = hasFfmpeg && hasTesseract;
if (!media) {
  console.warn(
    'video tap tests skipped: need ffmpeg with drawtext (Debian ffmpeg), fonts-dejavu-core and tesseract-ocr(-eng)',
  );
} else if (!hasX264) {
  console.warn('video tap H264 test skipped: ffmpeg has no libx264 encoder');
}

type Slide = { title: string; bg: string; fg: string };
const SLIDES: Slide[] = [
  { title: 'QUARTERLY REVIEW', bg: '0x102060', fg: 'white' },
  { title: 'BUDGET FORECAST', bg: '0xF0F0F0', fg: 'black' },
  { title: 'ROADMAP PLANNING', bg: '0x801010', fg: 'yellow' },
  { title: 'ACTION ITEMS', bg: '0x20A040', fg: 'white' },
];

/** Renders slides of `seconds` each at 640x480 `fps` (cuts at k * seconds). */
function renderSlides(out: string, slides: Slide[], seconds: number, fps: number, encoder: string[]): void {
  const parts = slides.map(
    (s, i) =>
      `color=c=${s.bg}:s=640x480:r=${fps}:d=${seconds},drawtext=fontfile=${FONT}:text='${s.title}':fontsize=56:` +
      `fontcolor=${s.fg}:x=(w-tw)/2:y=(h-th)/2[s${i}]`,
  );
  const graph = `${parts.join(';')};${slides.map((_, i) => `[s${i}]`).join('')}concat=n=${slides.length}`;
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-filter_complex', graph, ...encoder, out]);
}

/** Streams a file in real time as RTP (stream copy) to the tap. */
function sendRtp(file: string, rtpPort: number, payloadType: number): ChildProcess {
  return spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-re', '-i', file, '-map', '0:v', '-c:v', 'copy'],
      ...['-payload_type', String(payloadType), '-ssrc', '1234', '-f', 'rtp'],
      `rtp://127.0.0.1:${rtpPort}?rtcpport=${rtpPort + 1}&pkt_size=1200`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

/** Codec, width and the container's own duration (format duration: N/A for a streamed WebM without Duration). */
function probe(file: string): { codec: string; width: number; durationS: number; streamDurationS: number } {
  const info = JSON.parse(
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_name,width:format=duration', '-of', 'json', file],
      { encoding: 'utf8' },
    ),
  ) as { streams: { codec_name: string; width: number }[]; format: { duration?: string } };
  // the packets must agree: Duration written by the muxer, not guessed from the file size
  const packets = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number) as [number, number]);
  const first = packets[0]!;
  const last = packets[packets.length - 1]!;
  return {
    codec: info.streams[0]!.codec_name,
    width: info.streams[0]!.width,
    durationS: Number(info.format.duration),
    streamDurationS: last[0] + (last[1] || 0) - first[0],
  };
}

/** Matroska Cues element id: the index players seek with. */
const CUES_ID = Buffer.from([0x1c, 0x53, 0xbb, 0x6b]);

let dir: string;
/** The tap's temporary recordings go here (TMPDIR), so the tests can see that none is left behind. */
let tapTmp: string;
const savedTmpdir = process.env.TMPDIR;
let bus: InProcessBus;
let store: LocalObjectStore;
const logger = createLogger({ service: 'video-tap-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const ctx: EventContext = {
  tenant: 'default',
  correlationId: 'corr-video',
  producer: { service: 'media-server', version: '0.1.0' },
  room: 'slides',
};

function collect(subject: string): unknown[] {
  const out: unknown[] = [];
  bus.subscribe(subject, (msg: BusMessage) => {
    out.push(JSON.parse(Buffer.from(msg.data).toString('utf8')));
  });
  return out;
}

async function readObject(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A tap in room "slides" for one participant's producer: VP8 unless overridden, thumbnails under its own prefix. */
function slidesTap(
  who: { id: string; name: string },
  producerId: string,
  extra: Partial<VideoKeyframeTapOptions> = {},
) {
  return new VideoKeyframeTap({
    bus,
    store,
    ctx,
    room: 'slides',
    participant: who,
    producerId,
    codec: { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 },
    keyPrefix: `keyframes/slides/${who.id}/${producerId}`,
    logger,
    ...extra,
  });
}

describe.skipIf(!media)('VideoKeyframeTap (real ffmpeg, RTP, tesseract)', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    dir = await mkdtemp(join(tmpdir(), 'video-tap-test-'));
    tapTmp = join(dir, 'tmp');
    await mkdir(tapTmp);
    process.env.TMPDIR = tapTmp;
    bus = new InProcessBus();
    await bus.ensureStream({ ...streams.EVENTS, subjects: [...streams.EVENTS.subjects] });
    store = new LocalObjectStore({ root: join(dir, 'store'), publicUrl: 'http://127.0.0.1:1', signingKey: 'k' });
    const vp8 = ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M', '-g', '300'];
    renderSlides(join(dir, 'slides.webm'), SLIDES, 3, 30, vp8);
    // A key frame every half second, as a sender asked for key frames regularly would produce.
    renderSlides(join(dir, 'slides-gop.webm'), SLIDES.slice(0, 3), 2, 30, [...vp8.slice(0, -2), '-g', '15']);
    if (hasX264) {
      const x264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'baseline'];
      renderSlides(join(dir, 'slides.ts'), SLIDES.slice(0, 3), 2, 30, [...x264, '-g', '300', '-pix_fmt', 'yuv420p']);
    }
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    await bus?.close();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the first frame and every slide cut, with thumbnails, OCR and a WebM recording', async () => {
    const participant = { id: 'alice', name: 'Alice' };
    const keyframeEvents = collect(subjects.keyframe('slides', 'alice'));
    const recordingEvents = collect(subjects.recording('slides', 'alice'));
    const seen: KeyframeData[] = [];
    let sentAt = 0;
    let requests = 0;
    const tap = slidesTap(participant, 'prod-vp8', {
      requestKeyFrame: async () => {
        requests++;
      },
      record: { key: 'recordings/slides/alice/prod-vp8.webm' },
    });
    const emittedAfterMs: number[] = [];
    tap.on('keyframe', (k) => {
      seen.push(k);
      emittedAfterMs.push(Date.now() - sentAt - k.offsetMs);
    });
    const address = await tap.start();
    expect(address.ip).toBe('127.0.0.1');
    expect(address.rtpPort % 2).toBe(0);
    expect(address.rtcpPort).toBe(address.rtpPort + 1);
    sentAt = Date.now();
    const sender = sendRtp(join(dir, 'slides.webm'), address.rtpPort, 101);
    expect(await exited(sender)).toBe(0);
    const stats = tap.stats();
    expect(stats.state).toBe('running');
    const recording = await tap.close();
    const wallS = (Date.now() - sentAt) / 1000;

    // first frame + one scene event per cut, nothing else
    expect(seen.map((k) => k.reason)).toEqual(['first', 'scene', 'scene', 'scene']);
    expect(seen[0]!.offsetMs).toBeLessThan(100);
    const cuts = [3000, 6000, 9000];
    const errors = cuts.map((cut, i) => seen[i + 1]!.offsetMs - cut);
    for (const e of errors) expect(Math.abs(e)).toBeLessThanOrEqual(500);
    for (const k of seen.slice(1)) expect(k.score).toBeGreaterThan(0.3);

    // thumbnails: JPEGs of the configured width in the store, OCR text with the slide titles
    for (const [i, k] of seen.entries()) {
      expect(k.thumbnail.key).toBe(`keyframes/slides/alice/prod-vp8/${k.offsetMs}.jpg`);
      expect(k.thumbnail).toMatchObject({ contentType: 'image/jpeg', width: 320, height: 240 });
      const jpeg = await readObject(k.thumbnail.key);
      expect(jpeg.length).toBe(k.thumbnail.bytes);
      expect([...jpeg.subarray(0, 2), ...jpeg.subarray(-2)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
      const dims = execFileSync(
        'ffprobe',
        ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', '-i', 'pipe:0'],
        { input: jpeg, encoding: 'utf8' },
      ).trim();
      expect(dims).toBe('mjpeg,320,240');
      for (const word of SLIDES[i]!.title.split(' ')) expect(k.text?.toUpperCase()).toContain(word);
      expect(k.ocr?.engine).toBe('tesseract');
    }

    // events on the bus: valid, stable ids, in order
    await new Promise((r) => setTimeout(r, 20));
    expect(keyframeEvents).toHaveLength(4);
    for (const [i, ev] of keyframeEvents.entries()) {
      const valid = assertValid(KeyframeV1, ev);
      expect(valid.id).toBe(`prod-vp8:kf:${seen[i]!.offsetMs}`);
      expect(valid.data).toEqual(seen[i]);
    }

    // the recording: a WebM with VP8, as long as what was sent
    expect(recording).toBeDefined();
    expect(recording).toMatchObject({ kind: 'video', codec: 'vp8', contentType: 'video/webm' });
    expect(recordingEvents).toHaveLength(1);
    expect(assertValid(RecordingV1, recordingEvents[0]).data).toEqual(recording);
    const file = join(dir, 'rec.webm');
    const bytes = await readObject(recording!.key);
    expect(bytes.length).toBe(recording!.bytes);
    await writeFile(file, bytes);
    const info = probe(file);
    expect(info.codec).toBe('vp8');
    expect(info.width).toBe(640);
    // a seekable file: the muxer wrote Duration and Cues
    expect(Math.abs(info.durationS - 12)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(info.streamDurationS - 12)).toBeLessThanOrEqual(0.5);
    expect(bytes.includes(CUES_ID)).toBe(true);
    expect(await readdir(tapTmp)).toEqual([]);
    expect(Math.abs(recording!.durationMs - 12_000)).toBeLessThanOrEqual(500);
    expect((await readFile(file)).subarray(0, 4)).toEqual(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));

    expect(requests).toBeGreaterThanOrEqual(1);
    const final = tap.stats();
    expect(final.state).toBe('closed');
    expect(final.exit?.expected).toBe(true);
    expect(final.exit?.code).toBe(0);
    expect(final.ocr.withText).toBe(4);
    console.info(
      `[video-tap] VP8 640x480@30: cut offset errors ms ${JSON.stringify(errors)}; ffmpeg CPU ${stats.ffmpegCpuSeconds}s ` +
        `for 12 s of video (${((stats.ffmpegCpuSeconds ?? 0) / 12).toFixed(3)} s/s); ` +
        `event emitted after frame sent ms ${JSON.stringify(emittedAfterMs)}; ` +
        `'at' minus send time ms ${JSON.stringify(seen.map((k) => Date.parse(k.at) - sentAt - k.offsetMs))}; ` +
        `wall ${wallS.toFixed(1)} s; ocr last ${final.ocr.lastMs} ms; recording ${recording!.bytes} B`,
    );
    expect(unhandled).toEqual([]);
  });

  it.skipIf(!hasX264)('works with H264 (packetization-mode 1) and records Matroska', async () => {
    const seen: KeyframeData[] = [];
    const recordings: RecordingData[] = [];
    const tap = slidesTap({ id: 'bob', name: 'Bob' }, 'prod-h264', {
      codec: {
        mimeType: 'video/H264',
        payloadType: 102,
        clockRate: 90000,
        parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
      },
      ocr: false,
      thumbnailWidth: 160,
      minIntervalMs: 500,
      periodicMs: 1000,
      record: { key: 'recordings/slides/bob/prod-h264.mkv' },
    });
    tap.on('keyframe', (k) => seen.push(k));
    tap.on('recording', (r) => recordings.push(r));
    const address = await tap.start();
    const sender = sendRtp(join(dir, 'slides.ts'), address.rtpPort, 102);
    expect(await exited(sender)).toBe(0);
    const recording = await tap.close();
    // ffmpeg samples a frame 1 s after the last one it selected; cuts at 2 s and 4 s
    expect(seen.map((k) => k.reason)).toEqual(['first', 'interval', 'scene', 'interval', 'scene', 'interval']);
    const scenes = seen.filter((k) => k.reason === 'scene');
    const errors = [2000, 4000].map((cut, i) => scenes[i]!.offsetMs - cut);
    for (const [i, k] of seen.entries()) {
      if (i > 0 && k.reason === 'interval') expect(k.offsetMs - seen[i - 1]!.offsetMs).toBeGreaterThanOrEqual(900);
    }
    for (const e of errors) expect(Math.abs(e)).toBeLessThanOrEqual(500);
    for (const k of seen) {
      expect(k.thumbnail).toMatchObject({ width: 160, height: 120 });
      expect(k.text).toBeUndefined();
    }
    expect(recording).toMatchObject({ codec: 'h264', contentType: 'video/x-matroska' });
    expect(recordings).toEqual([recording]);
    const file = join(dir, 'rec.mkv');
    const bytes = await readObject(recording!.key);
    await writeFile(file, bytes);
    const info = probe(file);
    expect(info.codec).toBe('h264');
    expect(Math.abs(info.durationS - 6)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(info.streamDurationS - 6)).toBeLessThanOrEqual(0.5);
    expect(bytes.includes(CUES_ID)).toBe(true);
    expect(await readdir(tapTmp)).toEqual([]);
    console.info(
      `[video-tap] H264 offsets ${JSON.stringify(seen.map((k) => k.offsetMs))} cut errors ms ${JSON.stringify(errors)}`,
    );
    expect(unhandled).toEqual([]);
  });

  it('closes cleanly when no video ever arrived', async () => {
    const recordings: RecordingData[] = [];
    const tap = slidesTap({ id: 'dave', name: 'Dave' }, 'prod-none', {
      record: { key: 'recordings/slides/dave/prod-none.webm' },
      portRange: { min: 30000, max: 31000 },
    });
    tap.on('recording', (r) => recordings.push(r));
    const { rtpPort } = await tap.start();
    expect(rtpPort).toBeGreaterThanOrEqual(30000);
    expect(rtpPort).toBeLessThan(31000);
    expect(await tap.close()).toBeUndefined();
    expect(await tap.close()).toBeUndefined();
    const stats = tap.stats();
    expect(stats).toMatchObject({ state: 'closed', keyframes: 0, candidates: 0 });
    expect(stats.exit?.expected).toBe(true);
    expect(recordings).toEqual([]);
    expect(await store.stat('recordings/slides/dave/prod-none.webm')).toBeNull();
    expect(await readdir(tapTmp)).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('finds the cuts from key frames alone when decoding key frames only', async () => {
    const seen: KeyframeData[] = [];
    let requests = 0;
    const tap = slidesTap({ id: 'erin', name: 'Erin' }, 'prod-keyonly', {
      decode: 'keyframes',
      minIntervalMs: 500,
      ocr: false,
      requestKeyFrame: async () => {
        requests++;
      },
    });
    tap.on('keyframe', (k) => seen.push(k));
    const { rtpPort } = await tap.start();
    const sender = sendRtp(join(dir, 'slides-gop.webm'), rtpPort, 101);
    expect(await exited(sender)).toBe(0);
    await tap.close();
    expect(seen.map((k) => k.reason)).toEqual(['first', 'scene', 'scene']);
    // Cuts land on the next key frame: within one key-frame interval (0.5 s) of the true cut.
    const errors = [2000, 4000].map((cut, i) => seen[i + 1]!.offsetMs - cut);
    for (const e of errors) expect(e).toBeGreaterThanOrEqual(-40);
    for (const e of errors) expect(e).toBeLessThanOrEqual(540);
    // The sender is asked for key frames as often as a frame may be kept (1 s at the least).
    expect(requests).toBeGreaterThanOrEqual(3);
    console.log(`[video-tap] key frames only: cut errors ms ${JSON.stringify(errors)}, key frame requests ${requests}`);
  });

  it('reports ffmpeg dying without crashing or an unhandled rejection', async () => {
    const exits: unknown[] = [];
    const seen: KeyframeData[] = [];
    const tap = slidesTap({ id: 'carol', name: 'Carol' }, 'prod-kill', {
      ocr: false,
      record: { key: 'recordings/slides/carol/prod-kill.webm' },
    });
    tap.on('exit', (e) => exits.push(e));
    tap.on('keyframe', (k) => seen.push(k));
    const address = await tap.start();
    const sender = sendRtp(join(dir, 'slides.webm'), address.rtpPort, 101);
    try {
      const deadline = Date.now() + 10_000;
      // past the cut at 6 s: the muxer has closed its first cluster (5 s) by then
      while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toHaveLength(3);
      process.kill(tap.stats().pid!, 'SIGKILL');
      while (exits.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(exits).toEqual([expect.objectContaining({ code: null, signal: 'SIGKILL', expected: false })]);
      expect(tap.stats().state).toBe('failed');
      // close still resolves; what ffmpeg wrote so far is uploaded (without Cues) if anything decodes
      const recording = await tap.close();
      expect(tap.stats().state).toBe('closed');
      expect(tap.stats().exit?.expected).toBe(false);
      expect(recording?.bytes).toBeGreaterThan(0);
      const file = join(dir, 'killed.webm');
      await writeFile(file, await readObject(recording!.key));
      const info = probe(file);
      expect(info.codec).toBe('vp8');
      expect(info.streamDurationS).toBeGreaterThan(4);
      console.info(
        `[video-tap] after SIGKILL at ~6.3 s: recording ${recording!.bytes} B, ` +
          `${info.streamDurationS.toFixed(2)} s of packets, format duration ${info.durationS}`,
      );
      expect(await readdir(tapTmp)).toEqual([]);
    } finally {
      sender.kill('SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
  });
});
