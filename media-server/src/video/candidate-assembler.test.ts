import { describe, expect, it } from 'vitest';
import { type Candidate, CandidateAssembler } from './candidate-assembler.ts';

const jpeg = (n: number) => ({ data: Buffer.from([n]), width: 1, height: 1 });
const meta = (n: number) => ({ index: n, offsetMs: n * 100, score: 0 });

describe('CandidateAssembler', () => {
  it('pairs the i-th record, JPEG and grey frame, whichever arrives first', () => {
    const out: Candidate[] = [];
    const a = new CandidateAssembler({ withGray: true, onCandidate: (c) => out.push(c), onOutOfStep: () => {} });
    a.addJpegs([jpeg(0), jpeg(1)]);
    a.addMeta(meta(0));
    expect(out).toEqual([]);
    a.addGrays([Buffer.from('g0')]);
    a.addMeta(meta(1));
    a.addGrays([Buffer.from('g1')]);
    expect(out.map((c) => [c.index, c.jpeg.data[0], c.gray?.toString()])).toEqual([
      [0, 0, 'g0'],
      [1, 1, 'g1'],
    ]);
  });

  it('needs no grey frame without OCR, and drops the oldest of a runaway backlog', () => {
    const out: Candidate[] = [];
    const backlogs: number[] = [];
    const a = new CandidateAssembler({
      withGray: false,
      onCandidate: (c) => out.push(c),
      onOutOfStep: (n) => backlogs.push(n),
    });
    a.addJpegs(Array.from({ length: 20 }, (_, i) => jpeg(i)));
    expect(backlogs).toEqual([20]);
    a.addMeta(meta(0));
    expect(out.map((c) => [c.index, c.jpeg.data[0], c.gray])).toEqual([[0, 4, undefined]]);
  });
});
