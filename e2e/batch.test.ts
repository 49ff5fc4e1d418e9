import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { waitFor } from '@mi/bus/testing';
import { type GeneratedWebinar, generateWebinar } from '@mi/clipper/testing';
import type {
  ClipDoneData,
  Envelope,
  Job,
  JobProgressData,
  SceneChange,
  TranscriptSegment,
  Upload,
} from '@mi/contracts';
import { readEventStream } from '@mi/gateway/testing';
import { startS3Server, type TestS3Server } from '@mi/object-store/testing';
import { normalizeText, wordErrorRate } from '@mi/transcriber';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';

const run = promisify(execFile);
type ApiErrorBody = { error: { code: string; message: string } };

/** Duration (ms) and frame count of a media URL's video stream, by ffprobe. */
async function videoStream(url: string): Promise<{ durationMs: number; frames: number }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-count_frames',
    '-show_entries',
    'stream=nb_read_frames,duration',
    '-of',
    'json',
    url,
  ]);
  const s = (JSON.parse(stdout) as { streams: { nb_read_frames: string; duration: string }[] }).streams[0]!;
  return { durationMs: Number(s.duration) * 1000, frames: Number(s.nb_read_frames) };
}

async function uploadFile(url: string, path: string, name: string, type = 'video/mp4'): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([await readFile(path)], { type }), name);
  return fetch(`${url}/v1/uploads`, { method: 'POST', body: form });
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** Reads a job's SSE stream until `until` says stop; returns every event. */
const followJob = (url: string, job: string, until: (e: Envelope) => boolean, timeoutMs: number) =>
  readEventStream(`${url}/v1/jobs/${job}/events`, until, { timeoutMs });

const isEnd = (e: Envelope) =>
  e.type === 'job.progress' && ['succeeded', 'failed', 'cancelled'].includes((e.data as JobProgressData).state);

