import { describe, expect, it } from 'vitest';
import { JpegSplitter } from './jpeg-splitter.ts';

describe('JpegSplitter', () => {
  // a minimal JPEG structure: SOI, APP0 holding FFD9, SOF0 (16x8), SOS + entropy data with stuffing and RST, EOI
  const sof = [0xff, 0xc0, 0, 11, 8, 0, 8, 0, 16, 1, 1, 0x11, 0];
  const sos = [0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0];
  const img = Buffer.from([
    0xff,
    0xd8,
    ...[0xff, 0xe0, 0, 4, 0xff, 0xd9],
    ...sof,
    ...sos,
    ...[0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56],
    0xff,
    0xd9,
  ]);

  it('splits concatenated JPEGs across arbitrary chunk boundaries and reads their size', () => {
    const stream = Buffer.concat([img, img, img]);
    for (const size of [1, 3, 7, stream.length]) {
      const splitter = new JpegSplitter();
      const out = [];
      for (let i = 0; i < stream.length; i += size) out.push(...splitter.push(stream.subarray(i, i + size)));
      expect(out.map((o) => [o.width, o.height, o.data.equals(img)])).toEqual([
        [16, 8, true],
        [16, 8, true],
        [16, 8, true],
      ]);
    }
  });

  it('skips garbage before an image', () => {
    const splitter = new JpegSplitter();
    const out = splitter.push(Buffer.concat([Buffer.from([1, 2, 0xff, 3]), img]));
    expect(out.map((o) => o.data.equals(img))).toEqual([true]);
  });
});
