// Baseline: the bare Debian `pocketsphinx_batch` tool over a list of utterances (used by tests and benchmarks).
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '../testing/speech.ts';

/** A 16 kHz mono s16le file (.raw, or .wav which is unwrapped first), or the samples themselves. */
export type BatchInput = string | Int16Array;

export type PocketsphinxBatchOptions = {
  binary?: string;
  hmm?: string;
  lm?: string;
  dict?: string;
  /** Extra pocketsphinx_batch options. */
  args?: string[];
  /** Split the control file over this many pocketsphinx_batch processes (each loads the model). */
  jobs?: number;
};

export type PocketsphinxBatchResult = {
  /** One hypothesis per input, in input order ('' when nothing was recognised). */
  hypotheses: string[];
  /** Audio seconds and CPU seconds as reported by pocketsphinx_batch (summed over jobs). */
  speechSec: number;
  cpuSec: number;
  wallMs: number;
};

const MODEL = '/usr/share/pocketsphinx/model/en-us';

/**
 * Runs pocketsphinx_batch with its default search (fwdtree + fwdflat + bestpath) on raw audio files
 * listed in a control file. WAV input is converted to raw first: with `-adcin yes` the tool would
 * decode a WAV header as samples.
 */
export async function runPocketsphinxBatch(
  inputs: BatchInput[],
  opts: PocketsphinxBatchOptions = {},
): Promise<PocketsphinxBatchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mi-ps-batch-'));
  const t0 = performance.now();
  try {
    const ids = inputs.map((_, i) => `u${i}`);
    await Promise.all(inputs.map((input, i) => stageRaw(input, join(dir, `${ids[i]}.raw`))));
    const jobs = Math.max(1, Math.min(opts.jobs ?? 1, inputs.length));
    const per = Math.ceil(inputs.length / jobs);
    await writeFile(join(dir, 'utts.ctl'), ids.map((id) => `${id}\n`).join(''));
    const runs = await Promise.all(
      Array.from({ length: jobs }, (_, j) => runJob(dir, j, j * per, Math.min(per, inputs.length - j * per), opts)),
    );
    const byId = new Map<string, string>();
    for (const r of runs) for (const [id, text] of r.hyps) byId.set(id, text);
    return {
      hypotheses: ids.map((id) => byId.get(id) ?? ''),
      speechSec: runs.reduce((a, r) => a + r.speechSec, 0),
      cpuSec: runs.reduce((a, r) => a + r.cpuSec, 0),
      wallMs: performance.now() - t0,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function stageRaw(input: BatchInput, path: string): Promise<void> {
  if (typeof input !== 'string') return writeFile(path, Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  if (!input.toLowerCase().endsWith('.wav')) return copyFile(input, path);
  const wav = readWav(await readFile(input));
  if (wav.sampleRate !== 16000 || wav.channels !== 1) {
    throw new Error(`${input}: pocketsphinx_batch needs 16 kHz mono, got ${wav.sampleRate} Hz x${wav.channels}`);
  }
  await writeFile(path, Buffer.from(wav.samples.buffer, wav.samples.byteOffset, wav.samples.byteLength));
}

type JobResult = { hyps: Map<string, string>; speechSec: number; cpuSec: number };

async function runJob(dir: string, job: number, offset: number, count: number, opts: PocketsphinxBatchOptions) {
  const hypPath = join(dir, `job${job}.hyp`);
  const args = [
    ...['-hmm', opts.hmm ?? `${MODEL}/en-us`, '-lm', opts.lm ?? `${MODEL}/en-us.lm.bin`],
    ...['-dict', opts.dict ?? `${MODEL}/cmudict-en-us.dict`],
    ...['-adcin', 'yes', '-cepdir', dir, '-cepext', '.raw', '-ctl', join(dir, 'utts.ctl')],
    ...['-ctloffset', String(offset), '-ctlcount', String(count), '-hyp', hypPath],
    ...(opts.args ?? []),
  ];
  const log = await run(opts.binary ?? 'pocketsphinx_batch', args);
  const result: JobResult = { hyps: new Map(), speechSec: 0, cpuSec: 0 };
  // Lines look like: "some words here (u3 -12345)"
  for (const line of (await readFile(hypPath, 'utf8')).split('\n')) {
    const m = /^(.*?) ?\((\S+) -?\d+\)$/.exec(line.trim());
    if (m) result.hyps.set(m[2]!, m[1]!.trim());
  }
  const total = /TOTAL ([\d.]+) seconds speech, ([\d.]+) seconds CPU/.exec(log);
  if (total) {
    result.speechSec = Number(total[1]);
    result.cpuSec = Number(total[2]);
  }
  return result;
}

/** Runs a command and resolves with its stderr (pocketsphinx logs there), rejecting on failure. */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (s: string) => {
      err += s;
    });
    p.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    p.on('close', (code) => {
      if (code === 0) resolve(err);
      else reject(new Error(`${cmd} exited with ${code}: ${err.split('\n').slice(-5).join('\n')}`));
    });
  });
}
