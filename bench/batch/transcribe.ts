/**
 * Batch transcription benchmark (not a test): the generated webinar looped N times (default 11,
 * about 10 minutes), split into 60 s chunks and transcribed on 1 and then 2 ChunkWorkers (each its
 * own single-process engine) over the in-process bus and a local object store; compared with the
 * bare pocketsphinx_batch on the same chunks, measured in the same run. Writes
 * bench/results/batch-transcribe.json.
 *   pnpm exec tsx bench/batch/transcribe.ts [loops]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBus } from '@mi/bus';
import {
  ChunkWorker,
  createAsrEngine,
  probeMedia,
  SileroVad,
  splitAudio,
  transcribeOnWorkers,
  transcriberConfigFromEnv,
  wordErrorRate,
} from '@mi/transcriber';
import { runPocketsphinxBatch } from '@mi/transcriber/testing';
// Relative imports: neither package is a dependency of the bench package.
import { generateWebinar } from '../../clipper/src/testing/index.ts';
import { LocalObjectStore } from '../../lib/object-store/src/index.ts';
import { treeCpuSeconds } from '../support/proc-cpu.ts';
import { repoRoot } from '../support/server.ts';

const loops = Number(process.argv[2] ?? 11);
if (!Number.isInteger(loops) || loops < 1) throw new Error(`loops must be a positive integer, got ${process.argv[2]}`);
const TARGET_CHUNK_MS = 60_000;

const work = await mkdtemp(join(tmpdir(), 'mi-bench-batch-'));
const webinar = await generateWebinar();
const media = join(work, 'looped.m4a');
await ffmpeg(['-stream_loop', String(loops - 1), '-i', webinar.path, '-vn', '-c:a', 'copy', media]);
const audioSec = (await probeMedia(media)).durationMs / 1000;
const reference = Array.from({ length: loops }, () => webinar.lines.map((l) => l.text).join(' ')).join(' ');
const settings = { ...transcriberConfigFromEnv(), engineProcesses: 1 };
const load = loadavg().map((l) => +l.toFixed(2));
console.error(`batch bench: ${audioSec.toFixed(0)} s of audio (${loops} loops), load ${load.join(' ')}`);

const vad = await SileroVad.create();
const runs = [];
for (const workers of [1, 2]) {
  console.error(`batch bench: ${workers} worker(s)...`);
  const bus = await createBus({});
  const store = new LocalObjectStore({
    root: join(work, `store-${workers}`),
    publicUrl: 'http://127.0.0.1:1/',
    signingKey: 'k',
  });
  const engines = await Promise.all(Array.from({ length: workers }, () => createAsrEngine(settings, 'batch')));
  const chunkWorkers = engines.map((engine) => new ChunkWorker({ bus, store, vad, engine, segmenter: settings }));
  for (const w of chunkWorkers) await w.start();
  const cpu0 = treeCpuSeconds(process.pid);
  const t0 = performance.now();
  const split = splitAudio(media, { targetChunkMs: TARGET_CHUNK_MS });
  const segments = await transcribeOnWorkers({
    bus,
    store,
    tenant: 'bench',
    job: `bench_${workers}`,
    correlationId: 'bench',
    chunks: split.chunks,
  });
  const wallSec = (performance.now() - t0) / 1000;
  const cpuSec = treeCpuSeconds(process.pid) - cpu0;
  const { chunks } = await split.summary;
  runs.push({
    workers,
    chunks,
    chunksPerWorker: chunkWorkers.map((w) => w.stats.transcribed),
    wallSeconds: +wallSec.toFixed(2),
    // Wall time per audio second: < 1 is faster than real time.
    realTimeFactor: +(wallSec / audioSec).toFixed(4),
    cpuSeconds: +cpuSec.toFixed(2),
    cpuSecondsPerAudioSecond: +(cpuSec / audioSec).toFixed(4),
    wer: +wordErrorRate(reference, segments.map((s) => s.text).join(' ')).toFixed(4),
  });
  for (const w of chunkWorkers) await w.close();
  await Promise.all(engines.map((e) => e.close()));
  await bus.close();
}
await vad.close();

// The bare engine on the same 60 s chunks (the whole file at once is not what pocketsphinx_batch is for).
const pcms: Int16Array[] = [];
for await (const c of splitAudio(media, { targetChunkMs: TARGET_CHUNK_MS }).chunks) pcms.push(c.pcm);
type BareRun = { jobs: number; wallSeconds: number; realTimeFactor: number; cpuSeconds: number } & Record<
  string,
  number
>;
const bare: BareRun[] = [];
for (const jobs of [1, 2]) {
  console.error(`batch bench: pocketsphinx_batch, ${jobs} job(s)...`);
  const r = await runPocketsphinxBatch(pcms, { jobs });
  bare.push({
    jobs,
    wallSeconds: +(r.wallMs / 1000).toFixed(2),
    realTimeFactor: +(r.wallMs / 1000 / audioSec).toFixed(4),
    cpuSeconds: +r.cpuSec.toFixed(2),
    cpuSecondsPerAudioSecond: +(r.cpuSec / audioSec).toFixed(4),
    wer: +wordErrorRate(reference, r.hypotheses.join(' ')).toFixed(4),
  });
}
await rm(work, { recursive: true, force: true });

const one = runs[0]!;
const two = runs[1]!;
const report = {
  benchmark: 'batch-transcribe',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtStart: load },
  audio: { seconds: +audioSec.toFixed(1), loops, targetChunkMs: TARGET_CHUNK_MS, chunks: one.chunks },
  workers: runs,
  speedupTwoWorkers: +(one.wallSeconds / two.wallSeconds).toFixed(3),
  bare: { engine: 'pocketsphinx_batch (Debian, en-us, default search) on the same chunks', runs: bare },
  // Pipeline (split, VAD, bus, store) vs the bare engine with as many processes.
  wallRatioVsBare: runs.map((r, i) => +(r.wallSeconds / bare[i]!.wallSeconds).toFixed(3)),
};
const out = JSON.stringify(report, null, 2);
console.log(out);
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench/results/batch-transcribe.json'), `${out}\n`);

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${err.trim()}`))));
  });
}
