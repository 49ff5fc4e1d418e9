/**
 * Batch benchmark (not a test): a long webinar (the generated one looped, 60 minutes by default)
 * uploaded through the presigned multipart flow to the running product, one highlights job to 5
 * clips, timed from the first byte uploaded to `clip.done`. In the same run: the same cuts done by
 * bare ffmpeg (the baseline) and by the clipper alone, and key-frame extraction alone, as a
 * multiple of real time. Writes bench/results/batch.json.
 *   pnpm bench:batch [--minutes 60] [--highlights 5]
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { bareCutArgs, detectScenes, renderClip } from '@mi/clipper';
import { generateWebinar } from '@mi/clipper/testing';
import type { ClipDoneData, Job, JobProgressData, PresignedUploadResponse, Upload } from '@mi/contracts';
import { readEventStream } from '@mi/gateway/testing';
import { quantiles } from '@mi/telemetry';
import { checkMedia } from '@mi/transcriber';
import { repoRoot, startServer } from '../support/server.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '60' }, highlights: { type: 'string', default: '5' } },
});
const minutes = Number(values.minutes);
const highlights = Number(values.highlights);
const log = (msg: string) => process.stderr.write(`batch bench: ${msg}\n`);
const seconds = (ms: number) => Math.round(ms) / 1000;

/** The generated webinar looped to `minutes` (stream copy: no re-encode), cached between runs. */
async function longWebinar(): Promise<{ path: string; durationMs: number }> {
  const w = await generateWebinar();
  const path = join(tmpdir(), 'mi-webinar-cache', `webinar-${minutes}min-${w.path.slice(-16, -4)}.mp4`);
  if (!existsSync(path)) {
    const loops = Math.ceil((minutes * 60_000) / w.durationMs);
    log(`looping the ${seconds(w.durationMs)} s webinar ${loops} times`);
    await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-stream_loop',
      String(loops - 1),
      '-i',
      w.path,
      '-t',
      String(minutes * 60),
      '-c',
      'copy',
      '-movflags',
      '+faststart',
      `${path}.tmp.mp4`,
    ]);
    await run('mv', [`${path}.tmp.mp4`, path]);
  }
  const info = await checkMedia(path);
  return { path, durationMs: info.durationMs };
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Presigned multipart upload, parts PUT straight to the object store as a browser would. */
async function upload(url: string, path: string): Promise<Upload> {
  const { size } = await stat(path);
  const created = await json<PresignedUploadResponse>(
    await fetch(`${url}/v1/uploads/presigned`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'webinar.mp4', contentType: 'video/mp4', size }),
    }),
  );
  const file = await open(path);
  const parts: { partNumber: number; etag: string }[] = [];
  try {
    for (const p of created.parts) {
      const start = (p.partNumber - 1) * created.partSize;
      const buf = Buffer.alloc(Math.min(created.partSize, size - start));
      await file.read(buf, 0, buf.length, start);
      const res = await fetch(p.url, { method: 'PUT', body: buf });
      if (!res.ok) throw new Error(`part ${p.partNumber}: ${res.status}`);
      parts.push({ partNumber: p.partNumber, etag: res.headers.get('etag') ?? '' });
    }
  } finally {
    await file.close();
  }
  return json<Upload>(
    await fetch(`${url}/v1/uploads/${created.upload.id}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ parts }),
    }),
  );
}

/** Follows the job's SSE stream to its end, noting when each stage began. */
async function follow(url: string, job: string, t0: number) {
  const stages: Record<string, number> = {};
  let done: ClipDoneData | undefined;
  let end: JobProgressData | undefined;
  let lastDecile = -1;
  await readEventStream(`${url}/v1/jobs/${job}/events`, (e) => {
    if (e.type === 'clip.done') done = e.data as ClipDoneData;
    if (e.type !== 'job.progress') return false;
    const p = e.data as JobProgressData;
    stages[p.stage] ??= performance.now() - t0;
    if (Math.floor(p.percent / 10) > lastDecile) {
      lastDecile = Math.floor(p.percent / 10);
      log(`job ${p.percent.toFixed(0)}% ${p.stage}${p.etaMs ? ` eta ${Math.round(p.etaMs / 1000)} s` : ''}`);
    }
    if (['succeeded', 'failed', 'cancelled'].includes(p.state)) end = p;
    return end !== undefined;
  });
  if (!end) throw new Error('event stream ended early');
  return { stages, done, state: end.state, error: end.error };
}

const source = await longWebinar();
log(`source ${seconds(source.durationMs)} s, ${(await stat(source.path)).size} bytes`);

// 1. The product end to end.
const server = await startServer({ SFU_ENABLED: 'false', ROOM_HIGHLIGHTS: 'false' });
let endToEnd: Record<string, unknown>;
let edl: ClipDoneData['edl'];
let clipsStageMs: number;
try {
  const t0 = performance.now();
  const up = await upload(server.url, source.path);
  const uploadedMs = performance.now() - t0;
  log(`uploaded in ${seconds(uploadedMs)} s`);
  const job = await json<Job>(
    await fetch(`${server.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'highlights', source: { upload: up.id }, highlights }),
    }),
  );
  const followed = await follow(server.url, job.id, t0);
  const totalMs = performance.now() - t0;
  if (followed.state !== 'succeeded' || !followed.done)
    throw new Error(`job ${followed.state}: ${JSON.stringify(followed.error)}`);
  edl = followed.done.edl;
  clipsStageMs = (followed.stages.done ?? totalMs) - (followed.stages.clips ?? totalMs);
  endToEnd = {
    uploadToClipsSeconds: seconds(totalMs),
    uploadSeconds: seconds(uploadedMs),
    stageStartSeconds: Object.fromEntries(Object.entries(followed.stages).map(([k, v]) => [k, seconds(v)])),
    analyseSeconds: seconds((followed.stages.highlights ?? 0) - (followed.stages.analyse ?? 0)),
    /** Transcription and key frames side by side, over the audio's length: the job's real-time factor. */
    analyseRealTimeFactor:
      Math.round((((followed.stages.highlights ?? 0) - (followed.stages.analyse ?? 0)) / source.durationMs) * 1000) /
      1000,
    clipsStageSeconds: seconds(clipsStageMs),
    clips: followed.done.clips.map((c) => ({ title: c.title, durationMs: c.durationMs })),
    underTenMinutes: totalMs < 600_000,
  };
  log(`upload to ${followed.done.clips.length} clips in ${seconds(totalMs)} s`);
} finally {
  await server.stop();
}

