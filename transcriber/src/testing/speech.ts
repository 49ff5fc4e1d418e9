// Offline speech synthesis for tests and benchmarks (espeak-ng or festival), plus WAV helpers.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type TtsEngine = 'espeak-ng' | 'festival';
export type SpeechOptions = {
  /** espeak-ng voice (default 'en-us') or festival voice (default 'cmu_us_slt_arctic_hts'). */
  voice?: string;
  engine?: TtsEngine;
  /** Speaking rate in words per minute (espeak-ng default 175). */
  wpm?: number;
};

const SAMPLE_RATE = 16000;
const CACHE_VERSION = 1;
const FESTIVAL_VOICES = '/usr/share/festival/voices';

/**
 * 16 kHz mono s16le speech for `text`. Results are cached by content hash under
 * os.tmpdir()/mi-speech-cache, so repeated test runs do not synthesise again.
 */
export async function synthesizeSpeech(text: string, opts: SpeechOptions = {}): Promise<Int16Array> {
  const engine = opts.engine ?? 'espeak-ng';
  const voice = opts.voice ?? (engine === 'festival' ? 'cmu_us_slt_arctic_hts' : 'en-us');
  const key = JSON.stringify({ v: CACHE_VERSION, engine, voice, wpm: opts.wpm ?? null, text });
  const dir = join(tmpdir(), 'mi-speech-cache');
  const file = join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.raw`);
  const cached = await readFile(file).catch(() => undefined);
  if (cached) return toInt16(cached);
  const pcm = engine === 'festival' ? await festival(text, voice, opts.wpm) : await espeak(text, voice, opts.wpm);
  await mkdir(dir, { recursive: true });
  // Write then rename: parallel test workers may synthesise the same text at once.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  await rename(tmp, file);
  return pcm;
}

/** Festival voices installed on this machine (e.g. 'kal_diphone', 'cmu_us_slt_arctic_hts'). */
export async function festivalVoices(): Promise<string[]> {
  if (!existsSync(FESTIVAL_VOICES)) return [];
  const langs = await readdir(FESTIVAL_VOICES);
  const lists = await Promise.all(langs.map((l) => readdir(join(FESTIVAL_VOICES, l)).catch(() => [])));
  return lists.flat();
}

async function espeak(text: string, voice: string, wpm: number | undefined): Promise<Int16Array> {
  const dir = await mkdtemp(join(tmpdir(), 'mi-espeak-'));
  try {
    const wav = join(dir, 'out.wav');
    // Text on stdin so that it can never be read as an option.
    await run('espeak-ng', ['-v', voice, ...(wpm ? ['-s', String(wpm)] : []), '-w', wav], text);
    return await resample16k(wav);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function festival(text: string, voice: string, wpm: number | undefined): Promise<Int16Array> {
  if (!/^[\w-]+$/.test(voice)) throw new Error(`invalid festival voice name: ${voice}`);
  const dir = await mkdtemp(join(tmpdir(), 'mi-festival-'));
  try {
    const wav = join(dir, 'out.wav');
    const txt = join(dir, 'in.txt');
    await writeFile(txt, text);
    // Festival speaks at roughly 175 wpm; Duration_Stretch scales that.
    const stretch = wpm ? ['-eval', `(Parameter.set 'Duration_Stretch ${(175 / wpm).toFixed(3)})`] : [];
    await run('text2wave', ['-eval', `(voice_${voice})`, ...stretch, '-o', wav, txt]);
    return await resample16k(wav);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Any WAV to 16 kHz mono s16le, with sox, or ffmpeg when sox is missing. */
async function resample16k(wavPath: string): Promise<Int16Array> {
  const wav = readWav(await readFile(wavPath));
  if (wav.samples.length === 0) throw new Error('speech synthesis produced no audio (is the voice installed?)');
  if (wav.sampleRate === SAMPLE_RATE && wav.channels === 1) return wav.samples;
  const out = join(dirname(wavPath), 'out16k.raw');
  const sox = [
    '-q',
    wavPath,
    '-r',
    String(SAMPLE_RATE),
    '-c',
    '1',
    '-b',
    '16',
    '-e',
    'signed-integer',
    '-t',
    'raw',
    out,
  ];
  await run('sox', sox).catch(() =>
    run('ffmpeg', ['-v', 'error', '-y', '-i', wavPath, '-ar', String(SAMPLE_RATE), '-ac', '1', '-f', 's16le', out]),
  );
  return toInt16(await readFile(out));
}

function toInt16(buf: Buffer): Int16Array {
  // Copy: a Buffer from the pool may not be 2-byte aligned.
  const out = new Int16Array(Math.floor(buf.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(i * 2);
  return out;
}

function run(cmd: string, args: string[], stdin?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr?.setEncoding('utf8');
    p.stderr?.on('data', (s: string) => {
      err += s;
    });
    p.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${err.trim()}`))));
    if (stdin !== undefined) p.stdin?.end(stdin);
  });
}

export type Wav = { sampleRate: number; channels: number /** interleaved */; samples: Int16Array };

/** Parses a 16-bit PCM RIFF/WAVE file (any chunk layout). */
export function readWav(data: Uint8Array): Wav {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (b.length < 12 || b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  for (let off = 12; off + 8 <= b.length; ) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = {
        format: b.readUInt16LE(body),
        channels: b.readUInt16LE(body + 2),
        rate: b.readUInt32LE(body + 4),
        bits: b.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAV data chunk before fmt chunk');
      // WAVE_FORMAT_EXTENSIBLE (0xfffe) carries PCM too; streamed WAVs may claim a huge size.
      if ((fmt.format !== 1 && fmt.format !== 0xfffe) || fmt.bits !== 16) {
        throw new Error(`unsupported WAV encoding (format ${fmt.format}, ${fmt.bits} bits): need 16-bit PCM`);
      }
      const end = Math.min(b.length, body + size);
      return {
        sampleRate: fmt.rate,
        channels: fmt.channels,
        samples: toInt16(b.subarray(body, end - ((end - body) % 2))),
      };
    }
    off = body + size + (size % 2);
  }
  throw new Error('WAV file has no data chunk');
}

/** A canonical 44-byte-header 16-bit PCM WAV. */
export function writeWav(samples: Int16Array, sampleRate = SAMPLE_RATE, channels = 1): Buffer {
  const b = Buffer.alloc(44 + samples.length * 2);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + samples.length * 2, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * channels * 2, 28);
  b.writeUInt16LE(channels * 2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) b.writeInt16LE(samples[i]!, 44 + i * 2);
  return b;
}

export async function readWavFile(path: string): Promise<Wav> {
  return readWav(await readFile(path));
}

export async function writeWavFile(path: string, samples: Int16Array, sampleRate = SAMPLE_RATE): Promise<void> {
  await writeFile(path, writeWav(samples, sampleRate));
}
