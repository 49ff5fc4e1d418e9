import { describe, expect, it } from 'vitest';
import { OcrQueue, type OcrResult, parseTesseractTsv } from './ocr.ts';

describe('parseTesseractTsv', () => {
  it('keeps confident words from tesseract TSV and drops noise', () => {
    const row = (line: number, word: number, conf: number, text: string) =>
      ['5', '1', '1', '1', String(line), String(word), '0', '0', '1', '1', String(conf), text].join('\t');
    const tsv = [row(1, 1, 96, 'QUARTERLY'), row(1, 2, 95, 'REVIEW'), row(2, 1, 12, 'xx'), row(2, 2, 90, '—')].join(
      '\n',
    );
    expect(parseTesseractTsv(tsv)).toEqual({ text: 'QUARTERLY REVIEW', confidence: 0.955 });
    expect(parseTesseractTsv(row(1, 1, 20, 'zz'))).toBeUndefined();
  });
});

describe('OcrQueue', () => {
  it('runs one at a time and lets a newer frame replace the waiting one', async () => {
    const started: string[] = [];
    const finish: (() => void)[] = [];
    let skipped = 0;
    const queue = new OcrQueue(
      (image) =>
        new Promise<OcrResult>((resolve) => {
          started.push(image.toString());
          finish.push(() => resolve({ text: image.toString() }));
        }),
      () => skipped++,
    );
    const a = queue.submit(Buffer.from('a'));
    const b = queue.submit(Buffer.from('b'));
    const c = queue.submit(Buffer.from('c'));
    expect(started).toEqual(['a']);
    expect(await b).toBeUndefined();
    expect(skipped).toBe(1);
    finish.shift()!();
    expect(await a).toEqual({ text: 'a' });
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['a', 'c']);
    finish.shift()!();
    expect(await c).toEqual({ text: 'c' });
  });

  it('gives no text when a run fails, and carries on', async () => {
    let calls = 0;
    const queue = new OcrQueue(async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return { text: 'ok' };
    });
    expect(await queue.submit(Buffer.from('x'))).toBeUndefined();
    expect(await queue.submit(Buffer.from('y'))).toEqual({ text: 'ok' });
  });
});
