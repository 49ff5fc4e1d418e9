import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type FrameMeta, frameMetaParser, isDecodeError, onLines, parseProgressLine } from './ffmpeg-output.ts';

describe('ffmpeg output parsing', () => {
  it('splits a text stream into lines across chunks, CRLF included, and flushes the last one', async () => {
    const stream = new PassThrough();
    const got: string[] = [];
    onLines(stream, (l) => got.push(l));
    stream.write('a\r\nb');
    stream.write('c\nd');
    stream.end();
    await new Promise((r) => stream.once('end', r));
    expect(got).toEqual(['a', 'bc', 'd']);
  });

  it('reads frame records from metadata=mode=print', () => {
    const frames: FrameMeta[] = [];
    const parse = frameMetaParser((m) => frames.push(m));
    for (const line of [
      'frame:0    pts:0       pts_time:0',
      'lavfi.scene_score=0.000000',
      'frame:1    pts:3000    pts_time:3',
      'lavfi.scene_score=0.512000',
      'lavfi.scene_score=0.9', // no record open: ignored
    ])
      parse(line);
    expect(frames).toEqual([
      { index: 0, offsetMs: 0, score: 0 },
      { index: 1, offsetMs: 3000, score: 0.512 },
    ]);
  });

  it('reads processed track time from -progress and recognises decoder errors', () => {
    expect(parseProgressLine('out_time_us=1234567')).toBe(1235);
    expect(parseProgressLine('out_time_us=N/A')).toBeUndefined();
    expect(parseProgressLine('frame=12')).toBeUndefined();
    expect(isDecodeError('[vp8 @ 0x55d] Discarding interframe without a prior keyframe!')).toBe(true);
    expect(isDecodeError('[sdp @ 0x55d] something else')).toBe(false);
  });
});
