import { describe, expect, it } from 'vitest';
import { buildFfmpegArgs, FFMPEG_FD, filterGraph, selectExpression } from './ffmpeg-args.ts';

const base = {
  sceneThreshold: 0.3,
  periodicMs: 30_000,
  ocr: true,
  ocrMaxWidth: 1920,
  thumbnailWidth: 320,
  thumbnailQuality: 5,
};

describe('ffmpeg command line', () => {
  it('selects the first frame, cuts and (when enabled) a periodic sample', () => {
    expect(selectExpression(0.3, 30_000)).toBe('isnan(prev_selected_t)+gt(scene,0.3)+gte(t-prev_selected_t,30)');
    expect(selectExpression(0.5, 0)).toBe('isnan(prev_selected_t)+gt(scene,0.5)');
  });

  it('splits selected frames into thumbnails and grey OCR frames only when OCR is on', () => {
    expect(filterGraph(base)).toBe(
      "[0:v]settb=1/1000,select='isnan(prev_selected_t)+gt(scene,0.3)+gte(t-prev_selected_t,30)'," +
        "metadata=mode=print:direct=1:file='pipe\\:3',split=2[c1][c2];[c1]scale=320:-2[thumb];" +
        "[c2]scale='min(iw,1920)':-2,format=gray[ocr]",
    );
    expect(filterGraph({ ...base, ocr: false })).toMatch(/file='pipe\\:3',scale=320:-2\[thumb\]$/);
  });

  it('writes each output to its own fd and the recording to a file', () => {
    const args = buildFfmpegArgs({ ...base, recording: { format: 'webm', path: '/tmp/x/rec.webm' } });
    const outputs = args.filter((a) => /^(pipe:\d|file:)/.test(a));
    expect(outputs).toEqual([
      'pipe:0',
      `pipe:${FFMPEG_FD.thumbnails}`,
      `pipe:${FFMPEG_FD.ocrFrames}`,
      'file:/tmp/x/rec.webm',
      `pipe:${FFMPEG_FD.progress}`,
    ]);
    const rec = args.indexOf('file:/tmp/x/rec.webm');
    expect(args.slice(rec - 8, rec)).toEqual(['-map', '0:v', '-c:v', 'copy', '-flush_packets', '1', '-f', 'webm']);
    const noExtras = buildFfmpegArgs({ ...base, ocr: false });
    expect(noExtras.filter((a) => /^(pipe:\d|file:)/.test(a))).toEqual(['pipe:0', 'pipe:1', 'pipe:5']);
    expect(noExtras).not.toContain('[ocr]');
  });

  it('decodes key frames only when asked to, before the input', () => {
    const args = buildFfmpegArgs({ ...base, decode: 'keyframes' });
    expect(args.slice(args.indexOf('-i') - 2, args.indexOf('-i'))).toEqual(['-skip_frame', 'nokey']);
    expect(buildFfmpegArgs(base)).not.toContain('-skip_frame');
  });
});