describe.each(['embedded', 'distributed'] as const)('webinar to highlight clips (%s)', (mode) => {
  let h: Harness;
  let s3: TestS3Server | undefined;
  let webinar: GeneratedWebinar;

  beforeAll(async () => {
    webinar = await generateWebinar();
    if (mode === 'distributed') {
      s3 = await startS3Server();
      const env = {
        S3_ENDPOINT: s3.endPoint,
        S3_PORT: String(s3.port),
        S3_ACCESS_KEY: s3.accessKey,
        S3_SECRET_KEY: s3.secretKey,
        S3_BUCKET: s3.bucket,
        SFU_ENABLED: 'false',
        JOB_ACK_WAIT_MS: '3000',
        JOB_RETRY_DELAY_MS: '200',
      };
      h = await startHarness('distributed', env, {
        childServices: ['transcriber', 'clipper'],
        inProcess: 'gateway,summarizer',
      });
    } else {
      h = await startHarness('embedded', { SFU_ENABLED: 'false' });
    }
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
    await s3?.stop();
  });

  it('an uploaded webinar becomes highlight clips with captions, thumbnails and an EDL', async () => {
    const up = await uploadFile(h.url, webinar.path, 'launch webinar.mp4');
    expect(up.status).toBe(201);
    const upload = (await up.json()) as Upload;
    expect(upload).toMatchObject({ state: 'ready', media: { video: { width: 640, height: 360 } } });

    const body = {
      kind: 'highlights',
      source: { upload: upload.id },
      highlights: 3,
      minClipMs: 6000,
      maxClipMs: 20_000,
    };
    const first = await post(`${h.url}/v1/jobs`, body, { 'idempotency-key': `hl-${mode}` });
    expect(first.status).toBe(202);
    const job = (await first.json()) as Job;
    // The same request again (a client retry) is the same job.
    const again = (await (await post(`${h.url}/v1/jobs`, body, { 'idempotency-key': `hl-${mode}` })).json()) as Job;
    expect(again.id).toBe(job.id);

    const events = await followJob(h.url, job.id, isEnd, 240_000);
    const progress = events.filter((e) => e.type === 'job.progress').map((e) => e.data as JobProgressData);
    expect(progress.map((p) => p.stage)).toEqual(expect.arrayContaining(['analyse', 'highlights', 'clips']));
    const running = progress.filter((p) => p.state === 'running').map((p) => p.percent);
    expect(running).toEqual([...running].sort((a, b) => a - b));
    expect(progress.some((p) => p.etaMs !== undefined)).toBe(true);
    expect(events.at(-1)!.data).toMatchObject({ state: 'succeeded', percent: 100 });
    const done = events.find((e) => e.type === 'clip.done')!.data as ClipDoneData;
    expect(done.clips).toHaveLength(done.edl.length);
    expect(done.edl.length).toBeGreaterThanOrEqual(2);

    const finished = (await (await fetch(`${h.url}/v1/jobs/${job.id}`)).json()) as Job;
    expect(finished).toMatchObject({ state: 'succeeded', percent: 100 });
    const result = finished.result!;

    // Scene changes within 0.5 s of the true slide cuts, slide titles read by OCR.
    const scenes = (await (await fetch(result.keyframes!.url!)).json()) as SceneChange[];
    for (const cut of webinar.cuts) {
      expect(
        scenes.some((s) => Math.abs(s.at - cut) <= 500),
        `cut at ${cut}`,
      ).toBe(true);
    }
    expect(scenes.map((s) => s.text ?? '').join(' ')).toMatch(/sales numbers/i);

    // The transcript is close to the script.
    const transcript = (await (await fetch(result.transcript!.url!)).json()) as { segments: TranscriptSegment[] };
    const heard = transcript.segments.map((s) => s.text).join(' ');
    expect(wordErrorRate(webinar.lines.map((l) => l.text).join(' '), heard)).toBeLessThan(0.3);

    const frameMs = 1000 / webinar.fps;
    for (const [i, clip] of result.clips.entries()) {
      const entry = result.edl[i]!;
      const stream = await videoStream(clip.video.url!);
      expect(Math.abs(stream.durationMs - (entry.end - entry.start)), clip.id).toBeLessThanOrEqual(frameMs + 0.5);
      // Captions say what the transcript says in that range.
      const vtt = await (await fetch(clip.captions!.vtt.url!)).text();
      const captionText = vtt
        .split('\n')
        .filter((l) => l && !l.includes('-->') && l !== 'WEBVTT' && !/^\d+$/.test(l))
        .join(' ');
      const words = transcript.segments
        .flatMap((s) => s.words)
        .filter((w) => w.start >= entry.start - 1 && w.end <= entry.end + 1)
        .map((w) => w.word)
        .join(' ');
      expect(wordErrorRate(normalizeText(words), normalizeText(captionText))).toBeLessThan(0.15);
      const thumb = await fetch(clip.thumbnail.url!);
      expect(thumb.headers.get('content-type')).toMatch(/image\/jpeg/);
    }

    // Every output is in the object store (a real S3-compatible server when distributed).
    const keys: string[] = [];
    for await (const o of h.system.store.list(`jobs/default/${job.id}/`)) keys.push(o.key);
    expect(keys.filter((k) => k.endsWith('.mp4'))).toHaveLength(result.clips.length);
    expect(keys.filter((k) => k.endsWith('.vtt'))).toHaveLength(result.clips.length);

    // An edit by quote range of the finished job.
    const edit = await post(`${h.url}/v1/jobs/${job.id}/edits`, {
      title: 'Sales',
      ranges: [{ startQuote: 'the sales numbers were better', endQuote: 'for the whole company' }],
    });
    expect(edit.status).toBe(202);
    const editJob = (await edit.json()) as Job;
    const editEvents = await followJob(h.url, editJob.id, isEnd, 120_000);
    const editDone = editEvents.find((e) => e.type === 'clip.done')?.data as ClipDoneData;
    expect(editDone.clips).toHaveLength(1);
    const sales = webinar.slides.find((s) => s.title === 'Sales Numbers')!;
    expect(editDone.edl[0]!.start).toBeGreaterThan(sales.start - 1000);
    expect(editDone.edl[0]!.end).toBeLessThan(sales.end + 1000);
    const missing = await post(`${h.url}/v1/jobs/${job.id}/edits`, {
      ranges: [{ startQuote: 'purple elephants dance', endQuote: 'on the moon tonight' }],
    });
    const missingJob = (await missing.json()) as Job;
    await followJob(h.url, missingJob.id, isEnd, 60_000);
    const failed = (await (await fetch(`${h.url}/v1/jobs/${missingJob.id}`)).json()) as Job;
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'ERR_QUOTE_NOT_FOUND' } });
  }, 300_000);

  it('a corrupt or truncated upload fails with a reason and leaves nothing behind', async () => {
    const bytes = await readFile(webinar.path);
    const form = new FormData();
    form.append(
      'file',
      new Blob([bytes.subarray(0, Math.floor(bytes.length * 0.6))], { type: 'video/mp4' }),
      'cut.mp4',
    );
    const truncated = await fetch(`${h.url}/v1/uploads`, { method: 'POST', body: form });
    expect(truncated.status).toBe(422);
    expect(((await truncated.json()) as ApiErrorBody).error.code).toBe('ERR_MEDIA_TRUNCATED');

    const junk = new FormData();
    junk.append('file', new Blob([Buffer.alloc(200_000, 7)], { type: 'video/mp4' }), 'junk.mp4');
    const corrupt = await fetch(`${h.url}/v1/uploads`, { method: 'POST', body: junk });
    expect(corrupt.status).toBe(415);
    const { error: err } = (await corrupt.json()) as ApiErrorBody;
    expect(err.code).toBe('ERR_UNSUPPORTED_MEDIA');
    expect(err.message.length).toBeGreaterThan(10);

    const keys: string[] = [];
    for await (const o of h.system.store.list('uploads/')) keys.push(o.key);
    expect(keys.filter((k) => /cut\.mp4|junk\.mp4/.test(k))).toEqual([]);
  }, 60_000);

  it.runIf(mode === 'distributed')(
    'a clipper killed mid-job is replaced and the job completes',
    async () => {
      const upload = (await (await uploadFile(h.url, webinar.path, 'again.mp4')).json()) as Upload;
      const res = await post(`${h.url}/v1/jobs`, { kind: 'highlights', source: { upload: upload.id }, highlights: 2 });
      const job = (await res.json()) as Job;
      await followJob(
        h.url,
        job.id,
        (e) => e.type === 'job.progress' && (e.data as JobProgressData).percent >= 10,
        120_000,
      );
      h.children.clipper!.kill('SIGKILL');
      await h.children.clipper!.start();
      await waitFor(
        async () => ((await (await fetch(`${h.url}/v1/jobs/${job.id}`)).json()) as Job).state === 'succeeded',
        { timeoutMs: 240_000, intervalMs: 500 },
      );
      const finished = (await (await fetch(`${h.url}/v1/jobs/${job.id}`)).json()) as Job;
      expect(finished.attempts).toBe(2);
      expect(finished.result!.clips.length).toBeGreaterThan(0);
    },
    300_000,
  );
});