// 2. The same cuts: bare ffmpeg (baseline) against the clipper's renderer, alternating, same machine.
const dir = await mkdtemp(join(tmpdir(), 'mi-bench-batch-'));
const bare: number[] = [];
const ours: number[] = [];
try {
  const fps = (await checkMedia(source.path)).video?.fps ?? 25;
  for (const [i, e] of edl.entries()) {
    let t = performance.now();
    await run('ffmpeg', bareCutArgs(source.path, { start: e.start, end: e.end }, join(dir, `bare-${i}.mp4`), fps));
    bare.push(performance.now() - t);
    t = performance.now();
    await renderClip({
      source: source.path,
      ranges: [{ start: e.start, end: e.end }],
      outDir: dir,
      name: `ours-${i}`,
      captions: e.captions,
      title: e.title,
    });
    ours.push(performance.now() - t);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// 3. Key frames alone over the whole file (scene pass, thumbnails, OCR), as a multiple of real time:
// reference frames only (what jobs use) and every frame decoded.
const keyframes: Record<string, unknown> = {};
for (const decode of ['reference', 'all'] as const) {
  const kfDir = await mkdtemp(join(tmpdir(), 'mi-bench-kf-'));
  try {
    const t = performance.now();
    const scenes = await detectScenes(source.path, { ocr: true, decode, thumbnails: { dir: kfDir } });
    const ms = performance.now() - t;
    keyframes[decode] = {
      seconds: seconds(ms),
      scenes: scenes.length,
      timesRealTime: Math.round((source.durationMs / ms) * 10) / 10,
    };
  } finally {
    await rm(kfDir, { recursive: true, force: true });
  }
}

const report = {
  benchmark: 'batch',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtEnd: loadavg() },
  source: { minutes, seconds: seconds(source.durationMs), highlights },
  endToEnd,
  cutting: {
    cuts: edl.length,
    bareFfmpegMs: quantiles(bare),
    clipperMs: quantiles(ours),
    bareTotalSeconds: seconds(sum(bare)),
    clipperTotalSeconds: seconds(sum(ours)),
    /** Clipper (cut + captions + thumbnail) over bare ffmpeg doing the same cuts; acceptance <= 1.3. */
    ratioVsBareFfmpeg: Math.round((sum(ours) / sum(bare)) * 100) / 100,
    /** The job's whole clips stage (renders plus uploads to the store) over bare ffmpeg's cuts. */
    jobClipsStageRatioVsBareFfmpeg: Math.round((clipsStageMs / sum(bare)) * 100) / 100,
  },
  keyframes,
  transcription:
    'real-time factor with 1 and 2 workers: bench/results/batch-transcribe.json (pnpm bench:batch-transcribe)',
};
console.log(JSON.stringify(report, null, 2));
mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench', 'results', 'batch.json'), `${JSON.stringify(report, null, 2)}\n`);
