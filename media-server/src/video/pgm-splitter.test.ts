import { describe, expect, it } from 'vitest';
import { PgmSplitter } from './pgm-splitter.ts';

const pgm = (w: number, h: number, fill: number) =>
  Buffer.concat([Buffer.from(`P5\n${w} ${h}\n255\n`, 'latin1'), Buffer.alloc(w * h, fill)]);

describe('PgmSplitter', () => {
  it('splits concatenated PGMs across arbitrary chunk boundaries', () => {
    const images = [pgm(4, 3, 1), pgm(2, 2, 2), pgm(5, 1, 3)];
    const stream = Buffer.concat(images);
    for (const size of [1, 5, stream.length]) {
      const splitter = new PgmSplitter();
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...splitter.push(stream.subarray(i, i + size)));
      expect(out.map((o, i) => o.equals(images[i]!))).toEqual([true, true, true]);
    }
  });

  it('resynchronises on the next header after garbage', () => {
    const splitter = new PgmSplitter();
    const out = splitter.push(Buffer.concat([Buffer.alloc(70, 0x41), pgm(2, 2, 9)]));
    expect(out).toHaveLength(1);
    expect(out[0]!.equals(pgm(2, 2, 9))).toBe(true);
  });
});
