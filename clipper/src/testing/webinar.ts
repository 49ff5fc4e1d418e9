// A generated webinar for tests and benchmarks: lavfi slides with titles (each on its own
// background, so the cuts are known to the frame) and a synthetic voice reading a known script.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SpeechOptions, synthesizeSpeech, writeWav } from '@mi/transcriber/testing';

export type WebinarSlide = { title: string; lines: string[] };

export type WebinarLine = { text: string; start: number; end: number };
export type GeneratedSlide = { title: string; start: number; end: number; lines: WebinarLine[] };

export type GeneratedWebinar = {
  path: string;
  durationMs: number;
  fps: number;
  width: number;
  height: number;
  slides: GeneratedSlide[];
  /** Times (ms) where a new slide appears, the first slide excluded. */
  cuts: number[];
  /** Every spoken line in order (the reference transcript). */
  lines: WebinarLine[];
};

/**
 * A product-launch webinar: slide titles OCR cleanly; the talk has commitments, a decision and
 * plenty of repeated keywords, in short common words the offline model knows well.
 */
export const webinarSlides: WebinarSlide[] = [
  {
    title: 'Welcome',
    lines: ['good morning everyone and welcome to the launch webinar', 'today we will look at the new product plan'],
  },
  {
    title: 'Product Plan',
    lines: [
      'the new product helps teams share notes after every meeting',
      'we decided to launch the product in march',
      'the team will test the product with ten customers first',
    ],
  },
  {
    title: 'Sales Numbers',
    lines: [
      'the sales numbers were better than last year',
      'sales grew in every region this year',
      'that is great news for the whole company',
    ],
  },
  {
    title: 'Next Steps',
    lines: [
      'i will send the report to the team by friday',
      'bob will call the customer on monday',
      'please share your questions with us after the webinar',
    ],
  },
  {
    title: 'Thank You',
    lines: ['thanks everyone for joining the webinar today', 'see you at the launch in march'],
  },
];

const BACKGROUNDS = ['0x1f3a80', '0xc04020', '0x208040', '0xd0a020', '0x6030a0', '0x20a0c0', '0xa02060'];
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const GAP_MS = 700;
const SLIDE_TAIL_MS = 900;
const CACHE_VERSION = 3;

export type WebinarOptions = {
  slides?: WebinarSlide[];
  speech?: SpeechOptions;
  fps?: number;
  width?: number;
  height?: number;
  /** Output directory (default a cache under os.tmpdir(): the same input is generated once). */
  dir?: string;
};

/** Builds (or reuses from the cache) an MP4 webinar: H.264 + AAC, one slide per section of the script. */
export async function generateWebinar(opts: WebinarOptions = {}): Promise<GeneratedWebinar> {
  const slides = opts.slides ?? webinarSlides;
  const speech = opts.speech ?? { engine: 'festival' };
  const fps = opts.fps ?? 25;
  const width = opts.width ?? 640;
  const height = opts.height ?? 360;
  const key = createHash('sha256')
    .update(JSON.stringify({ v: CACHE_VERSION, slides, speech, fps, width, height }))
    .digest('hex')
    .slice(0, 24);
  const dir = opts.dir ?? join(tmpdir(), 'mi-webinar-cache');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `webinar-${key}.mp4`);

  // Timeline: each line, then a pause; each slide ends a little after its last line.
  const audio: Int16Array[] = [];
  let t = 0;
  const laid: GeneratedSlide[] = [];
  const silence = (ms: number) => new Int16Array(Math.round((ms / 1000) * 16000));
  for (const slide of slides) {
    const start = t;
    const lines: WebinarLine[] = [];
    audio.push(silence(400));
    t += 400;
    for (const text of slide.lines) {
      const pcm = await synthesizeSpeech(text, speech);
      const ms = (pcm.length / 16000) * 1000;
      lines.push({ text, start: t, end: t + ms });
      audio.push(pcm, silence(GAP_MS));
      t += ms + GAP_MS;
    }
    audio.push(silence(SLIDE_TAIL_MS));
    t += SLIDE_TAIL_MS;
    // Slides change on a frame boundary.
    const end = Math.ceil((t / 1000) * fps - 1e-9) * (1000 / fps);
    audio.push(silence(end - t));
    // (the sample count rounds; times below stay exact on the frame grid)
    t = end;
    laid.push({ title: slide.title, start, end, lines });
  }
  const result: GeneratedWebinar = {
    path,
    durationMs: t,
    fps,
    width,
    height,
    slides: laid,
    cuts: laid.slice(1).map((s) => s.start),
    lines: laid.flatMap((s) => s.lines),
  };
  if (existsSync(path)) return result;

  const work = join(dir, `work-${key}-${process.pid}`);
  await mkdir(work, { recursive: true });
  try {
    const total = audio.reduce((n, a) => n + a.length, 0);
    const pcm = new Int16Array(total);
    let off = 0;
    for (const a of audio) {
      pcm.set(a, off);
      off += a.length;
    }
    await writeFile(join(work, 'voice.wav'), writeWav(pcm));
    const filters: string[] = [];
    for (const [i, s] of laid.entries()) {
      const textFile = join(work, `title-${i}.txt`);
      await writeFile(textFile, s.title);
      const between = `between(t,${(s.start / 1000).toFixed(3)},${(s.end / 1000 - 0.0005).toFixed(4)})`;
      filters.push(
        `drawbox=x=0:y=0:w=iw:h=ih:color=${BACKGROUNDS[i % BACKGROUNDS.length]}:t=fill:enable='${between}'`,
        `drawtext=fontfile=${FONT}:textfile=${textFile}:fontsize=${Math.round(height / 7)}:fontcolor=white:x=(w-text_w)/2:y=(h-text_h)/2:enable='${between}'`,
      );
    }
    const tmp = join(work, 'out.mp4');
    await ffmpeg([
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `color=c=black:s=${width}x${height}:r=${fps}:d=${(t / 1000).toFixed(3)}`,
      '-i',
      join(work, 'voice.wav'),
      '-vf',
      filters.join(','),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-g',
      String(fps * 4),
      '-c:a',
      'aac',
      '-b:a',
      '96k',
      '-ar',
      '48000',
      '-movflags',
      '+faststart',
      '-shortest',
      tmp,
    ]);
    await rename(tmp, path);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return result;
}

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${err.trim()}`))));
  });
}
