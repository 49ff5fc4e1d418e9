import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InProcessBus } from '@mi/bus';
import { createBatchHandlers, transcribeOnBus } from '@mi/clipper';
import {
  type CaptionMode,
  type Envelope,
  type Job,
  type JobProgressData,
  type StoredFile,
  streams,
  subjects,
} from '@mi/contracts';
import { JobQueue, JobRunner, JobStore, terminalStates } from '@mi/jobs';
import { LocalObjectStore } from '@mi/object-store';
import { createLogger } from '@mi/telemetry';
import { ChunkWorker, checkMedia, createAsrEngine, SileroVad, transcriberConfigFromEnv } from '@mi/transcriber';
import { formatEta, ProgressBar } from './progress-bar.ts';

export type ClipCommandOptions = {
  out: string;
  highlights: number;
  captions: CaptionMode;
  vertical: boolean;
  quiet: boolean;
};

const producer = { service: 'cli', version: '0.1.0' };
const dec = new TextDecoder();

/**
 * `clip <video> --out <dir>`: the whole batch path offline, through the same job, transcription
 * workers and handlers as the server (an in-process bus and a scratch object store), then the
 * clips, captions, thumbnails and `edl.json` copied to `--out`.
 */
export async function clipCommand(file: string, opts: ClipCommandOptions): Promise<{ clips: number }> {
  const media = await checkMedia(file); // bad input fails here, before anything starts
  const scratch = await mkdtemp(join(tmpdir(), 'mi-cli-clip-'));
  const logger = createLogger({ service: 'cli', level: process.env.LOG_LEVEL ?? 'silent' });
  const bus = new InProcessBus();
  const store = new LocalObjectStore({
    root: scratch,
    publicUrl: 'http://127.0.0.1:1',
    signingKey: 'cli-local-only-key',
  });
  const settings = transcriberConfigFromEnv();
  const vad = await SileroVad.create();
  const engine = await createAsrEngine(settings, 'batch');
  const closers: (() => Promise<void>)[] = [];
  const bar = opts.quiet ? undefined : new ProgressBar('clipping');
  try {
    for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
    const workers = new ChunkWorker({ bus, store, vad, engine, segmenter: settings, logger });
    await workers.start();
    closers.push(() => workers.close());
    const jobs = await JobStore.open(bus);
    const runner = new JobRunner({
      bus,
      store: jobs,
      producer,
      logger,
      maxAttempts: 1,
      handlers: createBatchHandlers({ bus, store, producer, transcribe: transcribeOnBus({ bus, store, logger }) }),
    });
    await runner.start();
    closers.push(() => runner.close());

    const key = `uploads/local/cli/${basename(file).replace(/[^\w.-]+/g, '_')}`;
    await store.put(key, createReadStream(file), { size: media.bytes });
    const id = 'cli';
    const finished = new Promise<Job['state']>((resolve) => {
      const sub = bus.subscribe(subjects.jobProgress(id), (m) => {
        const p = (JSON.parse(dec.decode(m.data)) as Envelope<'job.progress', JobProgressData>).data;
        bar?.update(p.percent, `${p.stage} ${formatEta(p.etaMs)}`);
        if (terminalStates.has(p.state)) {
          void sub.unsubscribe();
          resolve(p.state);
        }
      });
    });
    await new JobQueue({ bus, store: jobs, producer }).submit({
      tenant: 'local',
      id,
      correlationId: 'cli',
      input: { key, filename: basename(file), media },
      request: {
        kind: 'highlights',
        source: { upload: 'cli' },
        highlights: opts.highlights,
        clip: { captions: opts.captions, vertical: opts.vertical },
      },
    });
    await finished;
    bar?.done();
    const job = await jobs.get('local', id);
    if (job?.state !== 'succeeded' || !job.result) {
      throw Object.assign(new Error(job?.error?.message ?? `job ${job?.state ?? 'lost'}`), {
        code: job?.error?.code ?? 'ERR_INTERNAL',
      });
    }
    await mkdir(opts.out, { recursive: true });
    const copy = async (f: StoredFile | undefined) => {
      if (f) await pipeline(await store.get(f.key), createWriteStream(join(opts.out, basename(f.key))));
    };
    for (const c of job.result.clips) {
      await copy(c.video);
      await copy(c.thumbnail);
      await copy(c.vertical);
      await copy(c.captions?.vtt);
      await copy(c.captions?.srt);
    }
    await copy(job.result.transcript);
    await copy(job.result.keyframes);
    const edl = job.result.edl.map((e) => ({ ...e, source: file }));
    await writeFile(join(opts.out, 'edl.json'), `${JSON.stringify(edl, null, 2)}\n`);
    return { clips: job.result.clips.length };
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await engine.close();
    await vad.close();
    await bus.close();
    await store.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
