import { spawn } from 'node:child_process';
import type { Logger } from '@mi/telemetry';

export interface OcrResult {
  text: string;
  /** Mean word confidence, 0-1. */
  confidence?: number;
}

export interface OcrStats {
  runs: number;
  withText: number;
  /** Frames replaced in the queue by a newer one before OCR got to them. */
  skipped: number;
  failures: number;
  lastMs?: number;
}

export interface TesseractOptions {
  path?: string;
  language?: string;
  timeoutMs?: number;
  psm?: number;
}

/** Runs `tesseract stdin stdout tsv` on an image (PGM/PNG/JPEG bytes) and returns the TSV. */
export function runTesseract(image: Buffer, opts: TesseractOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(
      opts.path ?? 'tesseract',
      ['stdin', 'stdout', '-l', opts.language ?? 'eng', '--psm', String(opts.psm ?? 3), 'tsv'],
      // one thread: OCR runs beside live media and must not take every core
      { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OMP_THREAD_LIMIT: '1' } },
    );
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tesseract timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes <= 4 << 20) out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-2000);
    });
    child.stdin.on('error', () => undefined);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`tesseract exited with ${code}: ${err.trim()}`));
    });
    child.stdin.end(image);
  });
}

/**
 * Text from tesseract TSV: words at or above `minConfidence` with a letter or digit, one line
 * per text line; undefined when fewer than 3 letters/digits remain (noise).
 */
export function parseTesseractTsv(tsv: string, minConfidence = 40): OcrResult | undefined {
  const byLine = new Map<string, string[]>();
  let confSum = 0;
  let words = 0;
  for (const row of tsv.split('\n')) {
    const cols = row.split('\t');
    // level 5 rows are words; columns 2-4 number the block, paragraph and line
    if (cols.length < 12 || cols[0] !== '5') continue;
    const conf = Number(cols[10]);
    const word = (cols[11] ?? '').trim();
    if (!word || !Number.isFinite(conf) || conf < minConfidence || !/[\p{L}\p{N}]/u.test(word)) continue;
    const line = `${cols[2]}.${cols[3]}.${cols[4]}`;
    const list = byLine.get(line) ?? [];
    byLine.set(line, list);
    list.push(word);
    confSum += conf;
    words++;
  }
  const text = [...byLine.values()].map((w) => w.join(' ')).join('\n');
  if ((text.match(/[\p{L}\p{N}]/gu)?.length ?? 0) < 3) return undefined;
  return { text, confidence: Math.round((confSum / words) * 10) / 1000 };
}

/** Tesseract on one image, then `parseTesseractTsv`: undefined when the image has no readable text. */
export async function recognizeText(
  image: Buffer,
  opts: TesseractOptions & { minWordConfidence?: number } = {},
): Promise<OcrResult | undefined> {
  return parseTesseractTsv(await runTesseract(image, opts), opts.minWordConfidence ?? 40);
}

/**
 * One OCR at a time, at most one waiting: a newer frame replaces the waiting one (which gets
 * no text), so a slow OCR never builds a backlog behind live video.
 */
export class OcrQueue {
  #busy = false;
  #waiting: { image: Buffer; resolve: (r: OcrResult | undefined) => void } | undefined;

  constructor(
    private readonly run: (image: Buffer) => Promise<OcrResult | undefined>,
    private readonly onSkip: () => void = () => undefined,
  ) {}

  submit(image: Buffer): Promise<OcrResult | undefined> {
    return new Promise((resolve) => {
      if (!this.#busy) {
        this.#start(image, resolve);
        return;
      }
      if (this.#waiting) {
        this.#waiting.resolve(undefined);
        this.onSkip();
      }
      this.#waiting = { image, resolve };
    });
  }

  #start(image: Buffer, resolve: (r: OcrResult | undefined) => void): void {
    this.#busy = true;
    this.run(image)
      .catch(() => undefined)
      .then((r) => {
        resolve(r);
        this.#busy = false;
        const next = this.#waiting;
        this.#waiting = undefined;
        if (next) this.#start(next.image, next.resolve);
      });
  }
}

/** Tesseract behind an OcrQueue, counting runs; failures are logged and give no text. */
export class FrameOcr {
  readonly stats: OcrStats = { runs: 0, withText: 0, skipped: 0, failures: 0 };
  readonly #queue = new OcrQueue(
    (image) => this.#recognize(image),
    () => this.stats.skipped++,
  );

  constructor(private readonly opts: TesseractOptions & { minWordConfidence?: number; log: Logger }) {}

  recognize(image: Buffer): Promise<OcrResult | undefined> {
    return this.#queue.submit(image);
  }

  async #recognize(image: Buffer): Promise<OcrResult | undefined> {
    const started = Date.now();
    this.stats.runs++;
    try {
      const tsv = await runTesseract(image, this.opts);
      const result = parseTesseractTsv(tsv, this.opts.minWordConfidence ?? 40);
      if (result) this.stats.withText++;
      return result;
    } catch (err) {
      this.stats.failures++;
      this.opts.log.warn({ err }, 'OCR failed');
      return undefined;
    } finally {
      this.stats.lastMs = Date.now() - started;
    }
  }
}
